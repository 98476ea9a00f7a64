"""The endpoint's result writing (queries/answers.py): Oxigraph's own writers, cut at the row cap, still standard."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef

from sskg.queries.answers import RESULT_TYPES, _all_solutions, _solutions, _written

XSD = "http://www.w3.org/2001/XMLSchema#"
SELECT = "SELECT ?s ?o ?missing WHERE { ?s ?p ?o } ORDER BY ?s"

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
terms = st.one_of(
    st.builds(ox.Literal, texts),
    st.builds(lambda text, lang: ox.Literal(text, language=lang), texts, st.sampled_from(["en", "nb-NO", "zh-Hant"])),
    st.builds(lambda number: ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer")), st.integers()),
    st.builds(lambda number: ox.Literal(repr(number), datatype=ox.NamedNode(XSD + "double")),
              st.floats(allow_nan=False, allow_infinity=False)),
    st.builds(lambda text: ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal")), st.sampled_from(["1.50", "-0.0", "+7"])),
    st.builds(lambda text: ox.Literal(text, datatype=ox.NamedNode("http://e/type")), texts),
    st.builds(ox.Literal, st.sampled_from(["},{", "a},{b", "<result>", "\n", "x\r\ny"])),  # what marks a row
    st.builds(lambda name: ox.NamedNode(f"http://e/{name}"), st.sampled_from(["a", "é", "a%20b", "x-y_z~"])),
    st.builds(lambda name: ox.BlankNode(f"b{name}"), st.integers(0, 9)),
)


def store_of(objects: list[ox.NamedNode | ox.BlankNode | ox.Literal]) -> ox.Store:
    store = ox.Store()
    for index, term in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{index:03}"), ox.NamedNode("http://e/p"), term))
    return store


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(terms, max_size=12), st.sampled_from(sorted(set(RESULT_TYPES.values()), key=str)), st.integers(0, 14))
def test_capped_results_are_what_oxigraph_writes_for_the_first_rows(objects: list, fmt: ox.QueryResultsFormat,  # type: ignore[type-arg]
                                                                    cap: int) -> None:
    """In one pass, or else through the TSV cut, the answer is byte for byte Oxigraph's own for the first `cap`."""
    store = store_of(objects)
    one_pass = _all_solutions(store.query(SELECT), fmt, cap)
    body, truncated = (one_pass, False) if one_pass is not None else _solutions(store.query(SELECT), fmt, cap)
    expected = store.query(SELECT + f" LIMIT {cap}").serialize(format=fmt)
    assert body == expected
    assert truncated == (len(store) > cap)


def test_one_pass_gives_way_to_the_exact_cut_when_values_look_like_rows() -> None:
    store = store_of([ox.Literal("a},{b"), ox.Literal("c")])
    assert _all_solutions(store.query(SELECT), ox.QueryResultsFormat.JSON, 2) is None  # 2 rows, but 2 marks
    assert _all_solutions(store.query(SELECT), ox.QueryResultsFormat.XML, 2) is not None  # <result> is exact
    body, truncated = _solutions(store.query(SELECT), ox.QueryResultsFormat.JSON, 2)
    assert [row["o"]["value"] for row in json.loads(body)["results"]["bindings"]] == ["a},{b", "c"] and not truncated


def test_multi_line_values_count_as_one_row() -> None:
    store = store_of([ox.Literal("one\ntwo\r\nthree"), ox.Literal("\n\n\n"), ox.Literal("x")])
    body, truncated = _solutions(store.query(SELECT), ox.QueryResultsFormat.JSON, 2)
    assert [row["o"]["value"] for row in json.loads(body)["results"]["bindings"]] == ["one\ntwo\r\nthree", "\n\n\n"]
    assert truncated


def test_xml_results_stay_well_formed() -> None:
    """XML 1.0 cannot carry U+0001, U+000B or U+FFFE: they become U+FFFD (hazard E2); JSON keeps them escaped."""
    store = store_of([ox.Literal("a\x01b\x0bc\ufffe\U0001f600\t")])
    reply = _written(store.query(SELECT), "application/sparql-results+xml", 10, exact=True)
    namespace = "{http://www.w3.org/2005/sparql-results#}"
    literal = ET.fromstring(reply.body).find(f"{namespace}results/{namespace}result/{namespace}binding/{namespace}literal")
    assert literal is not None and literal.text == "a\ufffdb\ufffdc\ufffd\U0001f600\t"
    as_json = _written(store.query(SELECT), "application/sparql-results+json", 10, exact=False)
    assert json.loads(as_json.body)["results"]["bindings"][0]["o"]["value"] == "a\x01b\x0bc\ufffe\U0001f600\t"


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
def test_graphs_are_cut_at_the_cap_and_read_by_rdflib(accept: str, fmt: str) -> None:
    store = store_of([ox.Literal(f"value {index}", language="en") for index in range(5)])
    reply = _written(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), accept, 3, exact=False)
    graph = Graph().parse(data=reply.body, format=fmt)
    assert len(graph) == 3 and ("Sskg-Truncated", "results cut at --max-rows 3") in reply.headers
    made = {(URIRef(f"http://e/s{index:03}"), URIRef("http://e/p"), Literal(f"value {index}", lang="en")) for index in range(5)}
    assert set(graph) <= made
