"""Run a SPARQL query over a graph: safely, with bound parameters and a time limit."""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.query import Result
from rdflib.term import Node, Variable

from sskg.errors import QueryError
from sskg.namespaces import PREFIXES

from .safety import parse_safe_query

DEFAULT_TIMEOUT = 30.0
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class QueryResult:
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]
    boolean: bool | None = None
    graph: Graph | None = None


def run_query(
    graph: Graph, text: str, bindings: Mapping[str, Node] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> QueryResult:
    """Evaluate a read-only query. Parameters are bound as RDF terms, never pasted into the text."""
    prepared = parse_safe_query(text)
    init = {Variable(name): value for name, value in (bindings or {}).items()}
    with _time_limit(timeout):
        result: Result = graph.query(prepared, initBindings=init)
        return _materialise(result)


def inline_bindings(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with its parameters as a VALUES block opening the main WHERE group.

    For engines without initBindings (pyoxigraph, remote endpoints). Only RDF terms that were
    parsed and validated go in, written with `n3()`, which escapes them; user text never does.
    """
    if not bindings:
        return text
    where = _WHERE.search(text)
    if where is None:
        raise QueryError("cannot bind parameters: the query has no WHERE clause", fix="add WHERE { ... }")
    names = sorted(bindings)
    block = " VALUES (" + " ".join(f"?{name}" for name in names) + ") { (" + " ".join(bindings[name].n3() for name in names) + ") } "
    return text[: where.end()] + block + text[where.end():]


def _materialise(result: Result) -> QueryResult:
    if result.type == "ASK":
        return QueryResult("ASK", (), (), boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        constructed = Graph()
        for prefix, namespace in PREFIXES.items():
            constructed.bind(prefix, namespace, override=True)
        for triple in result.graph or Graph():
            constructed.add(triple)
        return QueryResult(result.type, (), (), graph=constructed)
    variables = tuple(str(variable) for variable in result.vars or ())
    rows = tuple(tuple(row) for row in result)
    return QueryResult("SELECT", variables, rows)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a runaway query in the main thread (CLI); servers run queries in killable workers."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise QueryError(f"query stopped after the {seconds:g} s time limit", fix="narrow the query or raise --timeout")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_graph(path: Path) -> Graph:
    """Load a built graph file for querying."""
    from sskg.graphbuild.rdf_io import parse_rdf_file

    if not path.is_file():
        raise QueryError("graph file not found", file=str(path), fix="run 'sskg build' first, or pass --graph FILE")
    return parse_rdf_file(Graph(), path)
