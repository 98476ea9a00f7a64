"""RDF exports of the built graph: N-Triples, RDF/XML, JSON-LD, and TriG / N-Quads with named graphs.

Hazards handled here: E1 (every IRI must be absolute and valid, else the export is refused), E2
(characters XML cannot carry are refused for XML formats, before any file is written), E3 (blank
nodes are labelled canonically, so a rebuild never renames them).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache, partial
from weakref import WeakKeyDictionary
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from sskg.errors import OutputError
from sskg.graphbuild.build import turtle_text
from sskg.graphbuild.forked import run_jobs
from sskg.graphbuild.layers import Layers, Triple, canonical_layers, has_bnode
from sskg.graphbuild.output import staging_folder
from sskg.graphbuild.rdf_io import atomic_write, new_graph, ox_sorted, ox_text, parse_rdf_file, plain_graph
from sskg.namespaces import BASE, FINDING, PREFIXES, PROVENANCE, SSKG, SSKG_NS, STUDY

GRAPH = Namespace(BASE + "graph/")
ONTOLOGY_GRAPH = GRAPH.ontology
EVIDENCE_GRAPH = GRAPH.evidence
INFERRED_GRAPH = GRAPH.inferred
CONTEXT_FILE = Path(__file__).resolve().parent / "context.jsonld"
EXPORT_PREFIXES: dict[str, str] = {
    **{prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
    "provenance": str(PROVENANCE),
    "graph": str(GRAPH),
}

XML_FORMATS = {"rdfxml", "graphml", "gexf"}
# XML 1.0 `Char` excludes these (and lone surrogates, which no UTF-8 file can hold either).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPAQUE_SCHEMES = {"urn", "mailto", "tag"}
# RDF/XML writes a predicate as an element: namespace + a name that starts with a letter or "_".
_XML_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*$")
_PLAIN_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_COMPACT_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.~/-]*$")


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

def iri_problem(iri: str) -> str | None:
    """Why `iri` cannot be exported, or None: it must be absolute, valid, and not a CURIE in disguise."""
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        return f"not a valid absolute IRI ({error})"
    if _NOT_XML.search(iri):
        return "contains a control character or a non-character"
    scheme, _, rest = iri.partition(":")
    if not rest.startswith("//") and scheme.lower() not in _OPAQUE_SCHEMES:
        return f"looks like a prefixed name ({scheme}:…), not an IRI"
    return None


def check_exportable(triples: Iterable[Triple], formats: Iterable[str]) -> None:
    """Refuse, before anything is written, triples that one of `formats` would write wrongly."""
    chosen = set(formats)
    xml, rdf_xml = bool(chosen & XML_FORMATS), "rdfxml" in chosen
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
            bad = (_NOT_XML if xml else _SURROGATE).search(term) if isinstance(term, Literal) else None
            if bad:
                raise OutputError(
                    f"literal holds character U+{ord(bad.group()):04X}, which "
                    + ("XML (RDF/XML, GraphML, GEXF) cannot carry" if xml else "no UTF-8 file can hold"),
                    record=_describe(triple), fix="remove the character from the evidence text",
                )


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

def graph_quads(graphs: dict[URIRef, Graph]) -> Iterator[ox.Quad]:
    """Quads of named graphs, sorted by graph name, then triple."""
    for name, graph in sorted(graphs.items()):
        graph_name = ox.NamedNode(str(name))
        for triple in ox_sorted(graph):
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph_name)


_QUADS: WeakKeyDictionary[Layers, list[ox.Quad]] = WeakKeyDictionary()  # TriG and N-Quads share them


def layer_quads(layers: Layers) -> list[ox.Quad]:
    """The whole graph as quads in its named graphs (`graph_names`), sorted by graph name, then triple."""
    if layers not in _QUADS:
        _QUADS[layers] = _sorted_quads(layers)
    return _QUADS[layers]


def _sorted_quads(layers: Layers) -> list[ox.Quad]:
    names = graph_names(layers)
    quads = []
    for index in sorted(range(len(names)), key=names.__getitem__):  # stable: triples stay sorted within a graph
        triple = layers.ox_triples[index]
        quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(str(names[index]))))
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


# -- JSON-LD ---------------------------------------------------------------------------------------------

def make_context(ontology: Graph) -> dict[str, object]:
    """The JSON-LD context: prefixes, and a plain-word term for each class and property of the ontology.

    Object properties coerce their values to IRIs; datatype properties with one non-string range
    coerce to that datatype. The result is shipped as context.jsonld (a test keeps it current).
    """
    context: dict[str, object] = dict(EXPORT_PREFIXES)
    used = {str(term) for triple in ontology for term in triple if isinstance(term, URIRef)}
    for prefix, namespace in sorted(ontology.namespaces()):
        if prefix not in context and str(namespace) not in context.values() and any(i.startswith(namespace) for i in used):
            context[prefix] = str(namespace)
    declared = {subject for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                                     RDF.Property, RDFS.Class) for subject in ontology.subjects(RDF.type, kind)}
    declared |= {predicate for _, predicate, _ in ontology} | set(ontology.objects(None, RDF.type))
    candidates = sorted((iri for iri in declared if isinstance(iri, URIRef) and iri != RDF.type),
                        key=lambda iri: (not iri.startswith(SSKG_NS), str(iri)))
    for iri in candidates:
        local, curie = _split(iri, context)
        if curie is None or not _PLAIN_WORD.match(local) or local in context:
            continue
        ranges = set(ontology.objects(iri, RDFS.range))
        if (iri, RDF.type, OWL.ObjectProperty) in ontology:
            context[local] = {"@id": curie, "@type": "@id"}
        elif (iri, RDF.type, OWL.DatatypeProperty) in ontology and len(ranges) == 1 \
                and next(iter(ranges)) not in (XSD.string, RDF.langString, RDFS.Literal):
            context[local] = {"@id": curie, "@type": compact_iri(next(iter(ranges)), context)}
        else:
            context[local] = curie
    return context


def _split(iri: str, prefixes: dict[str, object]) -> tuple[str, str | None]:
    """(local name, prefix:local) under the longest matching prefix (the first of equals), or (local, None)."""
    text = str(iri)  # a plain str: rdflib's URIRef.startswith is many times slower
    best: str | None = None
    best_namespace = ""
    for prefix, namespace in prefixes.items():
        if isinstance(namespace, str) and (best is None or len(namespace) > len(best_namespace)) and text.startswith(namespace):
            best, best_namespace = prefix, namespace
    if best is None:
        return text, None
    local = text[len(best_namespace):]
    return local, f"{best}:{local}"


def compact_iri(iri: str, context: dict[str, object]) -> str:
    local, curie = _split(iri, context)
    return curie if curie is not None and (local == "" or _COMPACT_LOCAL.match(local)) else iri


def compacting(context: dict[str, object]) -> Callable[[str], str]:
    """`compact_iri` under one context, remembered per IRI: an export compacts the same IRIs again and again."""
    return cache(partial(compact_iri, context=context))


def load_context() -> dict[str, object]:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def context_text(context: dict[str, object]) -> str:
    return json.dumps({"@context": context}, indent=2, ensure_ascii=False) + "\n"


def jsonld(layers: Layers, context: dict[str, object] | None = None) -> str:
    """Compact JSON-LD with the context inline (nothing to fetch); keys are plain words where the
    context has a term whose coercion fits the value, else prefixed names with explicit value objects."""
    return "".join(jsonld_lines(layers, context))


def jsonld_lines(layers: Layers, context: dict[str, object] | None = None) -> Iterator[str]:
    """`jsonld` made node by node, so a large document is written as it is made: the same bytes as
    `json.dumps` of the whole document (indented by 2, keys sorted)."""
    context = context if context is not None else load_context()
    terms: dict[str, tuple[str, str | None]] = {}
    prefixes: dict[str, object] = {}  # the prefix entries alone: compacting scans them for every IRI
    for name, definition in context.items():
        target, coercion = (definition, None) if isinstance(definition, str) else (definition["@id"], definition.get("@type"))  # type: ignore[index, union-attr]
        prefix, _, local = str(target).partition(":")
        if isinstance(context.get(prefix), str):  # a term (prefix entries map to full IRIs, whose scheme is no prefix)
            terms[str(context[prefix]) + local] = (name, None if coercion is None else _expand(str(coercion), context))
        elif isinstance(definition, str):
            prefixes[name] = definition
    compact = compacting(prefixes)
    nodes: dict[Node, dict[str, list[object]]] = {}
    for subject, predicate, obj in layers.sorted_triples:  # a list iterates faster than a store
        node = nodes.setdefault(subject, {})
        key, value = _entry(predicate, obj, terms, compact)
        node.setdefault(key, []).append(value)
    head = json.dumps({"@context": context}, indent=2, sort_keys=True, ensure_ascii=False)
    yield head.removesuffix("\n}") + ',\n  "@graph": ['
    subjects = sorted(nodes, key=lambda n: n.n3())
    for index, subject in enumerate(subjects):
        item: dict[str, object] = {"@id": _node_id(subject, compact)}
        for key, values in nodes.pop(subject).items():  # popped: what is written need not be kept
            values = sorted(values, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
            item[key] = values[0] if len(values) == 1 else values
        text = json.dumps(item, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n    ")  # strings hold no raw newline
        yield ("\n    " if index == 0 else ",\n    ") + text
    yield "\n  ]\n}\n" if subjects else "]\n}\n"


def _expand(value: str, context: dict[str, object]) -> str:
    prefix, sep, local = value.partition(":")
    return str(context[prefix]) + local if sep and isinstance(context.get(prefix), str) else value


def _node_id(node: Node, compact: Callable[[str], str]) -> str:
    return f"_:{node}" if isinstance(node, BNode) else compact(str(node))


def _entry(predicate: Node, obj: Node, terms: dict[str, tuple[str, str | None]],
           compact: Callable[[str], str]) -> tuple[str, object]:
    if predicate == RDF.type and isinstance(obj, URIRef):
        term = terms.get(str(obj))
        return "@type", term[0] if term and term[1] is None else _node_id(obj, compact)
    name, coercion = terms.get(str(predicate), (None, None))
    if name is not None:
        if coercion == "@id" and not isinstance(obj, Literal):
            return name, _node_id(obj, compact)
        if coercion is not None and isinstance(obj, Literal) and obj.datatype is not None and str(obj.datatype) == coercion:
            return name, str(obj)
        if coercion is None:
            return name, _value(obj, compact)
    return compact(str(predicate)), _value(obj, compact)


def _value(obj: Node, compact: Callable[[str], str]) -> object:
    if not isinstance(obj, Literal):
        return {"@id": _node_id(obj, compact)}
    if obj.language:
        return {"@value": str(obj), "@language": obj.language}
    if obj.datatype is None or obj.datatype == XSD.string:
        return str(obj)
    return {"@value": str(obj), "@type": compact(str(obj.datatype))}


# -- every export ----------------------------------------------------------------------------------------

BUILD_WRITES = {"turtle"}  # graphbuild/build.py writes sskg.ttl itself


def writers() -> dict[str, Callable[[Layers], dict[str, Text]]]:
    """Each format's files by name. Imported here: those modules build on this one."""
    from .graph_exports import gexf_lines, graphml_lines, to_networkx
    from .nanopubs import nanopubs_trig
    from .reference_html import reference_page
    from .tables import estimates_table, findings_table, prisma_table, studies_table

    network = lru_cache(maxsize=1)(lambda layers: to_networkx(layers.sorted_triples))  # GraphML and GEXF share it
    return {
        "turtle": lambda layers: {"sskg.ttl": turtle(layers)},
        "ntriples": lambda layers: {"sskg.nt": ntriples(layers)},
        "rdfxml": lambda layers: {"sskg.rdf": rdfxml(layers)},
        "jsonld": lambda layers: {"sskg.jsonld": jsonld_lines(layers), CONTEXT_FILE.name: CONTEXT_FILE.read_text(encoding="utf-8")},
        "trig": lambda layers: {"sskg.trig": trig(layers)},
        "nquads": lambda layers: {"sskg.nq": nquads(layers)},
        "nanopubs": lambda layers: {"nanopubs.trig": nanopubs_trig(layers)},
        "graphml": lambda layers: {"sskg.graphml": graphml_lines(network(layers))},
        "gexf": lambda layers: {"sskg.gexf": gexf_lines(network(layers))},
        "csv": lambda layers: {
            "studies.csv": studies_table(layers.whole()),
            "findings.csv": findings_table(layers.whole()),
            "effect-estimates.csv": estimates_table(layers.whole()),
            "prisma-flow.csv": prisma_table(layers.whole()),
        },
        "html": lambda layers: {"ontology.html": reference_page(layers)},
    }


FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld", "trig", "nquads", "nanopubs", "graphml", "gexf", "csv", "html")
# Formats that share an intermediate result render in one worker; the slowest groups start first.
RENDER_GROUPS = (("graphml", "gexf"), ("jsonld",), ("nanopubs",), ("trig", "nquads"), ("csv",), ("html",),
                 ("rdfxml",), ("ntriples",), ("turtle",))
Text = str | Iterable[str]  # a whole text, or its lines made as they are written
Renderer = Callable[[], Iterable[tuple[str, Text]]]  # (file name, text) pairs, made one after another


def renderers(layers: Layers, formats: Iterable[str]) -> list[Renderer]:
    """One job per group of the chosen formats; each yields its files' names and text, format by format."""
    chosen = set(formats)

    def render(group: tuple[str, ...]) -> Iterator[tuple[str, Text]]:
        every = writers()  # per job: what its formats share (the network) goes when the job ends
        for fmt in group:
            yield from every[fmt](layers).items()

    groups = [tuple(fmt for fmt in group if fmt in chosen) for group in RENDER_GROUPS]
    return [lambda group=group: render(group) for group in groups if group]


def export_layers(layers: Layers, out_dir: Path, formats: Iterable[str] = FORMATS, also: Iterable[Renderer] = ()) -> list[Path]:
    """Write the chosen exports, and the files of `also` (more renderers, e.g. the views).

    Everything is checked first. Each worker writes its files into a staging folder inside `out_dir`
    (the text never travels back, nor piles up in this process: at scale it is gigabytes); only when
    every job has succeeded are the files moved into place, each complete or not at all.
    """
    chosen = sorted(set(formats))
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown:
        raise OutputError(f"unknown export format {', '.join(unknown)}", fix=f"choose from {', '.join(FORMATS)}")
    check_exportable(layers.sorted_triples, chosen)
    canonical = canonical_layers(layers)
    canonical.ox_triples  # computed once, before the workers fork  # noqa: B018
    with staging_folder(out_dir) as staging:
        jobs = [partial(_write_rendered, job, staging) for job in [*also, *renderers(canonical, chosen)]]
        names = sorted(name for written in run_jobs(jobs) for name in written)  # the views take longest: they start first
        for name in names:
            try:
                (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, out_dir / name)
            except OSError as error:
                raise OutputError(f"could not write: {error.strerror}", file=str(out_dir / name),
                                  fix="check that nothing else holds that path and that you may write there") from None
    return [out_dir / name for name in names]


def _write_rendered(render: Renderer, folder: Path) -> list[str]:
    """Write each file as soon as it is made: a worker holds one output's text at a time."""
    names = []
    for name, text in render():
        with atomic_write(folder / name) as stream:
            if isinstance(text, str):
                stream.write(text)
            else:
                stream.writelines(text)
        names.append(name)
        del text  # before the next one is made
    return names


def write_exports(layers: Layers, out_dir: Path, also: Iterable[Renderer] = ()) -> list[Path]:
    """The exports `sskg build` writes beside sskg.ttl (every format except the Turtle it writes itself)."""
    return export_layers(layers, out_dir, [name for name in FORMATS if name not in BUILD_WRITES], also)
