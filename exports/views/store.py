"""The views' SPARQL: this package's query files (trusted, no user input) run by Oxigraph on the graph.

rdflib's own engine took 40 s for them at 100× the review. The graph's own Oxigraph store is used when
oxrdflib holds it; otherwise one copy is made for all the queries of the views, and forgotten when
they are done.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from weakref import WeakKeyDictionary

import pyoxigraph as ox
from rdflib import Graph

from sskg.layers import LayerUnion
from sskg.rdf_io import backing_store, ox_store, rdflib_term

SPARQL_DIR = Path(__file__).resolve().parent / "sparql"


@cache
def sparql(name: str) -> str:
    return (SPARQL_DIR / f"{name}.rq").read_text(encoding="utf-8")


def select(graph: Graph, name: str) -> list[tuple[object, ...]]:
    """Rows of one of this package's queries, as rdflib terms."""
    solutions = _store(graph).query(sparql(name), use_default_graph_as_union=True)
    return [tuple(None if value is None else rdflib_term(value) for value in row) for row in solutions]  # type: ignore[union-attr]


def select_values(graph: Graph, name: str) -> list[tuple[str | None, ...]]:
    """The same rows as plain strings: an IRI, or a literal's lexical form (no rdflib term is made)."""
    solutions = _store(graph).query(sparql(name), use_default_graph_as_union=True)
    return [tuple(None if value is None else value.value for value in row) for row in solutions]  # type: ignore[union-attr]


_STORES: WeakKeyDictionary[Graph, tuple[int, ox.Store]] = WeakKeyDictionary()


def _store(graph: Graph) -> ox.Store:
    """The graph's own Oxigraph store (or that of the layers it unites), or a copy made once for all the queries of the views (again if
    the graph's size has changed since)."""
    own = backing_store(graph)
    if own is not None:
        return own
    if isinstance(graph, LayerUnion) and graph.native_store is not None:
        return graph.native_store()
    size, store = _STORES.get(graph, (-1, None))
    if store is None or size != len(graph):
        store = ox_store(graph)
        _STORES[graph] = (len(graph), store)
    return store


def release_store(graph: Graph) -> None:
    """Forget the copy `select` made of `graph`, when its views are done."""
    _STORES.pop(graph, None)
