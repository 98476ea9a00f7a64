"""Every catalogue query returns the same rows on rdflib and on pyoxigraph, an independent engine."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from sskg.graphbuild.build import BuildResult
from sskg.queries.catalogue import load_catalogue
from sskg.queries.runner import inline_bindings, load_graph, run_query

CATALOGUE = load_catalogue()


def plain(term: object) -> str | None:
    """Compare terms by kind and value: '1.0'^^decimal and '1.00'^^decimal are the same number."""
    if term is None:
        return None
    if isinstance(term, (URIRef, ox.NamedNode)):
        return "<" + (term.value if isinstance(term, ox.NamedNode) else str(term)) + ">"
    if isinstance(term, Literal):
        default = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString" if term.language else "http://www.w3.org/2001/XMLSchema#string"
        value, datatype = term.toPython(), str(term.datatype or default)
    else:
        assert isinstance(term, ox.Literal), term
        datatype = term.datatype.value
        value = Literal(term.value, datatype=URIRef(datatype)).toPython()
    if isinstance(value, Decimal):
        value = value.normalize()
    return f"{value!r}^^{datatype.rsplit('#', 1)[-1]}"


@pytest.fixture(scope="module")
def stores(built: tuple[BuildResult, Path]) -> tuple[object, ox.Store]:
    _, out = built
    store = ox.Store()
    store.load(path=str(out / "sskg.ttl"), format=ox.RdfFormat.TURTLE)
    return load_graph(out / "sskg.ttl", store="memory"), store


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_same_rows_on_both_engines(stores: tuple[object, ox.Store], name: str) -> None:
    graph, store = stores
    entry = CATALOGUE[name]
    bindings = entry.bindings({})
    ours = run_query(graph, entry.text, bindings)  # type: ignore[arg-type]
    theirs = store.query(inline_bindings(entry.text, bindings))
    assert isinstance(theirs, ox.QuerySolutions)
    variables = [variable.value for variable in theirs.variables]
    assert variables == list(ours.variables)
    their_rows = sorted((tuple(plain(solution[v]) for v in variables) for solution in theirs), key=repr)
    our_rows = sorted((tuple(plain(term) for term in row) for row in ours.rows), key=repr)
    assert our_rows == their_rows
    assert our_rows, f"{name} returned no rows on the built graph"


def test_catalogue_is_complete_and_documented() -> None:
    assert len(CATALOGUE) >= 20
    for entry in CATALOGUE.values():
        assert entry.title and entry.description and entry.columns, entry.name
        assert "ORDER BY" in entry.text, entry.name
        assert entry.text.count("PREFIX") >= 1, entry.name


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_same_rows_on_both_stores(built: tuple[BuildResult, Path], name: str) -> None:
    """The Oxigraph-backed store (default) and rdflib's in-memory store give the same rows."""
    entry = CATALOGUE[name]
    bindings = entry.bindings({})
    path = built[1] / "sskg.ttl"
    fast = run_query(load_graph(path, store="oxigraph"), entry.text, bindings)
    memory = run_query(load_graph(path, store="memory"), entry.text, bindings)
    assert fast.variables == memory.variables
    assert sorted((tuple(plain(t) for t in row) for row in fast.rows), key=repr) == sorted(
        (tuple(plain(t) for t in row) for row in memory.rows), key=repr)
