"""Defence in depth: while a query is evaluated or evidence is loaded, no network and no stray files.

The parser-level guards (queries/safety.py, graphbuild/rdf_io.py) refuse SERVICE, FROM, remote contexts and the
like before anything runs. This audit hook is the second wall: inside `confined(...)` any socket connection, DNS
look-up, subprocess, or file opened outside the allowed folders (the data, the output and Python's own library
folders) raises `ConfinementError`, whatever Python code path tried it.

Oxigraph's native code is seen neither by audit hooks nor by a check of rdflib's parse of a query (the two parsers
can disagree, e.g. on escapes). So queries are evaluated in `offline_thread`: a thread the kernel itself keeps off the
network (a seccomp filter makes every socket() and io_uring_setup() fail with EACCES), whatever the engine parsed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sskg.errors import UnsafeInputError

T = TypeVar("T")

_NETWORK_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "urllib.Request"}
_PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn"}
_allowed: tuple[str, ...] | None = None
_installed = False


class ConfinementError(UnsafeInputError):
    """An operation outside what a query or load may do."""

    def __init__(self, message: str) -> None:
        super().__init__(message, fix="this is refused by design: queries and loads work on local data only")


def _library_roots() -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots.update(entry for entry in sys.path if entry)
    return [str(Path(root).resolve()) for root in roots]


def _hook(event: str, args: tuple[object, ...]) -> None:
    if _allowed is None:
        return
    if event in _NETWORK_EVENTS:
        raise ConfinementError(f"network access refused during query or load ({event})")
    if event in _PROCESS_EVENTS:
        raise ConfinementError(f"starting a process refused during query or load ({event})")
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if not any(path == root or path.startswith(root + os.sep) for root in _allowed):
            raise ConfinementError(f"opening {path} refused during query or load")


@contextmanager
def confined(folders: Iterable[Path]) -> Iterator[None]:
    """Within this block only the given folders (and Python's libraries) may be opened, and nothing else leaves."""
    global _allowed, _installed
    if not _installed:
        sys.addaudithook(_hook)  # hooks cannot be removed; outside `confined` it does nothing
        _installed = True
    previous = _allowed
    _allowed = tuple(str(Path(folder).resolve()) for folder in folders) + tuple(_library_roots())
    try:
        yield
    finally:
        _allowed = previous


# --- a thread without network: a seccomp filter -----------------------------------------------------

# machine -> (AUDIT_ARCH_* of its native system call ABI, numbers of socket() and io_uring_setup(), first number of
# another ABI sharing that arch value: x86-64's x32 calls, refused wholesale).
_ARCHES = {
    "x86_64": (0xC000003E, (41, 425), 0x40000000),
    "aarch64": (0xC00000B7, (198, 425), None),
}
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_LOAD_WORD, _JUMP_IF_EQUAL, _JUMP_IF_AT_LEAST, _RETURN = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K
_ALLOW, _REFUSE = 0x7FFF0000, 0x00050000 | errno.EACCES  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO(EACCES)


class _FilterProgram(ctypes.Structure):
    _fields_ = [("length", ctypes.c_ushort), ("instructions", ctypes.c_char_p)]


def _filter_program() -> bytes:
    """BPF: refuse calls of another ABI, socket() and io_uring_setup() (it can open sockets too); allow the rest."""
    arch, refused, other_abi = _ARCHES[platform.machine()]

    def step(code: int, value: int, if_true: int = 0, if_false: int = 0) -> bytes:
        return struct.pack("HBBI", code, if_true, if_false, value)

    tests = [step(_JUMP_IF_AT_LEAST, other_abi)] if other_abi is not None else []
    tests += [step(_JUMP_IF_EQUAL, number) for number in refused]
    # Each test jumps, when it holds, over the remaining tests and the ALLOW to the final REFUSE.
    tests = [test[:2] + bytes([len(tests) - index]) + test[3:] for index, test in enumerate(tests)]
    return b"".join([
        step(_LOAD_WORD, 4), step(_JUMP_IF_EQUAL, arch, 1, 0), step(_RETURN, _REFUSE),  # seccomp_data.arch
        step(_LOAD_WORD, 0), *tests, step(_RETURN, _ALLOW), step(_RETURN, _REFUSE),  # seccomp_data.nr
    ])


def _refuse_network_in_this_thread() -> None:
    if sys.platform != "linux" or platform.machine() not in _ARCHES:
        raise ConfinementError(f"sskg runs SPARQL only where the kernel can keep it off the network (Linux on "
                               f"{' or '.join(_ARCHES)}); this is {sys.platform} on {platform.machine()}")
    program = _filter_program()
    libc = ctypes.CDLL(None, use_errno=True)
    # no_new_privs lets an unprivileged thread install a filter; both bind this thread and the threads it starts.
    if (libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(
            _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(_FilterProgram(len(program) // 8, program)), 0, 0) != 0):
        raise ConfinementError(f"the kernel refused the filter that keeps queries off the network: "
                               f"{os.strerror(ctypes.get_errno())}")


def offline_thread(work: Callable[[], T]) -> T:
    """Run `work` in a new thread that cannot open a socket; return its result or raise its exception."""
    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            _refuse_network_in_this_thread()
            outcome.append((True, work()))
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            outcome.append((False, error))

    thread = threading.Thread(target=run, name="sskg-offline", daemon=True)
    thread.start()
    thread.join()
    succeeded, value = outcome[0]
    if not succeeded:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
