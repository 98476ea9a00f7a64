"""Every SHACL shape and quality check fires on its bad fixture, and the built graph passes them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from sskg.graphbuild.build import BuildResult, merge
from sskg.graphbuild.ontology import load_ontology
from sskg.graphbuild.rdf_io import parse_rdf_file
from sskg.graphbuild.validation import check_violations, load_shapes, shacl_violations
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
