"""Run independent jobs in forked worker processes, so a 2-core machine renders two outputs at once
when its memory allows (else one after another, here).

Workers are forked: they read the parent's built graph without pickling it; only their results and
errors travel back.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import resource
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

from sskg.errors import SskgError

T = TypeVar("T")
_jobs: Sequence[Callable[[], object]] = ()


def run_jobs(jobs: Sequence[Callable[[], T]], workers: int | None = None) -> list[T]:
    """Each job's result, in order. Jobs start in the order given: put the longest first.

    `workers` defaults to what the machine affords (see `affordable_workers`); with one, the jobs run
    here, one after another.
    """
    global _jobs
    workers = min(workers or affordable_workers(), len(jobs))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_collected(job) for job in jobs]
    _jobs = jobs
    try:
        # A fresh worker per job: what a job allocated goes with its process (the workers do not collect garbage).
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=1) as pool:
            outcomes = pool.map(_run, range(len(jobs)), chunksize=1)
    finally:
        _jobs = ()
    for failed, value in outcomes:
        if failed:
            raise _rebuilt(value)
    return [value for _, value in outcomes]  # type: ignore[misc]


def affordable_workers() -> int:
    """One worker per CPU, as many as free memory allows.

    A forked worker shares this process's memory only until it writes to it, and reading a Python object
    writes its reference count: a worker that reads the whole graph comes to copy most of it. So each
    worker is counted at this process's peak size; when not even one fits, the jobs run here instead.
    """
    free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return max(1, min(len(os.sched_getaffinity(0)), free // max(peak, 1)))


def _collected(job: Callable[[], T]) -> T:
    """Run `job` here, then free its garbage even while collection is paused (as it is for the build);
    the objects that existed before are frozen, so the collection walks only the job's own."""
    gc.freeze()
    try:
        return job()
    finally:
        gc.collect()
        gc.unfreeze()


def _run(index: int) -> tuple[bool, object]:
    try:
        return False, _jobs[index]()
    except SskgError as error:  # a dataclass: send its fields, not the object (its pickle needs the arguments)
        return True, (type(error), {field.name: getattr(error, field.name) for field in dataclasses.fields(error) if field.init})
    except Exception:  # noqa: BLE001 - any other failure comes back as its traceback text
        return True, (RuntimeError, {"text": traceback.format_exc()})


def _rebuilt(failure: object) -> Exception:
    kind, fields = failure  # type: ignore[misc]
    if kind is RuntimeError:
        return RuntimeError(f"an output worker failed:\n{fields['text']}")
    return kind(**fields)
