"""Every SHACL shape and quality check fires on its bad fixture, and the built graph passes them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from sskg.graphbuild.build import BuildResult
from sskg.graphbuild.ontology import load_ontology
from sskg.rdf_io import merge, parse_rdf_file
from sskg.graphbuild.validation import Violation, check_violations, load_shapes, shacl_violations
from sskg.ontology import CHECKS_DIR

from .conftest import FIXTURES

CHECKS = sorted(path.stem for path in CHECKS_DIR.glob("*-violation.rq"))
SHAPES = sorted(path.stem for path in (FIXTURES / "shapes").glob("*.ttl"))


def test_every_check_and_shape_has_a_fixture() -> None:
    assert CHECKS == sorted(path.stem for path in (FIXTURES / "qc").glob("*.ttl"))
    shapes = load_shapes()
    named = {str(s).rsplit("/", 1)[-1] for s in shapes.subjects() if str(s).startswith("https://w3id.org/sskg/shape/")}
    assert named == set(SHAPES)


@pytest.mark.parametrize("check", CHECKS)
def test_check_fires_on_its_fixture(check: str) -> None:
    graph = parse_rdf_file(Graph(), FIXTURES / "qc" / f"{check}.ttl")
    fired = {violation.check for violation in check_violations(graph)}
    assert check in fired


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_fires_on_its_fixture(shape: str) -> None:
    data = merge(load_ontology(), parse_rdf_file(Graph(), FIXTURES / "shapes" / f"{shape}.ttl"))
    fired = {violation.check for violation in shacl_violations(data, load_shapes())}
    assert f"shape {shape}" in fired


def test_built_graph_passes_every_shape_and_check(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    assert result.violations == []
    assert check_violations(result.whole_graph()) == []


def test_checks_stay_in_our_namespace() -> None:
    # An unlabelled class of another vocabulary is not ours to fix.
    graph = Graph().parse(data="<http://example.org/Foreign> a <http://www.w3.org/2002/07/owl#Class> .", format="turtle")
    assert [v for v in check_violations(graph) if v.check != "ontology-metadata-violation"] == []


def rdflib_rows(graph: Graph) -> list[Violation]:
    """The checks on rdflib's own SPARQL engine: the reference for the rows Oxigraph gives."""
    return sorted(
        Violation(path.stem, str(row.entity), str(row.problem))
        for path in sorted(CHECKS_DIR.glob("*-violation.rq"))
        for row in graph.query(path.read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("with_ontology", [False, True], ids=["alone", "with ontology"])
@pytest.mark.parametrize("fixture", sorted((FIXTURES / "qc").glob("*.ttl")) + sorted((FIXTURES / "shapes").glob("*.ttl")),
                         ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_checks_give_the_same_rows_on_oxigraph_as_on_rdflib(fixture: Path, with_ontology: bool) -> None:
    graph = parse_rdf_file(Graph(), fixture)
    if with_ontology:
        graph = merge(load_ontology(), graph)
    rows = check_violations(graph)
    assert rows == rdflib_rows(graph)
    assert rows or with_ontology


def test_blank_node_referring_to_an_undescribed_term() -> None:
    graph = Graph().parse(data="[] <http://example.org/p> <https://w3id.org/sskg/study/nobody-2001> .", format="turtle")
    rows = [row for row in check_violations(graph) if row.check == "dangling-reference-violation"]
    assert rows == [row for row in rdflib_rows(graph) if row.check == "dangling-reference-violation"]
    assert rows == [Violation("dangling-reference-violation", "https://w3id.org/sskg/study/nobody-2001",
                              "referenced by a blank node via http://example.org/p but never described")]
