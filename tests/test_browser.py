"""The views in a real browser, used as a person would: headless Chromium opens each page from disk at
1440×900 and 390×844 with every request aborted.

Checked: no console error and no request but the page itself; no sideways scroll; axe-core's WCAG 2.1
AA rules; controls at least 24 px; the overview's labels (from vis-network's own boxes and scale) at
least 11 px and apart on opening; filters that re-count, re-lay out and say when nothing matches;
search; the address holding the state, with back and forward; every gap-map cell against SPARQL;
downloads, print and the phone's sheet. Screenshots of every page at both sizes go to
tests/artifacts/ (git-ignored). Skipped only where Chromium is missing and CI is unset.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ContextManager
from urllib.parse import quote

import pytest
from rdflib import URIRef
from sskg.exports.views.write import write_all, write_study
from sskg.graphbuild.build import BuildResult

from sskg.namespaces import SSKG, STUDY
from tests.browsing import (PLAYWRIGHT_DISABLED_FEATURES, Chromium, Opened, chromium, in_folder, needs_axe, needs_chromium,
                            only_itself)
from tests.browsing import opened as open_page
from tests.test_views import GAP_CELLS, PREFIXES, STRATEGY_FINDINGS, XSS_COMMENT, XSS_IMG, XSS_SCRIPT, graph_of, hostile_graph, page_data, rendered

READY_WITHIN_MS = 2000  # page's own clock; the benchmark (benchmarks/views.py) reports the real figures
READY = "() => window.sskg && window.sskg.state.ready"  # functions: a bare expression is eval()ed, which the CSP refuses
GAP_READY = "() => window.sskgGap && window.sskgGap.state.ready"
DESKTOP, PHONE = (1440, 900), (390, 844)
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1440x900", "390x844"])

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


def opened(browser: Chromium, path: Path, size: tuple[int, int] = DESKTOP, fragment: str = "") -> ContextManager[Opened]:
    """The page from disk; any request is recorded, and aborted unless it opens a page of the same folder."""
    return open_page(browser, path.resolve().as_uri() + fragment, only_itself(path), routable=in_folder(path), viewport=size)


def rows(graph_file: Path, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(term) for term in row) for row in graph_of(graph_file).query(PREFIXES + query)]


def hash_of(**state: str) -> str:
    return "#" + "&".join(f"{key}={quote(value, safe='')}" for key, value in state.items())


def size_name(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


# -- every page, both sizes ------------------------------------------------------------------------------

SMALL_CONTROLS = """() => [...document.querySelectorAll("a, button, select, input, summary")].filter((el) => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") return false;
    // WCAG 2.5.8 leaves out links inside a sentence; a link alone in its line is a target of its own.
    if (el.tagName === "A" && el.parentElement.tagName === "P" && el.parentElement.textContent.trim() !== el.textContent.trim()) return false;
    if (el.classList.contains("skip") || el.closest(".offscreen")) return false;
    return box.height < 24 || box.width < 24;
}).map((el) => el.tagName + " " + (el.id || el.className) + " " + el.textContent.trim().slice(0, 30))"""


def check_page(view: Opened, name: str) -> None:
    page = view.page
    assert page.is_hidden("#query-page"), f"{name}: a link to a query page that a file has not got"
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"
    assert page.evaluate(SMALL_CONTROLS) == [], f"{name}: controls under 24 px"
    assert view.axe() == [], f"{name}: axe found WCAG 2.1 AA violations"
    view.screenshot(name)
    view.assert_clean()


@needs_axe
@SIZES
def test_every_page_fits_the_screen_passes_axe_and_has_targets_of_24_px(browser: Chromium, views: Path,
                                                                         size: tuple[int, int]) -> None:
    pages = sorted(views.glob("*.html"))
    assert {"index.html", "overview.html", "gap-map.html", "search-flow.html"} <= {path.name for path in pages}
    assert any(path.name.startswith("study-") for path in pages) and any(path.name.startswith("query-") for path in pages)
    for path in pages:
        with opened(browser, path, size) as view:
            if "sskg-data" in path.read_text(encoding="utf-8"):
                view.page.wait_for_function(GAP_READY if path.name == "gap-map.html" else READY, timeout=10_000)
            check_page(view, f"{path.stem}-{size_name(size)}")


@needs_axe
@SIZES
def test_pages_with_a_panel_open_pass_axe_and_fit(browser: Chromium, graph_file: Path, views: Path, size: tuple[int, int]) -> None:
    study = str(STUDY["bjornestad-2017"])
    strategy, family = busiest_cell(graph_file)
    with opened(browser, views / "overview.html", size, hash_of(node=study)) as view:
        view.page.wait_for_function(READY)
        assert view.page.is_visible("#details")
        check_page(view, f"overview-study-{size_name(size)}")
    with opened(browser, views / "gap-map.html", size, hash_of(row=strategy, col=family)) as view:
        view.page.wait_for_function(GAP_READY)
        assert view.page.is_visible("#cell-panel")
        check_page(view, f"gap-map-cell-{size_name(size)}")


# -- the overview ---------------------------------------------------------------------------------------------

LABEL_BOXES = """() => {
    const network = window.sskg.network;
    const scale = network.getScale();
    const canvas = document.querySelector("#network canvas").getBoundingClientRect();
    return window.sskg.nodes.get().map((node) => {
        const box = network.getBoundingBox(node.id);
        const a = network.canvasToDOM({ x: box.left, y: box.top });
        const b = network.canvasToDOM({ x: box.right, y: box.bottom });
        return { id: node.id, px: network.body.nodes[node.id].options.font.size * scale, left: a.x, top: a.y, right: b.x, bottom: b.y,
                 inside: a.x >= 0 && a.y >= 0 && b.x <= canvas.width && b.y <= canvas.height };
    });
}"""


def overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["id"], b["id"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


@SIZES
def test_overview_opens_readable_no_label_overlaps_and_labels_at_least_11_px(browser: Chromium, views: Path,
                                                                              size: tuple[int, int]) -> None:
    with opened(browser, views / "overview.html", size) as view:
        page = view.page
        page.wait_for_function(READY, timeout=10_000)
        ready = page.evaluate("window.sskg.state.readyAt")
        print(f"\noverview {size_name(size)}: drawn {ready:.0f} ms after navigation began")
        assert ready < READY_WITHIN_MS, f"drawn after {ready:.0f} ms"
        boxes = page.evaluate(LABEL_BOXES)
        layers = page.evaluate("""window.sskg.nodes.getIds().map((id) => id.startsWith("group:") ? 1 : window.sskg.data.concepts[id].layer)""")
        assert set(layers) == ({1, 2} if size == PHONE else {0, 1, 2})  # columns a reader can follow (a phone leaves themes to the list)
        assert min(box["px"] for box in boxes) >= 11, "labels under 11 px on opening"
        assert overlapping(boxes) == []
        assert all(box["inside"] for box in boxes), "a node lies outside the canvas on opening"
        view.assert_clean()


def test_overview_filters_recount_relayout_and_say_when_nothing_matches(browser: Chromium, graph_file: Path, views: Path) -> None:
    country, = rows(graph_file, """SELECT ?country WHERE { ?s sskg:conductedIn ?country }
                                   GROUP BY ?country ORDER BY DESC(COUNT(?s)) ?country LIMIT 1""")[0]
    in_country = {row[0] for row in rows(graph_file, f"SELECT ?s WHERE {{ ?s sskg:conductedIn <{country}> }}")}
    findings = {row[0] for row in rows(graph_file, f"SELECT ?f WHERE {{ ?s sskg:conductedIn <{country}> ; sskg:reportsFinding ?f }}")}
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        before = page.inner_text("#legend-effects")
        page.select_option('#filter-controls select[data-facet="country"]', country)
        assert set(page.evaluate("window.sskg.state.graph.studies")) == in_country
        assert set(page.evaluate("[...window.sskg.state.graph.findings]")) == findings
        assert page.inner_text("#legend-effects") != before  # legend counts follow the filter
        assert f"{len(in_country)} of" in page.inner_text("#visible-count")
        boxes = page.evaluate(LABEL_BOXES)
        assert overlapping(boxes) == [] and all(box["inside"] for box in boxes)  # laid out again and fitted
        view.screenshot("overview-filtered-1440x900")
        design, country_b = nothing_in_common(graph_file)
        page.select_option('#filter-controls select[data-facet="country"]', country_b)
        page.select_option('#filter-controls select[data-facet="design"]', design)
        assert page.is_visible("#empty") and "Widen them" in page.inner_text("#empty")
        assert page.evaluate("window.sskg.nodes.length") == 0
        page.click("#filter-reset")
        assert page.is_hidden("#empty") and page.evaluate("window.sskg.state.graph.studies.length") == 29
        view.assert_clean()


DRAWN_KINDS = """() => window.sskg.nodes.getIds().map((id) => [id, id.startsWith("group:")
    ? window.sskg.data.groups.find((group) => group.id === id).kind : window.sskg.data.concepts[id].kind,
    window.sskg.nodes.get(id).label])"""


def box_count(label: str) -> int:
    """The number of studies a box's label ends with ("… · 3 studies", "… · 1 study ▸")."""
    return int(re.findall(r"(\d+)\s+stud(?:y|ies)", label)[-1])


@SIZES
def test_overview_counts_are_sparql_counts_and_its_legend_lists_only_what_is_drawn(browser: Chromium, graph_file: Path,
                                                                                  views: Path, size: tuple[int, int]) -> None:
    on_strategy: dict[str, set[str]] = defaultdict(set)  # the studies with findings on each strategy, as the gap map counts
    for strategy, study, _ in rows(graph_file, STRATEGY_FINDINGS):
        on_strategy[strategy].add(study)
    naming = {exposure: int(count) for exposure, count in rows(graph_file, """
        SELECT ?exposure (COUNT(DISTINCT ?study) AS ?n) WHERE { ?study sskg:reportsFinding/sskg:hasExposure ?exposure .
        FILTER NOT EXISTS { ?exposure a sskg:SupportStrategy } } GROUP BY ?exposure""")}
    examined = {strategy: int(count) for strategy, count in rows(graph_file, """
        SELECT ?strategy (COUNT(DISTINCT ?study) AS ?n) WHERE { ?study sskg:examinesStrategy ?strategy } GROUP BY ?strategy""")}
    strategies = len(rows(graph_file, "SELECT ?s WHERE { ?s a sskg:SupportStrategy }"))
    with opened(browser, views / "overview.html", size) as view:
        page = view.page
        page.wait_for_function(READY)
        drawn = page.evaluate(DRAWN_KINDS)
        legend = {kind: (int(count), text) for kind, count, text in page.locator("#legend-kinds li").evaluate_all(
            "items => items.map((item) => [item.dataset.kind, item.dataset.count, item.textContent])")}
        assert set(legend) == {kind for _, kind, _ in drawn}  # no entry for a kind with nothing on the canvas
        assert all(count > 0 and text.strip().endswith(f"({count})") for count, text in legend.values())
        assert legend["strategy"][0] == len(on_strategy)  # every strategy some finding is about, drawn or in its group
        for node, kind, label in drawn:
            if node == "group:strategy":
                assert box_count(label) == len(set().union(*on_strategy.values()))
            elif kind == "strategy":
                assert box_count(label) == len(on_strategy[node]), node
            elif not node.startswith("group:") and kind in ("support-type", "support", "factor"):
                assert box_count(label) == naming[node], node
        if any(node == "group:strategy" for node, _, _ in drawn):  # open it: each strategy's own box
            page.evaluate("() => window.sskg.select('group:strategy', false)")
            drawn = page.evaluate(DRAWN_KINDS)
        assert {node for node, kind, _ in drawn if kind == "strategy" and not node.startswith("group:")} == set(on_strategy)
        assert all(box_count(label) == len(on_strategy[node]) for node, kind, label in drawn if kind == "strategy")
        # A strategy's panel gives the catalogue's count, the studies that examine it, and says what the box counts.
        peer = "https://w3id.org/sskg/concept/peer-support"
        page.evaluate("(id) => window.sskg.select(id, true)", peer)
        note = page.locator("#details .examined")
        assert int(note.get_attribute("data-examined") or 0) == examined[peer] > len(on_strategy[peer])
        assert f"{len(on_strategy[peer])} studies report findings on it" in note.inner_text()
        assert "McKeown, Roy, and Spandler 2015 examines it too" in note.inner_text()
        view.assert_clean()
    with opened(browser, views / "gap-map.html", size) as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        assert f"on {len(on_strategy)} of {strategies} strategies" in page.inner_text("#gap-totals")
        notes = page.locator(".row-note.examined").evaluate_all(
            "spans => spans.map((span) => [span.closest('tr').dataset.row, Number(span.dataset.examined), span.textContent])")
        assert notes and all(examined[row] == count > len(on_strategy[row]) and f"the findings of {len(on_strategy[row])} are" in text
                             for row, count, text in notes)
        assert {row for row, _, _ in notes} == {row for row in on_strategy if examined.get(row, 0) > len(on_strategy[row])}
        view.assert_clean()


@SIZES
def test_an_address_naming_a_member_of_a_group_draws_it_at_a_readable_size(browser: Chromium, views: Path,
                                                                          size: tuple[int, int]) -> None:
    peer = "https://w3id.org/sskg/concept/peer-support"
    with opened(browser, views / "overview.html", size, hash_of(node=peer)) as view:
        page = view.page
        page.wait_for_function(READY)
        assert peer in page.evaluate("window.sskg.nodes.getIds()")  # its group stays open, whatever fits
        assert min(box["px"] for box in page.evaluate(LABEL_BOXES)) >= 11  # too tall to fit: panned, not shrunk
        assert page.evaluate("window.sskg.network.getSelectedNodes()") == [peer]
        page.click("#fit")  # the reader may still ask for the whole drawing
        assert all(box["inside"] for box in page.evaluate(LABEL_BOXES))
        view.assert_clean()


def nothing_in_common(graph_file: Path) -> tuple[str, str]:
    """A design and a country, each present in the graph, that no one study has together."""
    return rows(graph_file, """SELECT ?design ?country WHERE {
        { SELECT DISTINCT ?design WHERE { ?a sskg:hasDesignCategory ?design } }
        { SELECT DISTINCT ?country WHERE { ?b sskg:conductedIn ?country } }
        FILTER NOT EXISTS { ?s sskg:hasDesignCategory ?design ; sskg:conductedIn ?country } } ORDER BY ?design ?country LIMIT 1""")[0]


def test_overview_groups_open_on_demand_and_the_list_reaches_every_node_by_keyboard(browser: Chromium, views: Path) -> None:
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        drawn = set(page.evaluate("window.sskg.nodes.getIds()"))
        listed = set(page.locator("#node-list button[data-id]").evaluate_all("items => items.map(item => item.dataset.id)"))
        assert drawn <= listed
        assert "group:support" in drawn
        page.focus('#node-list button[data-id="group:support"]')
        page.keyboard.press("Enter")
        opened_now = set(page.evaluate("window.sskg.nodes.getIds()"))
        members = set(page.evaluate("""Object.entries(window.sskg.data.concepts)
            .filter(([id, c]) => c.group === "group:support" && c.layer === 1).map(([id]) => id)"""))
        assert "group:support" not in opened_now and members <= opened_now
        assert "open=" in page.evaluate("window.location.hash")
        strategy = page.locator('#node-list button[data-id*="/concept/"]').first
        target = strategy.get_attribute("data-id")
        strategy.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("window.sskg.state.selected") == target
        assert page.evaluate("document.activeElement.id") == "details-heading"
        assert page.evaluate("window.sskg.network.getSelectedNodes()") == [target]
        page.keyboard.press("Escape")
        assert page.is_hidden("#details") and page.evaluate("document.activeElement.dataset.id") == target
        view.assert_clean()


def test_clicking_a_line_lists_its_findings_by_study(browser: Chromium, views: Path) -> None:
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        edge = page.evaluate("""(() => { const lines = [...window.sskg.state.graph.edges.values()].filter((e) => e.effect);
            lines.sort((a, b) => b.findings.size - a.findings.size); return { id: lines[0].id, findings: [...lines[0].findings] }; })()""")
        page.evaluate("(id) => { window.sskg.state.selected = id; window.sskg.update(true, true); }", edge["id"])
        shown = page.locator("#details-studies li.finding").evaluate_all("items => items.map(item => item.dataset.id)")
        assert sorted(shown) == sorted(edge["findings"])
        view.assert_clean()


# -- search ------------------------------------------------------------------------------------------------------

SEARCHES = [
    ("peer", "https://w3id.org/sskg/concept/peer-support"),
    ("Bjørnestad", str(STUDY["bjornestad-2017"])),
    ("bjornestad", str(STUDY["bjornestad-2017"])),
    ("BJORNESTAD 2017", str(STUDY["bjornestad-2017"])),
    ("Bjornestad et al. 2017", str(STUDY["bjornestad-2017"])),
    ("monness", str(STUDY["kogstad-2013"])),  # a co-author, written Mönness in the reference list
    ("Kloos 2009", str(STUDY["kloos-2009"])),
]


def test_search_folds_case_and_diacritics_ranks_concepts_and_studies_first_and_says_no_match(browser: Chromium, views: Path) -> None:
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        for text, first in SEARCHES:
            page.fill("#search", text)
            options = page.locator("#suggestions li")
            assert options.first.get_attribute("data-id") == first, text
            labels = options.locator(".suggestion-label").all_inner_texts()
            assert 1 <= len(labels) <= 8 and all(len(label) <= 65 for label in labels)
        page.fill("#search", "peer")
        kinds = page.locator("#suggestions li .kind").all_inner_texts()
        first_finding = next((i for i, kind in enumerate(kinds) if kind.startswith("finding")), len(kinds))
        assert not any(kind.startswith(("study", "support", "outcome")) for kind in kinds[first_finding:])
        page.press("#search", "Enter")
        assert page.evaluate("window.sskg.state.selected") == SEARCHES[0][1]
        page.fill("#search", "zzzqqq")
        page.press("#search", "Enter")
        assert "No study, concept or finding matches “zzzqqq”" in page.inner_text("#search-status")
        assert page.is_hidden("#suggestions")
        view.assert_clean()


# -- links, citations and the address -----------------------------------------------------------------------------

def test_a_study_panel_links_its_doi_and_copies_its_citation(browser: Chromium, graph_file: Path, views: Path) -> None:
    study, doi = rows(graph_file, """PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
        SELECT ?s ?doi WHERE { ?s a sskg:IncludedStudy ; prism:doi ?doi } ORDER BY ?s LIMIT 1""")[0]
    with opened(browser, views / "overview.html", fragment=hash_of(node=study)) as view:
        page = view.page
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.wait_for_function(READY)
        hrefs = page.locator("#details .citation-actions a").evaluate_all("links => links.map(link => link.href)")
        assert "https://doi.org/" + doi in hrefs
        citation = page.inner_text("#details .citation")
        page.click("#details button.copy")
        page.wait_for_function("() => document.querySelector('#details .copy-status').textContent !== ''")
        assert page.evaluate("navigator.clipboard.readText()") == citation
        view.assert_clean()


def test_overview_address_holds_node_groups_and_filters_and_back_and_forward_work(browser: Chromium, graph_file: Path,
                                                                                   views: Path) -> None:
    country, = rows(graph_file, """SELECT ?country WHERE { ?s sskg:conductedIn ?country }
                                   GROUP BY ?country ORDER BY DESC(COUNT(?s)) ?country LIMIT 1""")[0]
    study = str(STUDY["bjornestad-2017"])
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        page.evaluate("(id) => window.sskg.select(id, true)", study)
        page.select_option('#filter-controls select[data-facet="country"]', country)
        address = page.url
        assert f"node={quote(study, safe='')}" in address and f"country={quote(country, safe='')}" in address
        page.go_back()
        page.wait_for_function("() => !window.location.hash.includes('country=')")
        assert page.evaluate("window.sskg.state.filters") == {} and page.evaluate("window.sskg.state.selected") == study
        page.go_forward()
        page.wait_for_function("() => window.location.hash.includes('country=')")
        assert page.evaluate("window.sskg.state.filters") == {"country": country}
    with open_page(browser, address, only_itself(views / "overview.html"), viewport=DESKTOP) as shared:
        shared.page.wait_for_function(READY)
        assert shared.page.evaluate("window.sskg.state.selected") == study
        assert shared.page.evaluate("window.sskg.state.filters") == {"country": country}
        assert shared.page.inner_text("#details-heading") == "Bjornestad et al. 2017"
        shared.assert_clean()


def test_gap_map_address_holds_mode_filters_and_cell(browser: Chromium, graph_file: Path, views: Path) -> None:
    strategy, family = busiest_cell(graph_file)
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        page.click(f'td[data-row="{strategy}"][data-col="{family}"] button')
        page.select_option('#filter-controls select[data-facet="from"]', "2010")
        address = page.url
        assert all(part in address for part in (f"row={quote(strategy, safe='')}", "from=2010"))
        page.check('input[name="gap-mode"][value="capital"]')
        assert "mode=capital" in page.url and page.is_hidden("#cell-panel")  # the cell is not a column of that mode
        page.go_back()
        page.wait_for_function("() => !window.location.hash.includes('mode=capital')")
        assert page.is_visible("#cell-panel") and page.evaluate("window.sskgGap.state.mode") == "outcome"
    with open_page(browser, address, only_itself(views / "gap-map.html"), viewport=DESKTOP) as shared:
        shared.page.wait_for_function(GAP_READY)
        assert shared.page.evaluate("window.sskgGap.state.cell") == [strategy, family]
        assert shared.page.evaluate("window.sskgGap.state.filters") == {"from": "2010"}
        assert "filtered" in shared.page.inner_text("#gap-totals").lower()
        shared.assert_clean()


# -- the gap map ----------------------------------------------------------------------------------------------------

def busiest_cell(graph_file: Path) -> tuple[str, str]:
    strategy, family, *_ = sorted(rows(graph_file, GAP_CELLS), key=lambda row: (-int(row[2]), row[0], row[1]))[0]
    return strategy, family


CAPITAL_CELLS = GAP_CELLS.replace("?finding sskg:hasOutcome/a ?family .\n      ?family rdfs:subClassOf sskg:Outcome .\n"
                                  "      FILTER NOT EXISTS { ?family owl:equivalentClass ?definition }", "?strategy sskg:buildsRecoveryCapital ?family .")


def drawn_cells(page: Any) -> dict[tuple[str, str], tuple[int, int]]:
    cells = page.locator("td[data-row]").evaluate_all(
        "tds => tds.map(td => [td.dataset.row, td.dataset.col, Number(td.dataset.studies), Number(td.dataset.findings)])")
    return {(row, col): (studies, findings) for row, col, studies, findings in cells if studies}


def test_every_gap_map_cell_shows_the_counts_sparql_finds_in_both_modes(browser: Chromium, graph_file: Path, views: Path) -> None:
    assert CAPITAL_CELLS != GAP_CELLS
    expected = {mode: {(s, f): (int(n), int(m)) for s, f, n, m in rows(graph_file, query)}
                for mode, query in (("outcome", GAP_CELLS), ("capital", CAPITAL_CELLS))}
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        print(f"\ngap map: ready {page.evaluate('window.sskgGap.state.readyAt'):.0f} ms after navigation began")
        assert drawn_cells(page) == expected["outcome"]
        totals = page.inner_text("#gap-totals")
        studies = {row[0] for row in rows(graph_file, GAP_CELLS.replace("SELECT ?strategy ?family (COUNT(DISTINCT ?study) AS ?studies) "
                                                                         "(COUNT(DISTINCT ?finding) AS ?findings)", "SELECT DISTINCT ?study")
                                               .replace("} GROUP BY ?strategy ?family", "}"))}
        assert totals.startswith(f"All studies: {len(studies)} studies")
        page.check('input[name="gap-mode"][value="capital"]')
        assert drawn_cells(page) == expected["capital"]
        builds = set(rows(graph_file, "SELECT ?s ?k WHERE { ?s sskg:buildsRecoveryCapital ?k }"))
        cells = page.locator("td[data-row]").evaluate_all(
            "tds => tds.map(td => [td.dataset.row, td.dataset.col, td.classList.contains('not-linked')])")
        assert cells and all(((row, col) in builds) != not_linked for row, col, not_linked in cells)
        view.screenshot("gap-map-capital-1440x900")
        view.assert_clean()


def test_gap_map_cell_panel_lists_each_study_with_its_findings_and_follows_the_filters(browser: Chromium, graph_file: Path,
                                                                                     views: Path) -> None:
    strategy, family = busiest_cell(graph_file)
    expected = {row[0] for row in rows(graph_file, GAP_CELLS.replace(
        "SELECT ?strategy ?family (COUNT(DISTINCT ?study) AS ?studies) (COUNT(DISTINCT ?finding) AS ?findings)",
        "SELECT DISTINCT ?study").replace("} GROUP BY ?strategy ?family", f"FILTER (?strategy = <{strategy}> && ?family = <{family}>) }}"))}
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        page.click(f'td[data-row="{strategy}"][data-col="{family}"] button')
        listed = page.locator("#cell-studies > li").evaluate_all("items => items.map(item => item.dataset.study)")
        assert set(listed) == expected and len(listed) == len(expected) >= 2
        for item in page.locator("#cell-studies > li").all():
            assert item.locator(".citation").inner_text() and item.locator("li.finding .statement").count() >= 1
            assert item.locator("li.finding .effect-on-recovery").count() == item.locator("li.finding").count()
            assert item.locator("li.finding .where li").count() >= 1  # the review's words
        first = sorted(expected)[0]
        year = int(rows(graph_file, f"SELECT ?y WHERE {{ <{first}> sskg:year ?y }}")[0][0])
        page.select_option('#filter-controls select[data-facet="from"]', str(year))
        page.select_option('#filter-controls select[data-facet="to"]', str(year))
        still = page.locator("#cell-studies > li").evaluate_all("items => items.map(item => item.dataset.study)")
        kept = {s for s in expected if int(rows(graph_file, f"SELECT ?y WHERE {{ <{s}> sskg:year ?y }}")[0][0]) == year}
        assert set(still) == kept and "filtered" in page.inner_text("#cell-panel")
        page.click("#filter-reset")
        page.click(f'#cell-studies li[data-study="{first}"] a.into-graph')  # into the graph, at that study
        page.wait_for_url("**/overview.html*")
        page.wait_for_function(READY)
        assert page.evaluate("window.sskg.state.selected") == first and page.is_visible("#details")


def test_gap_map_downloads_a_cell_and_the_filtered_map_as_csv(browser: Chromium, graph_file: Path, views: Path) -> None:
    strategy, family = busiest_cell(graph_file)
    findings = int(next(row[3] for row in rows(graph_file, GAP_CELLS) if (row[0], row[1]) == (strategy, family)))
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        page.click(f'td[data-row="{strategy}"][data-col="{family}"] button')
        with page.expect_download() as cell_download:
            page.click("#cell-download")
        table = list(csv.DictReader(io.StringIO(Path(cell_download.value.path()).read_text(encoding="utf-8"))))
        assert len(table) == findings and {row["strategy"] for row in table} == {page.inner_text("#cell-heading").split(" × ")[0]}
        assert all(row["effect_on_recovery"] and row["finding"] and row["citation"] for row in table)
        with page.expect_download() as map_download:
            page.click("#gap-download")
        whole = list(csv.DictReader(io.StringIO(Path(map_download.value.path()).read_text(encoding="utf-8"))))
        assert len(whole) == sum(int(row[3]) for row in rows(graph_file, GAP_CELLS))  # each strategy once, in all its groups
        assert all(not row["finding"].startswith(("=", "+", "-", "@")) for row in whole)


def test_gap_map_prints_the_map_and_its_key_without_the_controls(browser: Chromium, views: Path) -> None:
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        page.emulate_media(media="print")
        assert page.is_hidden("#filter-box") and page.is_hidden("#gap-download") and page.is_hidden("header nav")
        assert page.is_visible("#gap-table") and page.is_visible(".gap-key") and page.is_visible("#gap-totals")
        view.assert_clean()


# -- phones -------------------------------------------------------------------------------------------------------------

def test_on_a_phone_panels_are_sheets_and_the_graph_stays_usable(browser: Chromium, graph_file: Path, views: Path) -> None:
    with opened(browser, views / "overview.html", PHONE) as view:
        page = view.page
        page.wait_for_function(READY)
        canvas = page.locator("#network canvas").bounding_box()
        assert canvas and canvas["height"] >= 360 and canvas["width"] >= 380
        page.evaluate("(id) => window.sskg.select(id, true)", str(STUDY["bjornestad-2017"]))
        sheet = page.locator("#details").bounding_box()
        assert sheet and page.evaluate("getComputedStyle(document.getElementById('details')).position") == "fixed"
        assert sheet["y"] >= 0.35 * PHONE[1] and abs(sheet["y"] + sheet["height"] - PHONE[1]) <= 1
        page.evaluate("window.scrollTo(0, 0)")
        assert page.locator("#network canvas").bounding_box()["y"] < sheet["y"]  # graph still shows above the sheet
        view.screenshot("overview-study-sheet-390x844")
        # Fold the sheet down to its bar by keyboard: the graph it covered takes clicks again, the study stays chosen.
        below = {"x": PHONE[0] / 2, "y": (sheet["y"] + PHONE[1]) / 2}
        assert page.evaluate(AT_POINT, below) == "details"
        page.evaluate("document.querySelector('#details').scrollTop = 400")  # the bar stays in sight as the sheet scrolls
        assert_target_in_sight(page, "#details-collapse")
        page.focus("#details-collapse")
        page.keyboard.press("Enter")
        folded = page.locator("#details").bounding_box()
        assert folded and folded["height"] <= 64 and page.get_attribute("#details-collapse", "aria-expanded") == "false"
        assert page.evaluate(AT_POINT, below) == "network"
        assert page.evaluate("window.sskg.state.selected") == str(STUDY["bjornestad-2017"])
        view.screenshot("overview-study-sheet-folded-390x844")
        node = page.evaluate(NODE_NEAR, {"top": sheet["y"], "bottom": folded["y"]})
        assert node, "no box drawn where the sheet was"
        page.mouse.click(node["x"], node["y"])
        assert page.evaluate("(id) => window.sskg.state.selected === id || window.sskg.state.open.has(id)", node["id"])
        page.evaluate("(id) => window.sskg.select(id, true)", str(STUDY["bjornestad-2017"]))
        assert page.get_attribute("#details-collapse", "aria-expanded") == "true"  # a new choice unfolds it
        page.keyboard.press("Escape")
        assert page.is_hidden("#details") and page.evaluate(AT_POINT, below) == "network"
        view.assert_clean()
    strategy, family = busiest_cell(graph_file)
    with opened(browser, views / "gap-map.html", PHONE, hash_of(row=strategy, col=family)) as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        assert page.evaluate("getComputedStyle(document.getElementById('cell-panel')).position") == "fixed"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        assert_target_in_sight(page, "#cell-collapse")
        page.click("#cell-collapse")
        folded = page.locator("#cell-panel").bounding_box()
        assert folded and folded["height"] <= 64 and page.evaluate("window.sskgGap.state.cell") == [strategy, family]
        page.click("#cell-collapse")
        page.keyboard.press("Escape")
        assert page.is_hidden("#cell-panel")
        view.assert_clean()


# Which of the sheets or the graph is at a point of the screen (or the id of the element there).
AT_POINT = """(point) => { const el = document.elementFromPoint(point.x, point.y); if (!el) return null;
    const part = el.closest("#details, #cell-panel, #network"); return part ? part.id : el.id; }"""
# A drawn box whose centre lies on screen between two heights (where the sheet was, and is no more).
NODE_NEAR = """(band) => { const network = window.sskg.network; const canvas = document.querySelector("#network canvas").getBoundingClientRect();
    for (const id of window.sskg.nodes.getIds()) { const at = network.canvasToDOM(network.getPosition(id));
      const x = canvas.left + at.x, y = canvas.top + at.y;
      if (y > band.top + 10 && y < band.bottom - 10 && x > 10 && x < canvas.right - 10) return { id, x, y }; }
    return null; }"""


def assert_target_in_sight(page: Any, selector: str) -> None:
    """A control of at least 24 px, on screen and not covered."""
    box = page.locator(selector).bounding_box()
    assert box and box["width"] >= 24 and box["height"] >= 24 and 0 <= box["y"] and box["y"] + box["height"] <= PHONE[1]
    centre = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    assert page.evaluate("(p) => document.elementFromPoint(p.x, p.y).closest(p.selector) !== null", {**centre, "selector": selector})


# -- safety ------------------------------------------------------------------------------------------------------------

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
        assert page.locator("#details img").count() == 0 and page.locator("body script").count() == 5
        page.evaluate("(id) => window.sskg.select(id, true)", finding)
        assert XSS_COMMENT in page.inner_text("#details li.focused .statement")
        view.screenshot("xss-overview")
        view.assert_clean()
    for path in (focused, tmp_path / "gap-map.html", tmp_path / "index.html", tmp_path / "search-flow.html"):
        with opened(browser, path) as view:
            if path == focused:
                view.page.wait_for_function(READY)
                assert view.page.inner_text("h1") == f"Study: {XSS_IMG} Study"
                assert view.page.title() == f"Study: {XSS_IMG} Study"
            view.assert_clean()


def test_focused_views_open_at_their_node_and_link_out_to_the_overview(browser: Chromium, views: Path) -> None:
    for path in sorted(views.glob("*-*.html")):
        if path.name in ("gap-map.html", "search-flow.html"):
            continue
        data = page_data(path)
        with opened(browser, path) as view:
            view.page.wait_for_function(READY, timeout=10_000)
            assert view.page.evaluate("window.sskg.nodes.length") == len(data["nodes"])
            if data["focus"]:
                assert view.page.evaluate("window.sskg.state.selected") == data["focus"]
                assert view.page.is_visible("#details")
            view.assert_clean()


# Each drawn label's box on screen and its font size on screen, from vis-network's own label measures and scale.
FOCUSED_LABELS = """() => {
    const network = window.sskg.network;
    const scale = network.getScale();
    return window.sskg.nodes.get({ filter: (item) => !item.hidden && item.label }).map((item) => {
        const node = network.body.nodes[item.id];
        const box = node.labelModule.size;
        const a = network.canvasToDOM({ x: box.left, y: box.top });
        const b = network.canvasToDOM({ x: box.left + box.width, y: box.top + box.height });
        return { id: item.id, px: node.options.font.size * scale, left: a.x, top: a.y, right: b.x, bottom: b.y };
    });
}"""


@SIZES
def test_focused_views_open_with_labels_of_11_px_that_do_not_overlap(browser: Chromium, views: Path, size: tuple[int, int]) -> None:
    pages = [path for path in sorted(views.glob("*-*.html")) if path.name not in ("gap-map.html", "search-flow.html")]
    assert {path.name.split("-")[0] for path in pages} == {"study", "concept", "query"}
    for path in pages:
        data = page_data(path)
        with opened(browser, path, size) as view:
            view.page.wait_for_function(READY, timeout=10_000)
            labels = view.page.evaluate(FOCUSED_LABELS)
            assert min(label["px"] for label in labels) >= 11, path.name
            assert overlapping(labels) == [], path.name
            named = {label["id"] for label in labels}
            assert set(data["highlight"]) <= named  # the view's own node is always named
            assert len(named) >= min(len(data["nodes"]), 5), path.name
            view.page.click("#fit")  # and again after fitting
            labels = view.page.evaluate(FOCUSED_LABELS)
            assert min(label["px"] for label in labels) >= 11 and overlapping(labels) == []
            if size == PHONE and data["focus"]:  # the graph first: the details wait in the sheet's folded bar
                assert view.page.get_attribute("#details-collapse", "aria-expanded") == "false"
                assert view.page.locator("#details").bounding_box()["height"] <= 64
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


# -- effect on recovery ---------------------------------------------------------------------------------------------

def catalogue_effects(graph_file: Path) -> dict[str, str]:
    """finding IRI → effect, from the catalogue query effect-on-recovery (one row per finding and exposure)."""
    from sskg.queries.catalogue import get_query
    from sskg.queries.runner import run_query

    found: dict[str, set[str]] = {}
    for row in run_query(graph_of(graph_file), get_query("effect-on-recovery").text).rows:
        study_key, finding_key, *_, effect, _ = (str(value) for value in row)
        found.setdefault(f"https://w3id.org/sskg/finding/{study_key}/{finding_key}", set()).add(effect)
    assert all(len(effects) == 1 for effects in found.values())
    return {finding: effects.pop() for finding, effects in found.items()}


def test_effect_colours_and_symbols_are_the_catalogue_querys_effects(browser: Chromium, graph_file: Path, views: Path) -> None:
    """Every finding the pages show carries the catalogue's effect on recovery, drawn in that effect's colour and
    symbol (never coloured by the raw direction)."""
    expected = catalogue_effects(graph_file)
    assert len(expected) == 91
    palette = {effect["name"]: effect for effect in page_data(views / "gap-map.html")["effects"]}
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        shown = page.evaluate("Object.fromEntries(Object.entries(window.sskg.data.findings).map(([id, f]) => [id, f.effect]))")
        assert shown == expected
        lines = page.evaluate("window.sskg.edges.get().filter((e) => e.id.startsWith('e')).map((e) => [e.id.split('\\n')[3], e.color.color])")
        assert lines and all(colour == palette[effect]["colour"] for effect, colour in lines)
        view.assert_clean()
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        for mode in ("outcome", "capital"):
            page.check(f'input[name="gap-mode"][value="{mode}"]')
            stripes = page.locator(".mark .stripe").evaluate_all(
                "spans => spans.map(s => [s.dataset.effect, getComputedStyle(s).backgroundColor])")
            assert stripes and all(colour == rgb(palette[effect]["colour"]) for effect, colour in stripes)
            for cell in page.locator("td[data-effects]:not([data-effects=''])").all():
                counts = dict(part.split(":") for part in (cell.get_attribute("data-effects") or "").split(","))
                symbols = cell.locator(".effect-counts").inner_text()
                assert symbols == " ".join(palette[effect]["glyph"] + count for effect, count in counts.items())
        strategy, family = busiest_cell(graph_file)
        page.check('input[name="gap-mode"][value="outcome"]')
        page.click(f'td[data-row="{strategy}"][data-col="{family}"] button')
        for item in page.locator("#cell-studies li.finding").all():
            effect = item.get_attribute("data-effect")
            assert item.locator(".effect-on-recovery .effect").get_attribute("data-effect") == effect
            assert palette[effect]["label"] in item.locator(".effect-on-recovery").inner_text()
        view.assert_clean()


def catalogue_bases(graph_file: Path) -> dict[str, str]:
    """finding IRI → stated-in-review or curators-reading, the catalogue query effect-on-recovery's basis."""
    from sskg.queries.catalogue import get_query
    from sskg.queries.runner import run_query

    return {f"https://w3id.org/sskg/finding/{row[0]}/{row[1]}": str(row[-1])
            for row in run_query(graph_of(graph_file), get_query("effect-on-recovery").text).rows}


def readings_shown(page: Any, selector: str) -> dict[str, str]:
    return dict(page.locator(selector).evaluate_all(
        "items => items.map((item) => [item.dataset.id, item.querySelector('.reading') ? item.querySelector('.reading').textContent : ''])"))


def test_a_curators_reading_says_so_in_plain_words_on_both_pages(browser: Chromium, graph_file: Path, views: Path) -> None:
    bases = catalogue_bases(graph_file)
    assert {"stated-in-review", "curators-reading"} == set(bases.values())
    polarity_read = {finding for finding, in rows(graph_file, """SELECT ?f WHERE { ?f sskg:hasOutcome/sskg:polarityBasis <https://w3id.org/sskg/concept/curators-reading> }""")}
    seen: dict[str, str] = {}
    with opened(browser, views / "overview.html") as view:
        page = view.page
        page.wait_for_function(READY)
        for study in page.evaluate("Object.keys(window.sskg.data.studies)"):
            page.evaluate("(id) => window.sskg.select(id, false)", study)
            seen.update(readings_shown(page, "#details-findings li.finding"))
        view.assert_clean()
    assert set(seen) == set(bases)
    for finding, text in seen.items():
        assert bool(text) == (bases[finding] == "curators-reading"), finding
        assert ("does not say whether more" in text) == (finding in polarity_read), finding
        assert not text or text.startswith("Curators' reading, not the review's words:")
    shown: dict[str, str] = {}
    with opened(browser, views / "gap-map.html") as view:
        page = view.page
        page.wait_for_function(GAP_READY)
        for cell in page.locator("td[data-row]:not(.gap):not(.not-linked) button").all():
            cell.click()
            shown.update(readings_shown(page, "#cell-studies li.finding"))
        view.assert_clean()
    assert shown and all(text == seen[finding] for finding, text in shown.items())
    assert any(shown.values())


def rgb(colour: str) -> str:
    return "rgb(" + ", ".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + ")"


def test_our_feature_switch_keeps_every_feature_playwright_disables() -> None:
    """Chromium reads only the last --disable-features: ours must repeat the installed Playwright's own list."""
    import re

    import playwright

    bundle = next((Path(playwright.__file__).parent / "driver" / "package" / "lib").glob("coreBundle.js"), None)
    listed = re.search(r"disabledFeatures = \[(.*?)\]", bundle.read_text(encoding="utf-8"), re.S) if bundle else None
    if listed is None:
        pytest.skip("this Playwright keeps its Chromium switches elsewhere")
    theirs = set(re.findall(r'^\s*"([A-Za-z0-9]+)"', listed.group(1), re.M))
    assert theirs and theirs <= set(PLAYWRIGHT_DISABLED_FEATURES), sorted(theirs - set(PLAYWRIGHT_DISABLED_FEATURES))
