"""The graph for network tools (Gephi, Cytoscape, Neo4j): GraphML and GEXF of a networkx graph.

Every IRI or blank node is a node (blank nodes become stable skolem IRIs under
https://w3id.org/sskg/.well-known/genid/, from their canonical labels); every triple with a
resource object is an edge keyed by its predicate; every literal is kept as a node attribute named
by its predicate (several values joined by a line break). Nodes carry `label` (readable) and `kind`
(their classes); edges carry `predicate`, `kind` (prefixed predicate) and `label` (its label).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from functools import cache

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from sskg.namespaces import BASE
from sskg.rdf_io import term_key

from .iris import EXPORT_PREFIXES, compacting

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


def to_networkx(triples: Iterable[tuple[Node, Node, Node]]) -> nx.MultiDiGraph:
    """A directed multigraph of a graph's triples (blank nodes should already carry canonical labels).

    One pass gathers every node's literals, classes and labels: a look-up per node and edge, and compacting
    the same IRIs again and again (hence the memo), took 40 s at 100× the review.
    """
    compact = compacting(EXPORT_PREFIXES)
    literals: dict[Node, dict[str, list[str]]] = {}
    kinds: dict[Node, list[str]] = {}
    label_values: dict[Node, dict[Node, list[Node]]] = {}
    edges = []
    resources: set[Node] = set()
    for subject, predicate, obj in triples:
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


# -- writers ---------------------------------------------------------------------------------------------
# Written line by line in the layout of networkx's own writers, which build an element tree first and are
# 6× slower (17 s for GraphML at 100× the review). Every value is a string (see `to_networkx`).

GRAPHML_ROOT = ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')
GEXF_ROOT = ('<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">')


def graphml(network: nx.MultiDiGraph) -> str:
    return "".join(graphml_lines(network))


def graphml_lines(network: nx.MultiDiGraph) -> Iterator[str]:
    """The GraphML document line by line (each with its newline), so a large one is written as it is made."""
    keys: dict[tuple[str, str], str] = {}  # (scope, attribute) → key id, numbered in order of first use
    for scope, items in (("node", network.nodes(data=True)), ("edge", network.edges(data=True))):
        for *_, attributes in items:
            for name in attributes:
                keys.setdefault((scope, name), f"d{len(keys)}")

    def data(scope: str, attributes: dict[str, str]) -> list[str]:
        return [f'      <data key="{keys[scope, name]}">{_text(value)}</data>' if value else f'      <data key="{keys[scope, name]}" />'
                for name, value in attributes.items()]

    yield GRAPHML_ROOT + "\n"
    for (scope, name), key in reversed(keys.items()):  # networkx lists the last key first
        yield f'  <key id="{key}" for="{scope}" attr.name="{_attribute(name)}" attr.type="string" />\n'
    body = itertools.chain(
        (_element(f'node id="{_attribute(node)}"', data("node", attributes), 2) for node, attributes in network.nodes(data=True)),
        (_element(f'edge source="{_attribute(source)}" target="{_attribute(target)}" id="{_attribute(key)}"', data("edge", attributes), 2)
         for source, target, key, attributes in network.edges(keys=True, data=True)))
    yield from _streamed_element('graph edgedefault="directed"', body, 1, empty=not network)
    yield "</graphml>\n"


def gexf(network: nx.MultiDiGraph) -> str:
    return "".join(gexf_lines(network))


def gexf_lines(network: nx.MultiDiGraph) -> Iterator[str]:
    """The GEXF document line by line (each with its newline), so a large one is written as it is made."""

    def node_attributes(attributes: dict[str, str]) -> dict[str, str]:
        return {name: value for name, value in attributes.items() if name != "label"}

    def edge_attributes(key: str, attributes: dict[str, str]) -> dict[str, str]:
        # the multigraph key, under the name networkx reads it back from
        return {**{name: value for name, value in attributes.items() if name != "label"}, "networkx_key": key}

    ids: dict[tuple[str, str], str] = {}  # (class, attribute) → id, one count over nodes, then edges
    for _, attributes in network.nodes(data=True):
        for title in node_attributes(attributes):
            ids.setdefault(("node", title), str(len(ids)))
    for _, _, key, attributes in network.edges(keys=True, data=True):
        for title in edge_attributes(key, attributes):
            ids.setdefault(("edge", title), str(len(ids)))

    def attvalues(kind: str, attributes: dict[str, str]) -> list[str]:
        lines = [f'          <attvalue for="{ids[kind, title]}" value="{_attribute(value)}" />' for title, value in attributes.items()]
        return _element("attvalues", lines, 4) if lines else []

    def node_element(node: str, attributes: dict[str, str]) -> list[str]:
        label = attributes.get("label", node)
        return _element(f'node id="{_attribute(node)}" label="{_attribute(label)}"', attvalues("node", node_attributes(attributes)), 3)

    def edge_element(number: int, source: str, target: str, key: str, attributes: dict[str, str]) -> list[str]:
        tag = f'edge source="{_attribute(source)}" target="{_attribute(target)}" id="{number}"'
        tag += f' label="{_attribute(attributes["label"])}"' if "label" in attributes else ""
        return _element(tag, attvalues("edge", edge_attributes(key, attributes)), 3)

    yield from (line + "\n" for line in ['<?xml version="1.0" encoding="utf-8"?>', GEXF_ROOT, "  <meta>", "    <creator>sskg</creator>",
                                          "  </meta>", '  <graph defaultedgetype="directed" mode="static" name="">'])
    for kind in ("edge", "node"):  # networkx puts each new class first: edges', declared last, come first
        declared = [f'      <attribute id="{number}" title="{_attribute(title)}" type="string" />'
                    for (owner, title), number in ids.items() if owner == kind]
        yield from (line + "\n" for line in (_element(f'attributes mode="static" class="{kind}"', declared, 2) if declared else []))
    yield from _streamed_element("nodes", (node_element(node, attributes) for node, attributes in network.nodes(data=True)),
                                 2, empty=not network.number_of_nodes())
    yield from _streamed_element("edges", (edge_element(number, *edge) for number, edge in enumerate(network.edges(keys=True, data=True))),
                                 2, empty=not network.number_of_edges())
    yield "  </graph>\n</gexf>\n"


def _streamed_element(tag: str, children: Iterable[list[str]], depth: int, empty: bool) -> Iterator[str]:
    """`_element` for children made one group of lines at a time, each line with its newline."""
    if empty:
        yield from (line + "\n" for line in _element(tag, [], depth))
        return
    opening, closing = _tags(tag, depth)
    yield opening + "\n"
    for lines in children:
        yield from (line + "\n" for line in lines)
    yield closing + "\n"


def _element(tag: str, children: list[str], depth: int) -> list[str]:
    """An element's lines around its (already indented) children, or one empty-element line."""
    if not children:
        return [f"{'  ' * depth}<{tag} />"]
    opening, closing = _tags(tag, depth)
    return [opening, *children, closing]


def _tags(tag: str, depth: int) -> tuple[str, str]:
    pad = "  " * depth
    return f"{pad}<{tag}>", f"{pad}</{tag.split(' ', 1)[0]}>"


def _text(value: str) -> str:
    """Element text: markup escaped; a carriage return as a reference, as a parser reads a bare one as a line break."""
    return _ascii(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;"))


def _attribute(value: str) -> str:
    """An attribute value: markup, quotes and the whitespace a parser would normalise, escaped."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _ascii(escaped.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;"))


def _ascii(text: str) -> str:
    """Non-ASCII characters as character references, as networkx writes them."""
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")
