"""The HTML views without a browser: what they hold, that it agrees with the graph, and that it is safe.

The browser half (tests/test_browser.py) opens the same pages in Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from sskg.exports.views import focus, metrics, store
from sskg.exports.views.evidence import Citation, load_evidence
from sskg.exports.views.gapmap import load_gap_map
from sskg.exports.views.metrics import compute_metrics, layout
from sskg.exports.views.model import ViewModel, load_model
from sskg.exports.views.render import asset, json_script, vis_network_js
from sskg.exports.views.views_cli import stats, view
from sskg.exports.views.write import write_all, write_concept, write_query, write_study
from sskg.graphbuild.build import BuildResult
from sskg.graphbuild.ontology import load_ontology
from sskg.queries.catalogue import get_query
from sskg.queries.runner import load_graph, run_query

from sskg.namespaces import CONCEPT, FINDING, SSKG, SSKG_NS, STUDY

XSS_IMG = "<img src=x onerror=window.__pwned=1>"
XSS_SCRIPT = "</script><script>window.__pwned=2</script>"
XSS_COMMENT = "<!-- <script>window.__pwned=3</script>"
PREFIXES = """PREFIX sskg: <https://w3id.org/sskg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
DATA_BLOCK = re.compile(r'<script type="application/json" id="sskg-data">(.*?)</script>', re.DOTALL)


# -- shared with test_browser.py: built once per graph file ----------------------------------------

@cache
def graph_of(graph_file: Path) -> Graph:
    return load_graph(graph_file)


@cache
def model_of(graph_file: Path) -> ViewModel:
    return load_model(graph_of(graph_file))


@cache
def rendered(graph_file: Path) -> Path:
    """All views, plus one focused view of each kind, written beside the built graph."""
    out = graph_file.parent / "views"
    graph = graph_of(graph_file)
    write_all(graph, out)
    write_study(graph, first_study_key(graph_file), out)
    write_concept(graph, busiest_strategy(graph_file), out, depth=1)
    write_query(graph, "studies-by-country", {}, out)
    return out


def first_study_key(graph_file: Path) -> str:
    return model_of(graph_file).node_ids("study")[0].rsplit("/", 1)[-1]


def busiest_strategy(graph_file: Path) -> str:
    """The strategy examined by the most studies (ties by id)."""
    rows = graph_of(graph_file).query(PREFIXES + """
        SELECT ?strategy (COUNT(DISTINCT ?study) AS ?n) WHERE { ?study sskg:examinesStrategy ?strategy }
        GROUP BY ?strategy ORDER BY DESC(?n) ?strategy LIMIT 1""")
    return str(next(iter(rows))[0]).rsplit("/", 1)[-1]


def page_data(path: Path) -> dict:
    match = DATA_BLOCK.search(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} has no data block"
    return json.loads(match.group(1))


def expected_node_count(graph: Graph) -> int:
    """Studies, findings and concepts of the drawn kinds, counted straight from the graph."""
    rows = graph.query(PREFIXES + """
        SELECT (COUNT(DISTINCT ?node) AS ?n) WHERE {
          VALUES ?root { sskg:IncludedStudy sskg:Finding sskg:SupportStrategy sskg:SupportConcept
                         sskg:RecoveryCapital sskg:Outcome sskg:Population sskg:Factor }
          ?node a/rdfs:subClassOf* ?root .
        }""")
    return int(next(iter(rows))[0])


def hostile_graph(graph_file: Path) -> tuple[Graph, str]:
    """The built graph with script-injection payloads in one study's title, label and a finding."""
    graph = load_graph(graph_file)  # a fresh copy, mutated below
    study = URIRef(model_of(graph_file).node_ids("study")[0])
    for predicate in (DCTERMS.title, RDFS.label, DCTERMS.bibliographicCitation):
        graph.remove((study, predicate, None))
    graph.add((study, DCTERMS.title, Literal(f"{XSS_IMG} {XSS_SCRIPT}")))
    graph.add((study, RDFS.label, Literal(f"{XSS_IMG} Study")))
    graph.add((study, DCTERMS.bibliographicCitation, Literal(f"{XSS_SCRIPT} {XSS_COMMENT}")))
    finding = next(graph.objects(study, SSKG.reportsFinding))
    graph.remove((finding, RDFS.label, None))
    graph.add((finding, RDFS.label, Literal(XSS_COMMENT)))
    return graph, str(study)


def tiny_graph() -> Graph:
    """The ontology plus one study whose finding links to the same concept twice (hazard H3)."""
    graph = load_ontology()
    study, finding = STUDY["doe-2020"], FINDING["doe-2020/only"]
    graph.add((study, RDF.type, SSKG.IncludedStudy))
    graph.add((study, RDFS.label, Literal("Doe 2020")))
    graph.add((study, SSKG.year, Literal(2020)))
    graph.add((study, SSKG.reportsFinding, finding))
    graph.add((finding, RDF.type, SSKG.Finding))
    graph.add((finding, RDFS.label, Literal("Recovery goes with recovery")))
    graph.add((finding, SSKG.fromStudy, study))
    graph.add((finding, SSKG.hasExposure, CONCEPT["recovery"]))
    graph.add((finding, SSKG.hasOutcome, CONCEPT["recovery"]))
    return graph


@pytest.fixture(scope="module")
def graph_file(built: tuple[BuildResult, Path]) -> Path:
    return built[1] / "sskg.ttl"


@pytest.fixture(scope="module")
def views(graph_file: Path) -> Path:
    return rendered(graph_file)


# -- files and offline safety -------------------------------------------------------------------------

def test_all_views_written_and_linked_from_the_index(views: Path) -> None:
    names = {path.name for path in views.glob("*.html")}
    assert {"index.html", "overview.html", "gap-map.html", "search-flow.html"} <= names
    index = (views / "index.html").read_text(encoding="utf-8")
    for name in ("overview.html", "gap-map.html", "search-flow.html"):
        assert f'href="{name}"' in index


def test_same_graph_gives_the_same_bytes(graph_file: Path, views: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    write_all(load_graph(graph_file, store="memory"), again)  # another store, another parse
    for path in again.glob("*.html"):
        assert path.read_bytes() == (views / path.name).read_bytes(), path.name


def test_rendering_forgets_the_oxigraph_copy_it_queried(tmp_path: Path) -> None:
    graph = tiny_graph()  # held by rdflib's store: the view queries run on a copy in Oxigraph
    write_all(graph, tmp_path)
    assert graph not in store._STORES  # at scale the copy is gigabytes; a build renders on in the same process


def test_pages_fetch_nothing(views: Path) -> None:
    for path in views.glob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"<(script|img|iframe|link|source|video|audio|embed|object)\b[^>]*\s(src|href|data)\s*=", html, re.IGNORECASE), path.name
        assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:|//)", html, re.IGNORECASE), path.name
        assert "@import" not in html and "url(http" not in html
        assert "bootstrap" not in html.lower()
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert csp and "default-src 'none'" in csp.group(1) and "connect-src 'none'" in csp.group(1)


@pytest.mark.parametrize("name, count", [("overview.html", 4), ("index.html", 1), ("search-flow.html", 1)])
def test_scripts_are_allowed_by_hash_only(views: Path, name: str, count: int) -> None:
    html = (views / name).read_text(encoding="utf-8")
    policy = re.search(r'content="([^"]+)"', html.split("Content-Security-Policy", 1)[1]).group(1)  # type: ignore[union-attr]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == count and scripts[-1] == asset("static/served.js")  # every page: the query page's link
    if name == "overview.html":
        assert scripts[0] == vis_network_js()  # vis-network inlined from pyvis
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    allowed = set(re.search(r"script-src ([^;]+)", policy).group(1).split())  # type: ignore[union-attr]
    assert allowed == hashes and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert '<a id="query-page" href="/" hidden>Query page</a>' in html  # shown only when served (see test_query_page)


def test_data_block_cannot_end_early() -> None:
    block = json_script({"title": XSS_SCRIPT + XSS_COMMENT, "x": "a & b > c"})
    inner = block[len('<script type="application/json" id="sskg-data">'):-len("</script>")]
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner)["title"] == XSS_SCRIPT + XSS_COMMENT


def test_hostile_text_never_reaches_markup(graph_file: Path, tmp_path: Path) -> None:
    graph, study = hostile_graph(graph_file)
    write_all(graph, tmp_path)
    write_study(graph, study.rsplit("/", 1)[-1], tmp_path)
    for path in tmp_path.glob("*.html"):
        html = path.read_text(encoding="utf-8")
        for payload in (XSS_IMG, XSS_SCRIPT, XSS_COMMENT, "<img src=x"):
            assert payload not in html, f"{payload!r} raw in {path.name}"
    assert page_data(tmp_path / "overview.html")["studies"][study]["label"] == f"{XSS_IMG} Study"  # kept as text, exactly
    assert page_data(tmp_path / f"study-{study.rsplit('/', 1)[-1]}.html")["details"][study]["heading"] == f"{XSS_IMG} Study"


# -- the overview -------------------------------------------------------------------------------------

def test_overview_draws_concepts_only_and_carries_every_study_and_finding(graph_file: Path, views: Path) -> None:
    """Its nodes are themes, exposures and outcomes, so its size does not grow with the studies."""
    data = page_data(views / "overview.html")
    graph = graph_of(graph_file)
    studies = {str(s) for s in graph.subjects(RDF.type, SSKG.IncludedStudy)}
    findings = {str(f) for f in graph.subjects(RDF.type, SSKG.Finding)}
    assert set(data["studies"]) == studies and set(data["findings"]) == findings
    assert not (set(data["concepts"]) & (studies | findings))
    drawn = {iri for iri, concept in data["concepts"].items() if "layer" in concept}
    strategies = {str(s) for s in graph.subjects(RDF.type, SSKG_NS.SupportStrategy)}
    exposures = {str(e) for e in graph.objects(None, SSKG.hasExposure)} - strategies
    on_strategies = {row[0] for row in rows_of(graph, STRATEGY_FINDINGS)}  # as the gap map counts them
    outcomes = {str(o) for o in graph.objects(None, SSKG.hasOutcome)}
    assert {iri for iri in drawn if data["concepts"][iri]["layer"] == 1} == exposures | on_strategies
    assert {iri for iri in drawn if data["concepts"][iri]["layer"] == 2 and data["concepts"][iri]["kind"] == "outcome"} == outcomes
    about = {(strategy, finding) for strategy, _, finding in rows_of(graph, STRATEGY_FINDINGS)}
    for finding_id, finding in data["findings"].items():  # every finding is folded into the edges of what it is about
        assert finding["about"] and set(finding["about"]) <= drawn and finding["outcome"] in drawn
        assert {c for c in finding["about"] if c in strategies} == {s for s, f in about if f == finding_id}
        assert {c for c in finding["about"] if c not in strategies} == set(finding["exposures"]) - strategies


def test_overview_explains_what_it_does_not_draw(graph_file: Path, views: Path) -> None:
    data = page_data(views / "overview.html")
    undrawn = {iri for part in data["undrawn"] for iri in part["ids"]}
    concepts = data["concepts"]
    assert all(part["why"] for part in data["undrawn"])
    assert undrawn == {iri for iri, concept in concepts.items() if "layer" not in concept and concept["kind"] != "theme"}
    graph = graph_of(graph_file)
    strategies = {str(s) for s in graph.subjects(RDF.type, SSKG_NS.SupportStrategy)}
    on_strategies = {row[0] for row in rows_of(graph, STRATEGY_FINDINGS)}
    assert strategies - on_strategies == {iri for iri in undrawn if concepts[iri]["kind"] == "strategy"}  # no finding is about them


def test_a_study_is_filed_under_its_most_specific_theme(graph_file: Path, views: Path) -> None:
    data = page_data(views / "overview.html")
    graph = graph_of(graph_file)
    for study, record in data["studies"].items():
        sub = graph.value(URIRef(study), SSKG.hasSubTheme) or graph.value(URIRef(study), SSKG.hasTheme)
        assert record["theme_node"] == str(sub)


# -- effect on recovery ---------------------------------------------------------------------------------

def test_favourable_and_unfavourable_stay_apart_under_colour_blindness_and_have_symbols(views: Path) -> None:
    """Machado et al. (2009) dichromacy simulation at full severity: the two effects a policy reader most needs to tell
    apart keep a clear colour difference (the direction colours used before, #1a9850 and #d73027, fall to 77 and 51),
    and every effect has its own symbol and line pattern besides."""
    palette = {effect["name"]: effect for effect in page_data(views / "gap-map.html")["effects"]}
    machado = {"protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
               "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881))}

    def simulate(colour: str, matrix: tuple[tuple[float, ...], ...]) -> tuple[float, ...]:
        linear = [((c / 255 + 0.055) / 1.055) ** 2.4 if c / 255 > 0.04045 else c / 255 / 12.92
                  for c in (int(colour[i:i + 2], 16) for i in (1, 3, 5))]
        return tuple(255 * max(0.0, min(1.0, sum(m * c for m, c in zip(row, linear)))) ** (1 / 2.2) for row in matrix)

    for name, matrix in machado.items():
        a, b = simulate(palette["favourable"]["colour"], matrix), simulate(palette["unfavourable"]["colour"], matrix)
        assert sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5 > 100, name
    assert len({effect["glyph"] for effect in palette.values()}) == len(palette)
    assert len({tuple(effect["dashes"]) for effect in palette.values()}) == len(palette)


# -- citations ---------------------------------------------------------------------------------------------

def test_citations_mark_left_out_authors_and_link_dois(graph_file: Path) -> None:
    evidence = load_evidence(graph_of(graph_file))
    bjornestad = evidence.studies[str(STUDY["bjornestad-2017"])].citation
    assert bjornestad.text().startswith("Bjornestad, J., Velden Hegelstad, W., Joa, I., Davidson, L., Larsen, T. K., "
                                        "Melle, I., … Bronnick, K. (2017). With a Little Help")
    assert ", ." not in bjornestad.text() and "., ." not in bjornestad.text()
    for study in evidence.studies.values():
        cited = study.citation
        assert f"({study.year})" in cited.text() and ", ." not in cited.text()
        if cited.doi:
            assert ("doi:" + cited.doi, "https://doi.org/" + cited.doi) in cited.links()
            assert cited.text().endswith("https://doi.org/" + cited.doi)
        assert all(href.startswith("https://") for _, href in cited.links())


def test_two_authors_are_joined_by_an_ampersand_and_unsafe_links_are_dropped() -> None:
    cited = Citation(("Kloos, B.", "Shah, S."), False, 2009, "A title?", "Journal", "43", "3", "1–9",
                     urls=("javascript:alert(1)", "https://example.org/x"))
    assert cited.text() == "Kloos, B., & Shah, S. (2009). A title? Journal, 43(3), 1–9."
    assert cited.links() == [("https://example.org/x", "https://example.org/x")]


# -- the focused graph views ----------------------------------------------------------------------------------

def test_edges_are_directed_statements_of_the_graph(graph_file: Path) -> None:
    graph, model = graph_of(graph_file), model_of(graph_file)
    assert model.edges
    for edge in model.edges:
        assert (URIRef(edge.source), URIRef(edge.predicate), URIRef(edge.target)) in graph


def test_two_predicates_between_the_same_nodes_are_two_edges() -> None:
    model = load_model(tiny_graph())
    finding = str(FINDING["doe-2020/only"])
    between = {edge.predicate for edge in model.edges if edge.source == finding and edge.target == str(CONCEPT["recovery"])}
    assert between == {str(SSKG.hasExposure), str(SSKG.hasOutcome)}


def test_strategy_kind_filter_uses_the_reasoned_classes(graph_file: Path) -> None:
    model = model_of(graph_file)
    result = run_query(graph_of(graph_file), get_query("strategies").text)
    assert result.rows
    for _, kind, key in result.rows:
        assert str(kind) in model.nodes[str(STUDY[str(key)])].facets["strategy-kind"]


def test_layout_is_still_and_repeatable(graph_file: Path) -> None:
    view_ = focus.concept_view(model_of(graph_file), busiest_strategy(graph_file), depth=2)
    first = layout(view_.nodes, view_.edges)
    assert first == layout(view_.nodes, view_.edges)
    assert len(set(first.values())) > 0.9 * len(first)  # nodes are spread out, not stacked


def test_large_views_ring_findings_round_their_study(graph_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "RING_FROM", 1)
    view_ = focus.study_view(model_of(graph_file), first_study_key(graph_file))
    positions = layout(view_.nodes, view_.edges)
    x, y = positions[view_.focus]  # type: ignore[index]
    findings = [node.id for node in view_.nodes if node.kind == "finding" and node.study == view_.focus]
    radii = {round(((positions[f][0] - x) ** 2 + (positions[f][1] - y) ** 2) ** 0.5) for f in findings}
    assert findings and max(radii) - min(radii) <= 2  # one circle, up to rounding


def test_node_cap_folds_findings_then_leaves_out_and_says_so(graph_file: Path) -> None:
    model = model_of(graph_file)
    everything = set(model.nodes)
    findings = len(model.node_ids("finding"))
    folded = focus.cap_view("all", "All", "", model, everything, cap=len(model.nodes) - 1)
    assert not any(node.kind == "finding" for node in folded.nodes)
    assert folded.notice and f"{findings} findings" in folded.notice
    assert any(edge.label.endswith("(through findings)") for edge in folded.edges)
    tight = focus.cap_view("all", "All", "", model, everything, cap=40)
    assert len(tight.nodes) == 40 and "left out" in (tight.notice or "")
    shown = {node.id for node in tight.nodes}
    assert all(edge.source in shown and edge.target in shown for edge in tight.edges)


def test_study_view_holds_the_study_its_findings_and_their_neighbours(graph_file: Path) -> None:
    model = model_of(graph_file)
    key = first_study_key(graph_file)
    study = str(STUDY[key])
    view_ = focus.study_view(model, key)
    ids = {node.id for node in view_.nodes}
    findings = {str(f) for f in graph_of(graph_file).objects(URIRef(study), SSKG.reportsFinding)}
    assert study in ids and findings <= ids and view_.focus == study
    neighbours = {e.target for e in model.edges if e.source in findings} | {e.target for e in model.edges if e.source == study}
    assert neighbours <= ids


def test_concept_view_grows_with_depth(graph_file: Path) -> None:
    model = model_of(graph_file)
    name = busiest_strategy(graph_file)
    sizes = [len(focus.concept_view(model, name, depth).nodes) for depth in (0, 1, 2)]
    assert sizes[0] == 1 and sizes[0] < sizes[1] < sizes[2]
    label = model.nodes[str(CONCEPT[name])].label
    assert focus.concept_view(model, label.upper(), 1).focus == str(CONCEPT[name])  # by label too


def test_query_view_draws_the_nodes_its_rows_name(graph_file: Path) -> None:
    graph, model = graph_of(graph_file), model_of(graph_file)
    entry = get_query("studies-by-country")
    keys = {str(row[0]) for row in run_query(graph, entry.text, entry.bindings({})).rows}
    view_ = focus.query_view(model, graph, "studies-by-country", {})
    assert keys and set(view_.highlight) == {str(STUDY[key]) for key in keys}
    assert {str(STUDY[key]) for key in keys} < {node.id for node in view_.nodes}


def test_details_carry_citation_findings_and_provenance(graph_file: Path, views: Path) -> None:
    key = first_study_key(graph_file)
    data = page_data(views / f"study-{key}.html")
    detail = data["details"][str(STUDY[key])]
    assert detail["record"]["citation"] and detail["record"]["aim"] and detail["record"]["sample"]
    findings = {str(f) for f in graph_of(graph_file).objects(STUDY[key], SSKG.reportsFinding)}
    assert {finding["id"] for finding in detail["findings"]} == findings
    assert all(finding["direction"] and finding["places"] for finding in detail["findings"])
    concept = page_data(views / f"concept-{busiest_strategy(graph_file)}.html")["details"][str(CONCEPT[busiest_strategy(graph_file)])]
    assert "Definition" in dict(concept["fields"]) and concept["studies"]


# -- gap map, search flow, metrics ------------------------------------------------------------------

# The findings on each strategy, as the gap map and the overview count them: those naming it, and those
# naming no strategy of a study that examines it.
STRATEGY_FINDINGS = """
    SELECT DISTINCT ?strategy ?study ?finding WHERE {
      ?study sskg:reportsFinding ?finding .
      { ?finding sskg:hasExposure ?strategy . ?strategy a sskg:SupportStrategy }
      UNION
      { ?study sskg:reportsFinding ?finding ; sskg:examinesStrategy ?strategy .
        FILTER NOT EXISTS { ?finding sskg:hasExposure ?other . ?other a sskg:SupportStrategy } }
    }"""


def rows_of(graph: Graph, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(term) for term in row) for row in graph.query(PREFIXES + query)]


GAP_CELLS = """
    SELECT ?strategy ?family (COUNT(DISTINCT ?study) AS ?studies) (COUNT(DISTINCT ?finding) AS ?findings) WHERE {
      ?study sskg:reportsFinding ?finding .
      ?finding sskg:hasOutcome/a ?family .
      ?family rdfs:subClassOf sskg:Outcome .
      FILTER NOT EXISTS { ?family owl:equivalentClass ?definition }  # families, not outcomes by polarity
      { ?finding sskg:hasExposure ?strategy . ?strategy a sskg:SupportStrategy }
      UNION
      { ?study sskg:reportsFinding ?finding ; sskg:examinesStrategy ?strategy .
        FILTER NOT EXISTS { ?finding sskg:hasExposure ?other . ?other a sskg:SupportStrategy } }
    } GROUP BY ?strategy ?family"""


def test_every_gap_cell_counts_the_studies_and_findings_sparql_counts(graph_file: Path) -> None:
    graph = graph_of(graph_file)
    evidence = load_evidence(graph)
    gap = load_gap_map(graph, evidence)
    expected = {(str(s), str(f)): (int(n), int(m)) for s, f, n, m in graph.query(PREFIXES + GAP_CELLS)}
    ours = {cell: (len(gap.studies(evidence, "outcome", cell)), len(findings)) for cell, findings in gap.cells["outcome"].items()}
    assert ours == expected and len(ours) > 20
    strategies = {str(s) for s in graph.subjects(RDF.type, SSKG_NS.SupportStrategy)}
    assert {row.id for row in gap.rows} == strategies  # one row per strategy, whatever its groups


def test_gaps_are_the_catalogue_gaps_and_those_where_every_finding_names_another_strategy(graph_file: Path) -> None:
    """The catalogue's evidence-gaps counts a study's every finding for each strategy it examines; the map
    counts a finding only for the strategy it names, so it may show more gaps, never fewer."""
    graph = graph_of(graph_file)
    gap = load_gap_map(graph, load_evidence(graph))
    examined = {str(s) for s in graph.objects(None, SSKG.examinesStrategy)}
    ours = {(s.rsplit("/", 1)[-1], c.rsplit("/", 1)[-1]) for s, c in gap.gaps("outcome") if s in examined}
    catalogue = {(str(strategy), str(family)) for strategy, family in run_query(graph, get_query("evidence-gaps").text).rows}
    assert catalogue <= ours
    for strategy, family in ours - catalogue:
        others = graph.query(PREFIXES + """SELECT ?finding ?s ?f WHERE {
            ?study sskg:examinesStrategy ?s ; sskg:reportsFinding ?finding . ?finding sskg:hasOutcome/a ?f .
            FILTER NOT EXISTS { ?finding sskg:hasExposure ?other . ?other a sskg:SupportStrategy . FILTER (?other != ?s) } }""",
            initBindings={"s": CONCEPT[strategy], "f": SSKG_NS[family]})
        assert not list(others), (strategy, family)


def test_a_strategy_in_two_groups_is_one_row_counted_once(graph_file: Path) -> None:
    graph = graph_of(graph_file)
    gap = load_gap_map(graph, load_evidence(graph))
    both = [row for row in gap.rows if set(row.groups) == {"direct", "indirect"}]
    assert both  # social network enhancement
    gaps = gap.gaps("outcome")
    assert len(gaps) == len(set(gaps)) == sum(1 for row in gap.rows for column, _ in gap.columns["outcome"]
                                               if not gap.cells["outcome"].get((row.id, column)))


def test_capital_cells_only_where_the_review_says_a_strategy_builds_that_kind(graph_file: Path) -> None:
    graph = graph_of(graph_file)
    gap = load_gap_map(graph, load_evidence(graph))
    builds = {(str(s), str(c)) for s, c in graph.subject_objects(SSKG_NS.buildsRecoveryCapital)}
    assert gap.cells["capital"] and set(gap.cells["capital"]) <= builds
    assert all(cell in builds for cell in gap.gaps("capital"))
    by_outcome = {f for findings in gap.cells["outcome"].values() for f in findings}
    for (strategy, _), findings in gap.cells["capital"].items():  # a cell holds the findings on its strategy only
        assert set(findings) == {f for (s, _), fs in gap.cells["outcome"].items() if s == strategy for f in fs} & by_outcome


def test_search_flow_marks_unreported_stages(graph_file: Path, views: Path) -> None:
    rows = run_query(graph_of(graph_file), get_query("search-flow").text).rows
    html = (views / "search-flow.html").read_text(encoding="utf-8")
    unreported = sum(1 for _, count in rows if count is None)
    assert unreported and html.count('class="stage not-reported"') == unreported
    assert html.count('class="stage reported"') == len(rows) - unreported
    assert re.findall(r"<script>(.*?)</script>", html, re.DOTALL) == [asset("static/served.js")]  # drawn in Python


def test_betweenness_is_measured_among_concepts_joined_through_findings_and_studies(graph_file: Path) -> None:
    model = model_of(graph_file)
    network = metrics.concept_network(model)
    assert set(network) == {node.id for node in model.nodes.values() if node.kind not in ("study", "finding")}
    finding = next(node for node in model.nodes.values() if node.kind == "finding")
    linked = sorted({e.target for e in model.edges if e.source == finding.id and model.nodes[e.target].kind not in ("study", "finding")})
    assert len(linked) >= 2 and all(network.has_edge(a, b) for a in linked for b in linked if a < b)
    measured = compute_metrics(model)
    assert all(m.betweenness == 0 for m in measured.nodes.values() if m.kind in ("study", "finding"))
    assert max(m.betweenness for m in measured.concepts()) > 0


def test_stats_prints_concepts_and_bridging_strategies(graph_file: Path) -> None:
    result = CliRunner().invoke(stats, ["--graph", str(graph_file), "--top", "5"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["concept", "kind", "degree", "betweenness"]
    assert "strategies that bridge recovery-capital kinds" in result.output
    capital: dict[str, set[str]] = {}
    for strategy, kind in graph_of(graph_file).subject_objects(SSKG_NS.buildsRecoveryCapital):
        capital.setdefault(str(strategy).rsplit("/", 1)[-1], set()).add(str(kind))
    bridges = compute_metrics(model_of(graph_file)).bridges
    assert {b.id.rsplit("/", 1)[-1] for b in bridges} == {s for s, kinds in capital.items() if len(kinds) > 1}


# -- command line -------------------------------------------------------------------------------------

def test_cli_writes_views_and_focused_views(graph_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(view, ["--graph", str(graph_file), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "index.html").is_file()
    key = first_study_key(graph_file)
    for args, name in ((["study", key], f"study-{key}.html"),
                       (["concept", busiest_strategy(graph_file), "--depth", "1"], f"concept-{busiest_strategy(graph_file)}.html"),
                       (["query", "studies-by-year", "--param", "from=2015"], "query-studies-by-year.html")):
        result = runner.invoke(view, ["--graph", str(graph_file), *args, "--out", str(tmp_path / "focused")])
        assert result.exit_code == 0, result.output
        assert (tmp_path / "focused" / name).is_file()


@pytest.mark.parametrize("args, message", [
    (["study", "nobody-1900"], "no study with key"),
    (["concept", "no such thing"], "no concept named"),
    (["query", "no-such-query"], "no query named"),
    (["query", "studies-by-year", "--param", "bogus=1"], "has no parameter"),
])
def test_cli_bad_input_gives_one_message_and_exit_2(graph_file: Path, tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(view, ["--graph", str(graph_file), "--out", str(tmp_path), *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not list(tmp_path.glob("*.html"))


def test_cli_missing_graph_says_how_to_fix(tmp_path: Path) -> None:
    result = CliRunner().invoke(view, ["--graph", str(tmp_path / "none.ttl"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "sskg build" in result.output
