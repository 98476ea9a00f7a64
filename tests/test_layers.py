"""Canonical blank-node labels: content-derived, the same for every parse, and the graph unchanged."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from sskg.graphbuild.layers import canonical_graph, tree_labels
from sskg.graphbuild.ontology import load_ontology

PREFIXES = "@prefix ex: <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
TREES = PREFIXES + """
ex:A owl:equivalentClass [ owl:intersectionOf ( ex:B [ owl:onProperty ex:p ; owl:someValuesFrom ex:C ] ) ] .
ex:D owl:equivalentClass [ owl:intersectionOf ( ex:B [ owl:onProperty ex:p ; owl:someValuesFrom ex:C ] ) ] .
[] a owl:AllDisjointClasses ; owl:members ( ex:A ex:D ) .
"""
SHARED = PREFIXES + "_:x ex:p ex:v . ex:a ex:q _:x . ex:b ex:q _:x .\n"
CYCLE = PREFIXES + "_:x ex:next _:y . _:y ex:next _:x .\n"
TWIN_ROOTS = PREFIXES + "[] ex:p ex:v . [] ex:p ex:v .\n"


def _labels(graph: Graph) -> set[str]:
    return {str(term) for triple in graph for term in triple if isinstance(term, BNode)}


@pytest.mark.parametrize("text", [TREES, SHARED, CYCLE, TWIN_ROOTS], ids=["trees", "shared", "cycle", "twin-roots"])
def test_canonical_copy_is_the_same_graph_with_the_same_labels_for_every_parse(text: str) -> None:
    first, second = Graph().parse(data=text, format="turtle"), Graph().parse(data=text, format="turtle")
    assert _labels(first) != _labels(second)  # the parser invents new labels each time
    canonical = canonical_graph(first, "t")
    assert isomorphic(canonical, first) and len(canonical) == len(first)
    assert set(canonical) == set(canonical_graph(second, "t"))
    assert all(label.startswith("t") for label in _labels(canonical))


def test_tree_labels_cover_trees_and_leave_the_rest_to_the_general_algorithm() -> None:
    trees = Graph().parse(data=TREES, format="turtle")
    labels = tree_labels(trees)
    # Two identical restrictions under different classes still get different labels.
    assert labels is not None and len(set(labels.values())) == len(_labels(trees))
    for text in (SHARED, CYCLE, TWIN_ROOTS):
        assert tree_labels(Graph().parse(data=text, format="turtle")) is None


def test_the_ontology_takes_the_fast_path() -> None:
    assert tree_labels(load_ontology()) is not None
