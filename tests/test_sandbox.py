"""Defence in depth: a query that slips past the parser-level guard is still stopped by the audit hook."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib.plugins.sparql as rdflib_sparql
from rdflib import Dataset, Graph, Literal, URIRef

from sskg.errors import QueryError
from sskg.queries import safety
from sskg.queries.runner import run_query
from sskg.sandbox import ConfinementError, confined

from .conftest import CaptureServer


@pytest.fixture()
def memory_graph() -> Graph:
    graph = Graph()
    graph.add((URIRef("http://e/s"), URIRef("http://e/p"), Literal(1)))
    return graph


@pytest.fixture()
def parser_guard_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate a bug in the parser-level guard: it lets everything through."""
    monkeypatch.setattr(safety, "_refuse", lambda parsed: None)


@pytest.mark.parametrize("timeout", [None, 10.0])
def test_service_past_the_parser_is_stopped(memory_graph: Graph, capture_server: CaptureServer, parser_guard_off: None,
                                            timeout: float | None) -> None:
    text = f"SELECT * WHERE {{ SERVICE <{capture_server.url}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises((QueryError, ConfinementError), match="network access refused"):
        run_query(memory_graph, text, timeout=timeout)
    assert capture_server.requests == []


def test_from_file_past_the_parser_is_stopped(memory_graph: Graph, tmp_path: Path, parser_guard_off: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rdflib_sparql, "SPARQL_LOAD_GRAPHS", True)
    secret = tmp_path / "secret.ttl"
    secret.write_text("<http://e/secret> <http://e/p> 'classified' .\n", encoding="utf-8")
    text = f"SELECT ?o FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}"
    dataset = Dataset()
    dataset.add((URIRef("http://e/s"), URIRef("http://e/p"), Literal(1)))
    with pytest.raises((QueryError, ConfinementError)) as raised:
        run_query(dataset, text, timeout=None)
    assert "refused" in str(raised.value) or "Could not load" in str(raised.value)  # rdflib rewraps the refusal
    assert "classified" not in str(raised.value)


def test_confinement_allows_only_the_given_folders(tmp_path: Path) -> None:
    inside = tmp_path / "data.txt"
    inside.write_text("ok", encoding="utf-8")
    with confined([tmp_path]):
        assert inside.read_text(encoding="utf-8") == "ok"
        with pytest.raises(ConfinementError, match="refused"):
            Path("/etc/hostname").read_text(encoding="utf-8")
    assert Path("/etc/hostname").exists()  # outside the block nothing is restricted
