"""The endpoint's query workers: processes that each load the graph once and answer one job at a time.

A job that outlives the time limit is killed together with its worker, which is replaced, so one runaway query
never blocks other clients: neither rdflib's Python loop nor Oxigraph's native code can be interrupted from inside.
"""

from __future__ import annotations

import multiprocessing
import queue
import resource
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from pathlib import Path

from rdflib import Graph

from sskg.errors import QueryError, SskgError

from .answers import Job, answer
from .http_app import Reply, error_reply
from .runner import load_graph

REPLACE_ATTEMPTS = 5  # a successor that dies while loading is replaced this many times before giving up


def _worker_main(graph_path: Path, conn: Connection, max_rows: int, max_memory_mb: int) -> None:
    """Load the graph once, report readiness (None) or the reason it failed, then answer jobs until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops the workers
    limit = max_memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))  # a runaway query gets MemoryError, not the OOM killer
    try:
        try:
            graph = load_graph(graph_path)
        except SskgError as error:
            conn.send(str(error))
            return
        except MemoryError:
            conn.send(f"the graph does not fit in {max_memory_mb} MB; raise --max-memory")
            return
        conn.send(None)
        while True:
            conn.send(_reply(graph, conn.recv(), max_rows))
    except (EOFError, BrokenPipeError):
        return  # the server closed the pipe or exited


def _reply(graph: Graph, job: Job, max_rows: int) -> Reply:
    try:
        return answer(graph, job, max_rows)
    except QueryError as error:
        return error_reply(400, str(error))
    except MemoryError:
        return error_reply(503, "the query needed more memory than the server allows; narrow it or raise --max-memory",
                           retire_worker=True)
    except Exception:  # noqa: BLE001 - the client gets a short message, the log gets the details
        traceback.print_exc(file=sys.stderr)
        return error_reply(500, "internal error while running the query (details are in the server log)")


class _Worker:
    def __init__(self, context: SpawnContext, graph: Path, max_rows: int, max_memory_mb: int) -> None:
        self.conn, child_end = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(graph, child_end, max_rows, max_memory_mb), daemon=True)
        self.process.start()
        child_end.close()

    def wait_ready(self) -> None:
        """Block until the worker has loaded the graph; raise QueryError saying why it could not."""
        while not self.conn.poll(0.5):
            if not self.process.is_alive():
                raise QueryError("a query worker stopped while loading the graph", fix="see the messages above")
        try:
            failure = self.conn.recv()
        except EOFError:
            raise QueryError("a query worker stopped while loading the graph", fix="see the messages above") from None
        if failure is not None:
            raise QueryError(failure)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """Processes that each hold the graph; a worker whose job overruns is killed and replaced."""

    def __init__(self, graph: Path, workers: int, max_rows: int, max_memory_mb: int, queue_timeout: float) -> None:
        self._worker_args = (graph, max_rows, max_memory_mb)
        self._size = workers
        self._queue_timeout = queue_timeout
        self._context = multiprocessing.get_context("spawn")  # forking a threaded server can deadlock the child
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        workers = [self._spawn() for _ in range(self._size)]
        try:
            for worker in workers:
                worker.wait_ready()
        except BaseException:
            self.close()
            raise
        for worker in workers:
            self._idle.put(worker)

    def run(self, job: Job, timeout: float) -> Reply:
        try:
            worker = self._idle.get(timeout=self._queue_timeout)
        except queue.Empty:
            return error_reply(503, "all query workers are busy; try again shortly")
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._replace(worker)
                return error_reply(504, f"query stopped after the {timeout:g} s time limit; narrow the query or raise --timeout")
            reply: Reply = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            # In practice the worker hit --max-memory (native code aborts on a failed allocation): a resource limit.
            return error_reply(503, "the query stopped: its worker ran out of memory or crashed and has been replaced")
        if reply.retire_worker:
            self._replace(worker)
        else:
            self._idle.put(worker)
        return reply

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, set()
        for worker in workers:
            worker.stop()

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, *self._worker_args)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill the worker now; load its successor in the background so this request answers at once."""
        with self._lock:
            self._workers.discard(worker)
        worker.stop()
        threading.Thread(target=self._add_worker, daemon=True).start()

    def _add_worker(self) -> None:
        """Load a successor; one that dies while loading (killed, say) is replaced in turn, a few times, so the
        pool does not shrink for good."""
        for attempt in range(1, REPLACE_ATTEMPTS + 1):
            with self._lock:
                if self._closed:
                    return
                worker = _Worker(self._context, *self._worker_args)
                self._workers.add(worker)
            try:
                worker.wait_ready()
            except QueryError as error:
                with self._lock:
                    self._workers.discard(worker)
                worker.stop()
                if not self._closed:
                    print(f"sskg serve: could not replace a query worker (attempt {attempt} of {REPLACE_ATTEMPTS}): {error}",
                          file=sys.stderr)
                time.sleep(1)
                continue
            self._idle.put(worker)
            return
