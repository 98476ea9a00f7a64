"""Canonical blank-node labels: content-derived, the same for every parse, and the graph unchanged."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.paths import OneOrMore

from sskg.layers import LayerUnion, canonical_graph, tree_labels
from sskg.rdf_io import merge, ox_triples, oxigraph_graph, term_key
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


ONTOLOGY_PART = PREFIXES + "ex:B rdfs:subClassOf ex:A . ex:p rdfs:label 'p' . ex:shared ex:p ex:v .\n"
EVIDENCE_PART = PREFIXES + "ex:s a ex:C ; ex:p ex:o, ex:v2 . ex:shared ex:p ex:v . ex:both ex:p ex:w .\n"
INFERRED_PART = PREFIXES + "ex:C rdfs:subClassOf ex:B . ex:s a ex:B . ex:both ex:p ex:w .\n"


def _union_and_merge() -> tuple[LayerUnion, Graph]:
    text = "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    parts = [Graph().parse(data=text + part, format="turtle") for part in (ONTOLOGY_PART, EVIDENCE_PART)]
    inferred = oxigraph_graph(ox_triples(Graph().parse(data=text + INFERRED_PART, format="turtle")))  # as the rules make it
    return LayerUnion([*parts, inferred]), merge(*parts, inferred)


def test_the_layer_union_reads_as_the_merged_graph_and_sees_shared_triples_once() -> None:
    union, merged = _union_and_merge()
    assert sorted(union, key=term_key) == sorted(merged, key=term_key)  # no triple twice, none lost
    assert len(union) == len(merged) == 9
    ex = Namespace("http://example.org/")
    assert sorted(union.objects(ex.s, RDF.type)) == [ex.B, ex.C]  # one from the evidence, one inferred
    assert sorted(union.objects(ex.both, ex.p)) == [ex.w]
    assert (ex.shared, ex.p, ex.v) in union and (ex.s, ex.p, ex.nothing) not in union
    assert sorted(union.subjects(RDFS.subClassOf * OneOrMore, ex.A)) == [ex.B, ex.C]  # a path across two layers
    assert sorted(union.triples_choices((ex.s, [ex.p, RDF.type], None)), key=term_key) == \
        sorted(merged.triples_choices((ex.s, [ex.p, RDF.type], None)), key=term_key)
    answer = {row[0] for row in union.query("SELECT ?c WHERE { <http://example.org/s> a ?c }")}
    assert answer == {ex.B, ex.C}


def test_the_layer_union_is_read_only() -> None:
    union, _ = _union_and_merge()
    with pytest.raises(TypeError, match="read-only"):
        union.add((URIRef("http://example.org/x"), RDF.type, URIRef("http://example.org/A")))
    assert len(union) == 9
