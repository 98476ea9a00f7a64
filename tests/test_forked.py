"""Forked output workers: results in order, from other processes, and errors come back intact."""

from __future__ import annotations

import gc
import os
import weakref

import pytest

from sskg.errors import OutputError
from sskg import forked
from sskg.forked import run_jobs
from sskg.gc_pause import gc_paused


def _fail_clearly() -> str:
    raise OutputError("disk full", file="out/sskg.nt", fix="free some space")


def _fail_badly() -> str:
    raise KeyError("missing")


def test_results_come_back_in_order_from_worker_processes() -> None:
    parent = os.getpid()
    results = run_jobs([lambda index=index: (index, os.getpid()) for index in range(5)], workers=2)
    assert [index for index, _ in results] == [0, 1, 2, 3, 4]
    assert parent not in {pid for _, pid in results}


def test_one_worker_runs_in_this_process() -> None:
    assert run_jobs([os.getpid, os.getpid], workers=1) == [os.getpid()] * 2


def test_a_job_error_is_raised_with_its_file_and_fix() -> None:
    with pytest.raises(OutputError) as caught:
        run_jobs([lambda: "fine", _fail_clearly], workers=2)
    assert (caught.value.message, caught.value.file, caught.value.fix) == ("disk full", "out/sskg.nt", "free some space")


def test_an_unexpected_error_carries_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="KeyError: 'missing'"):
        run_jobs([lambda: "fine", _fail_badly], workers=2)


def test_jobs_run_here_when_free_memory_would_not_hold_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    assert forked.affordable_workers() >= 1
    pages = {"SC_AVPHYS_PAGES": 1, "SC_PAGE_SIZE": 4096}  # 4 KiB free: less than this process's size
    monkeypatch.setattr(forked.os, "sysconf", lambda name: pages[name])
    assert forked.affordable_workers() == 1
    assert run_jobs([os.getpid, os.getpid]) == [os.getpid()] * 2


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_a_job_run_here_leaves_no_cyclic_garbage_though_collection_is_paused() -> None:
    refs: list[weakref.ref[_Node]] = []

    def job() -> int:
        refs.append(weakref.ref(_Node()))
        return len(refs)

    kept = _Node()  # made before the jobs: frozen while they run, and alive after
    with gc_paused():
        assert run_jobs([job, job], workers=1) == [1, 2]
        assert [ref() for ref in refs] == [None, None]
    assert kept.me is kept and gc.get_freeze_count() == 0
