"""Labels beside ids in the tables people read; `--ids` and the SPARQL result formats keep the query's own columns."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from sskg.cli import main
from sskg.errors import QueryError
from sskg.namespaces import CONCEPT, STUDY, THEME
from sskg.queries.catalogue import get_query
from sskg.queries.labels import label_map, with_labels
from sskg.queries.runner import inline_values, run_query, select_on
from tests.test_parameters import graph, graph_file  # noqa: F401 - the fixtures are shared


def csv_rows(*args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["query", *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_catalogue_tables_show_the_label_beside_each_id(graph: Graph, graph_file: Path) -> None:
    rows = csv_rows("studies-by-country", "--param", "country=Norway", "--graph", str(graph_file))
    assert list(rows[0]) == ["key", "key_label", "year", "theme", "theme_label", "design", "design_label"]
    for row in rows:
        assert row["key_label"] == str(graph.value(STUDY[row["key"]], RDFS.label))
        assert row["theme_label"] == str(graph.value(THEME[row["theme"]], SKOS.prefLabel) or graph.value(THEME[row["theme"]], RDFS.label))
        assert row["design_label"] == str(graph.value(CONCEPT[row["design"]], SKOS.prefLabel))
    assert any(row["key_label"] == "Bjornestad et al. 2017" for row in rows)


def test_ids_keeps_the_query_columns_and_json_is_untouched(graph_file: Path) -> None:
    args = ["studies-by-country", "--param", "country=Norway", "--graph", str(graph_file)]
    runner = CliRunner()
    ids = runner.invoke(main, ["query", *args, "--format", "csv", "--ids"]).stdout
    assert ids.splitlines()[0] == "key,year,theme,design"
    labelled = csv_rows(*args)
    assert [{k: v for k, v in row.items() if not k.endswith("_label")} for row in labelled] == list(csv.DictReader(io.StringIO(ids)))
    as_json = runner.invoke(main, ["query", *args, "--format", "json"]).stdout
    assert as_json == runner.invoke(main, ["query", *args, "--format", "json", "--ids"]).stdout
    assert json.loads(as_json)["head"]["vars"] == ["key", "year", "theme", "design"]
    for fmt, expected in (("md", "| key | key_label | year |"), ("table", "key_label")):
        assert expected in runner.invoke(main, ["query", *args, "--format", fmt]).stdout
        assert "key_label" not in runner.invoke(main, ["query", *args, "--format", fmt, "--ids"]).stdout


def test_own_queries_get_labels_for_iris(graph_file: Path) -> None:
    rows = csv_rows("--graph", str(graph_file), "--sparql", """PREFIX sskg: <https://w3id.org/sskg/ontology/>
        SELECT ?study ?country ?study_label WHERE { ?study sskg:conductedIn ?country } ORDER BY ?study LIMIT 3""")
    # ?country gets a label column; ?study does not, as the query already has a column of that name.
    assert list(rows[0]) == ["study", "country", "country_label", "study_label"]
    assert rows[0]["study_label"] == "" and rows[0]["country_label"]


def test_a_column_without_labels_gets_no_label_column(graph: Graph) -> None:
    result = run_query(graph, "SELECT ?x WHERE { VALUES ?x { <https://example.org/none> 1 } }")
    assert with_labels(result, select_on(graph)).variables == ("x",)


def test_the_preferred_label_wins_and_english_first() -> None:
    small = Graph()
    term = URIRef("https://example.org/t")
    small.add((term, RDFS.label, Literal("a label")))
    small.add((term, SKOS.prefLabel, Literal("Norsk", lang="nb")))
    small.add((term, SKOS.prefLabel, Literal("English", lang="en")))
    assert label_map({term}, select_on(small)) == {term: "English"}


def test_terms_looked_up_in_bulk_must_be_well_formed() -> None:
    with pytest.raises(QueryError, match="not a well-formed IRI"):
        inline_values("SELECT ?t WHERE { ?t ?p ?o }", ["t"], [(URIRef("https://e/x> } ?s ?p ?o {"),)])
    text = inline_values("SELECT ?t WHERE { ?t ?p ?o }", ["t"], [(URIRef("https://e/a"),), (URIRef("https://e/b"),)])
    assert "VALUES (?t) { (<https://e/a>) (<https://e/b>) }" in text


def test_catalogue_id_columns_name_real_terms(graph: Graph) -> None:
    """Every declared id column of every catalogue query names terms that exist, so their labels can be shown."""
    from sskg.queries.catalogue import load_catalogue

    for entry in load_catalogue().values():
        result = run_query(graph, entry.text, entry.bindings({}))
        for column, namespace in entry.id_columns.items():
            values = {str(row[result.variables.index(column)]) for row in result.rows} - {"", "None", "none"}
            missing = {value for value in values if (URIRef(namespace + value), None, None) not in graph}
            assert not missing, f"{entry.name}: column {column} has ids with no term: {sorted(missing)[:5]}"
    assert get_query("included-studies").id_columns["key"] == str(STUDY)
