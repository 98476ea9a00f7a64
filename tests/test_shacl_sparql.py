"""The shapes compiled to SPARQL on Oxigraph report exactly what pySHACL reports, on clean and on broken graphs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, XSD
from rdflib.plugins.sparql import prepareQuery

from benchmarks.generate import generate
from sskg.graphbuild.build import BuildResult, evidence_violations
from sskg.graphbuild.evidence import load_evidence
from sskg.graphbuild.ontology import load_ontology, vocabulary_of
from sskg.graphbuild.prebinding import NotJoinable, joinable_variables
from sskg.rdf_io import merge, parse_rdf_file
from sskg.graphbuild.shacl_sparql import NotCompiled, compile_shapes
from sskg.graphbuild.triples import evidence_graph
from sskg.graphbuild.validation import Violation, load_shapes, pyshacl_violations, shacl_violations
from sskg.namespaces import OA, SSKG

from .conftest import FIXTURES

SHAPES = load_shapes()
FALLBACK = "validated by pySHACL"


def compiled_and_reference(data: Graph, caplog: pytest.LogCaptureFixture) -> tuple[list[Violation], list[Violation]]:
    """Both paths on the same graph; the compiled one must not have fallen back to pySHACL."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sskg.graphbuild.validation"):
        compiled = shacl_violations(data, SHAPES)
    assert FALLBACK not in caplog.text
    return compiled, pyshacl_violations(data, SHAPES)


def test_the_shapes_compile() -> None:
    compile_shapes(SHAPES)


def test_built_graph(built: tuple[BuildResult, Path], caplog: pytest.LogCaptureFixture) -> None:
    result, _ = built
    compiled, reference = compiled_and_reference(merge(result.ontology, result.asserted), caplog)
    assert compiled == reference == []


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "shapes").glob("*.ttl")) + sorted((FIXTURES / "qc").glob("*.ttl")),
                         ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_fixture(fixture: Path, caplog: pytest.LogCaptureFixture) -> None:
    compiled, reference = compiled_and_reference(merge(load_ontology(), parse_rdf_file(Graph(), fixture)), caplog)
    assert compiled == reference


def test_ten_times_the_evidence(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ontology = load_ontology()
    folder = generate(tmp_path / "x10", 10, 1).folder
    data = merge(ontology, evidence_graph(load_evidence(folder, vocabulary_of(ontology))))
    compiled, reference = compiled_and_reference(data, caplog)
    assert compiled == reference == []


# --- mutations of the built graph -----------------------------------------------------------------------
# Each takes a focus node of its class and breaks it; `pick` chooses which statement or replacement.

REQUIRED = {
    "IncludedStudy": [SSKG.key, SSKG.year, DCTERMS.title, SSKG.hasTheme, SSKG.hasDesignCategory, SSKG.reportsFinding,
                      SSKG.statedAt],
    "Finding": [SSKG.fromStudy, SSKG.hasOutcome, SSKG.hasDirection, SSKG.inPopulation, SSKG.hasExposure, SSKG.statedAt],
    "EffectEstimate": [SSKG.value, SSKG.hasMeasure, SSKG.statedAt],
    "ProvenanceLocation": [SSKG.inSection, OA.hasSource, OA.hasSelector],
    "Table1Row": [SSKG.describesStudy],
}
AT_MOST_ONE = {
    "IncludedStudy": [SSKG.key, SSKG.year, DCTERMS.title, SSKG.hasTheme, SSKG.hasDesignCategory],
    "Finding": [SSKG.fromStudy, SSKG.hasOutcome, SSKG.hasDirection],
    "EffectEstimate": [SSKG.value, SSKG.hasMeasure, SSKG.ciLower, SSKG.ciUpper],
    "ProvenanceLocation": [SSKG.inSection, OA.hasSource],
    "Table1Row": [SSKG.describesStudy],
}
OF_A_CLASS = {
    "IncludedStudy": [SSKG.hasTheme, SSKG.hasDesignCategory, SSKG.reportsFinding, SSKG.statedAt, SSKG.conductedIn],
    "Finding": [SSKG.fromStudy, SSKG.hasOutcome, SSKG.hasDirection, SSKG.inPopulation, SSKG.hasExposure],
    "EffectEstimate": [SSKG.hasMeasure, SSKG.statedAt],
    "ProvenanceLocation": [SSKG.inSection],
    "Table1Row": [SSKG.describesStudy],
}
BAD_INTEGERS = [Literal("abc", datatype=XSD.integer), Literal("2001.5", datatype=XSD.integer), Literal("2001"),
                Literal("2001", datatype=XSD.decimal), Literal(2001.0), URIRef("https://w3id.org/sskg/ontology/year")]
BAD_DECIMALS = [Literal("abc", datatype=XSD.decimal), Literal("1,5", datatype=XSD.decimal), Literal("0.5", datatype=XSD.double),
                Literal("0.5"), Literal(7), Literal("0.5", lang="en"), BNode()]
ILL_TYPED = {
    "IncludedStudy": [(SSKG.key, [Literal(42), Literal("k", lang="en"), Literal("k", datatype=XSD.token), URIRef("https://w3id.org/sskg/k")]),
                      (SSKG.year, BAD_INTEGERS)],
    "EffectEstimate": [(SSKG.value, BAD_DECIMALS), (SSKG.ciLower, BAD_DECIMALS), (SSKG.ciUpper, BAD_DECIMALS)],
    "SearchFlowStage": [(SSKG.count, BAD_INTEGERS)],
}
# Other forms of values, as rdflib holds them once parsed: the engines must agree on them too.
VALUE_FORMS = [(SSKG.value, Literal("0.40", datatype=XSD.decimal)), (SSKG.year, Literal("+2016", datatype=XSD.integer)),
               (SSKG.countryNotReported, Literal("1", datatype=XSD.boolean)), (SSKG.countryNotReported, Literal(False)),
               (DCTERMS.title, Literal("A title", datatype=XSD.string))]


def _choose(options: list, pick: int) -> object:
    return options[pick % len(options)]


def _replace(graph: Graph, node: URIRef, predicate: URIRef, value: object) -> None:
    graph.remove((node, predicate, None))
    graph.add((node, predicate, value))


def drop(cls: str) -> Callable[[Graph, URIRef, int], None]:
    return lambda graph, node, pick: graph.remove((node, _choose(REQUIRED[cls], pick), None))


def duplicate(cls: str) -> Callable[[Graph, URIRef, int], None]:
    def change(graph: Graph, node: URIRef, pick: int) -> None:
        predicate = _choose(AT_MOST_ONE[cls], pick)
        own = set(graph.objects(node, predicate))
        others = sorted(set(graph.objects(None, predicate)) - own) or [URIRef("https://w3id.org/sskg/another")]
        graph.add((node, predicate, _choose(others, pick // 7)))
    return change


def wrong_class(cls: str) -> Callable[[Graph, URIRef, int], None]:
    def change(graph: Graph, node: URIRef, pick: int) -> None:
        predicate = _choose(OF_A_CLASS[cls], pick)
        graph.remove((node, predicate, min(graph.objects(node, predicate), default=None)))
        graph.add((node, predicate, _choose([node, Literal("not a node"), SSKG.Finding, BNode()], pick // 5)))
    return change


def ill_typed(cls: str) -> Callable[[Graph, URIRef, int], None]:
    def change(graph: Graph, node: URIRef, pick: int) -> None:
        predicate, values = _choose(ILL_TYPED[cls], pick)
        _replace(graph, node, predicate, _choose(values, pick // 3))
        graph.remove((node, SSKG.countNotReported, None))  # a flow stage's count must then stand on its own
    return change


def swap_bounds(graph: Graph, node: URIRef, pick: int) -> None:
    lower, upper = graph.value(node, SSKG.ciLower), graph.value(node, SSKG.ciUpper)
    value = graph.value(node, SSKG.value)
    if lower is None or upper is None:
        _replace(graph, node, SSKG.ciLower, value)
        _replace(graph, node, SSKG.ciUpper, Literal(Decimal("-1")))
    else:
        _replace(graph, node, SSKG.ciLower, Literal(upper.toPython() + 1))
        _replace(graph, node, SSKG.ciUpper, lower)


def country_both(graph: Graph, node: URIRef, pick: int) -> None:
    graph.add((node, SSKG.countryNotReported, Literal(True)))
    if graph.value(node, SSKG.conductedIn) is None:
        graph.add((node, SSKG.conductedIn, URIRef("https://w3id.org/sskg/concept/norway")))


def count_both(graph: Graph, node: URIRef, pick: int) -> None:
    graph.add((node, SSKG.countNotReported, Literal(True)))
    graph.add((node, SSKG.count, Literal(pick % 1000)))


def neither(first: URIRef, second: URIRef) -> Callable[[Graph, URIRef, int], None]:
    def change(graph: Graph, node: URIRef, pick: int) -> None:
        graph.remove((node, first, None))
        graph.remove((node, second, None))
    return change


def drop_quote(graph: Graph, node: URIRef, pick: int) -> None:
    for selector in list(graph.objects(node, OA.hasSelector)):
        graph.remove((selector, OA.exact, None))


def untype(graph: Graph, node: URIRef, pick: int) -> None:
    """The node stops being what others point at it as: their sh:class fails."""
    graph.remove((node, RDF.type, None))


def become(cls: str) -> Callable[[Graph, URIRef, int], None]:
    return lambda graph, node, pick: graph.add((node, RDF.type, SSKG[cls]))


def other_form(graph: Graph, node: URIRef, pick: int) -> None:
    predicate, value = _choose(VALUE_FORMS, pick)
    if predicate != SSKG.countryNotReported or graph.value(node, SSKG.conductedIn) is None:
        _replace(graph, node, predicate, value)


def blank_study(graph: Graph, node: URIRef, pick: int) -> None:
    """A study whose IRI is a blank node, with the node's statements."""
    blank = BNode()
    for predicate, value in list(graph.predicate_objects(node)):
        graph.add((blank, predicate, value))
    graph.remove((blank, _choose(REQUIRED["IncludedStudy"], pick), None))


MUTATIONS: dict[str, tuple[str, Callable[[Graph, URIRef, int], None]]] = {
    **{f"drop {cls}": (cls, drop(cls)) for cls in REQUIRED},
    **{f"duplicate {cls}": (cls, duplicate(cls)) for cls in AT_MOST_ONE},
    **{f"wrong class {cls}": (cls, wrong_class(cls)) for cls in OF_A_CLASS},
    **{f"ill-typed {cls}": (cls, ill_typed(cls)) for cls in ILL_TYPED},
    "swap bounds": ("EffectEstimate", swap_bounds),
    "country both": ("IncludedStudy", country_both),
    "country neither": ("IncludedStudy", neither(SSKG.conductedIn, SSKG.countryNotReported)),
    "count both": ("SearchFlowStage", count_both),
    "count neither": ("SearchFlowStage", neither(SSKG.count, SSKG.countNotReported)),
    "drop quote": ("ProvenanceLocation", drop_quote),
    "untype finding": ("Finding", untype),
    "untype provenance": ("ProvenanceLocation", untype),
    "finding becomes a study": ("Finding", become("IncludedStudy")),
    "study becomes an estimate": ("IncludedStudy", become("EffectEstimate")),
    "blank study": ("IncludedStudy", blank_study),
}
OTHER_FORMS = {"other form": ("IncludedStudy", other_form), "other form of estimate": ("EffectEstimate", other_form)}


def mutated(base: Graph, changes: list[tuple[str, int]]) -> Graph:
    """A copy of the graph with the changes applied, each to a different focus node."""
    graph = merge(base)
    used: set[URIRef] = set()
    for name, pick in changes:
        cls, change = (MUTATIONS | OTHER_FORMS)[name]
        nodes = sorted(set(graph.subjects(RDF.type, SSKG[cls])) - used)
        node = _choose(nodes, pick)
        used.add(node)
        change(graph, node, pick)
    return graph


@pytest.fixture(scope="module")
def base(built: tuple[BuildResult, Path]) -> Graph:
    result, _ = built
    return merge(result.ontology, result.asserted)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_mutation_breaks_the_graph_alike(base: Graph, name: str, caplog: pytest.LogCaptureFixture) -> None:
    compiled, reference = compiled_and_reference(mutated(base, [(name, 3)]), caplog)
    assert compiled == reference
    assert reference, "a mutation the shapes do not notice tests nothing"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(sorted(MUTATIONS | OTHER_FORMS)), st.integers(0, 10**6)), min_size=1, max_size=4))
def test_mutated_graphs_give_the_same_findings(base: Graph, changes: list[tuple[str, int]], caplog: pytest.LogCaptureFixture) -> None:
    compiled, reference = compiled_and_reference(mutated(base, changes), caplog)
    assert compiled == reference


# --- what is not compiled -------------------------------------------------------------------------------


def test_unsupported_construct_falls_back_to_pyshacl(base: Graph, caplog: pytest.LogCaptureFixture) -> None:
    shapes = merge(SHAPES)
    key_shape = next(node for node in shapes.objects(None, SH.property) if (node, SH.path, SSKG.key) in shapes)
    shapes.add((key_shape, SH.pattern, Literal("^[a-z]")))
    with pytest.raises(NotCompiled, match="pattern"):
        compile_shapes(shapes)
    data = merge(base)
    study = min(data.subjects(RDF.type, SSKG.IncludedStudy))
    _replace(data, study, SSKG.key, Literal("Upper-2001"))
    with caplog.at_level(logging.WARNING, logger="sskg.graphbuild.validation"):
        found = shacl_violations(data, shapes)
    assert FALLBACK in caplog.text
    assert found == [Violation("shape IncludedStudy", str(study), "A study needs exactly one key. (path sskg:key)")]


def test_literals_oxigraph_would_merge_fall_back_to_pyshacl(base: Graph, caplog: pytest.LogCaptureFixture) -> None:
    data = merge(base)
    estimate = min(data.subjects(SSKG.ciLower, None))
    lower = Decimal(data.value(estimate, SSKG.ciLower))
    data.add((estimate, SSKG.ciLower, Literal(f"{lower:.3f}", datatype=XSD.decimal)))  # "0.2" and "0.200": one term in Oxigraph
    with caplog.at_level(logging.WARNING, logger="sskg.graphbuild.validation"):
        found = shacl_violations(data, SHAPES)
    assert "merges 1 literal" in caplog.text
    assert [violation.focus for violation in found] == [str(estimate)]


def test_the_build_validates_literals_oxigraph_would_merge_with_pyshacl(built: tuple[BuildResult, Path],
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    evidence = merge(built[0].asserted)
    estimate = min(evidence.subjects(SSKG.ciLower, None))
    lower = Decimal(evidence.value(estimate, SSKG.ciLower))
    evidence.add((estimate, SSKG.ciLower, Literal(f"{lower:.3f}", datatype=XSD.decimal)))
    with caplog.at_level(logging.WARNING, logger="sskg.graphbuild.validation"):
        found = evidence_violations(built[0].ontology, evidence)
    assert "merges 1 literal" in caplog.text
    assert [violation.focus for violation in found] == [str(estimate)]


@pytest.mark.parametrize("addition", [
    "[] a sh:NodeShape ; sh:targetNode sskg:x .",  # another target
    "shape:Finding sh:closed true .",  # another constraint
    "shape:Table1Row sh:property [ sh:path [ sh:inversePath sskg:describesStudy ] ; sh:minCount 1 ; sh:message \"m\" ] .",
    "shape:Table1Row sh:property [ sh:path sskg:describesStudy ; sh:datatype xsd:date ; sh:message \"m\" ] .",
    "shape:Table1Row sh:property [ sh:path sskg:describesStudy ; sh:hasValue 1.0 ; sh:message \"m\" ] .",
    "shape:Table1Row sh:property [ sh:path sskg:describesStudy ; sh:minCount 1 ] .",  # pySHACL's own message
    "shape:Table1Row sh:sparql [ sh:select \"SELECT $this WHERE { OPTIONAL { $this a ?t } }\" ; sh:message \"m\" ] .",
    "shape:Table1Row sh:sparql [ sh:select \"SELECT $this ?path WHERE { $this ?path ?o }\" ; sh:message \"m\" ] .",
    "shape:Table1Row sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p ?o }\" ; sh:message \"{$this} fails\" ] .",
    "shape:Table1Row sh:sparql [ sh:select \"SELECT $this WHERE { $this a ?t } LIMIT 1\" ; sh:message \"m\" ] .",
])
def test_other_constructs_are_not_compiled(addition: str) -> None:
    shapes = merge(SHAPES)
    prefixes = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in
                       [("sh", SH), ("sskg", SSKG), ("xsd", XSD), ("shape", "https://w3id.org/sskg/shape/")])
    shapes.parse(data=prefixes + addition, format="turtle")
    with pytest.raises(NotCompiled):
        compile_shapes(shapes)


# --- when a SPARQL constraint may run once for all focus nodes ------------------------------------------

JOINABLE = [
    "SELECT $this WHERE { $this ?p ?o }",
    "SELECT DISTINCT $this ?value WHERE { $this ?p ?value OPTIONAL { $this ?q ?w } FILTER (?value != $this) }",
    "SELECT $this WHERE { ?x ?p $this FILTER NOT EXISTS { $this a ?t } BIND (STR($this) AS ?s) }",
    "SELECT $this WHERE { $this ?p ?o { SELECT ?o WHERE { ?o ?q ?r } } }",  # a subquery that does not see $this
]
NOT_JOINABLE = [
    "SELECT $this WHERE { OPTIONAL { $this ?p ?o } }",  # some rows leave $this unbound
    "SELECT ?o WHERE { $this ?p ?o }",  # $this not selected
    "SELECT $this WHERE { ?s ?p ?o OPTIONAL { $this ?q ?o } }",
    "SELECT $this WHERE { $this ?p ?o { ?o ?q ?r FILTER (?r != $this) } }",  # a group reads $this before it is bound
    "SELECT $this WHERE { $this ?p ?o { SELECT ?o WHERE { ?o ?q $this } } }",
    "SELECT $this WHERE { { $this ?p ?o } UNION { ?o ?p ?s } }",
    "SELECT $this WHERE { $this ?p ?o MINUS { $this a ?t } }",
    "SELECT $this WHERE { $this ?p ?o VALUES ?o { 1 } }",
    "SELECT $this WHERE { $this ?p ?o GRAPH ?g { ?o ?q ?r } }",
    "SELECT $this WHERE { ?s ?p ?o BIND (?s AS ?this) }",
]


@pytest.mark.parametrize("text", JOINABLE)
def test_joinable_constraint(text: str) -> None:
    assert "this" in joinable_variables(prepareQuery(text))


@pytest.mark.parametrize("text", NOT_JOINABLE)
def test_constraint_that_needs_this_bound_first(text: str) -> None:
    with pytest.raises(NotJoinable):
        joinable_variables(prepareQuery(text))
