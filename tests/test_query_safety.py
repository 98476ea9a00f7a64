"""Hazards Q1–Q6 and Q9 in the library and the CLI: nothing leaves the machine, nothing is read or changed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from sskg.cli import main
from sskg.errors import QueryError
from sskg.queries.catalogue import expand_iri, get_query
from sskg.queries.runner import run_query


@pytest.fixture()
def small_graph() -> Graph:
    graph = Graph()
    for index in range(60):
        graph.add((URIRef(f"http://e/s{index}"), URIRef("http://e/p"), Literal(index)))
    return graph


def service_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}/a> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE SILENT <{url}/b> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ ?x ?y ?z }} UNION {{ SERVICE <{url}/c> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}/d> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ BIND (<{url}/e> AS ?endpoint) SERVICE ?endpoint {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}/f> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/g> {{ ?s ?p ?o }} }}",
    ]


def test_q1_service_is_refused_everywhere(small_graph: Graph, capture_server) -> None:  # type: ignore[no-untyped-def]
    for text in service_queries(capture_server.url):
        with pytest.raises(QueryError, match="SERVICE is refused"):
            run_query(small_graph, text)
    assert capture_server.requests == []


def test_q2_from_clauses_read_no_file_and_fetch_nothing(small_graph: Graph, tmp_path: Path, capture_server) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.ttl"
    secret.write_text("<http://e/secret> <http://e/p> 'do not read' .\n", encoding="utf-8")
    for text in (
        f"SELECT * FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{capture_server.url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{capture_server.url}/g> WHERE {{ ?s ?p ?o }}",
    ):
        with pytest.raises(QueryError, match="FROM"):
            run_query(small_graph, text)
    assert capture_server.requests == []


UPDATES = [
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:1/x>",
    "CLEAR ALL",
    "DROP GRAPH <http://e/g>",
    "CREATE GRAPH <http://e/g>",
    "PREFIX e: <http://e/> # comment\nINSERT { ?s e:q 1 } WHERE { ?s ?p ?o }",
    "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("text", UPDATES)
def test_q3_updates_are_refused_and_change_nothing(small_graph: Graph, text: str) -> None:
    before = set(small_graph)
    with pytest.raises(QueryError, match="read-only"):
        run_query(small_graph, text)
    assert set(small_graph) == before


def test_q4_parameters_are_bound_not_pasted(built) -> None:  # type: ignore[no-untyped-def]
    entry = get_query("studies-by-year")
    hostile = "2000 && ?year > 0) } } SELECT * WHERE { ?s ?p ?o"
    with pytest.raises(QueryError, match="not a valid year"):
        entry.bindings({"from": hostile})
    for bad in ("sskgc:norway> } ?s ?p ?o {", "relative/iri", "javascript:alert(1) x", "HGNC:1100", "skos", "sskgc"):
        with pytest.raises(QueryError):
            expand_iri(bad)
    assert expand_iri("skos:notATerm") == URIRef("http://www.w3.org/2004/02/skos/core#notATerm")  # any name, as SPARQL takes it


def test_q5_runaway_query_is_stopped(small_graph: Graph) -> None:
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY RAND()"
    start = time.perf_counter()
    with pytest.raises(QueryError, match="time limit"):
        run_query(small_graph, slow, timeout=1)
    assert time.perf_counter() - start < 5


def test_q6_deep_nesting_is_a_clean_error(small_graph: Graph) -> None:
    text = "SELECT * WHERE " + "{ " * 60 + "?s ?p ?o " + "} " * 60
    with pytest.raises(QueryError, match="nests"):
        run_query(small_graph, text)


def test_syntax_error_names_line_and_column(small_graph: Graph) -> None:
    with pytest.raises(QueryError, match=r"line 2, column \d+"):
        run_query(small_graph, "SELECT ?s\nWHERE { ?s ?p }")


def test_cli_refusals_are_short_messages(built, capture_server) -> None:  # type: ignore[no-untyped-def]
    graph_file = str(built[1] / "sskg.ttl")
    runner = CliRunner()
    for text in [*service_queries(capture_server.url)[:2], UPDATES[0], "SELECT * WHERE { ?s ?p }"]:
        result = runner.invoke(main, ["query", "--graph", graph_file, "--sparql", text])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error:") and "Traceback" not in result.output
    assert capture_server.requests == []


def test_cli_unknown_query_and_parameter_list_the_valid_ones(built) -> None:  # type: ignore[no-untyped-def]
    graph_file = str(built[1] / "sskg.ttl")
    runner = CliRunner()
    result = runner.invoke(main, ["query", "no-such-query", "--graph", graph_file])
    assert result.exit_code == 2 and "included-studies" in result.output
    result = runner.invoke(main, ["query", "studies-by-country", "--param", "colour=red", "--graph", graph_file])
    assert result.exit_code == 2 and "valid parameters: country" in result.output


def test_cli_formats(built) -> None:  # type: ignore[no-untyped-def]
    graph_file = str(built[1] / "sskg.ttl")
    runner = CliRunner()
    args = ["query", "studies-by-country", "--param", "country=sskgc:sweden", "--graph", graph_file, "--ids"]
    as_json = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    assert as_json["head"]["vars"] == ["key", "year", "theme", "design"]
    assert as_json["results"]["bindings"][0]["key"]["value"] == "ljungqvist-2016"
    assert runner.invoke(main, [*args, "--format", "csv"]).output.splitlines() == ["key,year,theme,design",
                                                                               "ljungqvist-2016,2016,features,quantitative"]
    assert runner.invoke(main, [*args, "--format", "tsv"]).output.splitlines()[1] == "ljungqvist-2016\t2016\tfeatures\tquantitative"
    assert "| ljungqvist-2016 | 2016 | features | quantitative |" in runner.invoke(main, [*args, "--format", "md"]).output
    listing = runner.invoke(main, ["query", "list"]).output
    assert "studies-by-country" in listing and "country (concept, default sskgc:norway)" in listing
    construct = runner.invoke(main, ["query", "--graph", graph_file, "--format", "turtle", "--sparql",
                                     "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t . FILTER (?s = <https://w3id.org/sskg/study/sun-2019>) }"])
    assert "IncludedStudy" in construct.output
