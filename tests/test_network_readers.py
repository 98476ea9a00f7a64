"""GraphML and GEXF as other tools read them: valid against the official schemas, and read by networkx, igraph
and graphology (the graph library under Sigma.js, run with Node) into the RDF graph's own nodes, edges and values.

The schemas are vendored in tests/schemas/ (see its README). graphology comes from npm into tests/js/ (`make test`
installs it from the lock file); its tests are skipped only where CI is unset and Node or the packages are missing.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import igraph
import networkx as nx
import pytest
from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS, SKOS, XSD
from rdflib.term import Node

from sskg.exports import formats as fx
from sskg.exports import network as network_module
from sskg.exports.graph_exports import gexf, gexf_lines, graphml, graphml_lines
from sskg.exports.iris import EXPORT_PREFIXES, compacting
from sskg.exports.network import SKOLEM, Network, network
from sskg.layers import Layers
from sskg.namespaces import SSKG_NS as SSKG

SCHEMAS = Path(__file__).resolve().parent / "schemas"
READERS_JS = Path(__file__).resolve().parent / "js"
NODE_ID = re.compile(r"^n[0-9a-f]{16}$")
compact = compacting(EXPORT_PREFIXES)


# -- what the RDF graph holds ----------------------------------------------------------------------------

def iri_of(node: Node) -> str:
    return SKOLEM + str(node) if isinstance(node, BNode) else str(node)


def value_of(literal: Literal) -> object:
    """A literal as a typed reader should give it back: numbers as numbers, booleans as booleans."""
    if literal.datatype == XSD.integer:
        return int(literal)
    if literal.datatype == XSD.decimal:
        return float(literal)
    if literal.datatype == XSD.boolean:
        return str(literal) in ("true", "1")
    return str(literal)


@dataclass
class View:
    """A graph as a reader gives it: nodes by IRI with their attributes, edges as (source, predicate, target)."""

    nodes: dict[str, dict[str, object]]
    edges: Counter[tuple[str, str, str]]
    edge_ids: list[str] | None  # None where the reader does not give them back faithfully
    edge_kinds: dict[str, set[str]]  # predicate → the kinds and labels its edges carry
    edge_labels: dict[str, set[str]]


def expected_view(triples: list[tuple[Node, Node, Node]]) -> View:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    nodes: dict[str, dict[str, object]] = {}
    edges: Counter[tuple[str, str, str]] = Counter()
    values: dict[str, dict[str, list[Literal]]] = {}
    for subject, predicate, obj in triples:
        nodes.setdefault(iri_of(subject), {})
        if isinstance(obj, Literal):
            values.setdefault(iri_of(subject), {}).setdefault(compact(str(predicate)), []).append(obj)
        else:
            nodes.setdefault(iri_of(obj), {})
            edges[iri_of(subject), str(predicate), iri_of(obj)] += 1
    for iri, by_name in values.items():
        for name, found in by_name.items():
            nodes[iri][name] = value_of(found[0]) if len(found) == 1 else "\n".join(sorted(str(value) for value in found))
    for node in {s for s, _, _ in triples} | {o for _, _, o in triples if not isinstance(o, Literal)}:
        label = own_label(graph, node)
        if label is not None:
            nodes[iri_of(node)]["label"] = label
    kinds = {str(p): {compact(str(p))} for _, p, o in triples if not isinstance(o, Literal)}
    labels = {p: {own_label(graph, URIRef(p)) or compact(p)} for p in kinds}
    return View(nodes, edges, None, kinds, labels)


def own_label(graph: Graph, node: Node) -> str | None:
    for predicate in (RDFS.label, SKOS.prefLabel):
        values = sorted(graph.objects(node, predicate), key=lambda v: (getattr(v, "language", None) not in ("en", None), str(v)))
        if values:
            return str(values[0])
    return None


# -- what each reader gives -------------------------------------------------------------------------------

def networkx_view(read: nx.MultiDiGraph, edge_id: Callable[[str, dict], str]) -> View:
    iris = {node: data["iri"] for node, data in read.nodes(data=True)}
    edges: Counter[tuple[str, str, str]] = Counter()
    kinds: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    ids = []
    for u, v, key, data in read.edges(keys=True, data=True):
        edges[iris[u], data["predicate"], iris[v]] += 1
        kinds.setdefault(data["predicate"], set()).add(data["kind"])
        labels.setdefault(data["predicate"], set()).add(data["label"])
        ids.append(edge_id(key, data))
    assert all(NODE_ID.match(node) for node in read.nodes), "node ids are opaque"
    return View({data["iri"]: dict(data) for _, data in read.nodes(data=True)}, edges, ids, kinds, labels)


def read_networkx_graphml(path: Path) -> View:
    return networkx_view(nx.read_graphml(path, force_multigraph=True), lambda key, _: key)


def read_networkx_gexf(path: Path) -> View:
    read = nx.read_gexf(path)  # a multigraph only where the file has parallel edges
    return networkx_view(read if read.is_multigraph() else nx.MultiDiGraph(read), lambda _, data: data["id"])


def read_igraph_graphml(path: Path) -> View:
    read = igraph.Graph.Read_GraphML(str(path))
    assert read.is_directed()
    def present(value: object) -> bool:  # igraph fills an attribute a node lacks with "" or NaN (or False: kept)
        return not (value in ("", None) or (isinstance(value, float) and math.isnan(value)))

    nodes = {vertex["iri"]: {name: value for name, value in vertex.attributes().items() if name != "id" and present(value)}
             for vertex in read.vs}
    assert all(NODE_ID.match(ident) for ident in read.vs["id"])
    edges: Counter[tuple[str, str, str]] = Counter()
    kinds: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    for edge in read.es:
        edges[read.vs[edge.source]["iri"], edge["predicate"], read.vs[edge.target]["iri"]] += 1
        kinds.setdefault(edge["predicate"], set()).add(edge["kind"])
        labels.setdefault(edge["predicate"], set()).add(edge["label"])
    return View(nodes, edges, None, kinds, labels)  # igraph's edge "id" attribute is wrong: see test_igraph_quirk


def graphology_or_skip() -> Path:
    node = shutil.which("node")
    if node is None or not (READERS_JS / "node_modules" / "graphology").is_dir():
        if os.environ.get("CI"):
            pytest.fail("graphology is required in CI: Node (.ci/run installs it) and `npm ci --prefix tests/js` (make test runs it)")
        pytest.skip("Node or tests/js/node_modules missing (npm ci --prefix tests/js); CI runs this")
    return Path(node)


def read_graphology(path: Path) -> View:
    node = graphology_or_skip()
    done = subprocess.run([str(node), str(READERS_JS / "read-graph.mjs"), str(path)], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    read = json.loads(done.stdout)
    assert read["multi"] and read["type"] == "directed"
    assert all(NODE_ID.match(node["key"]) for node in read["nodes"])
    iris = {node["key"]: node["attributes"]["iri"] for node in read["nodes"]}
    edges: Counter[tuple[str, str, str]] = Counter()
    kinds: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    for edge in read["edges"]:
        data = edge["attributes"]
        edges[iris[edge["source"]], data["predicate"], iris[edge["target"]]] += 1
        kinds.setdefault(data["predicate"], set()).add(data["kind"])
        labels.setdefault(data["predicate"], set()).add(data["label"])
    return View({node["attributes"]["iri"]: node["attributes"] for node in read["nodes"]}, edges,
                [edge["key"] for edge in read["edges"]], kinds, labels)


READERS: dict[str, tuple[str, Callable[[Path], View]]] = {
    "networkx-graphml": ("sskg.graphml", read_networkx_graphml),
    "networkx-gexf": ("sskg.gexf", read_networkx_gexf),
    "igraph-graphml": ("sskg.graphml", read_igraph_graphml),
    "graphology-graphml": ("sskg.graphml", read_graphology),
    "graphology-gexf": ("sskg.gexf", read_graphology),
}


def same_value(found: object, expected: object) -> bool:
    if isinstance(expected, bool):
        return found is expected
    if isinstance(expected, (int, float)):
        return isinstance(found, (int, float)) and not isinstance(found, bool) and math.isclose(found, expected)
    return found == expected


# -- fixtures ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(layers: Layers, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("network")
    fx.export_layers(layers, out, ["graphml", "gexf"])
    return out


@pytest.fixture(scope="module")
def expected(exported: Path, layers: Layers) -> View:
    from sskg.layers import canonical_layers

    return expected_view(canonical_layers(layers).sorted_triples)


def schema(name: str) -> etree.XMLSchema:
    main = {"graphml": SCHEMAS / "graphml-1.0" / "graphml.xsd", "gexf": SCHEMAS / "gexf-1.3" / "gexf.xsd"}[name]
    return etree.XMLSchema(etree.parse(str(main), etree.XMLParser(no_network=True)))


def schema_errors(name: str, text: bytes) -> list[str]:
    checker = schema(name)
    valid = checker.validate(etree.fromstring(text, etree.XMLParser(no_network=True, huge_tree=True)))
    return [] if valid else [str(error) for error in checker.error_log][:5]


# -- schemas ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "kind"), [("sskg.graphml", "graphml"), ("sskg.gexf", "gexf")])
def test_exports_are_valid_against_the_official_schemas(name: str, kind: str, exported: Path) -> None:
    assert schema_errors(kind, (exported / name).read_bytes()) == []


def test_the_schemas_refuse_what_readers_refuse() -> None:
    """The failures seen before: IRIs as GraphML ids, one id for many edges; GEXF 1.2 markup in a 1.3 file."""
    graphml_text = ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed">'
                    '<node id="n0"/><node id="n1"/>{}</graph></graphml>')
    assert schema_errors("graphml", graphml_text.format('<edge source="n0" target="n1"/>').encode()) == []
    assert schema_errors("graphml", graphml_text.format('<edge id="rdf:type" source="n0" target="n1"/>'
                                                        '<edge id="rdf:type" source="n1" target="n0"/>').encode())
    assert schema_errors("graphml", graphml_text.replace('"n0"', '"https://w3id.org/sskg/x"', 1).encode())
    gexf_text = ('<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph {}><nodes><node id="a" label="A"/></nodes>'
                 '<edges/></graph></gexf>')
    assert schema_errors("gexf", gexf_text.format('defaultedgetype="directed"').encode()) == []
    assert schema_errors("gexf", gexf_text.format('name=""').encode())


# -- readers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reader", sorted(READERS))
def test_readers_find_the_graphs_nodes_edges_and_values(reader: str, exported: Path, expected: View) -> None:
    name, read = READERS[reader]
    found = read(exported / name)
    assert set(found.nodes) == set(expected.nodes)
    assert found.edges == expected.edges
    if found.edge_ids is not None:
        assert len(set(found.edge_ids)) == len(found.edge_ids) == sum(expected.edges.values())
    assert found.edge_kinds == expected.edge_kinds
    assert found.edge_labels == expected.edge_labels
    wrong = []
    for iri, attributes in expected.nodes.items():
        for attribute, value in attributes.items():
            if not same_value(found.nodes[iri].get(attribute), value):
                wrong.append((iri, attribute, found.nodes[iri].get(attribute), value))
    assert wrong == []
    assert not any("networkx_key" in attributes for attributes in found.nodes.values())


@pytest.mark.parametrize("reader", sorted(READERS))
def test_numbers_and_booleans_are_typed_for_every_reader(reader: str, exported: Path) -> None:
    name, read = READERS[reader]
    found = read(exported / name)
    studies = [attributes for attributes in found.nodes.values() if "sskg:IncludedStudy" in attributes.get("kind", "").split()]
    assert len(studies) == 29
    assert all(isinstance(study["sskg:year"], (int, float)) and not isinstance(study["sskg:year"], bool) for study in studies)
    limits = [a["sskg:ciLower"] for a in found.nodes.values() if "sskg:ciLower" in a]
    assert limits and all(isinstance(value, (float, int)) for value in limits)
    flags = [a["sskg:westernCountry"] for a in found.nodes.values() if "sskg:westernCountry" in a]
    assert True in flags and all(isinstance(flag, bool) for flag in flags)


def test_igraph_quirk_its_edge_id_attribute_holds_vertex_ids(tmp_path: Path) -> None:
    """igraph 1.0's GraphML reader fills the edge `id` attribute with vertex ids (README): still so, else drop the note."""
    path = tmp_path / "tiny.graphml"
    path.write_text('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed"><node id="a"/>'
                    '<node id="b"/><node id="c"/><edge id="e0" source="a" target="b"/><edge id="e1" source="b" target="c"/>'
                    "</graph></graphml>", encoding="utf-8")
    read = igraph.Graph.Read_GraphML(str(path))
    assert read.es["id"] == ["a", "b"]


# -- labels -----------------------------------------------------------------------------------------------

def test_gexf_labels_are_the_graphs_labels(exported: Path, layers: Layers, expected: View) -> None:
    read = nx.read_gexf(exported / "sskg.gexf")
    labels = {data["iri"]: data["label"] for _, data in read.nodes(data=True)}
    for iri, attributes in expected.nodes.items():
        if "label" in attributes:
            assert labels[iri] == attributes["label"], iri
    blank = [iri for iri in labels if iri.startswith(SKOLEM)]
    assert blank and not [iri for iri in blank if labels[iri].startswith(("http", "genid"))]
    # the only labels left as IRIs are other vocabularies' terms the graph names without a label
    bare = {iri for iri, label in labels.items() if label.startswith(("http://", "https://"))}
    assert bare and all("label" not in expected.nodes[iri] and not iri.startswith("https://w3id.org/sskg/") for iri in bare)


def test_restrictions_are_labelled_in_words(layers: Layers, exported: Path) -> None:
    read = nx.read_gexf(exported / "sskg.gexf")
    labels = {data["iri"]: data["label"] for _, data in read.nodes(data=True)}
    ontology = layers.ontology
    checked = 0
    for restriction in ontology.subjects(OWL.onProperty, None):
        prop, filler = ontology.value(restriction, OWL.onProperty), ontology.value(restriction, OWL.someValuesFrom)
        if isinstance(prop, URIRef) and isinstance(filler, URIRef):
            words = f"{own_label(ontology, prop)} some {own_label(ontology, filler)}"
            assert words in labels.values()
            checked += 1
    assert checked >= 5


def test_blank_nodes_are_skolem_iris(layers: Layers) -> None:
    nodes = [attributes["iri"] for _, attributes in network(layers.sorted_triples).nodes]
    assert any(iri.startswith(SKOLEM) for iri in nodes)  # the ontology's restrictions
    assert all(iri.startswith(("http://", "https://")) for iri in nodes)


# -- ids --------------------------------------------------------------------------------------------------

def small_graph() -> list[tuple[Node, Node, Node]]:
    a, b = URIRef("https://example.org/a"), URIRef("https://example.org/b")
    return [(a, URIRef("https://example.org/p"), b), (a, RDFS.label, Literal("A")), (b, URIRef("https://example.org/n"), Literal(3))]


def test_node_ids_are_stable_as_the_graph_grows() -> None:
    before = {attributes["iri"]: node for node, attributes in network(small_graph()).nodes}
    grown = small_graph() + [(URIRef("https://example.org/0"), URIRef("https://example.org/p"), URIRef("https://example.org/a"))]
    after = {attributes["iri"]: node for node, attributes in network(grown).nodes}
    assert all(after[iri] == node for iri, node in before.items()) and len(after) == 3
    assert all(NODE_ID.match(node) for node in after.values())


def test_node_ids_that_would_collide_get_long_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    real = hashlib.blake2b

    def blake2b(data: bytes, digest_size: int) -> object:
        return real(b"same" if digest_size == 8 else data, digest_size=digest_size)

    monkeypatch.setattr(network_module.hashlib, "blake2b", blake2b)
    ids = network_module.node_ids(["https://example.org/a", "https://example.org/b"])
    assert len(set(ids.values())) == 2 and all(len(ident) == 65 for ident in ids.values())


def test_attribute_names_are_xml_name_tokens_and_never_shared() -> None:
    names = network_module.attribute_names(["https://example.org/a b", "https://example.org/a_b", "https://example.org/é"],
                                           lambda iri: iri.rsplit("/", 1)[-1])
    assert sorted(names.values()) == ["a_b", "a_b_2", "é"]
    assert network_module.attribute_names(["urn:x:label"], lambda iri: "label") == {"urn:x:label": "label_2"}


def test_typing_needs_every_value_numeric() -> None:
    a, b = URIRef("https://example.org/a"), URIRef("https://example.org/b")
    built = network([(a, SSKG.n, Literal(3)), (b, SSKG.n, Literal("x")),  # a number and a text: text
                     (a, SSKG.m, Literal(2)), (b, SSKG.m, Literal("2.5", datatype=XSD.decimal)),  # numbers: decimals
                     (a, SSKG.f, Literal(True)), (b, SSKG.f, Literal("0", datatype=XSD.boolean)),
                     (a, SSKG.y, Literal("0012", datatype=XSD.integer)), (b, SSKG.y, Literal("x", datatype=XSD.integer)),
                     (a, SSKG.c, Literal(1)), (a, SSKG.c, Literal(2)), (b, SSKG.c, Literal(3))])  # several on a node: joined
    types = {attribute.name: attribute.type for attribute in built.node_attributes}
    assert types == {"iri": "string", "label": "string", "kind": "string", "sskg:c": "string", "sskg:f": "boolean",
                     "sskg:m": "double", "sskg:n": "string", "sskg:y": "string"}
    nodes = {attributes["iri"]: attributes for _, attributes in built.nodes}
    assert nodes[str(a)]["sskg:c"] == "1\n2" and nodes[str(b)]["sskg:f"] == "false" and nodes[str(b)]["sskg:y"] == "x"


# -- layout -----------------------------------------------------------------------------------------------

def awkward_network() -> Network:
    return network([
        (URIRef("urn:x:a"), RDFS.label, Literal('say "hi"\tthere\nnow & <then> 😀')),
        (URIRef("urn:x:a"), URIRef("https://example.org/p"), URIRef("urn:x:é")),
        (URIRef("urn:x:é"), RDFS.label, Literal("one\r\ntwo\rthree")),
        (URIRef("urn:x:é"), URIRef("https://example.org/p"), URIRef("urn:x:é")),
        (URIRef("urn:x:é"), SSKG.v, Literal("1 < 2 & ]]>")),
    ])


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_awkward_text_is_valid_and_read_back_exactly(fmt: str, tmp_path: Path) -> None:
    text = graphml(awkward_network()) if fmt == "graphml" else gexf(awkward_network())
    assert schema_errors(fmt, text.encode("utf-8")) == []
    path = tmp_path / f"awkward.{fmt}"
    path.write_text(text, encoding="utf-8")
    readers = [read_networkx_graphml, read_igraph_graphml] if fmt == "graphml" else [read_networkx_gexf]
    if shutil.which("node") and (READERS_JS / "node_modules" / "graphology").is_dir() or os.environ.get("CI"):
        readers.append(read_graphology)
    for read in readers:
        found = read(path)
        assert found.nodes["urn:x:a"]["label"] == 'say "hi"\tthere\nnow & <then> 😀', read
        assert found.nodes["urn:x:é"]["label"] == "one\r\ntwo\rthree", read
        assert found.nodes["urn:x:é"]["sskg:v"] == "1 < 2 & ]]>", read


def test_empty_graph_is_valid() -> None:
    empty = network([])
    assert schema_errors("graphml", graphml(empty).encode()) == []
    assert schema_errors("gexf", gexf(empty).encode()) == []


@pytest.mark.parametrize("writer", [graphml_lines, gexf_lines])
def test_writers_stream_line_by_line(writer: Callable[[Network], Iterator[str]]) -> None:
    """The first node is written before the last one is read: a large file is never held whole."""
    built = network([(URIRef(f"https://example.org/{i}"), URIRef("https://example.org/p"), URIRef("https://example.org/x"))
                     for i in range(50)])
    taken = []

    class Watched(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            for item in super().__iter__():
                taken.append(item)
                yield item

    watched = Network(built.node_attributes, built.edge_attributes, Watched(built.nodes), built.edges)
    for line in writer(watched):
        assert line.endswith("\n") and line.count("\n") == 1
        if "<node " in line:
            assert len(taken) == 1
            break
