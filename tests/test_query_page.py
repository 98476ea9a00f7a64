"""The query page in Chromium, as a researcher uses it: every request stays on the server's origin and no console
error appears while the page loads, completes, runs, sorts, downloads, reopens a link, fills a catalogue form and
warns about an undefined term. Screenshots (1440×900 and 390×844) go to tests/artifacts/."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, ContextManager

import pytest
from click.testing import CliRunner

from sskg.cli import main
from sskg.queries.server import SparqlServer
from tests.browsing import Chromium, Opened, needs_chromium, served_by
from tests.browsing import opened as open_page
from tests.test_browser import browser  # noqa: F401 - shared fixtures
from tests.test_workbench import graph_file, server  # noqa: F401

pytestmark = needs_chromium
READY = "() => window.sskgWorkbench && window.sskgWorkbench.ready"  # functions, not strings: the CSP forbids eval
INTERACTIVE_WITHIN_MS = 3000
STUDY_TYPO = "PREFIX sskg: <https://w3id.org/sskg/ontology/>\nSELECT ?s WHERE { ?s a sskg:Study }"


def page_at(browser: Chromium, server: SparqlServer, path: str = "/", viewport: tuple[int, int] = (1440, 900)) -> ContextManager[Opened]:
    allowed, direct = served_by(server.url)
    return open_page(browser, server.url + path, allowed, viewport=viewport, direct=direct)


def ready(view: Opened) -> Any:
    view.page.wait_for_function(READY, timeout=15_000)
    return view.page


def type_query(page: Any, text: str) -> None:
    page.locator(".yasqe .CodeMirror:visible").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)
    page.keyboard.press("Escape")  # close any completion list


def run(page: Any) -> None:
    page.locator(".yasqe .CodeMirror:visible").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".yasr .dataTable:visible", timeout=15_000)
    page.wait_for_function("() => document.querySelectorAll('.yasr .dataTable tbody tr').length > 0")


def table(page: Any) -> tuple[list[str], list[list[str]]]:
    """The result table as shown: header and rows, without the row-number column."""
    header = page.locator(".yasr .dataTable:visible thead th").all_inner_texts()[1:]
    rows = page.evaluate("""() => [...document.querySelectorAll('.yasr .dataTable tbody tr')]
        .map(tr => [...tr.querySelectorAll('td')].slice(1).map(td => td.innerText.trim()))""")
    return [name.strip() for name in header], [row for row in rows if row]


def sort_by(page: Any, column: str) -> None:
    """Click a column's header and wait until the table is redrawn in that order: DataTables sorts in a later task,
    so rows read at once after the click can still be in the old order on a busy machine."""
    header = page.locator(".yasr .dataTable:visible thead th", has_text=column)
    header.click()
    header.and_(page.locator("[aria-sort=ascending]")).wait_for(timeout=15_000)


def cli_csv(*args: str) -> list[list[str]]:
    result = CliRunner().invoke(main, ["query", *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def test_page_is_interactive_quickly_asks_only_its_server_and_reads_well(browser: Chromium, server: SparqlServer) -> None:
    with page_at(browser, server) as view:
        page = ready(view)
        ready_at = page.evaluate("window.sskgWorkbench.readyAt")
        assert ready_at < INTERACTIVE_WITHIN_MS, f"the page was ready after {ready_at:.0f} ms"
        assert page.locator("#catalogue button.entry").count() > 20
        view.screenshot("query-page-1440")
        view.assert_clean()
    with page_at(browser, server, viewport=(390, 844)) as narrow:
        page = ready(narrow)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, "the page scrolls sideways on a phone"
        narrow.screenshot("query-page-390")
        run(page)  # a wide table scrolls in its own box, not the page
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, "results push the page sideways"
        page.locator(".yasr .dataTable:visible").scroll_into_view_if_needed()
        narrow.screenshot("query-page-390-results")
        narrow.assert_clean()


def test_typing_prefix_completes_from_the_graphs_prefixes(browser: Chromium, server: SparqlServer) -> None:
    with page_at(browser, server) as view:
        page = ready(view)
        page.locator(".yasqe .CodeMirror:visible").click()
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.type("PREFIX sskgc")
        page.wait_for_selector(".CodeMirror-hints li")
        assert page.locator(".CodeMirror-hints li").all_inner_texts() == ["sskgc: <https://w3id.org/sskg/concept/>"]
        page.keyboard.press("Enter")
        assert page.evaluate("window.sskgWorkbench.yasgui.getTab().getQuery()") == "PREFIX sskgc: <https://w3id.org/sskg/concept/>"
        page.keyboard.type("\nPREFIX sskg: <https://w3id.org/sskg/ontology/>\nSELECT * WHERE { ?s a sskg:Incl")
        page.wait_for_selector(".CodeMirror-hints li")
        assert "sskg:IncludedStudy   included study" in page.locator(".CodeMirror-hints li").all_inner_texts()
        view.assert_clean()


def test_a_run_fills_a_sortable_labelled_table_that_downloads_as_the_clis_csv(browser: Chromium, server: SparqlServer, graph_file: Path) -> None:
    query = """PREFIX sskg: <https://w3id.org/sskg/ontology/>
SELECT ?study ?country WHERE { ?study a sskg:IncludedStudy ; sskg:conductedIn ?country } ORDER BY ?study"""
    expected = cli_csv("--graph", str(graph_file), "--sparql", query)
    with page_at(browser, server) as view:
        page = ready(view)
        type_query(page, query)
        run(page)
        header, rows = table(page)
        assert header == expected[0] == ["study", "study_label", "country", "country_label"]
        assert [row[1] for row in rows] == [row[1] for row in expected[1:]]
        sort_by(page, "country_label")
        _, by_country = table(page)
        assert [row[3] for row in by_country] == sorted(row[3] for row in expected[1:])
        with page.expect_download() as download:
            page.locator(".yasr .yasr_downloadIcon:visible").click()
        assert list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8")))) == expected
        view.screenshot("query-page-results")
        view.assert_clean()


def test_the_url_after_a_run_reopens_the_query(browser: Chromium, server: SparqlServer) -> None:
    query = "PREFIX sskg: <https://w3id.org/sskg/ontology/>\nSELECT ?key WHERE { ?s sskg:year 2017 ; sskg:key ?key } ORDER BY ?key"
    with page_at(browser, server) as view:
        page = ready(view)
        type_query(page, query)
        run(page)
        link = page.url
        _, rows = table(page)
        view.assert_clean()
    assert link.startswith(server.url + "/") and link != server.url + "/"
    with page_at(browser, server, link[len(server.url):]) as reopened:  # a fresh browser context: no stored tabs
        page = ready(reopened)
        assert page.evaluate("window.sskgWorkbench.yasgui.getTab().getQuery()") == query
        page.wait_for_function("() => document.querySelectorAll('.yasr .dataTable tbody tr').length > 0")
        assert table(page)[1] == rows
        reopened.assert_clean()


def test_a_catalogue_query_with_a_label_parameter_gives_the_clis_rows(browser: Chromium, server: SparqlServer, graph_file: Path) -> None:
    expected = cli_csv("studies-by-country", "--param", "country=Norway", "--graph", str(graph_file))
    with page_at(browser, server) as view:
        page = ready(view)
        page.click("#catalogue button.entry[data-name=studies-by-country]")
        page.fill("#param-country", "Norwya")
        page.wait_for_selector("#parameters-error:not([hidden])")
        assert "did you mean Norway (sskgc:norway)?" in page.inner_text("#parameters-error")
        page.fill("#param-country", "Norway")
        page.wait_for_function("() => document.querySelector('#parameters .resolved').textContent.includes('sskgc:norway')")
        page.click("#parameters-form button[type=submit]")
        page.wait_for_function("() => document.querySelectorAll('.yasr .dataTable tbody tr').length > 0")
        header, rows = table(page)
        assert [header, *rows] == expected
        assert page.locator("#history button.entry").first.text_content().startswith("Studies by country")  # folded away
        view.screenshot("query-page-catalogue")
        view.assert_clean()


def test_an_undefined_term_is_warned_about_and_named_when_nothing_is_found(browser: Chromium, server: SparqlServer) -> None:
    with page_at(browser, server) as view:
        page = ready(view)
        type_query(page, STUDY_TYPO)
        page.wait_for_selector("#lint:not([hidden])")
        assert "sskg:Study is not defined in the sskg ontology; did you mean sskg:IncludedStudy" in page.inner_text("#lint-list")
        page.locator(".yasqe .CodeMirror:visible").click()
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#lint-zero:not([hidden])")
        assert "found no rows, and it uses sskg:Study" in page.inner_text("#lint-zero")
        view.screenshot("query-page-lint")
        view.assert_clean()


def test_resource_pages_and_served_views_are_clean(browser: Chromium, server: SparqlServer) -> None:
    for path, name in (("/id/study/bjornestad-2017", "resource-study"), ("/views/overview.html", None)):
        for viewport in ((1440, 900), (390, 844)):
            with page_at(browser, server, path, viewport) as view:
                view.page.wait_for_load_state("load")
                if name:
                    assert view.page.inner_text("h1") == "Bjornestad et al. 2017"
                    assert view.page.evaluate("document.documentElement.scrollWidth") <= viewport[0] + 1
                    view.screenshot(f"{name}-{viewport[0]}")
                view.assert_clean()


def test_served_views_link_to_the_query_page(browser: Chromium, server: SparqlServer) -> None:
    """Opened from files the views hide the link (tests/test_browser.py checks every page); served, they show it."""
    for name in ("index.html", "overview.html", "gap-map.html", "search-flow.html"):
        for viewport in ((1440, 900), (390, 844)):
            with page_at(browser, server, "/views/" + name, viewport) as view:
                view.page.wait_for_load_state("load")
                link = view.page.locator("header nav #query-page")
                assert link.is_visible(), name
                box = link.bounding_box()
                assert box and box["height"] >= 24 and box["width"] >= 24
                if name == "index.html" and viewport == (1440, 900):
                    link.click()
                    ready(view)  # the query page itself
                    assert view.page.url == server.url + "/"
                view.assert_clean()


def test_hostile_text_shows_as_text_in_the_catalogue_results_and_resource_pages(browser: Chromium, graph_file: Path,
                                                                                   tmp_path: Path) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    from sskg.queries.server import ServerConfig
    from tests.conftest import serving
    from tests.test_views import XSS_COMMENT, XSS_IMG, XSS_SCRIPT

    hostile = f"{XSS_IMG} {XSS_SCRIPT} {XSS_COMMENT}"
    graph = Graph().parse(graph_file)
    graph.add((URIRef("https://w3id.org/sskg/study/hostile"), RDFS.label, Literal(hostile)))
    (tmp_path / "graph.ttl").write_text(graph.serialize(format="turtle"), encoding="utf-8")
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "hostile.rq").write_text(f"# title: {hostile}\n# description: {XSS_IMG}\n"
                                          "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
                                          'FILTER (CONTAINS(?l, "onerror")) }\n', encoding="utf-8")
    with serving(ServerConfig(tmp_path / "graph.ttl", port=0, workers=1, catalogue_dir=catalogue)) as running:
        with page_at(browser, running) as view:
            page = ready(view)
            entry = page.locator("#catalogue button.entry[data-name=hostile]")
            assert entry.inner_text() == hostile
            entry.click()
            run(page)
            _, rows = table(page)
            assert rows == [["study:hostile", hostile]]
            view.assert_clean()
        with page_at(browser, running, "/id/study/hostile") as resource:
            assert resource.page.inner_text("h1") == hostile
            resource.assert_clean()
