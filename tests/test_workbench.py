"""What the query page asks the server (completions, checks, labels, named parameters), the files it is made
of (vendored YASGUI, licences, CSP), resource pages for people and the views served under /views/."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from sskg.cli import main
from sskg.graphbuild.build import BuildResult
from sskg.namespaces import PREFIXES, STUDY
from sskg.queries.server import YASGUI_STYLE_ATTRIBUTE_HASHES, YASGUI_STYLE_HASHES, ServerConfig, SparqlServer
from tests.conftest import ROOT, serving
from tests.test_server import Response, call

STATIC = ROOT / "queries" / "static"
VENDOR = STATIC / "vendor"
NORWAY_STUDIES = """PREFIX sskg: <https://w3id.org/sskg/ontology/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?key WHERE { ?s sskg:conductedIn/skos:prefLabel "Norway"@en ; sskg:key ?key }"""


@pytest.fixture(scope="module")
def graph_file(built: tuple[BuildResult, Path]) -> Path:
    return built[1] / "sskg.ttl"


@pytest.fixture(scope="module")
def server(graph_file: Path) -> Iterator[SparqlServer]:
    with serving(ServerConfig(graph_file, port=0, workers=2)) as running:
        yield running


def post_json(server: SparqlServer, path: str, payload: object) -> Response:
    return call(server, "POST", path, json.dumps(payload), {"Content-Type": "application/json"})


def cli_csv(*args: str) -> list[list[str]]:
    result = CliRunner().invoke(main, ["query", *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


# --- the files of the page ---------------------------------------------------------------------------

def test_vendored_yasgui_is_the_recorded_build_with_its_licences() -> None:
    record = json.loads((VENDOR / "VERSION.json").read_text(encoding="utf-8"))
    assert record["package"] == "@zazuko/yasgui" and re.fullmatch(r"\d+\.\d+\.\d+", record["version"])
    for name, digest in record["sha256"].items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, f"{name} differs from the vendored build"
    assert "MIT License" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    notices = (VENDOR / "THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")
    assert all(f"\n{package} " in notices for package in record["bundled_packages"])
    assert "sourceMappingURL" not in (VENDOR / "yasgui.min.js").read_text(encoding="utf-8")[-300:]


def test_package_data_installs_every_file_the_page_serves() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["sskg.queries"]
    served = [path.relative_to(ROOT / "queries").as_posix() for path in STATIC.rglob("*") if path.is_file() and path.suffix != ".py"]
    missing = [name for name in served if not any(fnmatch(name, pattern) and name.count("/") == pattern.count("/") for pattern in globs)]
    assert missing == []


def test_csp_hashes_are_those_of_the_bundles_inline_styles() -> None:
    """If YASGUI is updated and its inline styles change, this fails before any browser shows a blocked style."""
    bundle = (VENDOR / "yasgui.min.js").read_text(encoding="utf-8")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    resizer = re.search(r"createStyle\(\w+,`( \.grip-resizable\{[^`]*)`\)", bundle)
    assert resizer and "`*{cursor:`+n.opt.dragCursor+`!important}`" in bundle and "dragCursor:`col-resize`" in bundle
    assert set(YASGUI_STYLE_HASHES) == {digest(resizer[1]), digest("*{cursor:col-resize!important}")}
    assert "<strong style='text-decoration:underline'>" in bundle
    assert YASGUI_STYLE_ATTRIBUTE_HASHES == (digest("text-decoration:underline"),)


def test_the_page_and_its_own_files_load_nothing_from_elsewhere(server: SparqlServer) -> None:
    page = call(server, "GET", "/")
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy and "connect-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for marker in ('/static/vendor/yasgui.min.js', '/static/app.js', 'id="catalogue"', 'href="/views/overview.html"'):
        assert marker in page.text
    for path in STATIC.glob("*.*"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(""", text), path.name
        assert not re.search(r"""fetch\(\s*["'`]https?:""", text), path.name
        assert call(server, "GET", f"/static/{path.name}").status == 200
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|eval\(|new Function", script)
    for name in ("yasgui.min.js", "yasgui.min.css"):
        assert call(server, "GET", f"/static/vendor/{name}").body == (VENDOR / name).read_bytes()
    icon = call(server, "GET", "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml"


# --- completions, checks, labels ---------------------------------------------------------------------

def test_completions_come_from_the_graphs_prefixes_and_the_ontology(server: SparqlServer) -> None:
    data = call(server, "GET", "/completions").json()
    assert data["prefixes"] == {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}  # type: ignore[index]
    classes = {term["prefixed"]: term["label"] for term in data["classes"]}  # type: ignore[index]
    properties = {term["prefixed"]: term["label"] for term in data["properties"]}  # type: ignore[index]
    assert classes["sskg:IncludedStudy"] == "included study" and properties["sskg:conductedIn"]
    assert not set(classes) & set(properties) and data["views"] is True  # type: ignore[index]


def test_check_reports_lint_parameters_choices_and_names(server: SparqlServer) -> None:
    from sskg.queries.catalogue import get_query

    result = post_json(server, "/check", {"query": "PREFIX sskg: <https://w3id.org/sskg/ontology/>\nSELECT ?s WHERE { ?s a sskg:Study }",
                                          "params": {}}).json()
    assert result["warnings"][0]["message"].startswith("sskg:Study is not defined in the sskg ontology; did you mean sskg:IncludedStudy")  # type: ignore[index]
    text = get_query("studies-by-country").text
    country, = post_json(server, "/check", {"query": text, "params": {"country": "Norwya"}}).json()["parameters"]  # type: ignore[index]
    assert "Norway (sskgc:norway)" in country["error"] and country["resolved"] is None
    assert {"label": "Canada", "prefixed": "sskgc:canada", "iri": "https://w3id.org/sskg/concept/canada"} in country["choices"]
    country, = post_json(server, "/check", {"query": text, "params": {"country": "canada"}}).json()["parameters"]  # type: ignore[index]
    assert country["resolved"]["prefixed"] == "sskgc:canada" and country["error"] is None
    backwards = post_json(server, "/check", {"query": get_query("studies-by-year").text, "params": {"from": "2019", "to": "2010"}}).json()
    assert "backwards" in backwards["parameter_error"]  # type: ignore[index]
    broken = post_json(server, "/check", {"query": "SELECT ?s WHERE { ?s ?p }", "params": {}}).json()
    assert broken["error"].startswith("syntax error at line 1")  # type: ignore[index]


def test_labels_answers_for_well_formed_iris_only(server: SparqlServer, graph_file: Path) -> None:
    study = str(STUDY["bjornestad-2017"])
    labels = post_json(server, "/labels", {"iris": [study, "not an iri", "https://w3id.org/sskg/none"]}).json()["labels"]  # type: ignore[index]
    assert labels == {study: str(Graph().parse(graph_file).value(URIRef(study), RDFS.label))}


@pytest.mark.parametrize(("path", "body", "content_type", "status"), [
    ("/check", "{}", "application/json", 400),
    ("/check", '{"query": 1}', "application/json", 400),
    ("/check", '{"query": "ASK {}", "params": {"a": 1}}', "application/json", 400),
    ("/labels", '{"iris": "x"}', "application/json", 400),
    ("/labels", "not json", "application/json", 400),
    ("/labels", '{"iris": []}', "text/plain", 415),
])
def test_page_requests_are_checked(server: SparqlServer, path: str, body: str, content_type: str, status: int) -> None:
    response = call(server, "POST", path, body, {"Content-Type": content_type})
    assert response.status == status and "Traceback" not in response.text


# --- parameters by name at the endpoint ------------------------------------------------------------

def test_a_catalogue_query_by_label_gives_the_clis_rows(server: SparqlServer, graph_file: Path) -> None:
    expected = {row[0] for row in cli_csv("--graph", str(graph_file), "--sparql", NORWAY_STUDIES)[1:]}
    answer = call(server, "GET", "/sparql?" + urlencode({"name": "studies-by-country", "param.country": "Norway"}), headers={"Accept": "text/csv"})
    assert answer.status == 200, answer.text
    assert {row[0] for row in list(csv.reader(io.StringIO(answer.text)))[1:]} == expected and expected


def test_an_own_query_takes_the_parameters_its_header_declares(server: SparqlServer) -> None:
    from sskg.queries.catalogue import get_query

    text = get_query("studies-by-country").text.replace("# title: Studies by country\n", "")
    fields = {"query": text, "param.country": "Sweden"}
    answer = call(server, "POST", "/sparql", urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
    assert answer.status == 200 and answer.text.splitlines()[1].startswith("ljungqvist-2016,")


@pytest.mark.parametrize(("params", "message"), [
    ({"name": "studies-by-country", "param.country": "Atlantis"}, "no term called 'Atlantis'"),
    ({"name": "studies-by-country", "param.country": "sskgc:recovery"}, "is not a concept of Countries"),
    ({"name": "studies-by-year", "param.from": "2019", "param.to": "2010"}, "the range is backwards"),
    ({"name": "studies-by-country", "param.colour": "red"}, "has no parameter colour"),
])
def test_bad_parameter_values_are_400_with_a_hint(server: SparqlServer, params: dict[str, str], message: str) -> None:
    answer = call(server, "GET", "/sparql?" + urlencode(params))
    assert answer.status == 400 and message in answer.text and "fix:" in answer.text


# --- resource pages and views ----------------------------------------------------------------------

def test_a_study_page_is_written_for_people(server: SparqlServer, graph_file: Path) -> None:
    graph = Graph().parse(graph_file)
    study = STUDY["bjornestad-2017"]
    page = call(server, "GET", "/id/study/bjornestad-2017", headers={"Accept": "text/html"}).text
    assert f"<h1>{graph.value(study, RDFS.label)}</h1>" in page and "<title>Bjornestad et al. 2017 · sskg</title>" in page
    assert "Included study" in page or "included study" in page
    assert 'href="/views/overview.html#node=' + quote(str(study), safe="") + '"' in page and 'href="/views/gap-map.html"' in page
    see_also = str(graph.value(study, RDFS.seeAlso))
    assert f'<a href="{see_also.replace("&", "&amp;")}" rel="noopener noreferrer" class="external">' in page
    findings = [finding for finding in graph.subjects(URIRef("https://w3id.org/sskg/ontology/fromStudy"), study)]
    assert findings and all(f'href="/id/{str(finding)[len("https://w3id.org/sskg/"):]}"' in page for finding in findings)
    assert 'href="/id/concept/norway">Norway</a>' in page
    turtle = call(server, "GET", "/id/study/bjornestad-2017?format=turtle")
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert (study, RDFS.label, graph.value(study, RDFS.label)) in Graph().parse(data=turtle.text, format="turtle")


def test_dois_are_links(server: SparqlServer, graph_file: Path) -> None:
    graph = Graph().parse(graph_file)
    study, doi = next(iter(graph.subject_objects(URIRef("http://prismstandard.org/namespaces/basic/2.0/doi"))))
    page = call(server, "GET", "/resource?" + urlencode({"iri": str(study)})).text
    assert f'<a href="https://doi.org/{doi}"' in page


def test_the_views_are_served_offline(server: SparqlServer, graph_file: Path) -> None:
    for name in ("", "overview.html", "gap-map.html"):
        view = call(server, "GET", "/views/" + name)
        assert view.status == 200 and view.body == (graph_file.parent / "views" / (name or "index.html")).read_bytes()
        assert "connect-src 'none'" in view.headers["content-security-policy"]
    assert call(server, "GET", "/views/nothing.html").status == 404
    assert call(server, "GET", "/views").headers["location"] == "/views/"


def test_without_views_the_pages_do_not_link_to_them(graph_file: Path, tmp_path: Path) -> None:
    lonely = tmp_path / "graph.ttl"
    lonely.write_bytes(graph_file.read_bytes())
    with serving(ServerConfig(lonely, port=0, workers=1)) as running:
        assert call(running, "GET", "/completions").json()["views"] is False  # type: ignore[index]
        missing = call(running, "GET", "/views/overview.html")
        assert missing.status == 404 and "sskg build" in missing.text
        assert "/views/" not in call(running, "GET", "/id/study/bjornestad-2017").text
