"""HTML for the views: our own templates around the view data, with vis-network inlined from pyvis.

No evidence text ever becomes markup (hazard H1). Pages drawn in Python escape every string; pages
drawn in the browser carry their data as JSON in a non-executed <script type="application/json">
block with `<`, `>` and `&` written as \\u escapes (so neither `</script>` nor `<!--` can end it), and
their scripts insert it with textContent only. pyvis is used for nothing but its bundled copy of
vis-network: its own template writes headings raw and loads bootstrap from a CDN (H2). A
Content-Security-Policy that allows only our own scripts, by hash, and no source to fetch from, keeps
an opened page from making any request.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from functools import cache
from html import escape
from pathlib import Path
from urllib.parse import quote

from .focus import GraphView
from .metrics import Metrics, NodeMetric
from .evidence import EFFECTS, NOT_DERIVED, Effect, Evidence, Review
from .model import FACETS, KINDS, Detail, ViewError, ViewModel
from .pagedata import effects_json, ink

HERE = Path(__file__).resolve().parent
OVERVIEW = "overview.html"
_MARKER = re.compile(r"@@([A-Z_]+)@@")


@cache
def asset(name: str) -> str:
    """A template or static file of this package, with newlines normalised (script hashes depend on them)."""
    return (HERE / name).read_text(encoding="utf-8").replace("\r\n", "\n")


@cache
def vis_network_js() -> str:
    """The newest vis-network that pyvis bundles in templates/lib; read from disk, pyvis is not imported."""
    spec = importlib.util.find_spec("pyvis")
    roots = [Path(location) for location in (spec.submodule_search_locations or [])] if spec else []
    found = [path for root in roots for path in root.glob("templates/lib/vis-*/vis-network.min.js")]
    if not found:
        raise ViewError("vis-network was not found in the pyvis package", fix="pip install 'pyvis>=0.3.2'")
    newest = max(found, key=lambda path: tuple(int(part) for part in re.findall(r"\d+", path.parent.name)))
    text = newest.read_text(encoding="utf-8").replace("\r\n", "\n")
    if "</script" in text.lower():
        raise ViewError(f"{newest} contains '</script' and cannot be inlined", fix="use another pyvis release")
    return text


def json_script(data: object, element_id: str = "sskg-data") -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def fill(template: str, values: dict[str, str]) -> str:
    """Replace @@NAME@@ markers in one pass, so text put in is never scanned for markers again."""
    return _MARKER.sub(lambda match: values[match.group(1)], template)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(scripts: Sequence[str], style: str) -> str:
    script_src = " ".join(_hash(script) for script in scripts) or "'none'"
    return (f"default-src 'none'; script-src {script_src}; style-src {_hash(style)}; img-src data:; "
            "connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'")


NAV = (("index.html", "Start"), (OVERVIEW, "Evidence graph"), ("gap-map.html", "Evidence-and-gap map"),
       ("search-flow.html", "Search flow"))


def nav(current: str | None) -> str:
    """The views' links, and the query page's, which served.js shows only when `sskg serve` serves the views."""
    marked = ' aria-current="page"'
    views = " ".join(f'<a href="{href}"{marked if href == current else ""}>{escape(text)}</a>' for href, text in NAV)
    return views + ' <a id="query-page" href="/" hidden>Query page</a>'


def effect_css() -> str:
    """Each effect's chip colours, for pages with and without scripts (the colours are fixed, as is the style's hash)."""
    return "".join(f'.chip[data-effect="{e.name}"]{{background-color:{e.colour};color:{ink(e.colour)}}}'
                   for e in (*EFFECTS, NOT_DERIVED)) + "\n"


def page(title: str, subtitle: str, body: str, body_class: str, data: object = None, scripts: Sequence[str] = (),
         current: str | None = None) -> str:
    style = asset("static/style.css") + effect_css()
    scripts = (*scripts, asset("static/served.js"))
    return fill(asset("templates/page.html"), {
        "NAV": nav(current),
        "CSP": content_security_policy(scripts, style),
        "TITLE": escape(title),
        "SUBTITLE": escape(subtitle),
        "STYLE": style,
        "BODY_CLASS": body_class,
        "BODY": body,
        "DATA": "" if data is None else json_script(data),
        "SCRIPTS": "\n".join(f"<script>{script}</script>" for script in scripts),
    })


def node_href(node_id: str, target: str = OVERVIEW) -> str:
    return f"{target}#node={quote(node_id, safe='')}"


# -- graph views ------------------------------------------------------------------------------------

def graph_page(view: GraphView, model: ViewModel, evidence: Evidence, metrics: Metrics,
               positions: dict[str, tuple[int, int]]) -> str:
    """A focused view: the nodes one by one at fixed places, linking to the overview for what it leaves out."""
    data = graph_data(view, model, evidence, metrics, positions)
    notice = view.notice or ""
    body = fill(asset("templates/graph.html"), {"NOTICE": escape(notice), "NOTICE_HIDDEN": "" if notice else " hidden",
                                                 "FILTERS": asset("templates/filters.html")})
    scripts = (vis_network_js(), asset("static/common.js"), asset("static/graph.js"))
    return page(view.title, view.subtitle, body, "graph", data, scripts)


def graph_data(view: GraphView, model: ViewModel, evidence: Evidence, metrics: Metrics,
               positions: dict[str, tuple[int, int]]) -> dict[str, object]:
    nodes = []
    for node in view.nodes:
        x, y = positions.get(node.id, (0, 0))
        entry: dict[str, object] = {"id": node.id, "kind": node.kind, "label": node.label, "short": node.short,
                                    "x": x, "y": y, "size": _size(metrics.nodes[node.id])}
        if node.kind in ("study", "finding"):
            # Findings are filtered with their study.
            source = model.nodes[node.study] if node.kind == "finding" and node.study else node
            entry["facets"] = {facet: list(source.facets.get(facet, ())) for facet in FACETS}
            entry["year"] = source.year
        nodes.append(entry)
    years = sorted({year for node in nodes if isinstance(year := node.get("year"), int)})
    present = {facet: sorted({value for node in nodes for value in node.get("facets", {}).get(facet, [])})  # type: ignore[union-attr]
               for facet in FACETS}
    return {
        "kinds": [{"name": k.name, "label": k.label, "colour": k.colour, "shape": k.shape, "glyph": k.glyph} for k in KINDS],
        "nodes": nodes,
        "edges": [{"id": f"e{index}", "from": edge.source, "to": edge.target, "label": edge.label}
                  for index, edge in enumerate(view.edges)],
        "details": {node.id: detail_data(model.details[node.id], metrics.nodes[node.id]) for node in view.nodes},
        "facets": {facet: sorted(([value, model.facet_labels[facet].get(value, value)] for value in values),
                                 key=lambda pair: (pair[1].casefold(), pair[0]))
                   for facet, values in present.items()},
        **effects_json(evidence),
        "years": [years[0], years[-1]] if years else [0, 0],
        "overview": OVERVIEW,
        "focus": view.focus,
        "highlight": list(view.highlight),
    }


def _size(metric: NodeMetric) -> int:
    return min(32, 8 + round(4 * metric.degree ** 0.5))


def detail_data(detail: Detail, metric: NodeMetric) -> dict[str, object]:
    measures = [("Links", [str(metric.degree)])]
    if detail.kind not in ("study", "finding"):  # betweenness is measured among concepts only
        measures.append(("Bridging (betweenness among concepts)", [f"{metric.betweenness:.4f}"]))
    return {
        "heading": detail.heading,
        "kind": detail.kind,
        "fields": [[name, values] for name, values in [*detail.fields, *measures]],
        "record": detail.record,
        "findings": detail.findings,
        "notes": detail.notes,
        "studies": [{"id": link.id, "label": link.label} for link in detail.studies],
        "links": [asdict(link) for link in detail.links],
    }


def overview_page(data: dict[str, object], subtitle: str) -> str:
    scripts = (vis_network_js(), asset("static/common.js"), asset("static/overview.js"))
    body = fill(asset("templates/overview.html"), {"FILTERS": asset("templates/filters.html")})
    return page("Evidence graph", subtitle, body, "graph overview-page", data, scripts, current=OVERVIEW)


# -- pages drawn in Python --------------------------------------------------------------------------

def gap_page(data: dict[str, object], subtitle: str) -> str:
    scripts = (asset("static/common.js"), asset("static/gapmap.js"))
    body = fill(asset("templates/gapmap.html"), {"FILTERS": asset("templates/filters.html")})
    return page("Evidence-and-gap map", subtitle, body, "gap", data, scripts, current="gap-map.html")


def flow_page(body: str, subtitle: str) -> str:
    return page("Search flow", subtitle, f'<main id="main" class="page">\n{body}\n</main>', "flow", current="search-flow.html")


def index_page(review: Review | None, views: Iterable[tuple[str, str, str, str]], effects: Iterable[Effect],
               metrics: Metrics, top: int = 15) -> str:
    """Lay readers first: what the review is and what each view shows; the network measures last, in plain words."""
    cards = "".join(f'<li><a href="{escape(href)}">{escape(title)}</a><p>{escape(what)}</p><p class="hint">{escape(numbers)}</p></li>'
                    for href, title, what, numbers in views)
    chips = "".join(f'<li><span class="effect"><span class="chip" aria-hidden="true" data-effect="{escape(e.name)}">{escape(e.glyph)}</span>'
                    f"<span>{escape(e.label)}</span></span></li>" for e in effects)
    if review:
        about = (f"<p>These pages hold the evidence of one scoping review: <cite>{escape(review.title)}</cite> "
                 f"({escape(review.authors)}, {review.year or 'n.d.'}). {escape(review.scope)}</p>")
    else:
        about = "<p>These pages hold the evidence of a scoping review.</p>"
    concepts = metrics.concepts()[:top]
    kind_labels = {kind.name: kind.label for kind in KINDS}
    concept_rows = "".join(
        f'<tr><td><a href="{escape(node_href(m.id))}">{escape(m.label)}</a></td><td>{escape(kind_labels[m.kind])}</td>'
        f'<td class="number">{m.degree}</td><td class="number">{m.betweenness:.4f}</td></tr>'
        for m in concepts
    )
    bridge_rows = "".join(
        f'<tr><td><a href="{escape(node_href(b.id))}">{escape(b.label)}</a></td><td class="number">{len(b.capital)}</td>'
        f'<td>{escape(", ".join(b.capital))}</td><td class="number">{b.betweenness:.4f}</td></tr>'
        for b in metrics.bridges
    ) or '<tr><td colspan="4">none</td></tr>'
    body = f"""<main id="main" class="page">
<section aria-labelledby="about-heading">
<h2 id="about-heading">What this is</h2>
{about}
<p>Every study, finding and number comes from the review's own text, and each finding says where the review states it.
The pages work offline and fetch nothing.</p>
</section>
<section aria-labelledby="views-heading">
<h2 id="views-heading">What you can look at</h2>
<ul class="cards">{cards}</ul>
</section>
<section aria-labelledby="effect-heading">
<h2 id="effect-heading">“Effect on recovery”</h2>
<p>A study finds that support goes with more or less of an outcome. Whether that is good news depends on the outcome:
more quality of life is better for recovery, more symptoms or isolation is worse. Every page shows each finding's effect
on recovery, read this way, with a colour and a symbol:</p>
<ul class="legend inline effect-key">{chips}</ul>
</section>
<section aria-labelledby="measures-heading">
<h2 id="measures-heading">For researchers: how the concepts connect</h2>
<p>The concepts linked to the most studies, findings and other concepts. <em>Links</em> counts a concept's direct
connections; <em>bridging</em> (betweenness centrality) is the share of shortest paths between two other nodes that pass
through it, so a high value marks a concept that joins otherwise separate parts of the evidence.</p>
<div class="table-scroll"><table class="metrics" id="central-concepts"><caption class="offscreen">Most connected concepts</caption>
<thead><tr><th scope="col">Concept</th><th scope="col">Kind</th><th scope="col">Links</th><th scope="col">Bridging</th></tr></thead>
<tbody>{concept_rows}</tbody></table></div>
<h3>Strategies said to build more than one kind of recovery capital</h3>
<div class="table-scroll"><table class="metrics" id="bridges"><caption class="offscreen">Strategies building several kinds of recovery capital</caption>
<thead><tr><th scope="col">Strategy</th><th scope="col">Kinds</th><th scope="col">Recovery capital</th><th scope="col">Bridging</th></tr></thead>
<tbody>{bridge_rows}</tbody></table></div>
<p class="hint">Focused views from the command line: <code>sskg view study KEY</code>, <code>sskg view concept NAME --depth K</code>,
<code>sskg view query NAME --param name=value</code>; all measures: <code>sskg stats</code>.</p>
</section>
</main>"""
    return page("Social support and recovery: the evidence", "A scoping review's studies and findings, to explore offline",
                body, "index", current="index.html")
