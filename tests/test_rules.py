"""Rule-based reasoning (the default) gives exactly HermiT's answers, and names the culprits of a contradiction."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from benchmarks.generate import generate
from sskg.errors import ReasonerError
from sskg.graphbuild.build import BuildResult
from sskg.graphbuild.evidence import load_evidence
from sskg.graphbuild.ontology import vocabulary_of
from sskg.rdf_io import strip_imports
from sskg.graphbuild.reasoner import reason, reason_with
from sskg.graphbuild.reasoning_store import Members, reasoning_store
from sskg.graphbuild.rules import materialise, ontology_rules
from sskg.graphbuild.tbox import start_tbox_classification
from sskg.graphbuild.triples import evidence_graph

from .conftest import needs_java
from .rules_reference import reference_materialise

SSKG = "https://w3id.org/sskg/ontology/"
STUDY = "https://w3id.org/sskg/study/"
CONCEPT = "https://w3id.org/sskg/concept/"


@needs_java
def test_rules_agree_with_hermit_exactly(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    assert "ABox materialised by rules" in result.reasoning.message  # the default build reasons with rules
    hermit = reason(result.ontology, result.asserted)
    assert hermit.consistent and result.reasoning.consistent
    hermit_types = {t for t in hermit.inferred if t[1] == RDF.type}
    rule_types = {t for t in result.reasoning.inferred if t[1] == RDF.type}
    assert rule_types == hermit_types
    assert len(hermit_types) > 200
    # The values the ontology's class axioms give (a finding's effect on recovery): HermiT realises them too.
    effect = URIRef(SSKG + "effectOnRecovery")
    hermit_effects = set(hermit.inferred.triples((None, effect, None)))
    assert set(result.reasoning.inferred.triples((None, effect, None))) == hermit_effects
    assert len(hermit_effects) == len(set(result.asserted.subjects(RDF.type, URIRef(SSKG + "Finding")))) == 91
    assert {t for t in result.reasoning.inferred if t[1] == RDFS.subClassOf} == {t for t in hermit.inferred if t[1] == RDFS.subClassOf}


def _classified(ontology: Graph) -> Graph:
    outcome = start_tbox_classification(ontology, timeout=120).outcome()
    assert outcome is not None
    classified = strip_imports(ontology)
    for triple in outcome.inferred:
        classified.add(triple)
    return classified


@needs_java
@pytest.mark.parametrize("scale", [1, 10])
def test_set_at_a_time_rules_agree_with_the_reference(built: tuple[BuildResult, Path], tmp_path: Path, scale: int) -> None:
    ontology = built[0].ontology
    classified = _classified(ontology)
    asserted = evidence_graph(load_evidence(generate(tmp_path / "evidence", scale, 1).folder, vocabulary_of(ontology)))
    inferred = materialise(Members(reasoning_store(classified, asserted)), ontology_rules(classified))
    expected = reference_materialise(classified, asserted)
    assert set(inferred) == set(expected)
    assert len(expected) > 250 * scale


def test_every_defined_class_becomes_a_rule(built: tuple[BuildResult, Path]) -> None:
    ontology = built[0].ontology
    rules = ontology_rules(ontology)
    defined = {cls for cls, definition in ontology.subject_objects(OWL.equivalentClass) if isinstance(definition, BNode)}
    assert {rule.head for rule in rules if rule.head_value is None} == defined
    assert len(defined) >= 25
    assert all(rule.bases for rule in rules)


def test_unsupported_axiom_shape_is_refused() -> None:
    ontology = Graph().parse(data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        <http://e/C> owl:equivalentClass [ owl:intersectionOf ( <http://e/B>
            [ a owl:Restriction ; owl:onProperty <http://e/p> ; owl:minCardinality 2 ] ) ] .
    """, format="turtle")
    with pytest.raises(ReasonerError, match="rule-expressible"):
        ontology_rules(ontology)


def _broken(asserted: Graph) -> Graph:
    """The curated evidence with a disjointness breach, an AllDisjointClasses breach and a functional-property one."""
    evidence = Graph()
    for triple in asserted:
        evidence.add(triple)
    sun, peer = URIRef(STUDY + "sun-2019"), URIRef(CONCEPT + "peer-support")
    evidence.add((sun, RDF.type, URIRef(SSKG + "Finding")))  # disjoint with IncludedStudy
    evidence.add((sun, URIRef(SSKG + "hasDesignCategory"), URIRef(CONCEPT + "review")))  # functional; sun-2019 is quantitative
    for cls in ("IncludedStudy", "QualitativeStudy", "CaseStudy"):
        evidence.add((peer, RDF.type, URIRef(SSKG + cls)))  # a concept is no study; design categories are disjoint
    return evidence


PEER_SUPPORT_CULPRITS = (
    f"{CONCEPT}peer-support is both {SSKG}CaseStudy and {SSKG}QualitativeStudy, which are disjoint",
    f"{CONCEPT}peer-support is both {SSKG}IncludedStudy and http://www.w3.org/2004/02/skos/core#Concept, which are disjoint",
    f"{CONCEPT}peer-support is both {SSKG}QualitativeStudy and {SSKG}CaseStudy, which are disjoint",
)
SUN_DISJOINT = f"{STUDY}sun-2019 is both {SSKG}Finding and {SSKG}IncludedStudy, which are disjoint"
SUN_FUNCTIONAL = f"{STUDY}sun-2019 has 2 values of functional property {SSKG}hasDesignCategory: {CONCEPT}quantitative, {CONCEPT}review"


def test_rules_name_the_culprits(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    report = reason_with("rules", result.ontology, _broken(result.asserted))
    assert report.consistent is False
    # The rules also make sun-2019 a ReviewStudy (design category review), disjoint with its QuantitativeStudy.
    assert report.culprits == (*PEER_SUPPORT_CULPRITS, SUN_DISJOINT,
                               f"{STUDY}sun-2019 is both {SSKG}QuantitativeStudy and {SSKG}ReviewStudy, which are disjoint",
                               f"{STUDY}sun-2019 is both {SSKG}ReviewStudy and {SSKG}QuantitativeStudy, which are disjoint",
                               SUN_FUNCTIONAL)


@needs_java
def test_hermit_names_the_same_culprits(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    report = reason_with("hermit", result.ontology, _broken(result.asserted), timeout=120)
    assert report.consistent is False and report.message == "HermiT found the graph inconsistent"
    assert report.culprits == (*PEER_SUPPORT_CULPRITS, SUN_DISJOINT, SUN_FUNCTIONAL)
