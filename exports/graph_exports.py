"""The graph for network tools (Gephi, Cytoscape, Neo4j, igraph, graphology): GraphML and GEXF 1.3.

What the nodes and edges hold is decided in network.py; these writers lay it out line by line, each line
made as it is written (at 1000× the review the files are gigabytes), valid against GraphML's and GEXF 1.3's
schemas: opaque node ids, unique edge ids, typed attributes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from .network import Attribute, Network

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
GRAPHML_ROOT = ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')
GEXF_ROOT = ('<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">')
CREATOR = "sskg (https://w3id.org/sskg)"


def graphml(network: Network) -> str:
    return "".join(graphml_lines(network))


def graphml_lines(network: Network) -> Iterator[str]:
    """The GraphML document line by line (each with its newline), so a large one is written as it is made."""
    keys = {("node", attribute.name): f"d{number}" for number, attribute in enumerate(network.node_attributes)}
    keys.update({("edge", attribute.name): f"d{len(keys) + number}" for number, attribute in enumerate(network.edge_attributes)})

    def declarations(scope: str, attributes: Iterable[Attribute]) -> Iterator[str]:
        for attribute in attributes:
            yield (f'  <key id="{keys[scope, attribute.name]}" for="{scope}" attr.name="{_attribute(attribute.name)}" '
                   f'attr.type="{attribute.type}" />\n')

    def data(scope: str, attributes: dict[str, str]) -> list[str]:
        return [f'      <data key="{keys[scope, name]}">{_text(value)}</data>' for name, value in attributes.items()]

    yield XML_DECLARATION + "\n"
    yield GRAPHML_ROOT + "\n"
    yield from declarations("node", network.node_attributes)
    yield from declarations("edge", network.edge_attributes)
    lines = itertools.chain(
        (_element(f'node id="{node}"', data("node", attributes), 2) for node, attributes in network.nodes),
        (_element(f'edge id="e{number}" source="{source}" target="{target}"', data("edge", attributes), 2)
         for number, (source, target, attributes) in enumerate(network.edges)))
    yield from _streamed_element('graph id="G" edgedefault="directed"', lines, 1, empty=not network.nodes)
    yield "</graphml>\n"


def gexf(network: Network) -> str:
    return "".join(gexf_lines(network))


def gexf_lines(network: Network) -> Iterator[str]:
    """The GEXF 1.3 document line by line (each with its newline), so a large one is written as it is made.

    A node's label is its `label` XML attribute; an edge's kind (its prefixed predicate) is its `kind`, so
    tools that merge parallel edges keep those of different predicates apart.
    """
    node_ids = {attribute.name: str(number) for number, attribute in enumerate(network.node_attributes) if attribute.name != "label"}
    edge_ids = {attribute.name: str(number) for number, attribute in enumerate(network.edge_attributes, start=len(node_ids) + 1)
                if attribute.name != "label"}

    def declarations(scope: str, attributes: Iterable[Attribute], ids: dict[str, str]) -> list[str]:
        declared = [f'      <attribute id="{ids[attribute.name]}" title="{_attribute(attribute.name)}" type="{attribute.type}" />'
                    for attribute in attributes if attribute.name in ids]
        return _element(f'attributes class="{scope}" mode="static"', declared, 2)

    def attvalues(ids: dict[str, str], attributes: dict[str, str]) -> list[str]:
        lines = [f'          <attvalue for="{ids[name]}" value="{_attribute(value)}" />' for name, value in attributes.items() if name in ids]
        return _element("attvalues", lines, 4) if lines else []

    def node_element(node: str, attributes: dict[str, str]) -> list[str]:
        return _element(f'node id="{node}" label="{_attribute(attributes["label"])}"', attvalues(node_ids, attributes), 3)

    def edge_element(number: int, source: str, target: str, attributes: dict[str, str]) -> list[str]:
        tag = (f'edge id="{number}" source="{source}" target="{target}" kind="{_attribute(attributes["kind"])}" '
               f'label="{_attribute(attributes["label"])}"')
        return _element(tag, attvalues(edge_ids, attributes), 3)

    yield from (line + "\n" for line in [XML_DECLARATION, GEXF_ROOT, "  <meta>", f"    <creator>{CREATOR}</creator>", "  </meta>",
                                          '  <graph defaultedgetype="directed" mode="static">',
                                          *declarations("node", network.node_attributes, node_ids),
                                          *declarations("edge", network.edge_attributes, edge_ids)])
    yield from _streamed_element("nodes", (node_element(node, attributes) for node, attributes in network.nodes),
                                 2, empty=not network.nodes)
    yield from _streamed_element("edges", (edge_element(number, *edge) for number, edge in enumerate(network.edges)),
                                 2, empty=not network.edges)
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
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(value: str) -> str:
    """An attribute value: markup, quotes and the whitespace a parser would normalise, escaped."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return escaped.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")
