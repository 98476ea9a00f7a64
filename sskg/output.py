"""Output folders: sskg replaces only what it wrote, and publishes a whole build at once.

Every folder sskg writes into holds a marker, `.sskg-output.json`, listing the files it wrote there. An --out folder
is taken only if it is new, empty, or holds nothing but files such a marker lists (its own, or one of a folder above
it: `build/views` of a build); anything else is refused before a byte is written: a folder with someone's files, a
file, the current folder, or (for a build) the evidence folder, a folder inside it or one that holds it.

A build is written into a staging folder beside the output folder; when all is complete, the two folders are
exchanged in one atomic `renameat2(RENAME_EXCHANGE)` call (Linux), and the old build is removed. A lock keeps two
builds of the same folder from interleaving. A build killed at any moment leaves the previous output untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sskg.errors import OutputError
from sskg.rdf_io import atomic_write

MARKER = ".sskg-output.json"
_STAGING_PREFIX = ".staging-"  # staging_folder's, inside an output folder; left behind only by a killed run

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _exchange(first: Path, second: Path) -> None:
    if _libc.renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def claim(out_dir: Path, inputs: Mapping[str, Path] | None = None) -> None:
    """Refuse an output folder that is not sskg's to write (OutputError, exit 2); `inputs` (what -> folder) must
    stay clear of it."""
    target = out_dir.resolve()
    if target == Path.cwd().resolve():
        _refuse(out_dir, "is the current folder", "name a new folder for the outputs, e.g. --out build")
    for what, source in (inputs or {}).items():
        held = source.resolve()
        if target == held or target in held.parents or held in target.parents:
            relation = "is" if target == held else "holds" if target in held.parents else "is inside"
            _refuse(out_dir, f"{relation} the {what} {source}", "write the outputs to a folder of their own, e.g. --out build")
    if target.exists() and not target.is_dir():
        _refuse(out_dir, "is a file, not a folder", "name a folder for the outputs")
    if not target.exists():
        return
    owner, listed = _owner(target)
    foreign = sorted(entry for entry in _entries(target, owned=owner is not None) if entry not in listed)
    if foreign:
        count = f"{len(foreign)} file{'s' if len(foreign) > 1 else ''}"
        _refuse(out_dir, f"holds {count} sskg did not write, e.g. {foreign[0].relative_to(target)}",
                f"move them out, or choose a new or empty folder: sskg replaces only what it wrote (listed in {MARKER})")


def record(out_dir: Path, written: Iterable[Path]) -> None:
    """Add written files to the marker of the folder that owns `out_dir` (its own marker, made if need be)."""
    target = out_dir.resolve()
    owner, listed = _owner(target)
    owner = owner or target
    _write_marker(owner, listed | {path.resolve() for path in written})


def _refuse(out_dir: Path, problem: str, fix: str) -> None:
    raise OutputError(f"--out {out_dir} {problem}; nothing was written", fix=fix)


def _owner(folder: Path) -> tuple[Path | None, set[Path]]:
    """The nearest folder at or above `folder` holding a marker, and the files it lists (absolute)."""
    for candidate in (folder, *folder.parents):
        marker = candidate / MARKER
        if marker.is_file():
            try:
                names = json.loads(marker.read_text(encoding="utf-8"))["files"]
            except (OSError, ValueError, KeyError, TypeError):
                return None, set()  # not a marker sskg wrote: the folder is treated as someone else's
            return candidate, {candidate / name for name in names if isinstance(name, str)}
    return None, set()


def _entries(folder: Path, owned: bool) -> Iterator[Path]:
    """Everything below `folder` that is not a folder of listed files: files, links, and folders of nothing."""
    for root, folders, files in os.walk(folder):
        here = Path(root)
        if owned and here == folder:
            folders[:] = [name for name in folders if not name.startswith(_STAGING_PREFIX)]
        for name in folders:
            if (here / name).is_symlink() or not any((here / name).iterdir()):
                yield here / name
        yield from (here / name for name in files if name != MARKER)


def _write_marker(folder: Path, files: Iterable[Path]) -> None:
    names = sorted({str(path.relative_to(folder)) for path in files if path.name != MARKER})
    with atomic_write(folder / MARKER) as stream:
        stream.write(json.dumps({"written by": "sskg: files it may replace", "files": names}, indent=1) + "\n")


@contextmanager
def published(out_dir: Path) -> Iterator[Path]:
    """Yield a staging folder; on normal exit it becomes `out_dir` atomically, marked as sskg's."""
    claim(out_dir)
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
            claim(out_dir)  # again, under the lock: nothing of anyone else's came in meanwhile
            _write_marker(staging, (Path(root) / name for root, _, files in os.walk(staging) for name in files))
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
