"""Catalogue parameters by name: labels, slugs, prefixed names and IRIs; 'did you mean'; backwards ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from sskg.cli import main
from sskg.errors import QueryError
from sskg.graphbuild.build import BuildResult
from sskg.namespaces import CONCEPT, SCHEME, STUDY
from sskg.queries.catalogue import get_query, parse_text
from sskg.queries.parameters import GraphTerms, normal
from sskg.queries.runner import load_graph, run_query, select_on

PREFIXES = """PREFIX sskg: <https://w3id.org/sskg/ontology/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@pytest.fixture(scope="module")
def graph_file(built: tuple[BuildResult, Path]) -> Path:
    return built[1] / "sskg.ttl"


@pytest.fixture(scope="module")
def graph(graph_file: Path) -> Graph:
    return load_graph(graph_file)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_norway_by_name_gives_the_norwegian_studies(graph: Graph, graph_file: Path) -> None:
    expected = {str(row[0]) for row in graph.query(PREFIXES + """SELECT ?key WHERE {
        ?study sskg:conductedIn ?country ; sskg:key ?key . ?country skos:prefLabel "Norway"@en }""")}
    assert expected  # the review has Norwegian studies (e.g. Bjornestad et al. 2017)
    code, out, err = cli("query", "studies-by-country", "--param", "country=Norway", "--graph", str(graph_file),
                         "--format", "csv", "--ids")
    assert code == 0, err
    assert {line.split(",")[0] for line in out.splitlines()[1:]} == expected


@pytest.mark.parametrize("given", ["Canada", "canada", "CANADA", "sskgc:canada", str(CONCEPT["canada"]), "CA", " Canada "])
def test_every_way_of_naming_a_country_binds_the_same_iri(graph: Graph, given: str) -> None:
    entry = get_query("studies-by-country")
    assert entry.bindings({"country": given}, GraphTerms(select_on(graph))) == {"country": CONCEPT["canada"]}


def test_names_ignore_case_accents_and_punctuation() -> None:
    assert normal("United States") == normal("united-states") == normal("UnitedStates") == normal("Ünited  Ståtes")
    assert normal("Bjørnestad") == normal("Bjornestad")


@pytest.mark.parametrize(("name", "param", "given", "expected"), [
    ("findings-for-outcome", "outcome", "quality of life", CONCEPT["quality-of-life"]),
    ("studies-by-design", "design", "focus groups", None),  # a finer design, by its label
    ("studies-by-population", "group", "ContextSpecificProblems", URIRef("https://w3id.org/sskg/ontology/ContextSpecificProblems")),
    ("strategy-evidence", "kind", "indirect support strategy", URIRef("https://w3id.org/sskg/ontology/IndirectStrategy")),
    ("provenance", "subject", "bjornestad-2017", STUDY["bjornestad-2017"]),
    ("provenance", "subject", "Bjornestad et al. 2017", STUDY["bjornestad-2017"]),
])
def test_terms_of_each_kind_by_name(graph: Graph, name: str, param: str, given: str, expected: URIRef | None) -> None:
    bound = get_query(name).bindings({param: given}, GraphTerms(select_on(graph)))[param]
    if expected is None:
        labels = {str(label) for label in graph.objects(bound, SKOS.prefLabel)}  # type: ignore[arg-type]
        assert normal(given) in {normal(label) for label in labels}
    else:
        assert bound == expected


def test_a_misspelt_name_suggests_the_closest_term(graph_file: Path) -> None:
    code, out, err = cli("query", "studies-by-country", "--param", "country=Norwya", "--graph", str(graph_file))
    assert code == 2 and out == ""
    assert "no term called 'Norwya'" in err and "did you mean Norway (sskgc:norway)?" in err


def test_an_unknown_iri_is_an_error_not_zero_rows(graph_file: Path) -> None:
    code, _, err = cli("query", "studies-by-country", "--param", "country=sskgc:atlantis", "--graph", str(graph_file))
    assert code == 2
    assert "sskgc:atlantis is not a concept of Countries (scheme:countries)" in err
    assert "Norway (sskgc:norway)" in err  # nothing is close: the choices are listed


def test_a_term_of_the_wrong_kind_is_refused(graph: Graph) -> None:
    with pytest.raises(QueryError, match=r"sskgc:recovery is not a concept of Countries"):
        get_query("studies-by-country").bindings({"country": "sskgc:recovery"}, GraphTerms(select_on(graph)))
    with pytest.raises(QueryError, match="is not in the graph"):
        get_query("provenance").bindings({"subject": "study:nobody-1900"}, GraphTerms(select_on(graph)))


def test_a_name_two_terms_share_is_ambiguous_and_lists_both() -> None:
    small = Graph()
    for slug in ("left", "right"):
        small.add((CONCEPT[slug], SKOS.inScheme, SCHEME["sides"]))
        small.add((CONCEPT[slug], SKOS.prefLabel, Literal("Side", lang="en")))
    entry = parse_text("sides", "# title: t\n# param: side concept(scheme:sides) sskgc:left  A side\nSELECT * WHERE { ?s ?p ?side }")
    with pytest.raises(QueryError, match=r"'Side' names 2 terms: Side \(sskgc:left\); Side \(sskgc:right\)"):
        entry.bindings({"side": "Side"}, GraphTerms(select_on(small)))
    assert entry.bindings({"side": "left"}, GraphTerms(select_on(small))) == {"side": CONCEPT["left"]}


def test_without_a_graph_only_exact_iris_are_taken() -> None:
    entry = get_query("studies-by-country")
    assert entry.bindings({"country": "sskgc:canada"}) == {"country": CONCEPT["canada"]}
    with pytest.raises(QueryError, match="not an absolute IRI"):
        entry.bindings({"country": "Canada"})


def test_hostile_names_are_never_query_text(graph: Graph) -> None:
    before = len(graph)
    for hostile in ('Norway") } ?s ?p ?o {', "Norway> . ?s ?p ?o", "?country"):
        with pytest.raises(QueryError, match="no term called"):
            get_query("studies-by-country").bindings({"country": hostile}, GraphTerms(select_on(graph)))
    assert len(graph) == before


def test_a_backwards_range_is_an_error(graph_file: Path, graph: Graph) -> None:
    code, out, err = cli("query", "studies-by-year", "--param", "from=2018", "--param", "to=2016", "--graph", str(graph_file))
    assert code == 2 and out == ""
    assert "parameter from and to: the range is backwards: from 2018 comes after to 2016" in err and "from=2016 to=2018" in err
    code, _, err = cli("query", "studies-by-year", "--param", "to=1999", "--graph", str(graph_file))
    assert code == 2 and "parameter to: the range is backwards: from 2000 (its default) comes after to 1999" in err
    entry = get_query("studies-by-year")
    same_year = run_query(graph, entry.text, entry.bindings({"from": "2017", "to": "2017"}))
    assert same_year.rows and {int(row[1].toPython()) for row in same_year.rows} == {2017}  # type: ignore[union-attr]


@pytest.mark.parametrize(("header", "message"), [
    ("# param: x concept sskgc:a  doc", "concept and class take"),
    ("# param: x iri(scheme:s) sskgc:a  doc", "concept and class take"),
    ("# param: x concept(nope:s) sskgc:a  doc", "not an absolute IRI"),
    ("# param: x year 2000  doc\n# range: x y", "names a parameter the query does not declare"),
    ("# columns: a=nope:", "bad column"),
])
def test_bad_catalogue_headers_are_clear_errors(header: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_text("bad", f"# title: t\n{header}\nSELECT * WHERE {{ ?s ?p ?o }}")


def test_own_queries_read_their_header_and_ignore_other_comments(graph_file: Path, tmp_path: Path) -> None:
    text = get_query("studies-by-country").text.replace("# title:", "# columns: (these are mine)\n# title:")
    own = parse_text("query", text, strict=False)
    assert [parameter.name for parameter in own.parameters] == ["country"]
    assert own.columns == ("key", "year", "theme", "design")  # the unreadable columns line was a comment
    query_file = tmp_path / "mine.rq"
    query_file.write_text(text, encoding="utf-8")
    code, out, err = cli("query", "--file", str(query_file), "--param", "country=Sweden", "--graph", str(graph_file),
                         "--format", "csv", "--ids")
    assert code == 0, err
    assert out.splitlines()[1].startswith("ljungqvist-2016,")
