"""Run a SPARQL query over a graph: safely, with bound parameters and a time limit.

Two stores sit behind the same rdflib API: Oxigraph (via oxrdflib; the default, ~10x faster to load and query)
and rdflib's in-memory store. Both answer every catalogue query with the same rows (tested).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node, Variable

from sskg.errors import QueryError, SskgError
from sskg.forked import Overtime, Vanished, within
from sskg.rdf_io import backing_store, new_graph, ox_term, rdflib_term
from sskg.sandbox import NetworkAttempt, confined, offline_thread

from .safety import SERVICE_REFUSED, parse_safe_query

DEFAULT_TIMEOUT = 30.0
STORES = ("oxigraph", "memory")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_SAFE_IRI = re.compile(r"[^\s<>\"{}|\\^`]+")
T = TypeVar("T")


Answer = Result | ox.QueryBoolean | ox.QuerySolutions | ox.QueryTriples  # a lazy result of either engine


@dataclass(frozen=True)
class QueryResult:
    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]
    boolean: bool | None = None
    graph: Graph | None = None


def run_query(
    graph: Graph, text: str, bindings: Mapping[str, Node] | None = None, timeout: float | None = DEFAULT_TIMEOUT
) -> QueryResult:
    """Evaluate a read-only query. Parameters are bound as RDF terms, never pasted into the text.

    With a timeout the query runs in a forked child that is killed when time runs out: neither rdflib's Python loop
    nor Oxigraph's native code can be interrupted from inside. Servers pass None: their workers are killable already.
    """

    def work() -> QueryResult:
        with confined([]):  # the graph is in memory: a query needs no file and no network
            return evaluate(graph, text, bindings)

    if timeout is None:
        return work()
    parse_safe_query(text)  # refuse here, with the parser's message, before a process is started
    return _in_child(work, timeout)


def select_on(graph: Graph) -> Callable[[str, Mapping[str, Node]], QueryResult]:
    """Run look-up queries on the graph in this process, without a time-limit child: for code already killable."""
    return lambda text, bindings: evaluate(graph, text, bindings)


def inline_bindings(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with its parameters as a VALUES block opening the main WHERE group.

    For engines without initBindings (Oxigraph, remote endpoints). Only RDF terms that were
    parsed and validated go in, written with `n3()`, which escapes them; user text never does.
    """
    if not bindings:
        return text
    names = sorted(bindings)
    return inline_values(text, names, [tuple(bindings[name] for name in names)])


def inline_values(text: str, names: Sequence[str], rows: Iterable[tuple[Node, ...]]) -> str:
    """The query with a VALUES block of these rows opening its main WHERE group (see inline_bindings).

    For looking up many terms in one query. IRIs must be well formed, so none can end the `<...>` early.
    """
    where = _WHERE.search(text)
    if where is None:
        raise QueryError("cannot bind parameters: the query has no WHERE clause", fix="add WHERE { ... }")
    cells = []
    for row in rows:
        for term in row:
            if isinstance(term, URIRef) and not is_well_formed(term):
                raise QueryError(f"not a well-formed IRI: {str(term)[:80]!r}", fix="give IRIs without spaces, quotes or <>{}|\\^`")
        cells.append("(" + " ".join(term.n3() for term in row) + ")")
    block = " VALUES (" + " ".join(f"?{name}" for name in names) + ") { " + " ".join(cells) + " } "
    return text[: where.end()] + block + text[where.end():]


def is_well_formed(iri: str) -> bool:
    """No characters that IRIs may not hold (spaces, quotes, <>{}|\\^`): safe between < and > in a query."""
    return bool(_SAFE_IRI.fullmatch(iri))


def materialise(result: Answer, limit: int | None = None) -> QueryResult:
    """Read a lazy result into a QueryResult (at most `limit` rows or triples when given)."""
    if not isinstance(result, Result):
        return _read_oxigraph(result, limit)
    if result.type == "ASK":
        return QueryResult("ASK", (), (), boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return QueryResult(result.type, (), (), graph=prefixed_graph(islice(result.graph or Graph(), limit)))
    variables = tuple(str(variable) for variable in result.vars or ())
    return QueryResult("SELECT", variables, tuple(tuple(row) for row in islice(result, limit)))


def _engine_error(error: Exception) -> QueryError:
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return QueryError(f"query failed: {first_line}", fix="check the query")


def _read_oxigraph(result: ox.QueryBoolean | ox.QuerySolutions | ox.QueryTriples, limit: int | None) -> QueryResult:
    term = cache(rdflib_term)  # rows repeat their values: each is converted once, and pickled once by reference
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ASK", (), (), boolean=bool(result))
    if isinstance(result, ox.QueryTriples):  # CONSTRUCT or DESCRIBE: reported as CONSTRUCT, as oxrdflib does
        triples = ((term(t.subject), term(t.predicate), term(t.object)) for t in islice(result, limit))
        return QueryResult("CONSTRUCT", (), (), graph=prefixed_graph(triples))  # type: ignore[arg-type]
    variables = tuple(variable.value for variable in result.variables)
    rows = tuple(tuple(None if value is None else term(value) for value in solution) for solution in islice(result, limit))
    return QueryResult("SELECT", variables, rows)


def evaluate(graph: Graph, text: str, bindings: Mapping[str, Node] | None = None,
             read: Callable[[Answer], T] = materialise) -> T:  # type: ignore[assignment]
    """Check the query, then evaluate it on the graph's own engine and `read` its lazy answer.

    Both run in a thread that cannot open a socket (sskg.sandbox.offline_thread): Oxigraph parses the text itself,
    and its parse is not rdflib's (escapes, comments), so a SERVICE the check did not see still cannot reach the
    network, and its attempt (even under SILENT) is refused like any other SERVICE.
    """
    prepared = parse_safe_query(text)

    def run() -> T:
        try:
            return read(_answer(graph, text, prepared, bindings or {}))
        except SskgError:
            raise
        except Exception as error:  # noqa: BLE001 - engines fail in assorted ways; the user gets one clear message
            raise _engine_error(error) from None

    try:
        return offline_thread(run)
    except NetworkAttempt:
        raise QueryError(f"{SERVICE_REFUSED} (this query tried to reach the network)", fix="remove the SERVICE clause") from None


def _answer(graph: Graph, text: str, prepared: Query, bindings: Mapping[str, Node]) -> Answer:
    store = backing_store(graph)
    if store is None:
        return graph.query(prepared, initBindings={Variable(name): value for name, value in bindings.items()})
    # Oxigraph evaluates query text natively; parameters go in as a VALUES block of validated terms. It also checks
    # rules rdflib lets pass (e.g. projecting a variable missing from GROUP BY). Its answer is read directly, with
    # the graph's prefixes and its triples as the default graph, as oxrdflib would query it: oxrdflib's result
    # wrapper costs tens of microseconds a row. The dataset is given, so FROM and FROM NAMED select nothing else.
    return store.query(inline_bindings(text, bindings), default_graph=ox_term(graph.identifier),  # type: ignore[arg-type]
                       named_graphs=[], prefixes={prefix: str(namespace) for prefix, namespace in graph.namespaces()})


def prefixed_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A graph of the triples with sskg's prefixes bound, for readable Turtle and the like."""
    graph = new_graph()
    for triple in triples:
        graph.add(triple)
    return graph


def _in_child(work: Callable[[], QueryResult], timeout: float) -> QueryResult:
    def detached() -> tuple[QueryResult, list[tuple[Node, Node, Node]] | None]:
        result = work()  # graphs travel as triple lists: a store does not cross a pipe
        return replace(result, graph=None), list(result.graph) if result.graph is not None else None

    try:
        result, triples = within(timeout, detached)
    except Overtime:
        raise QueryError(f"query stopped after the {timeout:g} s time limit", fix="narrow the query or raise --timeout") from None
    except Vanished:
        raise QueryError("the query process ended without an answer (out of memory?)", fix="narrow the query") from None
    return result if triples is None else replace(result, graph=prefixed_graph(triples))


def load_graph(path: Path, store: str = "oxigraph") -> Graph:
    """Load a built graph file for querying, into Oxigraph (default) or rdflib's in-memory store."""
    from sskg.rdf_io import parse_rdf_file

    if store not in STORES:
        raise QueryError(f"unknown store {store!r}", fix=f"choose one of: {', '.join(STORES)}")
    if not path.is_file():
        raise QueryError("graph file not found", file=str(path), fix="run 'sskg build' first, or pass --graph FILE")
    with confined([path.parent]):
        return parse_rdf_file(Graph(store="Oxigraph") if store == "oxigraph" else Graph(), path)
