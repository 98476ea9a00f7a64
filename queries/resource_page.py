"""A resource's page for people: its label as the title, what it is, a short description, every value as a
link or text, what points to it, and links into the views. Every string is escaped (hazard H1).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from sskg.namespaces import BASE, OA, PRISM, SSKG

from .parameters import compact

DESCRIPTIONS = (SKOS.definition, DCTERMS.description, SSKG.aim, RDFS.comment)
LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
SHORT = 90  # characters of a linked resource's label shown in a list
LONG_TITLE = 100  # a title longer than this (a finding's statement) is set smaller
GRAPH_VIEW = "/views/overview.html"
GAP_MAP = "/views/gap-map.html"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · sskg</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/resource.css">
</head>
<body>
<header class="bar"><a class="brand" href="/">sskg</a><nav><a href="/">Query page</a>{views_nav}</nav></header>
<main>
<p class="kind">{kinds}</p>
<h1{long}>{title}</h1>
<p class="iri"><code>{iri}</code></p>
{description}
<p class="actions">{actions}</p>
<h2>About it</h2>
{outgoing}
<h2>Pointing here</h2>
<p class="note">Resources that link to this one, by the link they make (e.g. findings whose "from study" is this study).</p>
{incoming}
</main>
</body>
</html>
"""


@dataclass(frozen=True)
class ResourcePage:
    html: str
    triples: list[tuple[Node, Node, Node]]  # what the page shows, for other formats


def resource_page(graph: Graph, iri: URIRef, max_rows: int, views: bool) -> ResourcePage | None:
    """The page of an IRI the graph mentions (None if it has no triples about it); `views`: link the served views."""
    outgoing = list(islice(graph.triples((iri, None, None)), max_rows))
    incoming = list(islice(graph.triples((None, None, iri)), max_rows))
    if not outgoing and not incoming:
        return None
    names = _Names(graph)
    title = names.label(iri)
    kinds = sorted({names.label(kind) for _, p, kind in outgoing if p == RDF.type and isinstance(kind, URIRef)}, key=str.casefold)
    description = next((text for predicate in DESCRIPTIONS if (text := _text(graph, iri, predicate))), None)
    views_nav = f'<a href="{GRAPH_VIEW}">Graph view</a><a href="{GAP_MAP}">Gap map</a><a href="/views/">All views</a>' if views else ""
    actions = [f'<a href="/?{_query_link(iri)}">Query it</a>', f'<a href="{html.escape(_turtle_href(iri))}">Turtle</a>']
    if views:
        actions[:0] = [f'<a href="{GRAPH_VIEW}#node={quote(str(iri), safe="")}">Show in the graph view</a>',
                       f'<a href="{GAP_MAP}">Gap map</a>']
    page = _PAGE.format(
        title=html.escape(title),
        long=' class="long"' if len(title) > LONG_TITLE else "",
        iri=html.escape(str(iri)),
        kinds=html.escape(" · ".join(kinds) or "resource"),
        description=f'<p class="description">{html.escape(description)}</p>' if description else "",
        actions=" ".join(actions),
        views_nav=views_nav,
        outgoing=_grouped(((p, o) for _, p, o in outgoing if p != RDF.type), names),
        incoming=_grouped(((p, s) for s, p, _ in incoming), names),
    )
    return ResourcePage(page, outgoing + incoming)


class _Names:
    """Labels of the IRIs a page shows, looked up once each."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._labels: dict[Node, str] = {}

    def label(self, term: Node) -> str:
        if term not in self._labels:
            self._labels[term] = self._find(term)
        return self._labels[term]

    def _find(self, term: Node) -> str:
        for predicate in LABELS:
            if text := _text(self.graph, term, predicate):
                return text
        for selector in self.graph.objects(term, OA.hasSelector):  # a place in the review: its quote
            if quote_text := _text(self.graph, selector, OA.exact):
                return f"“{quote_text}”"
        return compact(term) if isinstance(term, URIRef) else str(term)


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    values = [value for value in graph.objects(subject, predicate) if isinstance(value, Literal)]  # type: ignore[arg-type]
    values.sort(key=lambda value: (value.language not in (None, "en"), str(value)))
    return str(values[0]) if values else None


def _grouped(pairs: Iterable[tuple[Node, Node]], names: _Names) -> str:
    by_predicate: dict[Node, list[Node]] = {}
    for predicate, value in pairs:
        by_predicate.setdefault(predicate, []).append(value)
    if not by_predicate:
        return '<p class="none">Nothing.</p>'
    rows = []
    for predicate in sorted(by_predicate, key=lambda p: (names.label(p), str(p))):
        values = sorted(set(by_predicate[predicate]), key=lambda value: (names.label(value).casefold(), str(value)))
        name, prefixed = names.label(predicate), compact(predicate)
        count = f'<span class="count">{len(values)}</span>' if len(values) > 1 else ""
        heading = html.escape(name) + count + ("" if name == prefixed else f" <code>{html.escape(prefixed)}</code>")
        cells = "".join(f"<li>{_value(value, names, predicate)}</li>" for value in values)
        rows.append(f'<tr><th scope="row">{heading}</th><td><ul>{cells}</ul></td></tr>')
    return '<table class="facts"><tbody>' + "".join(rows) + "</tbody></table>"


def _value(term: Node, names: _Names, predicate: Node) -> str:
    if isinstance(term, URIRef):
        label = names.label(term)
        shown = label if len(label) <= SHORT else label[:SHORT].rsplit(" ", 1)[0] + "…"
        href = browse_href(str(term))
        text = html.escape(shown)
        if href is None:
            return text
        id_note = "" if shown == compact(term) else f' <code class="id">{html.escape(compact(term))}</code>'
        external = "" if href.startswith("/") else ' rel="noopener noreferrer" class="external"'
        return f'<a href="{html.escape(href)}"{external}>{text}</a>{id_note}'
    if isinstance(term, BNode):
        return html.escape(f"_:{term}")
    assert isinstance(term, Literal)
    text = str(term)
    link = doi_link(text) if predicate == PRISM.doi else _literal_link(term)
    shown = f'<a href="{html.escape(link)}" rel="noopener noreferrer" class="external">{html.escape(text)}</a>' if link else html.escape(text)
    # Plain XML Schema types (numbers, dates, true/false) and English need no note; other languages and types do.
    language = term.language if term.language not in (None, "en") else ""
    note = language or (compact(term.datatype) if term.datatype and not str(term.datatype).startswith(str(XSD)) else "")
    return shown + (f' <span class="note">{html.escape(note)}</span>' if note else "")


def _literal_link(term: Literal) -> str | None:
    """A web address written as a literal (xsd:anyURI or plain) becomes a link: http and https only."""
    text = str(term).strip()
    return text if text.startswith(("http://", "https://")) and " " not in text else None


def doi_link(doi: str) -> str:
    return "https://doi.org/" + quote(doi.strip(), safe="/()._-;:")


def browse_href(iri: str) -> str | None:
    """sskg IRIs browse on this server; other web IRIs link out; anything else (javascript:, file:) is no link."""
    if iri.startswith(BASE):
        rest = iri[len(BASE):]
        return f"/resource?iri={quote(iri, safe='')}" if set(rest) & set("?#") else f"/id/{rest}"
    return iri if iri.startswith(("http://", "https://")) else None


def _turtle_href(iri: URIRef) -> str:
    return f"/resource?iri={quote(str(iri), safe='')}&format=turtle"


def _query_link(iri: URIRef) -> str:
    """The query page opened on a query of this resource's statements (the IRI is well formed: it was browsed)."""
    text = f"SELECT ?property ?value WHERE {{\n  <{iri}> ?property ?value .\n}}\nORDER BY ?property ?value\n"
    return "query=" + quote(text, safe="")

