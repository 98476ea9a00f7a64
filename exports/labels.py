"""Names for people: a node's label, and OWL's anonymous structures (restrictions, class expressions, lists) in words.

Shared by the ontology reference page (which renders the words as HTML) and the network exports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rdflib import BNode, Graph, Literal
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from .iris import EXPORT_PREFIXES, compacting

LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
Objects = Callable[[Node, Node], Sequence[Node]]  # (subject, predicate) → objects
Show = Callable[[Node, int], str]  # a node at a nesting depth → its words

_BOOLEAN = ((OWL.intersectionOf, " and "), (OWL.unionOf, " or "))
_RESTRICTIONS = ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value"),
                 (OWL.minCardinality, "min"), (OWL.maxCardinality, "max"), (OWL.cardinality, "exactly"),
                 (OWL.minQualifiedCardinality, "min"), (OWL.maxQualifiedCardinality, "max"),
                 (OWL.qualifiedCardinality, "exactly"))
_GROUPS = ((OWL.AllDisjointClasses, "disjoint classes"), (OWL.AllDisjointProperties, "disjoint properties"),
           (OWL.AllDifferent, "all different"))
_MAX_DEPTH = 4
_MAX_ITEMS = 50


def readable(graph: Graph, node: Node) -> str:
    """An English (or untagged) label, a preferred label or title, else the prefixed name."""
    return own_label({predicate: list(graph.objects(node, predicate)) for predicate in LABELS}) or compacting(EXPORT_PREFIXES)(str(node))


def own_label(values_by_predicate: Mapping[Node, Sequence[Node]]) -> str | None:
    """The first of rdfs:label, skos:prefLabel and dcterms:title a node has (English or untagged first), or None."""
    for predicate in LABELS:
        values = sorted(values_by_predicate.get(predicate, ()),
                        key=lambda value: (getattr(value, "language", None) not in ("en", None), str(value)))
        if values:
            return str(values[0])
    return None


def structure_words(node: Node, objects: Objects, show: Show, depth: int = 0) -> str | None:
    """A blank node's OWL structure in words (`hasOutcome some Recovery`, `(A or B)`, a list), or None if it has none.

    `show` renders the parts (named terms, literals, nested blank nodes) at the next depth.
    """
    if depth > _MAX_DEPTH:
        return "…"
    for predicate, word in _BOOLEAN:
        for members in objects(node, predicate):
            return "(" + word.join(show(member, depth + 1) for member in _items(members, objects)) + ")"
    for complement in objects(node, OWL.complementOf):
        return f"not {show(complement, depth + 1)}"
    for members in objects(node, OWL.oneOf):
        return "{" + ", ".join(show(member, depth + 1) for member in _items(members, objects)) + "}"
    for prop in objects(node, OWL.onProperty):
        for predicate, word in _RESTRICTIONS:
            for filler in objects(node, predicate):
                text = f"{show(prop, depth + 1)} {word} {show(filler, depth + 1)}"
                for qualifier in (*objects(node, OWL.onClass), *objects(node, OWL.onDataRange)):
                    text += f" {show(qualifier, depth + 1)}"
                return text
    kinds = objects(node, RDF.type)
    for kind, words in _GROUPS:
        if kind in kinds:
            for members in (*objects(node, OWL.members), *objects(node, OWL.distinctMembers)):
                return f"{words}: " + ", ".join(show(member, depth + 1) for member in _items(members, objects))
    if objects(node, RDF.first):
        return "list (" + ", ".join(show(item, depth + 1) for item in _items(node, objects)) + ")"
    return None


def _items(head: Node, objects: Objects) -> list[Node]:
    """The members of an RDF list (at most `_MAX_ITEMS`; a cycle ends it)."""
    items, seen = [], set()
    while head != RDF.nil and head not in seen and len(items) < _MAX_ITEMS:
        seen.add(head)
        first, rest = objects(head, RDF.first), objects(head, RDF.rest)
        if not first or not rest:
            break
        items.append(first[0])
        head = rest[0]
    return items


def plain_words(label: Callable[[Node], str], objects: Objects) -> Show:
    """`show` for plain text: named terms by `label`, literals by their text, blank nodes by their structure."""
    def show(node: Node, depth: int) -> str:
        if isinstance(node, Literal):
            return str(node)
        if isinstance(node, BNode):
            return structure_words(node, objects, show, depth) or label(node)
        return label(node)

    return show
