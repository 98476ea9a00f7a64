"""The views in a real browser: headless Chromium opens each page from disk with every request aborted.

Checked: no console error and no request but the page itself; the nodes drawn; a filter; a click that
opens a study's findings; a gap-map cell against SPARQL; time to interactive; injected script never
runs. Screenshots go to tests/artifacts/ (git-ignored). Skipped only where Chromium is missing and CI
is unset: in CI these tests must run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ContextManager

import pytest
from rdflib import URIRef
from sskg.exports.views.write import write_all, write_study
from sskg.graphbuild.build import BuildResult

from sskg.namespaces import SSKG
from tests.browsing import Chromium, Opened, chromium, in_folder, needs_chromium, only_itself
from tests.browsing import opened as open_page
from tests.test_views import (
    PREFIXES,
    XSS_COMMENT,
    XSS_IMG,
    XSS_SCRIPT,
    expected_node_count,
    graph_of,
    hostile_graph,
    page_data,
    rendered,
)

INTERACTIVE_WITHIN_MS = 2000
READY = "window.sskg && window.sskg.state.ready"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with chromium() as running:
        yield running


@pytest.fixture(scope="module")
def graph_file(built: tuple[BuildResult, Path]) -> Path:
    return built[1] / "sskg.ttl"


@pytest.fixture(scope="module")
def views(graph_file: Path) -> Path:
    return rendered(graph_file)


def opened(browser: Chromium, path: Path) -> ContextManager[Opened]:
    """The page from disk; any request is recorded, and aborted unless it opens a page of the same folder."""
    return open_page(browser, path.resolve().as_uri(), only_itself(path), routable=in_folder(path), viewport=(1400, 900))


def select(graph_file: Path, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(term) for term in row) for row in graph_of(graph_file).query(PREFIXES + query)]


def click_node(page: Any, node_id: str) -> None:
    """Bring the node to the middle of the canvas and click it with the mouse."""
    x, y = page.evaluate("""(id) => {
        const network = window.sskg.network;
        network.focus(id, { scale: 1.5, animation: false });
        const at = network.canvasToDOM(network.getPosition(id));
        const box = document.querySelector("#network canvas").getBoundingClientRect();
        return [box.left + at.x, box.top + at.y];
    }""", node_id)
    page.mouse.click(x, y)


def test_overview_is_interactive_within_2_s_and_draws_every_node(browser: Chromium, graph_file: Path, views: Path) -> None:
    """Times are the page's own clock (performance.now(), from the start of navigation)."""
    label = page_data(views / "overview.html")["nodes"][0]["label"]
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY, timeout=10_000)
        page.fill("#search", label)
        page.press("#search", "Enter")
        page.wait_for_selector("#details:not([hidden])")
        answered = page.evaluate("performance.now()")  # at most this late: the panel was already open
        painted = page.evaluate("window.sskg.state.readyAt")
        print(f"\noverview: first paint {painted:.0f} ms, first search answered by {answered:.0f} ms after opening")
        assert painted < INTERACTIVE_WITHIN_MS and answered < INTERACTIVE_WITHIN_MS
        assert page.inner_text("#details-heading") == label
        expected = expected_node_count(graph_of(graph_file))
        assert page.evaluate("window.sskg.nodes.length") == expected
        assert page.evaluate("window.sskg.network.body.nodeIndices.length") == expected
        assert len(page.evaluate("window.sskg.visibleIds()")) == expected
        assert page.evaluate("window.sskg.network.physics.options.enabled") is False
        view.screenshot("overview")
        view.assert_clean()


def test_filters_change_what_is_visible(browser: Chromium, graph_file: Path, views: Path) -> None:
    country, = select(graph_file, """SELECT ?country WHERE { ?s sskg:conductedIn ?country }
                                     GROUP BY ?country ORDER BY DESC(COUNT(?s)) ?country LIMIT 1""")[0]
    in_country = {row[0] for row in select(graph_file, f"SELECT ?s WHERE {{ ?s sskg:conductedIn <{country}> }}")}
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        studies = set(page.evaluate("window.sskg.data.nodes.filter(n => n.kind === 'study').map(n => n.id)"))
        page.select_option("#filter-country", country)
        visible = set(page.evaluate("window.sskg.visibleIds()"))
        assert visible & studies == in_country
        assert len(visible) < page.evaluate("window.sskg.nodes.length")
        view.screenshot("overview-filtered")
        latest = max(int(year) for _, year in select(graph_file, "SELECT ?s ?y WHERE { ?s a sskg:IncludedStudy ; sskg:year ?y }"))
        page.click("#filter-reset")
        page.fill("#year-from", str(latest))
        page.dispatch_event("#year-from", "change")
        recent = {row[0] for row in select(graph_file, f"SELECT ?s WHERE {{ ?s a sskg:IncludedStudy ; sskg:year {latest} }}")}
        assert set(page.evaluate("window.sskg.visibleIds()")) & studies == recent
        view.assert_clean()


def test_clicking_a_study_lists_its_findings_and_links_move_the_view(browser: Chromium, graph_file: Path, views: Path) -> None:
    study, = select(graph_file, """SELECT ?s WHERE { ?s sskg:reportsFinding ?f }
                                   GROUP BY ?s ORDER BY DESC(COUNT(?f)) ?s LIMIT 1""")[0]
    statements = {row[0] for row in select(graph_file, f"SELECT ?l WHERE {{ <{study}> sskg:reportsFinding/rdfs:label ?l }}")}
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        click_node(page, study)
        page.wait_for_selector("#details:not([hidden])")
        assert page.evaluate("window.sskg.state.selected") == study
        shown = page.locator("#details-findings > li .statement").all_inner_texts()
        assert set(shown) == statements and len(shown) == len(statements)
        assert page.locator("#details-findings .direction").count() == len(statements)
        view.screenshot("overview-study-panel")
        link = page.locator("#details-links button.link").first
        target = link.get_attribute("data-target")
        link.click()
        assert page.evaluate("window.sskg.state.selected") == target
        assert page.evaluate("window.sskg.network.getSelectedNodes()") == [target]
        view.assert_clean()


def test_gap_map_cell_lists_the_studies_sparql_finds(browser: Chromium, graph_file: Path, views: Path) -> None:
    strategy, family, _ = select(graph_file, """
        SELECT ?strategy ?family (COUNT(DISTINCT ?study) AS ?n) WHERE {
          ?study sskg:examinesStrategy ?strategy ; sskg:reportsFinding/sskg:hasOutcome/a ?family .
          ?family rdfs:subClassOf sskg:Outcome .
          FILTER NOT EXISTS { ?family <http://www.w3.org/2002/07/owl#equivalentClass> ?definition }  # not by polarity
        } GROUP BY ?strategy ?family ORDER BY DESC(?n) ?strategy ?family LIMIT 1""")[0]
    expected = {row[0] for row in select(graph_file, f"""SELECT DISTINCT ?study WHERE {{
        ?study sskg:examinesStrategy <{strategy}> ; sskg:reportsFinding/sskg:hasOutcome/a <{family}> }}""")}
    gap_strategy, gap_family = select(graph_file, """SELECT ?strategy ?family WHERE {
        ?x sskg:examinesStrategy ?strategy .
        VALUES ?family { sskg:ClinicalOutcome sskg:PersonalRecoveryOutcome sskg:SocialOutcome sskg:ServiceUseOutcome
                         sskg:LivingAndFunctioningOutcome }
        FILTER NOT EXISTS { ?s sskg:examinesStrategy ?strategy ; sskg:reportsFinding/sskg:hasOutcome/a ?family }
        } ORDER BY ?strategy ?family LIMIT 1""")[0]
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function("window.sskgGap && window.sskgGap.state.ready")
        page.click(f'td[data-row="{strategy}"][data-col="{family}"]')
        listed = page.locator("#cell-studies > li").evaluate_all("items => items.map(item => item.dataset.study)")
        assert set(listed) == expected and len(listed) == len(expected) >= 2
        view.screenshot("gap-map")
        gap_cell = page.locator(f'td[data-row="{gap_strategy}"][data-col="{gap_family}"]').first
        assert "gap" in (gap_cell.get_attribute("class") or "")
        gap_cell.click()
        assert "evidence gap" in page.inner_text("#cell-panel")
        page.check('input[name="gap-mode"][value="capital"]')
        assert "economic capital" in page.inner_text("#gap-table thead")
        view.assert_clean()
        page.check('input[name="gap-mode"][value="outcome"]')
        page.click(f'td[data-row="{strategy}"][data-col="{family}"]')
        first = min(expected)
        page.click(f'#cell-studies li[data-study="{first}"] a')  # to the study's details in the graph
        page.wait_for_url("**/overview.html*")  # polling before the new page commits can hit the old one mid-unload
        page.wait_for_function(READY)
        page.wait_for_selector("#details:not([hidden])")
        assert page.evaluate("window.sskg.state.selected") == first


def test_every_other_view_opens_offline(browser: Chromium, views: Path) -> None:
    pages = sorted(path for path in views.glob("*.html") if path.name not in ("overview.html", "gap-map.html"))
    assert any(path.name.startswith("study-") for path in pages) and any(path.name.startswith("query-") for path in pages)
    for path in pages:
        with opened(browser, path) as view:
            data = page_data(path) if "sskg-data" in path.read_text(encoding="utf-8") else None
            if data:
                view.page.wait_for_function(READY, timeout=10_000)
                assert view.page.evaluate("window.sskg.nodes.length") == len(data["nodes"])
                if data["focus"]:
                    assert view.page.evaluate("window.sskg.state.selected") == data["focus"]
            view.screenshot(path.stem)
            view.assert_clean()


def test_injected_script_never_runs_and_shows_as_text(browser: Chromium, graph_file: Path, tmp_path: Path) -> None:
    graph, study = hostile_graph(graph_file)
    write_all(graph, tmp_path)
    focused = write_study(graph, study.rsplit("/", 1)[-1], tmp_path)
    finding = str(next(graph.objects(URIRef(study), SSKG.reportsFinding)))
    with opened(browser, tmp_path / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        page.fill("#search", f"{XSS_IMG} Study")
        page.press("#search", "Enter")
        page.wait_for_selector("#details:not([hidden])")
        assert page.inner_text("#details-heading") == f"{XSS_IMG} Study"
        panel = page.inner_text("#details")
        assert XSS_SCRIPT in panel and XSS_COMMENT in panel
        assert page.locator("#details img").count() == 0 and page.locator("body script").count() == 4
        page.evaluate("(id) => window.sskg.goTo(id)", finding)
        assert page.inner_text("#details-heading") == XSS_COMMENT
        view.screenshot("xss-overview")
        view.assert_clean()
    for path in (focused, tmp_path / "gap-map.html", tmp_path / "index.html", tmp_path / "search-flow.html"):
        with opened(browser, path) as view:
            if path == focused:
                view.page.wait_for_function(READY)
                assert view.page.inner_text("h1") == f"Study: {XSS_IMG} Study"
                assert view.page.title() == f"Study: {XSS_IMG} Study"
            view.assert_clean()


LEAKY_PAGE = '<!doctype html><title>leak</title><script>fetch("http://leak.example/x").catch(() => {})</script>'


def eventually(page: Any, seen: Any) -> None:
    """Wait (up to 5 s of the page's time) until `seen()` holds."""
    for _ in range(100):
        if seen():
            return
        page.wait_for_timeout(50)
    raise AssertionError("not seen within 5 s")


def test_a_page_request_fails_the_page_even_when_routing_stops_it(browser: Chromium, tmp_path: Path) -> None:
    page_file = tmp_path / "leaky.html"
    page_file.write_text(LEAKY_PAGE, encoding="utf-8")
    with opened(browser, page_file) as view:
        eventually(view.page, lambda: "http://leak.example/x" in view.requests)
        assert view.page_proxy.requests == []  # aborted by routing, so it never left the page
        with pytest.raises(AssertionError):
            view.assert_clean()


def test_a_page_request_that_escapes_routing_reaches_the_page_proxy_and_fails(browser: Chromium, tmp_path: Path) -> None:
    """Routing and the request log let everything through here, as if both had a hole: the context's proxy still
    catches the page's request, and the page fails."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text(LEAKY_PAGE, encoding="utf-8")
    with open_page(browser, page_file.resolve().as_uri(), lambda url: True) as view:
        eventually(view.page, lambda: view.page_proxy.requests != [])
        assert view.page_proxy.requests == ["GET http://leak.example/x"]
        view.errors.clear()  # the browser logs the cross-origin failure; only the proxy is under test here
        with pytest.raises(AssertionError, match="leak.example"):
            view.assert_clean()
