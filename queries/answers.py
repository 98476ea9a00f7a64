"""What a query worker answers: SPARQL results written by Oxigraph itself, resources as HTML or Turtle, and the
query page's checks and labels (queries/workbench.py).

This runs in the worker processes (queries/worker_pool.py) and hands back finished bytes; the HTTP side only
negotiates the format first and passes the bytes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

import pyoxigraph as ox
from rdflib import Graph, URIRef

from sskg.errors import QueryError

from . import workbench
from .catalogue import CatalogueQuery
from .http_app import HTML_HEADERS, Reply, error_reply
from .parameters import GraphTerms
from .resource_page import resource_page
from .runner import Answer, evaluate, prefixed_graph, select_on

# Media type -> Oxigraph's writer, in the order served when a client accepts several equally (the first is the default).
RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD}
RESOURCE_TYPES = ("text/html", "text/turtle")
_PREFIXES = {prefix: str(namespace) for prefix, namespace in prefixed_graph(()).namespaces()}
# Characters XML 1.0 cannot carry (hazard E2), as UTF-8 bytes: none of them occurs inside another character's bytes.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


# --- content negotiation ---------------------------------------------------------------------------

def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client rates highest (ties: server order); the first offer if no Accept."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _media_ranges(accept)
    best, best_q = None, 0.0
    for media_type in offered:
        q = _quality(media_type, ranges)
        if q > best_q:
            best, best_q = media_type, q
    return best


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        if media_range:
            ranges.append((media_range.lower(), q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """q of the most specific matching range: an exact type beats type/*, which beats */*."""
    for candidate in (media_type, media_type.split("/")[0] + "/*", "*/*"):
        matches = [q for media_range, q in ranges if media_range == candidate]
        if matches:
            return max(matches)
    return 0.0


def with_charset(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


# --- jobs ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueryJob:
    text: str
    given: dict[str, str]  # parameter values as typed: resolved to terms here, where the graph is
    accept: str | None
    entry: CatalogueQuery | None = None  # the catalogue query named, else the text's own header declares parameters


@dataclass(frozen=True)
class ResourceJob:
    iri: str
    accept: str | None
    views: bool = False  # the server serves the views: link into them


@dataclass(frozen=True)
class PageJob:
    """A request of the query page: `check` a query being edited, or `labels` for IRIs."""

    kind: str
    payload: dict[str, object]


Job = QueryJob | ResourceJob | PageJob


def answer(graph: Graph, job: Job, max_rows: int) -> Reply:
    if isinstance(job, ResourceJob):
        return _resource_reply(graph, job, max_rows)
    if isinstance(job, PageJob):
        return _page_reply(graph, job)
    entry = job.entry or workbench.own_query(job.text)
    bindings = entry.bindings(job.given, terms_of(graph))
    reply = evaluate(graph, job.text, bindings, read=lambda result: _written(result, job.accept, max_rows, exact=False))
    if reply is None:  # perhaps more rows than the cap: run it again, cutting exactly
        reply = evaluate(graph, job.text, bindings, read=lambda result: _written(result, job.accept, max_rows, exact=True))
    assert reply is not None
    return reply


@lru_cache(maxsize=1)
def terms_of(graph: Graph) -> GraphTerms:
    """The worker's one graph's parameter candidates, read once and kept."""
    return GraphTerms(select_on(graph))


def _page_reply(graph: Graph, job: PageJob) -> Reply:
    if job.kind == "check":
        found = workbench.check(graph, str(job.payload["query"]), job.payload["params"], terms_of(graph))  # type: ignore[arg-type]
    else:
        found = workbench.labels(graph, job.payload["iris"])  # type: ignore[arg-type]
    return Reply(200, json.dumps(found).encode(), "application/json")


# --- query results, written by Oxigraph ------------------------------------------------------------

def _written(result: Answer, accept: str | None, max_rows: int, exact: bool) -> Reply | None:
    """The answer in the negotiated format, cut at `max_rows` rows or triples; None if, not `exact`, the solutions
    may be more than `max_rows` (then they are to be written again, `exact`)."""
    if not isinstance(result, (ox.QueryBoolean, ox.QuerySolutions, ox.QueryTriples)):
        raise QueryError("the endpoint serves graphs held by Oxigraph only", fix="load the graph with store='oxigraph'")
    offered = GRAPH_TYPES if isinstance(result, ox.QueryTriples) else RESULT_TYPES
    media_type = negotiate(accept, list(offered))
    if media_type is None:
        kind = "CONSTRUCT and DESCRIBE" if offered is GRAPH_TYPES else "SELECT and ASK"
        return error_reply(406, f"{kind} results are available as: {', '.join(offered)}")
    truncated = False
    if isinstance(result, ox.QueryTriples):
        triples = list(islice(result, max_rows + 1))
        truncated = len(triples) > max_rows
        body = ox.serialize(triples[:max_rows], format=GRAPH_TYPES[media_type], prefixes=_PREFIXES)
    elif isinstance(result, ox.QueryBoolean):
        body = result.serialize(format=RESULT_TYPES[media_type])
    elif exact:
        body, truncated = _solutions(result, RESULT_TYPES[media_type], max_rows)
    else:
        written = _all_solutions(result, RESULT_TYPES[media_type], max_rows)
        if written is None:
            return None
        body = written
    if RESULT_TYPES.get(media_type) == ox.QueryResultsFormat.XML:
        body = _NOT_XML.sub("\ufffd".encode(), body)
    headers = (("Sskg-Truncated", f"results cut at --max-rows {max_rows}"),) if truncated else ()
    return Reply(200, body, with_charset(media_type), headers)


# What each format writes at least once per solution but the first (rows <= count + allowance): between
# JSON bindings "},{" (a string value may hold it too), XML's <result> (escaped in values), a line end in CSV and TSV
# (the header's included; a quoted CSV value may hold more).
_ROW_MARKS = {
    ox.QueryResultsFormat.JSON: (b"},{", 1), ox.QueryResultsFormat.XML: (b"<result>", 0),
    ox.QueryResultsFormat.CSV: (b"\n", -1), ox.QueryResultsFormat.TSV: (b"\n", -1),
}


def _all_solutions(solutions: ox.QuerySolutions, fmt: ox.QueryResultsFormat, max_rows: int) -> bytes | None:
    """All the solutions in `fmt`, as Oxigraph writes them in one pass, or None once they may be more than
    `max_rows` (counted by a mark each row leaves, which a value may also hold: never fewer than the rows)."""
    mark, allowance = _ROW_MARKS[fmt]
    sink = _Marks(mark, max_rows - allowance)
    try:
        solutions.serialize(sink, format=fmt)
    except _Full:
        return None
    return bytes(sink.kept)


def _solutions(solutions: ox.QuerySolutions, fmt: ox.QueryResultsFormat, max_rows: int) -> tuple[bytes, bool]:
    """The first `max_rows` solutions in `fmt`, and whether there were more.

    Oxigraph writes all the solutions it is given, so they are first written as TSV (one line per solution),
    stopping after `max_rows` lines, then read back and written in `fmt`: both native, and never more than the cap.
    """
    lines = _FirstLines(max_rows + 1)  # the header line, then one line per solution
    try:
        solutions.serialize(lines, format=ox.QueryResultsFormat.TSV)
    except _Full:
        pass
    tsv, truncated = lines.text()
    if fmt == ox.QueryResultsFormat.TSV:
        return tsv, truncated
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt), truncated


class _Full(Exception):
    """Raised from a write to stop Oxigraph's writer once enough lines are written."""


class _Marks:
    """A binary sink that keeps what is written until `mark` has occurred more than `limit` times."""

    def __init__(self, mark: bytes, limit: int) -> None:
        self._mark, self._limit = mark, limit
        self.kept = bytearray()
        self._count = 0

    def write(self, data: bytes) -> int:
        tail = bytes(self.kept[-(len(self._mark) - 1):]) if len(self._mark) > 1 else b""
        self._count += (tail + data).count(self._mark)  # a mark split between two writes is counted once
        if self._count > self._limit:
            raise _Full
        self.kept += data
        return len(data)

    def flush(self) -> None:
        pass


class _FirstLines:
    """A binary sink that keeps the first `limit` lines written to it."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._kept = bytearray()
        self._lines = 0
        self._more = False

    def write(self, data: bytes) -> int:
        newlines = data.count(b"\n")
        if self._lines + newlines <= self._limit:
            self._kept += data
            self._lines += newlines
            return len(data)
        end = -1
        for _ in range(self._limit - self._lines):
            end = data.index(b"\n", end + 1)
        self._kept += data[: end + 1]
        self._lines, self._more = self._limit, True
        raise _Full

    def flush(self) -> None:
        pass

    def text(self) -> tuple[bytes, bool]:
        """The complete lines kept, and whether anything came after them."""
        complete = self._kept.rfind(b"\n") + 1
        return bytes(self._kept[:complete]), self._more or complete < len(self._kept)


# --- browsing resources ----------------------------------------------------------------------------

def _resource_reply(graph: Graph, job: ResourceJob, max_rows: int) -> Reply:
    media_type = negotiate(job.accept, RESOURCE_TYPES)
    if media_type is None:
        return error_reply(406, f"resources are available as: {', '.join(RESOURCE_TYPES)}")
    page = resource_page(graph, URIRef(job.iri), max_rows, job.views)
    if page is None:
        return error_reply(404, f"the graph has no triples about {job.iri}")
    if media_type == "text/turtle":
        return Reply(200, prefixed_graph(page.triples).serialize(format="turtle").encode(), with_charset(media_type))
    return Reply(200, page.html.encode(), with_charset(media_type), HTML_HEADERS)
