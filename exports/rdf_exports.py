"""RDF exports of the built graph: N-Triples, Turtle, RDF/XML, and TriG / N-Quads with named graphs.

Hazards handled here: E1 (every IRI must be absolute and valid, else the export is refused), E2
(characters XML cannot carry are refused for XML formats, before any file is written), E3 (blank
nodes are labelled canonically, so a rebuild never renames them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from weakref import WeakKeyDictionary

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from sskg.errors import OutputError
from sskg.layers import Layers, Triple, has_bnode
from sskg.namespaces import FINDING, PROVENANCE, SSKG, STUDY
from sskg.rdf_io import NOT_XML, iri_problem, new_graph, ox_text, ox_triples, parse_rdf_file, plain_graph, term_sorted, turtle_text

from .iris import EXPORT_PREFIXES, GRAPH

ONTOLOGY_GRAPH = GRAPH.ontology
EVIDENCE_GRAPH = GRAPH.evidence
INFERRED_GRAPH = GRAPH.inferred
XML_FORMATS = {"rdfxml", "graphml", "gexf"}
_SURROGATE = re.compile("[\ud800-\udfff]")
# RDF/XML writes a predicate as an element: namespace + a name that starts with a letter or "_".
_XML_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*$")


def read_layers(build_dir: Path) -> Layers:
    """The layers of a build folder (sskg.ttl, ontology.ttl, inferred.ttl written by `sskg build`)."""
    graphs = {}
    for name in ("sskg.ttl", "ontology.ttl", "inferred.ttl"):
        path = build_dir / name
        if not path.is_file():
            raise OutputError(f"{name} not found in the build folder", file=str(build_dir),
                              fix="run 'sskg build' first, or pass --graph with the build folder")
        graphs[name] = parse_rdf_file(Graph(), path)
    whole, ontology, inferred = graphs["sskg.ttl"], graphs["ontology.ttl"], graphs["inferred.ttl"]
    # Evidence triples never hold blank nodes (triples.py mints IRIs), so the blank-node triples of
    # sskg.ttl are the ontology's and inferred.ttl's, parsed under other labels.
    layered_bnode_triples = sum(has_bnode(triple) for graph in (ontology, inferred) for triple in graph)
    if sum(has_bnode(triple) for triple in whole) != layered_bnode_triples:
        raise OutputError("sskg.ttl has blank-node triples that are in neither ontology.ttl nor inferred.ttl",
                          file=str(build_dir), fix="rebuild the folder with 'sskg build'")
    evidence = new_graph()
    for triple in whole:
        if not has_bnode(triple) and triple not in ontology and triple not in inferred:
            evidence.add(triple)
    return Layers(ontology, evidence, inferred)


# -- checks before export (E1, E2) ------------------------------------------------------------------

def check_exportable(triples: Iterable[Triple], formats: Iterable[str]) -> None:
    """Refuse, before anything is written, triples that one of `formats` would write wrongly."""
    chosen = set(formats)
    xml, rdf_xml = bool(chosen & XML_FORMATS), "rdfxml" in chosen
    triples = triples if isinstance(triples, list) else list(triples)
    if not _may_refuse(triples, xml, rdf_xml):
        return
    checked: set[str] = set()
    for triple in triples:
        for position, term in enumerate(triple):
            iri = term.datatype if isinstance(term, Literal) else term if isinstance(term, URIRef) else None
            if iri is not None and iri not in checked:
                checked.add(iri)
                problem = iri_problem(iri)
                if problem:
                    raise OutputError(f"IRI {str(iri)!r} {problem}", record=_describe(triple),
                                      fix="use absolute IRIs such as https://…; expand prefixed names")
            if rdf_xml and position == 1 and not _XML_LOCAL_NAME.search(term):
                raise OutputError(f"RDF/XML cannot write predicate {str(term)!r}: it does not end in an XML name",
                                  record=_describe(triple), fix="end every predicate IRI with a letter-led name, e.g. …/hasOutcome")
            bad = (NOT_XML if xml else _SURROGATE).search(term) if isinstance(term, Literal) else None
            if bad:
                raise OutputError(
                    f"literal holds character U+{ord(bad.group()):04X}, which "
                    + ("XML (RDF/XML, GraphML, GEXF) cannot carry" if xml else "no UTF-8 file can hold"),
                    record=_describe(triple), fix="remove the character from the evidence text",
                )


def _may_refuse(triples: list[Triple], xml: bool, rdf_xml: bool) -> bool:
    """Whether `check_exportable` would refuse one of `triples`, asked of each distinct term once (at scale the
    per-triple walk took seconds); only then does it walk the triples, to name the first it refuses."""
    terms = {subject for subject, _, _ in triples} | {obj for _, _, obj in triples}
    predicates = {predicate for _, predicate, _ in triples}
    literals = [term for term in terms if isinstance(term, Literal)]
    iris = {term for term in terms | predicates if isinstance(term, URIRef)}
    iris |= {literal.datatype for literal in literals if literal.datatype is not None}
    if any(iri_problem(iri) for iri in iris):
        return True
    if rdf_xml and not all(_XML_LOCAL_NAME.search(predicate) for predicate in predicates):
        return True
    return (NOT_XML if xml else _SURROGATE).search(" ".join(literals)) is not None  # a space is no bad character


def _describe(triple: tuple[Node, Node, Node]) -> str:
    return f"{triple[0]!r} {triple[1]!r}"


# -- named graphs --------------------------------------------------------------------------------------

def study_graph(key: str) -> URIRef:
    return GRAPH[f"study/{key}"]


def graph_names(layers: Layers) -> list[URIRef]:
    """The named graph of each of `layers.sorted_triples`: ontology, inferred, evidence, or one graph per study.

    A study's graph holds every evidence triple about the study node, its findings, effect estimates,
    discrepancies, readings, Table 1 row and their provenance locations, and the review's
    `includesStudy` link to it (drop or replace it alone). Every triple is in exactly one graph.
    """
    evidence = layers.evidence
    keys = {str(node)[len(STUDY):] for node in evidence.subjects(RDF.type, SSKG.IncludedStudy)
            if str(node).startswith(str(STUDY))}
    rows = {row: str(study)[len(STUDY):] for row, study in evidence.subject_objects(SSKG.describesStudy)}

    def owner(node: Node) -> str | None:
        text = str(node)
        for namespace in (STUDY, FINDING, PROVENANCE):
            if isinstance(node, URIRef) and text.startswith(str(namespace)):
                key = text[len(namespace):].split("/", 1)[0]
                return key if key in keys else None
        return rows.get(node)

    def name(triple: Triple) -> URIRef:
        layer = layers.layer_of(triple)
        if layer != "evidence":
            return ONTOLOGY_GRAPH if layer == "ontology" else INFERRED_GRAPH
        key = owner(triple[0]) or (owner(triple[2]) if triple[1] == SSKG.includesStudy else None)
        return study_graph(key) if key else EVIDENCE_GRAPH

    return [name(triple) for triple in layers.sorted_triples]


def named_graphs(layers: Layers) -> dict[URIRef, Graph]:
    """The named graphs of `graph_names` as rdflib graphs."""
    split: dict[URIRef, list[Triple]] = {}
    for name, triple in zip(graph_names(layers), layers.sorted_triples):
        split.setdefault(name, []).append(triple)
    return {name: plain_graph(triples) for name, triples in sorted(split.items())}


# -- serialisers -----------------------------------------------------------------------------------------

def graph_quads(graphs: Mapping[URIRef, Iterable[Triple]]) -> Iterator[ox.Quad]:
    """Quads of named graphs (each a graph or a set of triples), sorted by graph name, then triple."""
    for name, graph in sorted(graphs.items()):
        graph_name = ox.NamedNode(str(name))
        for triple in ox_triples(term_sorted(graph)):
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph_name)


_QUADS: WeakKeyDictionary[Layers, list[ox.Quad]] = WeakKeyDictionary()  # TriG and N-Quads share them


def layer_quads(layers: Layers) -> list[ox.Quad]:
    """The whole graph as quads in its named graphs (`graph_names`), sorted by graph name, then triple."""
    if layers not in _QUADS:
        _QUADS[layers] = _sorted_quads(layers)
    return _QUADS[layers]


def _sorted_quads(layers: Layers) -> list[ox.Quad]:
    names = graph_names(layers)
    nodes = {name: ox.NamedNode(str(name)) for name in set(names)}  # one per graph: making one checks the IRI
    quads = []
    for index in sorted(range(len(names)), key=names.__getitem__):  # stable: triples stay sorted within a graph
        triple = layers.ox_triples[index]
        quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, nodes[names[index]]))
    return quads


def dataset_text(quads: Iterable[ox.Quad], fmt: ox.RdfFormat, prefixes: dict[str, str] = EXPORT_PREFIXES) -> str:
    """TriG or N-Quads of sorted quads."""
    return ox_text(quads, fmt, prefixes if fmt == ox.RdfFormat.TRIG else None)


def ntriples(layers: Layers) -> str:
    return ox_text(layers.ox_triples, ox.RdfFormat.N_TRIPLES)


def turtle(layers: Layers) -> str:
    return turtle_text(layers.ox_triples)


def rdfxml(layers: Layers) -> str:
    return ox_text(layers.ox_triples, ox.RdfFormat.RDF_XML, EXPORT_PREFIXES)


def trig(layers: Layers) -> str:
    return dataset_text(layer_quads(layers), ox.RdfFormat.TRIG)


def nquads(layers: Layers) -> str:
    return dataset_text(layer_quads(layers), ox.RdfFormat.N_QUADS)
