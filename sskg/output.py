"""Publish a whole output folder at once: readers see the previous build or the new one, never a mixture.

Files are written into a staging folder beside the output folder; when all are complete, the two folders are
exchanged in one atomic `renameat2(RENAME_EXCHANGE)` call (Linux), and the old build is removed. A lock keeps two
builds of the same folder from interleaving. A build killed at any moment leaves the previous output untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sskg.errors import OutputError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _exchange(first: Path, second: Path) -> None:
    if _libc.renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


@contextmanager
def published(out_dir: Path) -> Iterator[Path]:
    """Yield a staging folder; on normal exit it becomes `out_dir` atomically."""
    out_dir = out_dir.resolve()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock = open(parent / f".{out_dir.name}.lock", "w")  # noqa: SIM115 - held for the whole publication
    except OSError as error:
        raise OutputError(f"cannot create the output folder: {error.strerror}", file=str(out_dir),
                          fix="choose a writable --out folder") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _remove_leftovers(parent, out_dir.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=parent))
        try:
            yield staging
            try:
                if out_dir.exists():
                    _exchange(staging, out_dir)  # staging now holds the previous build
                else:
                    os.rename(staging, out_dir)
            except OSError as error:
                raise OutputError(f"could not publish the build: {error.strerror}", file=str(out_dir),
                                  fix="check that --out names a folder on a local file system you can write") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(staging, ignore_errors=True)  # the previous build, or nothing


def _remove_leftovers(parent: Path, name: str) -> None:
    """Staging folders of builds that were killed (safe: we hold the lock)."""
    for leftover in parent.glob(f".{name}.staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """A fresh hidden folder inside `out_dir` (made if need be) for files not yet to be seen; it is removed,
    with whatever is left in it, on exit."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    except OSError as error:
        raise OutputError(f"cannot write in the output folder: {error.strerror}", file=str(out_dir),
                          fix="choose a writable --out folder") from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
