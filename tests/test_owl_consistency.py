"""The whole graph, as a user loads each RDF export into an OWL tool, is consistent for HermiT.

Two readers the build does not use for its own check: the OWL API (as Protégé loads a file) and owlready2 (as a
Python user does). HermiT then checks what each of them read. The build's own check for the same class of fault is
the quality check datatype-range-violation (a data value outside its property's range); a test shows that it and
HermiT find the same fault.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from sskg.graphbuild.build import BuildResult
from sskg.graphbuild.reasoner import reason
from sskg.graphbuild.validation import check_violations
from sskg.namespaces import SSKG

from .conftest import needs_java

HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
EXPORTS = ("sskg.ttl", "sskg.rdf", "sskg.nt")
OWLREADY_FORMATS = {"sskg.rdf": "rdfxml", "sskg.nt": "ntriples"}  # owlready2 reads no Turtle

pytestmark = needs_java


def hermit_consistent(path: Path) -> bool:
    """HermiT's verdict on a file as the OWL API reads it (HermiT's own command line)."""
    completed = subprocess.run(
        ["java", "-cp", str(HERMIT_JAR), "org.semanticweb.HermiT.cli.CommandLine", "-k", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=300)
    if "InconsistentOntologyException" in completed.stderr:
        return False
    assert completed.returncode == 0 and "owl#Thing is satisfiable" in completed.stdout, completed.stderr[-2000:]
    return True


@pytest.mark.parametrize("name", EXPORTS)
def test_export_is_consistent_as_the_owl_api_reads_it(built: tuple[BuildResult, Path], name: str) -> None:
    assert hermit_consistent(built[1] / name)


def _owlready_world(path: Path) -> owlready2.World:
    world = owlready2.World()
    world.get_ontology(path.resolve().as_uri()).load(format=OWLREADY_FORMATS[path.name])
    return world


@pytest.mark.parametrize("name", sorted(OWLREADY_FORMATS))
def test_export_is_consistent_as_owlready2_reads_it(built: tuple[BuildResult, Path], tmp_path: Path, name: str) -> None:
    """owlready2 lists every declared individual and hands HermiT a consistent graph (what sync_reasoner() checks)."""
    result, out = built
    world = _owlready_world(out / name)
    declared = {str(s) for s in result.whole_graph().subjects(RDF.type, OWL.NamedIndividual)}
    assert {individual.iri for individual in world.individuals()} == declared
    assert len(declared) > 1500
    handed = tmp_path / "owlready2.nt"
    world.as_rdflib_graph().serialize(handed, format="nt", encoding="utf-8")  # the triples owlready2 holds
    assert hermit_consistent(handed)


@pytest.mark.skipif(not os.environ.get("SSKG_LONG_TESTS"), reason="long run (a minute): SSKG_LONG_TESTS=1")
def test_owlready2_reasoner_accepts_the_export(built: tuple[BuildResult, Path]) -> None:
    """A user's `sync_reasoner_hermit()`: classification and realisation of every individual, no inconsistency."""
    world = _owlready_world(built[1] / "sskg.rdf")
    owlready2.sync_reasoner_hermit(world, debug=0)


def _with_string_aim(graph: Graph) -> Graph:
    """The graph with sskg:aim ranged over xsd:string again: its language-tagged values then fall outside it."""
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    broken.remove((SSKG.aim, RDFS.range, None))
    broken.add((SSKG.aim, RDFS.range, XSD.string))
    return broken


def test_build_check_and_hermit_find_the_same_fault(built: tuple[BuildResult, Path], tmp_path: Path) -> None:
    result, _ = built
    broken = _with_string_aim(result.whole_graph())
    flagged = {v.focus for v in check_violations(broken) if v.check == "datatype-range-violation"}
    aims = {str(s) for s in result.asserted.subjects(URIRef(SSKG.aim), None)}
    assert flagged == aims and len(aims) == 30  # the review's aim and the 29 studies'
    path = tmp_path / "broken.nt"
    broken.serialize(path, format="nt", encoding="utf-8")
    assert not hermit_consistent(path)


def test_whole_graph_reasoning_sees_data_values(built: tuple[BuildResult, Path]) -> None:
    """`--reasoner hermit` reasons over the data values too, so it finds what a user's reasoner finds."""
    result, _ = built
    report = reason(_with_string_aim(result.ontology), result.asserted, timeout=120)
    assert report.consistent is False
