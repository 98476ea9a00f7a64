"""Run a SPARQL query over a graph: safely, with bound parameters and a time limit.

Two stores sit behind the same rdflib API: Oxigraph (via oxrdflib; the default, ~10x faster to load and query)
and rdflib's in-memory store. Both answer every catalogue query with the same rows (tested).
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph
from rdflib.query import Result
from rdflib.term import Node, Variable

from sskg.errors import QueryError, SskgError
from sskg.namespaces import PREFIXES
from sskg.sandbox import confined

from .safety import parse_safe_query

DEFAULT_TIMEOUT = 30.0
STORES = ("oxigraph", "memory")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class QueryResult:
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]
    boolean: bool | None = None
    graph: Graph | None = None


def is_oxigraph(graph: Graph) -> bool:
    return type(graph.store).__name__ == "OxigraphStore"


def evaluate(graph: Graph, text: str, bindings: Mapping[str, Node] | None = None) -> Result:
    """Check the query, then evaluate it lazily on the graph's own engine."""
    prepared = parse_safe_query(text)
    try:
        if is_oxigraph(graph):
            # Oxigraph evaluates query text natively; parameters go in as a VALUES block of validated terms.
            # It also checks rules rdflib lets pass (e.g. projecting a variable missing from GROUP BY).
            return graph.query(inline_bindings(text, bindings or {}))
        return graph.query(prepared, initBindings={Variable(name): value for name, value in (bindings or {}).items()})
    except SskgError:
        raise
    except Exception as error:  # noqa: BLE001 - engines fail in assorted ways; the user gets one clear message
        raise _engine_error(error) from None


def run_query(
    graph: Graph, text: str, bindings: Mapping[str, Node] | None = None, timeout: float | None = DEFAULT_TIMEOUT
) -> QueryResult:
    """Evaluate a read-only query. Parameters are bound as RDF terms, never pasted into the text.

    With a timeout the query runs in a forked child that is killed when time runs out: neither rdflib's Python loop
    nor Oxigraph's native code can be interrupted from inside. Servers pass None: their workers are killable already.
    """

    def work() -> QueryResult:
        with confined([]):  # the graph is in memory: a query needs no file and no network
            return materialise(evaluate(graph, text, bindings))

    if timeout is None:
        return work()
    parse_safe_query(text)  # refuse here, with the parser's message, before a process is started
    return _in_child(work, timeout)


def inline_bindings(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with its parameters as a VALUES block opening the main WHERE group.

    For engines without initBindings (Oxigraph, remote endpoints). Only RDF terms that were
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


def materialise(result: Result, limit: int | None = None) -> QueryResult:
    """Read a lazy result into a QueryResult (at most `limit` rows or triples when given)."""
    try:
        return _read(result, limit)
    except SskgError:
        raise
    except Exception as error:  # noqa: BLE001 - engines also fail while rows are read
        raise _engine_error(error) from None


def _engine_error(error: Exception) -> QueryError:
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return QueryError(f"query failed: {first_line}", fix="check the query")


def _read(result: Result, limit: int | None) -> QueryResult:
    if result.type == "ASK":
        return QueryResult("ASK", (), (), boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        constructed = Graph()
        for prefix, namespace in PREFIXES.items():
            constructed.bind(prefix, namespace, override=True)
        for count, triple in enumerate(result.graph or Graph()):
            if limit is not None and count >= limit:
                break
            constructed.add(triple)
        return QueryResult(result.type, (), (), graph=constructed)
    variables = tuple(str(variable) for variable in result.vars or ())
    rows = []
    for row in result:
        if limit is not None and len(rows) >= limit:
            break
        rows.append(tuple(row))
    return QueryResult("SELECT", variables, tuple(rows))


def _in_child(work: Callable[[], QueryResult], timeout: float) -> QueryResult:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        try:
            result = work()
            # Graphs travel as triple lists: a store does not cross a pipe.
            sender.send(("ok", replace(result, graph=None), list(result.graph) if result.graph is not None else None))
        except SskgError as error:
            sender.send(("error", error.message, error.fix))

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryError(f"query stopped after the {timeout:g} s time limit", fix="narrow the query or raise --timeout")
        message = receiver.recv()
    except EOFError:
        raise QueryError("the query process ended without an answer (out of memory?)", fix="narrow the query") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if message[0] == "error":
        raise QueryError(message[1], fix=message[2])
    result, triples = message[1], message[2]
    if triples is None:
        return result
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    for triple in triples:
        graph.add(triple)
    return replace(result, graph=graph)


def load_graph(path: Path, store: str = "oxigraph") -> Graph:
    """Load a built graph file for querying, into Oxigraph (default) or rdflib's in-memory store."""
    from sskg.graphbuild.rdf_io import parse_rdf_file

    if store not in STORES:
        raise QueryError(f"unknown store {store!r}", fix=f"choose one of: {', '.join(STORES)}")
    if not path.is_file():
        raise QueryError("graph file not found", file=str(path), fix="run 'sskg build' first, or pass --graph FILE")
    with confined([path.parent]):
        return parse_rdf_file(Graph(store="Oxigraph") if store == "oxigraph" else Graph(), path)
