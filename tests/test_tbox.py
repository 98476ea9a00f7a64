"""The ontology's classification: started early, collected later, cached only under a matching key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from sskg.errors import ReasonerError
from sskg.graphbuild import tbox
from sskg.graphbuild.hermit import HermitOutcome
from sskg.graphbuild.ontology import load_ontology
from sskg.rdf_io import strip_imports
from sskg.graphbuild.tbox import cache_key, start_tbox_classification

from .conftest import needs_java

INFERRED = (URIRef("http://e/A"), RDFS.subClassOf, URIRef("http://e/B"))


class FakeRun:
    """Stands in for HermiT: counts the runs and returns a known outcome."""

    runs = 0

    def __init__(self, module: Graph, timeout: float) -> None:
        FakeRun.runs += 1

    def outcome(self) -> HermitOutcome:
        inferred = Graph()
        inferred.add(INFERRED)
        return HermitOutcome(True, ("http://e/Empty",), inferred)

    def cancel(self) -> None:
        pass


@pytest.fixture()
def fake_hermit(monkeypatch: pytest.MonkeyPatch) -> type[FakeRun]:
    monkeypatch.setattr(tbox, "HermitRun", FakeRun)
    monkeypatch.setattr(tbox, "java_available", lambda: True)
    FakeRun.runs = 0
    return FakeRun


def test_second_classification_comes_from_the_cache(fake_hermit: type[FakeRun], tmp_path: Path) -> None:
    ontology = load_ontology()
    first = start_tbox_classification(ontology, 60, tmp_path).outcome()
    second = start_tbox_classification(ontology, 60, tmp_path).outcome()
    assert fake_hermit.runs == 1
    assert first and second and second.consistent and second.unsatisfiable == ("http://e/Empty",)
    assert set(second.inferred) == {INFERRED}
    assert [path.name for path in tmp_path.iterdir()] == [f"{cache_key(strip_imports(ontology))}.json"]


@pytest.mark.parametrize("damage", ["key", "format", "truncate"])
def test_a_cache_entry_that_does_not_match_is_not_trusted(fake_hermit: type[FakeRun], tmp_path: Path, damage: str) -> None:
    ontology = load_ontology()
    start_tbox_classification(ontology, 60, tmp_path).outcome()
    entry = next(tmp_path.iterdir())
    data = json.loads(entry.read_text(encoding="utf-8"))
    text = json.dumps({**data, damage: "0" * 64}) if damage != "truncate" else entry.read_text(encoding="utf-8")[:40]
    entry.write_text(text, encoding="utf-8")
    assert start_tbox_classification(ontology, 60, tmp_path).outcome() is not None
    assert fake_hermit.runs == 2
    assert json.loads(entry.read_text(encoding="utf-8")) == data  # rewritten whole


def test_an_unwritable_cache_only_costs_a_run(fake_hermit: type[FakeRun], tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    for _ in range(2):
        assert start_tbox_classification(load_ontology(), 60, blocked / "tbox").outcome() is not None
    assert fake_hermit.runs == 2


def test_cache_key_follows_content_not_blank_node_labels() -> None:
    first, second = load_ontology(), load_ontology()  # parsed twice: different blank-node labels
    assert cache_key(strip_imports(first)) == cache_key(strip_imports(second))
    second.add((URIRef("http://e/A"), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")))
    assert cache_key(strip_imports(first)) != cache_key(strip_imports(second))


def test_without_java_nothing_is_classified_even_when_cached(fake_hermit: type[FakeRun], monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    ontology = load_ontology()
    start_tbox_classification(ontology, 60, tmp_path).outcome()
    monkeypatch.setattr(tbox, "java_available", lambda: False)
    assert start_tbox_classification(ontology, 60, tmp_path).outcome() is None


@needs_java
def test_classification_runs_while_the_caller_works_and_can_be_stopped() -> None:
    ontology = load_ontology()
    with start_tbox_classification(ontology, 120) as job:
        outcome = job.outcome()
    assert outcome and outcome.consistent and len(outcome.inferred) > 0
    with start_tbox_classification(ontology, 120) as stopped:
        pass  # leaving the block stops HermiT
    with pytest.raises(ReasonerError, match="stopped"):
        stopped.outcome()
