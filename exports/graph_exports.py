"""The graph for network tools (Gephi, Cytoscape, Neo4j): GraphML and GEXF through networkx.

Every IRI or blank node is a node (blank nodes become stable skolem IRIs under
https://w3id.org/sskg/.well-known/genid/, from their canonical labels); every triple with a
resource object is an edge keyed by its predicate; every literal is kept as a node attribute named
by its predicate (several values joined by a line break). Nodes carry `label` (readable) and `kind`
(their classes); edges carry `predicate`, `kind` (prefixed predicate) and `label` (its label).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from xml.etree.ElementTree import Element

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from sskg.namespaces import BASE

from .rdf_exports import EXPORT_PREFIXES, compacting, term_key

SKOLEM = BASE + ".well-known/genid/"
_LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


def node_id(node: Node) -> str:
    return SKOLEM + str(node) if isinstance(node, BNode) else str(node)


def readable(graph: Graph, node: Node) -> str:
    """An English (or untagged) label, a preferred label or title, else the prefixed name."""
    return _readable(node, {predicate: list(graph.objects(node, predicate)) for predicate in _LABELS},
                     compacting(EXPORT_PREFIXES))


def _readable(node: Node, values_by_predicate: dict[Node, list[Node]], compact: Callable[[str], str]) -> str:
    for predicate in _LABELS:
        values = sorted(values_by_predicate.get(predicate, ()),
                        key=lambda value: (getattr(value, "language", None) not in ("en", None), str(value)))
        if values:
            return str(values[0])
    return compact(node_id(node))


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """A directed multigraph of `graph` (blank nodes should already carry canonical labels).

    One pass gathers every node's literals, classes and labels: a look-up per node and edge costs
    minutes at 100× the review, and so does compacting the same IRIs again (hence the memo).
    """
    compact = compacting(EXPORT_PREFIXES)
    literals: dict[Node, dict[str, list[str]]] = {}
    kinds: dict[Node, list[str]] = {}
    label_values: dict[Node, dict[Node, list[Node]]] = {}
    edges = []
    resources: set[Node] = set()
    for subject, predicate, obj in graph:
        resources.add(subject)
        if predicate in _LABELS:
            label_values.setdefault(subject, {}).setdefault(predicate, []).append(obj)
        if isinstance(obj, Literal):
            literals.setdefault(subject, {}).setdefault(compact(str(predicate)), []).append(str(obj))
            continue
        resources.add(obj)
        edges.append((subject, predicate, obj))
        if predicate == RDF.type and isinstance(obj, URIRef):
            kinds.setdefault(subject, []).append(compact(str(obj)))

    @cache
    def label(node: Node) -> str:
        return _readable(node, label_values.get(node, {}), compact)

    network = nx.MultiDiGraph()
    for node in sorted(resources, key=lambda n: n.n3()):
        attributes = {name: "\n".join(sorted(values)) for name, values in sorted(literals.get(node, {}).items())}
        network.add_node(node_id(node), iri=node_id(node), label=label(node), kind=" ".join(sorted(kinds.get(node, ()))) or "resource",
                         **attributes)
    for subject, predicate, obj in sorted(edges, key=term_key):
        kind = compact(str(predicate))
        network.add_edge(node_id(subject), node_id(obj), key=kind, predicate=str(predicate), kind=kind, label=label(predicate))
    return network


def graphml(network: nx.MultiDiGraph) -> str:
    return "\n".join(nx.generate_graphml(network)) + "\n"


def gexf(network: nx.MultiDiGraph) -> str:
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    meta = writer.xml.find("meta")
    assert isinstance(meta, Element)
    meta.attrib.pop("lastmodifieddate", None)  # today's date would change the bytes every day
    writer.add_graph(network)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + str(writer)
