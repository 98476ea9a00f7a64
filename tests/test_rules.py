"""Rule-based materialisation (for large graphs) gives exactly HermiT's answers on the curated graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from sskg.errors import ReasonerError
from sskg.graphbuild.build import BuildResult
from sskg.graphbuild.reasoner import reason_with
from sskg.graphbuild.rules import defined_classes

from .conftest import needs_java


@needs_java
def test_rules_agree_with_hermit_exactly(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    assert result.reasoning.message == "consistent"  # the session build used HermiT on the whole graph
    rules = reason_with("rules", result.ontology, result.asserted)
    assert rules.consistent
    hermit_types = {t for t in result.reasoning.inferred if t[1] == RDF.type}
    rule_types = {t for t in rules.inferred if t[1] == RDF.type}
    assert rule_types == hermit_types
    assert len(hermit_types) > 200
    assert {t for t in rules.inferred if t[1] == RDFS.subClassOf} == {t for t in result.reasoning.inferred if t[1] == RDFS.subClassOf}


def test_every_defined_class_becomes_a_rule(built: tuple[BuildResult, Path]) -> None:
    definitions = defined_classes(built[0].ontology)
    assert len(definitions) >= 25
    assert all(d.bases and (d.some or d.values) for d in definitions)


def test_unsupported_axiom_shape_is_refused() -> None:
    ontology = Graph().parse(data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        <http://e/C> owl:equivalentClass [ owl:intersectionOf ( <http://e/B>
            [ a owl:Restriction ; owl:onProperty <http://e/p> ; owl:minCardinality 2 ] ) ] .
    """, format="turtle")
    with pytest.raises(ReasonerError, match="rule-expressible"):
        defined_classes(ontology)


def test_rules_find_contradictions(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    evidence = Graph()
    for triple in result.asserted:
        evidence.add(triple)
    study = URIRef("https://w3id.org/sskg/study/sun-2019")
    evidence.add((study, RDF.type, URIRef("https://w3id.org/sskg/ontology/Finding")))  # disjoint with IncludedStudy
    report = reason_with("rules", result.ontology, evidence)
    assert report.consistent is False
    assert any("sun-2019" in culprit and "disjoint" in culprit for culprit in report.culprits)
