"""Run work in forked processes: independent jobs two at a time on a 2-core machine when memory allows (else
one after another, here), and work that must stop at a deadline (`within`).

Workers are forked: they read the parent's built graph without pickling it; only their results and
errors travel back.
"""

from __future__ import annotations

import dataclasses
import gc
import math
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


class Overtime(Exception):
    """The work did not finish by its deadline; its process was killed."""


class Vanished(Exception):
    """The work's process ended without an answer (killed, or out of memory)."""


def within(seconds: float, work: Callable[[], T]) -> T:
    """`work()` in a forked child that is killed once `seconds` have passed: its result, or the error it raised.

    Native code (Oxigraph) cannot be interrupted from inside, and a socket timeout bounds each read, not the whole
    exchange (a server sending a byte a second never trips it): a process that is killed stops everything.
    """
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"a deadline must be a positive number of seconds, not {seconds!r}")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        sender.send(_outcome(work))

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise Overtime(f"not finished after {seconds:g} s")
        failed, value = receiver.recv()
    except EOFError:
        raise Vanished("the process ended without an answer") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if failed:
        raise _rebuilt(value)
    return value  # type: ignore[return-value]


def _run(index: int) -> tuple[bool, object]:
    return _outcome(_jobs[index])


def _outcome(job: Callable[[], object]) -> tuple[bool, object]:
    """(False, result), or (True, the error as fields that pickle)."""
    try:
        return False, job()
    except SskgError as error:  # a dataclass: send its fields, not the object (its pickle needs the arguments)
        return True, (type(error), {field.name: getattr(error, field.name) for field in dataclasses.fields(error) if field.init})
    except Exception:  # noqa: BLE001 - any other failure comes back as its traceback text
        return True, (RuntimeError, {"text": traceback.format_exc()})


def _rebuilt(failure: object) -> Exception:
    kind, fields = failure  # type: ignore[misc]
    if kind is RuntimeError:
        return RuntimeError(f"an output worker failed:\n{fields['text']}")
    return kind(**fields)
