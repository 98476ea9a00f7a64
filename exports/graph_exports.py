"""The graph for network tools (Gephi, Cytoscape, Neo4j): GraphML and GEXF through networkx.

Every IRI or blank node is a node (blank nodes become stable skolem IRIs under
https://w3id.org/sskg/.well-known/genid/, from their canonical labels); every triple with a
resource object is an edge keyed by its predicate; every literal is kept as a node attribute named
by its predicate (several values joined by a line break). Nodes carry `label` (readable) and `kind`
(their classes); edges carry `predicate`, `kind` (prefixed predicate) and `label` (its label).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from sskg.namespaces import BASE

from .rdf_exports import EXPORT_PREFIXES, compact_iri, term_key

SKOLEM = BASE + ".well-known/genid/"
_LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)


def node_id(node: Node) -> str:
    return SKOLEM + str(node) if isinstance(node, BNode) else str(node)


def readable(graph: Graph, node: Node) -> str:
    """An English (or untagged) label, a preferred label or title, else the prefixed name."""
    for predicate in _LABELS:
        values = sorted(graph.objects(node, predicate), key=lambda value: (getattr(value, "language", None) not in ("en", None), str(value)))
        if values:
            return str(values[0])
    return compact_iri(node_id(node), EXPORT_PREFIXES)


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """A directed multigraph of `graph` (blank nodes should already carry canonical labels)."""
    network = nx.MultiDiGraph()
    literals: dict[Node, dict[str, list[str]]] = {}
    edges = []
    resources: set[Node] = set()
    for subject, predicate, obj in graph:
        resources.add(subject)
        if isinstance(obj, Literal):
            literals.setdefault(subject, {}).setdefault(compact_iri(predicate, EXPORT_PREFIXES), []).append(str(obj))
        else:
            resources.add(obj)
            edges.append((subject, predicate, obj))
    for node in sorted(resources, key=lambda n: n.n3()):
        kinds = sorted(compact_iri(kind, EXPORT_PREFIXES) for kind in graph.objects(node, RDF.type) if isinstance(kind, URIRef))
        attributes = {name: "\n".join(sorted(values)) for name, values in sorted(literals.get(node, {}).items())}
        network.add_node(node_id(node), iri=node_id(node), label=readable(graph, node), kind=" ".join(kinds) or "resource",
                         **attributes)
    for subject, predicate, obj in sorted(edges, key=term_key):
        kind = compact_iri(predicate, EXPORT_PREFIXES)
        network.add_edge(node_id(subject), node_id(obj), key=kind, predicate=str(predicate), kind=kind,
                         label=readable(graph, predicate))
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
