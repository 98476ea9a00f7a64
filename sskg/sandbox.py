"""Defence in depth: while a query is evaluated or evidence is loaded, no network and no stray files.

The parser-level guards (queries/safety.py, graphbuild/rdf_io.py) refuse SERVICE, FROM, remote contexts and the
like before anything runs. This audit hook is the second wall: inside `confined(...)` any socket connection, DNS
look-up, subprocess, or file opened outside the allowed folders (the data, the output and Python's own library
folders) raises `ConfinementError`, whatever Python code path tried it. (Oxigraph's native code is not seen by
Python's audit hooks; for it the parser-level refusal is what holds.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sskg.errors import UnsafeInputError

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
