"""Run a read-only query on a remote SPARQL endpoint (a triplestore the graph was pushed to) (SPARQL 1.1 Protocol) and read its JSON results.

Parameters go in with `runner.inline_bindings` (a VALUES block of validated terms), as for any
engine without initBindings. The query is checked like a local one first (no updates, no SERVICE).
"""

from __future__ import annotations

import json
import urllib.parse

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from sskg.errors import QueryError
from sskg.queries.runner import QueryResult
from sskg.queries.safety import parse_safe_query

from .push import DEFAULT_TIMEOUT, Session, by_deadline, check_endpoint

_RESULTS_JSON = "application/sparql-results+json"


def run_remote_query(endpoint: str, text: str, default_graph: str | None = None,
                     timeout: float = DEFAULT_TIMEOUT) -> QueryResult:
    """SELECT or ASK `text` at `endpoint`; `default_graph` scopes the default graph (default-graph-uri)."""
    kind = parse_safe_query(text).algebra.name
    if kind not in ("SelectQuery", "AskQuery"):
        raise QueryError(f"remote queries must be SELECT or ASK, not {kind.removesuffix('Query').upper()}",
                         fix="run CONSTRUCT and DESCRIBE locally with 'sskg query'")
    form = urllib.parse.urlencode({"query": text, **({"default-graph-uri": default_graph} if default_graph else {})}).encode()
    headers = {"Accept": _RESULTS_JSON, "Content-Type": "application/x-www-form-urlencoded"}
    body = by_deadline(lambda: Session(timeout=timeout).send("POST", check_endpoint(endpoint), form, headers),
                       timeout, endpoint, "the query")
    try:
        document = json.loads(body)
        if kind == "AskQuery":
            return QueryResult("ASK", (), (), boolean=bool(document["boolean"]))
        variables = tuple(document["head"]["vars"])
        rows = tuple(tuple(_term(binding[name]) if name in binding else None for name in variables)
                     for binding in document["results"]["bindings"])
    except (ValueError, KeyError, TypeError) as error:
        raise QueryError(f"the endpoint's answer is not SPARQL JSON results ({error})",
                         fix="check that the URL is a SPARQL query endpoint") from None
    return QueryResult("SELECT", variables, rows)


def _term(binding: dict[str, str]) -> Node:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    # "typed-literal" is the SPARQL 1.0 JSON spelling, still sent by Virtuoso.
    if kind in ("literal", "typed-literal"):
        return Literal(value, lang=binding.get("xml:lang"), datatype=binding.get("datatype"))
    raise ValueError(f"unknown term type {kind!r}")
