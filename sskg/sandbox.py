"""Defence in depth: while a query is evaluated or evidence is loaded, no network and no stray files.

The parser-level guards (queries/safety.py, sskg/rdf_io.py) refuse SERVICE, FROM, remote contexts and the
like before anything runs. This audit hook is the second wall: inside `confined(...)` any socket connection, DNS
look-up, subprocess, or file opened outside the allowed folders (the data, the output and Python's own library
folders) raises `ConfinementError`, whatever Python code path tried it.

Oxigraph's native code is seen neither by audit hooks nor by a check of rdflib's parse of a query (the two parsers
can disagree, e.g. on escapes). So queries are evaluated in `offline_thread`: a thread the kernel itself keeps off the
network, whatever the engine parsed. A seccomp filter stops its every socket() and io_uring_setup() call; the calling
thread is told of each one, answers it with EACCES and then raises `NetworkAttempt`, so even an attempt the engine
would hide (SERVICE SILENT) is reported, and the work's answer discarded.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import select
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from sskg.errors import UnsafeInputError

T = TypeVar("T")

_NETWORK_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "urllib.Request"}
_PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn"}
_allowed: tuple[str, ...] | None = None
_installed = False


@dataclass
class ConfinementError(UnsafeInputError):
    """An operation outside what a query or load may do."""

    fix: str | None = "this is refused by design: queries and loads work on local data only"


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

class NetworkAttempt(ConfinementError):
    """Work run in `offline_thread` tried to open a socket (and was refused)."""


# machine -> (AUDIT_ARCH_* of its native system call ABI; the numbers of socket() and io_uring_setup() (it can open
# sockets too), then of seccomp(); the first number of another ABI under that arch value: x86-64's x32, refused whole).
_ARCHES = {
    "x86_64": (0xC000003E, (41, 425), 317, 0x40000000),
    "aarch64": (0xC00000B7, (198, 425), 277, None),
}
_PR_SET_NO_NEW_PRIVS, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_NEW_LISTENER = 38, 1, 1 << 3
_LOAD_WORD, _JUMP_IF_EQUAL, _JUMP_IF_AT_LEAST, _RETURN = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K
_ALLOW, _NOTIFY, _REFUSE = 0x7FFF0000, 0x7FC00000, 0x00050000 | errno.EACCES  # SECCOMP_RET_ALLOW, _USER_NOTIF, _ERRNO
# struct seccomp_notif (80 bytes) and seccomp_notif_resp (24 bytes), and their ioctls: _IOWR('!', 0 and 1, size).
_NOTICE_SIZE, _NOTIF_RECV, _NOTIF_SEND = 80, 0xC0502100, 0xC0182101


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


class _FilterProgram(ctypes.Structure):
    _fields_ = [("length", ctypes.c_ushort), ("instructions", ctypes.c_char_p)]


def _filter_program(action: int) -> bytes:
    """BPF: `action` for socket(), io_uring_setup() and calls of another ABI; refuse other archs; allow the rest."""
    arch, stopped, _, other_abi = _ARCHES[platform.machine()]

    def step(code: int, value: int, if_true: int = 0, if_false: int = 0) -> bytes:
        return struct.pack("HBBI", code, if_true, if_false, value)

    tests = [step(_JUMP_IF_AT_LEAST, other_abi)] if other_abi is not None else []
    tests += [step(_JUMP_IF_EQUAL, number) for number in stopped]
    # Each test jumps, when it holds, over the remaining tests and the ALLOW to the final action.
    tests = [test[:2] + bytes([len(tests) - index]) + test[3:] for index, test in enumerate(tests)]
    return b"".join([
        step(_LOAD_WORD, 4), step(_JUMP_IF_EQUAL, arch, 1, 0), step(_RETURN, _REFUSE),  # seccomp_data.arch
        step(_LOAD_WORD, 0), *tests, step(_RETURN, _ALLOW), step(_RETURN, action),  # seccomp_data.nr
    ])


def _stop_network_in_this_thread() -> int:
    """Install the filter on the calling thread (and the threads it starts); the fd its stopped calls are told on."""
    if sys.platform != "linux" or platform.machine() not in _ARCHES:
        raise ConfinementError(f"sskg runs SPARQL only where the kernel can keep it off the network (Linux on "
                               f"{' or '.join(_ARCHES)}); this is {sys.platform} on {platform.machine()}")
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:  # lets an unprivileged thread install a filter
        raise ConfinementError(f"cannot restrict the query thread: {os.strerror(ctypes.get_errno())}")
    program = _filter_program(_NOTIFY)
    listener = libc.syscall(ctypes.c_long(_ARCHES[platform.machine()][2]), _SECCOMP_SET_MODE_FILTER,
                            _SECCOMP_FILTER_FLAG_NEW_LISTENER, ctypes.byref(_FilterProgram(len(program) // 8, program)))
    if listener < 0:
        raise ConfinementError(f"the kernel refused the filter that keeps queries off the network: "
                               f"{os.strerror(ctypes.get_errno())}")
    return int(listener)


def _answer_stopped_calls(listener: int, done: int) -> int:
    """Refuse each stopped call of the filtered thread with EACCES until `done` is readable; how many there were."""
    libc = _libc()
    poller = select.poll()
    poller.register(listener, select.POLLIN)
    poller.register(done, select.POLLIN)
    attempts = 0
    while True:
        ready = {fd for fd, _ in poller.poll()}
        if listener in ready:
            notice = ctypes.create_string_buffer(_NOTICE_SIZE)  # zeroed, as the kernel requires
            if libc.ioctl(listener, _NOTIF_RECV, notice) == 0:
                attempts += 1
                call_id = struct.unpack_from("Q", notice.raw)[0]
                response = ctypes.create_string_buffer(struct.pack("QqiI", call_id, 0, -errno.EACCES, 0))
                libc.ioctl(listener, _NOTIF_SEND, response)  # fails only if the call was abandoned meanwhile
        if done in ready:
            return attempts


def _release_frames(error: BaseException | None) -> None:
    """Free what the finished frames of an exception (and of its cause and context) hold, in this thread.

    Engines' objects may be bound to the thread that made them (pyoxigraph's results panic when freed elsewhere).
    """
    while error is not None:
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


def offline_thread(work: Callable[[], T]) -> T:
    """Run `work` in a new thread that cannot open a socket; return its result or raise its exception.

    Raises NetworkAttempt instead if the work tried to open a socket, whatever it made of the refusal.
    """
    outcome: list[tuple[bool, object]] = []
    listener: list[int] = []
    started = threading.Event()
    done_read, done_write = os.pipe()

    def run() -> None:
        try:
            listener.append(_stop_network_in_this_thread())
            started.set()
            outcome.append((True, work()))
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            _release_frames(error)
            outcome.append((False, error))
        finally:
            started.set()
            os.write(done_write, b"x")

    thread = threading.Thread(target=run, name="sskg-offline", daemon=True)
    try:
        thread.start()
        started.wait()
        attempts = _answer_stopped_calls(listener[0], done_read) if listener else 0
        thread.join()
    finally:
        for fd in (*listener, done_read, done_write):
            os.close(fd)
    if attempts:
        raise NetworkAttempt(f"the work tried to open a network connection {attempts} time(s); refused")
    succeeded, value = outcome[0]
    if not succeeded:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
