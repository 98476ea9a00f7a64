"""Run independent jobs in forked worker processes, so a 2-core machine renders two outputs at once.

Workers are forked: they read the parent's built graph without copying or pickling it; only their
results and errors travel back.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

from sskg.errors import SskgError

T = TypeVar("T")
_jobs: Sequence[Callable[[], object]] = ()


def run_jobs(jobs: Sequence[Callable[[], T]], workers: int | None = None) -> list[T]:
    """Each job's result, in order. Jobs start in the order given: put the longest first."""
    global _jobs
    workers = min(workers or len(os.sched_getaffinity(0)), len(jobs))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [job() for job in jobs]
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
