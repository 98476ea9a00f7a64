"""A human-readable reference of the ontology: classes, properties and concepts on one offline page.

Every string from the graph is escaped; the page loads nothing (inline CSS, no scripts, and a
Content-Security-Policy that forbids requests).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from sskg.layers import Layers
from sskg.namespaces import CONCEPT, ONTOLOGY_IRI, SSKG_NS

from .labels import readable, structure_words

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
section.term { border-top: 1px solid #ddd; padding: .5rem 0; }
code { font-size: 90%; color: #555; word-break: break-all; }
dt { font-weight: 600; } dd { margin: 0 0 .4rem 1.5rem; }
nav li { display: inline; margin-right: 1rem; }
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_KINDS = (
    ("classes", "Classes", OWL.Class),
    ("object-properties", "Object properties", OWL.ObjectProperty),
    ("datatype-properties", "Datatype properties", OWL.DatatypeProperty),
    ("annotation-properties", "Annotation properties", OWL.AnnotationProperty),
)
_FACTS = (
    ("Subclass of", RDFS.subClassOf), ("Equivalent to", OWL.equivalentClass), ("Disjoint with", OWL.disjointWith),
    ("Sub-property of", RDFS.subPropertyOf), ("Inverse of", OWL.inverseOf), ("Domain", RDFS.domain), ("Range", RDFS.range),
    ("In scheme", SKOS.inScheme), ("Broader", SKOS.broader), ("Also called", SKOS.altLabel), ("Notation", SKOS.notation),
    ("Scope note", SKOS.scopeNote), ("Comment", RDFS.comment), ("Exact match", SKOS.exactMatch),
    ("Close match", SKOS.closeMatch), ("Related match", SKOS.relatedMatch), ("Source", DCTERMS.source),
    ("See also", RDFS.seeAlso),
)


def reference_page(layers: Layers) -> str:
    ontology = layers.ontology
    page = _Page(layers.whole(), set())
    own = [iri for iri in set(ontology.subjects()) if isinstance(iri, URIRef)]
    groups = [(anchor, heading, page.sorted(i for i in own if i.startswith(SSKG_NS) and (i, RDF.type, kind) in ontology))
              for anchor, heading, kind in _KINDS]
    groups.append(("concepts", "Concepts", page.sorted(i for i in own if i.startswith(CONCEPT))))
    groups = [group for group in groups if group[2]]
    page.listed.update(term for _, _, terms in groups for term in terms)
    head = URIRef(ONTOLOGY_IRI)
    title = readable(ontology, head) if (head, None, None) in ontology else "sskg ontology"
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{escape(title)} — reference</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
        f"<h1>{escape(title)}</h1>",
        *(f"<p>{escape(str(text))}</p>" for text in sorted(ontology.objects(head, DCTERMS.description))),
        *page.facts(head, (("IRI", None), ("Version", OWL.versionInfo), ("Version IRI", OWL.versionIRI),
                           ("Licence", DCTERMS.license), ("Creator", DCTERMS.creator))),
        "<nav><ul>" + "".join(f'<li><a href="#{a}">{escape(h)} ({len(terms)})</a></li>' for a, h, terms in groups) + "</ul></nav>",
    ]
    for anchor, heading, terms in groups:
        parts.append(f'<h2 id="{anchor}">{escape(heading)}</h2>')
        parts += [page.entry(term) for term in terms]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def anchor(iri: str) -> str:
    if iri.startswith(str(SSKG_NS)):
        return "term-" + iri[len(SSKG_NS):]
    return "concept-" + iri[len(CONCEPT):]


@dataclass
class _Page:
    graph: Graph
    listed: set[URIRef]  # terms with an entry on the page, so links to them resolve

    def sorted(self, terms: Iterable[URIRef]) -> list[URIRef]:
        return sorted(terms, key=lambda term: (readable(self.graph, term).casefold(), str(term)))

    def entry(self, term: URIRef) -> str:
        lines = [f'<section class="term" id="{escape(anchor(term))}">', f"<h3>{escape(readable(self.graph, term))}</h3>"]
        lines += [f"<p>{escape(text)}</p>" for text in sorted(str(value) for value in self.graph.objects(term, SKOS.definition))]
        lines += self.facts(term, (("IRI", None), *_FACTS))
        lines.append("</section>")
        return "\n".join(lines)

    def facts(self, node: URIRef, facts: tuple[tuple[str, URIRef | None], ...]) -> list[str]:
        rows = []
        for name, predicate in facts:
            if predicate is None:
                shown = [f"<code>{escape(str(node))}</code>"]
            else:
                shown = sorted(self.show(value, depth=0) for value in self.graph.objects(node, predicate))
            if shown:
                rows.append(f"<dt>{escape(name)}</dt>" + "".join(f"<dd>{value}</dd>" for value in shown))
        return ["<dl>", *rows, "</dl>"] if rows else []

    def show(self, node: Node, depth: int) -> str:
        """HTML for a value: a link to a term on the page or an http(s) IRI, or a class expression in words."""
        if isinstance(node, Literal):
            return escape(str(node))
        if isinstance(node, BNode):
            return self.expression(node, depth)
        label = escape(readable(self.graph, node))
        if node in self.listed:
            return f'<a href="#{escape(anchor(node))}">{label}</a>'
        if str(node).startswith(("https://", "http://")):
            return f'<a href="{escape(str(node))}">{label}</a>'
        return label

    def expression(self, node: BNode, depth: int) -> str:
        words = structure_words(node, lambda subject, predicate: list(self.graph.objects(subject, predicate)), self.show, depth)
        return words or "(class expression: see ontology.ttl)"
