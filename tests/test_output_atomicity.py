"""Outputs change all at once: a killed, concurrent or failing build never leaves a broken output folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sskg.errors import OutputError
from sskg.output import MARKER, published

from .conftest import EVIDENCE

SSKG = [sys.executable, "-m", "sskg.cli"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """The files sskg wrote, without the marker that lists them (tests/test_output_folders.py tests it)."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != MARKER}


def test_published_folder_swaps_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with published(out) as staging:
        (staging / "a.txt").write_text("one")
        (staging / "b.txt").write_text("one")
    with pytest.raises(RuntimeError):
        with published(out) as staging:
            (staging / "a.txt").write_text("two")
            raise RuntimeError("killed half-way")
    assert snapshot(out) == {"a.txt": b"one", "b.txt": b"one"}
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


def test_write_failure_is_a_clear_error_and_keeps_the_previous_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with published(out) as staging:
        (staging / "sskg.ttl").write_text("previous")
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))\n"  # a 'full disk' for files over 200 KB
        "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "from sskg.cli import main\n"
        f"sys.argv = ['sskg', 'build', '--evidence', {str(EVIDENCE)!r}, '--out', {str(out)!r}, '--reasoner', 'none']\n"
        "main()\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 2, completed.stderr
    assert "could not write" in completed.stderr and "Traceback" not in completed.stderr
    assert snapshot(out) == {"sskg.ttl": b"previous"}


def test_sigkill_at_random_moments_never_breaks_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.run([*SSKG, "build", "--evidence", str(EVIDENCE), "--out", str(out), "--reasoner", "rules"],
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    clean = snapshot(out)
    started = time.perf_counter()
    subprocess.run([*SSKG, "build", "--evidence", str(EVIDENCE), "--out", str(tmp_path / "timing"), "--reasoner", "rules"],
                   capture_output=True, timeout=300, check=True)
    duration = time.perf_counter() - started
    moments = 20
    for index in range(moments):
        process = subprocess.Popen([*SSKG, "build", "--evidence", str(EVIDENCE), "--out", str(out), "--reasoner", "rules"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(duration * (index + 0.5) / moments)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert snapshot(out) == clean, f"output changed after a kill at {index + 1}/{moments}"
    final = subprocess.run([*SSKG, "build", "--evidence", str(EVIDENCE), "--out", str(out), "--reasoner", "rules"],
                           capture_output=True, text=True, timeout=300)
    assert final.returncode == 0
    assert snapshot(out) == clean


def test_two_builds_at_once_leave_one_complete_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [*SSKG, "build", "--evidence", str(EVIDENCE), "--out", str(out), "--reasoner", "rules"]
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=300) == 0
    reference = tmp_path / "reference"
    subprocess.run([*SSKG, "build", "--evidence", str(EVIDENCE), "--out", str(reference), "--reasoner", "rules"],
                   capture_output=True, timeout=300, check=True)
    assert snapshot(out) == snapshot(reference)


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError):
        with published(blocker / "out"):
            pass
