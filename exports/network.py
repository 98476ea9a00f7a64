"""What the network exports (GraphML, GEXF) hold: the graph's nodes and edges, with typed attributes.

Every IRI or blank node is a node (a blank node is named by a stable skolem IRI under
https://w3id.org/sskg/.well-known/genid/, from its canonical label). A node's id is opaque (`n` and 16 hex
digits of a hash of its IRI: the same IRI has the same id in every build) and its IRI is its `iri` attribute;
it carries `label` (its rdfs:label, skos:prefLabel or dcterms:title, English first; an OWL restriction, class
expression or list in words; else its prefixed name) and `kind` (its classes, prefixed, space-separated).
Every literal is an attribute named by its prefixed predicate; several values on one node are joined by a
line break in sorted order. An attribute whose every value is an integer, a decimal or a boolean is typed
so (`long`, `double`, `boolean`); any other is a string. Every triple with a resource object is an edge
with a unique id, carrying `predicate` (the IRI), `kind` (prefixed) and `label` (the predicate's label).

`gather` reads the triples once (any iterable of them); `build` decides what each node and edge holds; the
writers in graph_exports.py only lay it out.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from sskg.namespaces import BASE
from sskg.rdf_io import term_sorted

from .iris import EXPORT_PREFIXES, compacting
from .labels import LABELS, own_label, plain_words

SKOLEM = BASE + ".well-known/genid/"
NODE_ATTRIBUTES = ("iri", "label", "kind")
EDGE_ATTRIBUTES = ("predicate", "kind", "label")
Triple = tuple[Node, Node, Node]

_INTEGER_TYPES = {XSD[name] for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                          "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
                                          "unsignedShort", "unsignedByte")}
_DECIMAL_TYPES = {XSD.decimal, XSD.double, XSD.float}
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}
_LONG = 2**63
# XML's NameChar, which GraphML's attribute names (xs:NMTOKEN) are made of
_NAME_CHARS = re.compile("[^-.0-9:A-Z_a-z\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff\u200c\u200d\u203f\u2040"
                         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff]")


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str  # "string", "long", "double" or "boolean" (the names GraphML and GEXF share)


@dataclass(frozen=True)
class Network:
    """Nodes (id, attributes) and edges (source id, target id, attributes), in order; attributes declared first."""

    node_attributes: tuple[Attribute, ...]
    edge_attributes: tuple[Attribute, ...]
    nodes: Sequence[tuple[str, dict[str, str]]]
    edges: Sequence[tuple[str, str, dict[str, str]]]


def node_iri(node: Node) -> str:
    return SKOLEM + str(node) if isinstance(node, BNode) else str(node)


def node_ids(iris: Iterable[str]) -> dict[str, str]:
    """An opaque, stable id per IRI; the few that would share a short id get a long one."""
    short = {iri: "n" + hashlib.blake2b(iri.encode("utf-8"), digest_size=8).hexdigest() for iri in iris}
    shared = {ident for ident, count in Counter(short.values()).items() if count > 1}
    return {iri: ident if ident not in shared else "n" + hashlib.blake2b(iri.encode("utf-8"), digest_size=32).hexdigest()
            for iri, ident in short.items()}


def literal_type(literal: Literal) -> str:
    """The attribute type a literal's value can take."""
    text = str(literal)
    if literal.datatype in _INTEGER_TYPES and _INTEGER.match(text) and -_LONG <= int(text) < _LONG:
        return "long"
    if literal.datatype in _DECIMAL_TYPES and _DECIMAL.match(text):
        return "double"
    if literal.datatype == XSD.boolean and text in _BOOLEANS:
        return "boolean"
    return "string"


def value_text(literal: Literal, kind: str) -> str:
    """A value as the attribute's type writes it: integers and booleans canonical, decimals as written."""
    if kind == "long":
        return str(int(str(literal)))
    if kind == "boolean":
        return _BOOLEANS[str(literal)]
    return str(literal)


def joined_type(types: Iterable[str]) -> str:
    """One type for every value of an attribute: integers among decimals are decimals; any other mix is text."""
    found = set(types)
    if found == {"long", "double"}:
        return "double"
    return found.pop() if len(found) == 1 else "string"


def attribute_names(predicates: Iterable[str], compact: Callable[[str], str]) -> dict[str, str]:
    """Each literal predicate's attribute name: its prefixed name, made an XML name token, never shared."""
    names: dict[str, str] = {}
    taken = set(NODE_ATTRIBUTES)
    for predicate in sorted(predicates):
        base = _NAME_CHARS.sub("_", compact(predicate))
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name)
        names[predicate] = name
    return names


@dataclass
class Facts:
    """What the network is made of, gathered from the triples: each node's literals, classes and labels,
    blank nodes' own triples (to put them in words), and the triples between resources."""

    resources: set[Node] = field(default_factory=set)
    literals: dict[Node, dict[str, list[Literal]]] = field(default_factory=dict)
    kinds: dict[Node, list[str]] = field(default_factory=dict)
    label_values: dict[Node, dict[Node, list[Node]]] = field(default_factory=dict)
    structure: dict[Node, dict[Node, list[Node]]] = field(default_factory=dict)
    edges: list[Triple] = field(default_factory=list)


def network(triples: Iterable[Triple]) -> Network:
    """The network of a graph's triples (blank nodes should already carry canonical labels), read in one pass."""
    return build(gather(triples))


def gather(triples: Iterable[Triple]) -> Facts:
    """One pass over the triples: a look-up per node and edge took 40 s at 100× the review."""
    facts = Facts()
    compact = compacting(EXPORT_PREFIXES)
    label_predicates, rdf_type = set(LABELS), RDF.type  # an rdflib namespace's attribute costs a look-up each time
    for subject, predicate, obj in triples:
        facts.resources.add(subject)
        if predicate in label_predicates:
            facts.label_values.setdefault(subject, {}).setdefault(predicate, []).append(obj)
        if isinstance(subject, BNode):
            facts.structure.setdefault(subject, {}).setdefault(predicate, []).append(obj)
        if isinstance(obj, Literal):
            facts.literals.setdefault(subject, {}).setdefault(str(predicate), []).append(obj)
            continue
        facts.resources.add(obj)
        facts.edges.append((subject, predicate, obj))
        if predicate == rdf_type and isinstance(obj, URIRef):
            facts.kinds.setdefault(subject, []).append(compact(str(obj)))
    return facts


def build(facts: Facts) -> Network:
    """Nodes, edges and their attributes from the gathered facts (compacting memoised: the same IRIs recur)."""
    compact = compacting(EXPORT_PREFIXES)

    def objects(subject: Node, predicate: Node) -> list[Node]:
        return facts.structure.get(subject, {}).get(predicate, [])

    @cache
    def named(node: Node) -> str:
        return own_label(facts.label_values.get(node, {})) or compact(node_iri(node))

    words = plain_words(named, objects)

    @cache
    def label(node: Node) -> str:
        return words(node, 0)

    names = attribute_names({predicate for values in facts.literals.values() for predicate in values}, compact)
    types: dict[str, set[str]] = {}
    for values in facts.literals.values():
        for predicate, found in values.items():
            types.setdefault(predicate, set()).update(
                (literal_type(literal) for literal in found) if len(found) == 1 else ["string"])  # joined: text
    typed = {predicate: joined_type(found) for predicate, found in types.items()}

    ordered = sorted(facts.resources, key=lambda n: n.n3())
    iris = {node: node_iri(node) for node in ordered}
    ids = node_ids(iris.values())
    node_id = {node: ids[iri] for node, iri in iris.items()}
    nodes = []
    for node in ordered:
        iri = iris[node]
        attributes = {"iri": iri, "label": label(node), "kind": " ".join(sorted(facts.kinds.get(node, ()))) or "resource"}
        for predicate, found in sorted(facts.literals.get(node, {}).items(), key=lambda item: names[item[0]]):
            attributes[names[predicate]] = "\n".join(sorted(value_text(literal, typed[predicate]) for literal in found))
        nodes.append((node_id[node], attributes))

    @cache
    def edge_attributes(predicate: Node) -> dict[str, str]:  # one dict per predicate, shared by its edges
        return {"predicate": str(predicate), "kind": compact(str(predicate)), "label": label(predicate)}

    edges = [(node_id[subject], node_id[obj], edge_attributes(predicate))
             for subject, predicate, obj in term_sorted(facts.edges)]
    declared = sorted((names[predicate], kind) for predicate, kind in typed.items())
    return Network(
        node_attributes=(*(Attribute(name, "string") for name in NODE_ATTRIBUTES), *(Attribute(*item) for item in declared)),
        edge_attributes=tuple(Attribute(name, "string") for name in EDGE_ATTRIBUTES),
        nodes=nodes, edges=edges)
