"""Exports: every file round-trips through rdflib, pyoxigraph and Raptor; nothing is lost; hazards E1–E4."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from base64 import b64decode
from collections.abc import Iterable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node
from sskg.exports import formats as fx
from sskg.exports import jsonld as jx
from sskg.exports import rdf_exports as rx
from sskg.exports.export_cli import export, push
from sskg.exports.nanopubs import NP, nanopub_iri, nanopublications
from sskg.exports.push import Credentials, push_graph, update_endpoint_for
from sskg.output import MARKER
from sskg.exports.reference_html import reference_page
from sskg import forked
from sskg.graphbuild.build import BuildResult
from sskg.layers import Layers, canonical_layers
from sskg.rdf_io import ox_sorted, plain_graph, plain_prefixes, rdfxml_text
from sskg.exports.remote_query import run_remote_query

from sskg.errors import OutputError, QueryError
from sskg.namespaces import CONCEPT, FINDING, OA, ONTOLOGY_IRI, SSKG, SSKG_NS, STUDY

from .conftest import CaptureServer

# file → (rdflib format, pyoxigraph format, Raptor syntax or None, holds named graphs)
RDF_FILES = {
    "sskg.ttl": ("turtle", ox.RdfFormat.TURTLE, "turtle", False),
    "sskg.nt": ("nt", ox.RdfFormat.N_TRIPLES, "ntriples", False),
    "sskg.rdf": ("xml", ox.RdfFormat.RDF_XML, "rdfxml", False),
    "sskg.jsonld": ("json-ld", ox.RdfFormat.JSON_LD, None, False),  # Raptor 2 reads no JSON-LD
    "sskg.trig": ("trig", ox.RdfFormat.TRIG, "trig", True),
    "sskg.nq": ("nquads", ox.RdfFormat.N_QUADS, "nquads", True),
    "nanopubs.trig": ("trig", ox.RdfFormat.TRIG, "trig", True),
}
Graphs = dict[str | None, Graph]  # graph name (None: the default graph) → its triples


# -- comparing RDF ------------------------------------------------------------------------------------

def normal(term: Node) -> Node:
    """RDF 1.1 terms: "x"^^xsd:string is "x"; language tags are case-insensitive."""
    if isinstance(term, Literal):
        if term.language:
            return Literal(str(term), lang=term.language.lower())
        if term.datatype == XSD.string:
            return Literal(str(term))
    return term


def from_ox(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal), term
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def collect(quads: Iterable[tuple[Node, Node, Node, str | None]]) -> Graphs:
    graphs: Graphs = {}
    for s, p, o, name in quads:
        graphs.setdefault(name, Graph()).add((normal(s), normal(p), normal(o)))
    return graphs


def as_graphs(graph: Graph, name: str | None = None) -> Graphs:
    return collect((s, p, o, name) for s, p, o in graph)


def ox_graphs(data: bytes, fmt: ox.RdfFormat) -> Graphs:
    def name(quad: object) -> str | None:
        graph = getattr(quad, "graph_name", None)
        return graph.value if isinstance(graph, ox.NamedNode) else None

    return collect((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), name(q)) for q in ox.parse(data, fmt))


def rdflib_graphs(data: bytes, fmt: str, dataset: bool) -> Graphs:
    if not dataset:
        return as_graphs(Graph().parse(data=data, format=fmt))
    parsed = Dataset()
    parsed.parse(data=data, format=fmt)
    return collect((s, p, o, str(g.identifier if isinstance(g, Graph) else g))
                   for s, p, o, g in parsed.quads((None, None, None, None)))


def rapper_graphs(path: Path, syntax: str) -> Graphs:
    done = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "nquads", str(path)], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return ox_graphs(done.stdout, ox.RdfFormat.N_QUADS)


def same_graph(a: Graph, b: Graph) -> bool:
    """Isomorphism, checked fast: ground triples as sets, only the blank-node part by rdflib.compare."""
    def split(graph: Graph) -> tuple[set[tuple[Node, ...]], Graph]:
        ground, blank = set(), Graph()
        for triple in graph:
            (blank.add(triple) if any(isinstance(t, BNode) for t in triple) else ground.add(triple))
        return ground, blank

    ground_a, blank_a = split(a)
    ground_b, blank_b = split(b)
    return ground_a == ground_b and len(blank_a) == len(blank_b) and isomorphic(blank_a, blank_b)


def assert_same(found: Graphs, expected: Graphs, what: str = "") -> None:
    assert sorted(found, key=str) == sorted(expected, key=str), what
    for name, graph in expected.items():
        assert same_graph(found[name], graph), f"{what}: graph {name} differs"


def rapper_or_skip() -> None:
    if shutil.which("rapper") is None:
        if os.environ.get("CI"):
            pytest.fail("Raptor's rapper is required in CI (apt-get install -y raptor2-utils)")
        pytest.skip("rapper not installed (apt-get install -y raptor2-utils); CI runs this")


# -- fixtures -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(built: tuple[BuildResult, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    fx.export_layers(built[0].layers, out)
    return out


def expected_graphs(name: str, layers: Layers) -> Graphs:
    if name == "nanopubs.trig":
        graphs = {iri: plain_graph(triples) for iri, triples in nanopublications(layers).items()}
    elif RDF_FILES[name][3]:
        graphs = rx.named_graphs(layers)
    else:
        return as_graphs(layers.whole())
    return {str(iri): as_graphs(graph)[None] for iri, graph in graphs.items() if len(graph)}


# -- round trips ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "parser"), [(name, parser) for name in sorted(RDF_FILES)
                                                for parser in ("rdflib", "pyoxigraph", "rapper")
                                                if parser != "rapper" or RDF_FILES[name][2]])
def test_rdf_export_round_trips(name: str, parser: str, exported: Path, layers: Layers) -> None:
    rdflib_format, ox_format, syntax, dataset = RDF_FILES[name]
    path = exported / name
    if parser == "rapper":
        rapper_or_skip()
        found = rapper_graphs(path, str(syntax))
    elif parser == "pyoxigraph":
        found = ox_graphs(path.read_bytes(), ox_format)
    else:
        found = rdflib_graphs(path.read_bytes(), rdflib_format, dataset)
    assert_same(found, expected_graphs(name, layers))


def test_turtle_export_is_the_built_graph_file(built: tuple[BuildResult, Path], exported: Path) -> None:
    assert (exported / "sskg.ttl").read_bytes() == (built[1] / "sskg.ttl").read_bytes()


def test_write_exports_writes_everything_but_the_turtle_build_writes(built: tuple[BuildResult, Path], tmp_path: Path,
                                                                      exported: Path) -> None:
    written = fx.write_exports(built[0].layers, tmp_path)
    assert {path.name for path in written} == {path.name for path in exported.iterdir()} - {"sskg.ttl"}
    for path in written:
        assert path.read_bytes() == (exported / path.name).read_bytes(), path.name
    assert set(fx.writers()) == set(fx.FORMATS)


def test_exports_are_byte_identical_across_processes_and_inputs(built: tuple[BuildResult, Path], exported: Path,
                                                               tmp_path: Path) -> None:
    """Same input, same bytes: another process (other hash seed) exporting the build folder."""
    code = ("import sys; from pathlib import Path; from sskg.exports.formats import export_layers; from sskg.exports.rdf_exports import read_layers; "
            "export_layers(read_layers(Path(sys.argv[1])), Path(sys.argv[2]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(built[1]), str(tmp_path)], check=True, env=env, timeout=300)
    names = sorted(path.name for path in exported.iterdir())
    assert names == sorted(path.name for path in tmp_path.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (exported / name).read_bytes(), name


def test_blank_node_labels_do_not_depend_on_input_labels() -> None:
    def graph(first: str, second: str) -> Layers:
        g = Graph()
        a, b = BNode(first), BNode(second)
        g.add((URIRef("https://example.org/c"), OWL.equivalentClass, a))
        g.add((a, OWL.onProperty, URIRef("https://example.org/p")))
        g.add((a, OWL.someValuesFrom, b))
        g.add((b, RDFS.label, Literal("x")))
        return canonical_layers(Layers(g, Graph(), Graph()))

    one, two = graph("n1", "n2"), graph("zz", "aa")
    for writer in (rx.ntriples, rx.rdfxml, jx.jsonld, rx.trig, rx.nquads):
        assert writer(one) == writer(two)


# -- named graphs -----------------------------------------------------------------------------------------

def test_named_graphs_partition_the_built_graph(layers: Layers) -> None:
    graphs = rx.named_graphs(layers)
    union = Graph()
    total = 0
    for graph in graphs.values():
        union += graph
        total += len(graph)
    assert total == len(union), "a triple is in two graphs"
    assert same_graph(union, layers.whole())
    assert same_graph(graphs[rx.ONTOLOGY_GRAPH], layers.ontology)
    assert same_graph(graphs[rx.INFERRED_GRAPH], layers.inferred)
    studies = sorted(layers.evidence.subjects(RDF.type, SSKG.IncludedStudy))
    assert {rx.study_graph(str(s)[len(STUDY):]) for s in studies} == set(graphs) - {rx.ONTOLOGY_GRAPH, rx.INFERRED_GRAPH, rx.EVIDENCE_GRAPH}


def test_a_study_graph_holds_everything_about_the_study(layers: Layers) -> None:
    evidence = layers.evidence
    graphs = rx.named_graphs(layers)
    for study in evidence.subjects(RDF.type, SSKG.IncludedStudy):
        mine = graphs[rx.study_graph(str(study)[len(STUDY):])]
        owned = {study, *evidence.objects(study, SSKG.reportsFinding), *evidence.subjects(SSKG.describesStudy, study),
                 *evidence.subjects(SSKG.aboutStudy, study)}
        owned |= {e for f in list(owned) for e in evidence.objects(f, SSKG.hasEffectEstimate)}
        owned |= {r for n in list(owned) for r in evidence.objects(n, SSKG.hasReading)}
        owned |= {r for n in list(owned) for r in evidence.objects(n, SSKG.chosenReading)}
        owned |= {loc for n in list(owned) for loc in evidence.objects(n, SSKG.statedAt)}
        owned |= {sel for loc in list(owned) for sel in evidence.objects(loc, OA.hasSelector)}
        for node in owned:
            for triple in evidence.triples((node, None, None)):
                assert triple in mine, triple
        assert (URIRef("https://w3id.org/sskg/review/bjorlykhaug-2021"), SSKG.includesStudy, study) in mine
        assert all(s in owned or p == SSKG.includesStudy for s, p, _ in mine)


# -- JSON-LD ----------------------------------------------------------------------------------------------

def test_shipped_context_is_current(built: tuple[BuildResult, Path]) -> None:
    """The shipped context.jsonld is generated from the ontology (SSKG_UPDATE_GOLDEN=1 rewrites it)."""
    expected = jx.context_text(jx.make_context(built[0].ontology))
    if os.environ.get("SSKG_UPDATE_GOLDEN"):
        jx.CONTEXT_FILE.write_text(expected, encoding="utf-8")
    assert jx.CONTEXT_FILE.read_text(encoding="utf-8") == expected


def test_jsonld_keys_are_plain_words(exported: Path) -> None:
    document = json.loads((exported / "sskg.jsonld").read_text(encoding="utf-8"))
    context = json.loads((exported / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert document["@context"] == context
    for word in ("title", "year", "hasOutcome", "hasDirection", "inPopulation", "statedAt", "label"):
        assert word in context
    keys = {key for node in document["@graph"] for key in node}
    # A prefixed key is allowed only where another vocabulary already owns the plain word (rdf:value vs sskg:value).
    for key in keys - {"@id", "@type"}:
        assert ":" not in key or key.split(":", 1)[1] in context, key
    finding = next(node for node in document["@graph"] if node.get("hasDirection"))
    assert finding["hasDirection"].startswith("sskgc:") and finding["inPopulation"] and finding["statedAt"]


@pytest.mark.parametrize("which", ["built", "empty"])
def test_jsonld_made_node_by_node_is_what_json_dumps_writes_of_the_whole(layers: Layers, which: str) -> None:
    chosen = layers if which == "built" else Layers(Graph(), Graph(), Graph())
    text = jx.jsonld(chosen)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_jsonld_is_read_with_the_bundled_loader_and_fetches_nothing(exported: Path, layers: Layers) -> None:
    from sskg.rdf_io import parse_rdf_file

    assert same_graph(as_graphs(parse_rdf_file(Graph(), exported / "sskg.jsonld"))[None], as_graphs(layers.whole())[None])


# -- nanopublications --------------------------------------------------------------------------------------

def test_one_nanopublication_per_finding(layers: Layers) -> None:
    graphs = nanopublications(layers)
    evidence = layers.evidence
    findings = sorted(evidence.subjects(RDF.type, SSKG.Finding))
    assert len(graphs) == 4 * len(findings)
    licence = layers.ontology.value(URIRef(ONTOLOGY_IRI), DCTERMS.license)
    for finding in findings:
        base = nanopub_iri(finding)
        assert str(base) == "https://w3id.org/sskg/np/" + str(finding)[len(FINDING):]
        head, assertion, provenance, pubinfo = (graphs[URIRef(f"{base}/{part}")] for part in ("head", "assertion", "provenance", "pubinfo"))
        assert (base, RDF.type, NP.Nanopublication) in head
        assert (base, NP.hasAssertion, URIRef(f"{base}/assertion")) in head
        for predicate in (SSKG.hasDirection, SSKG.inPopulation, SSKG.hasOutcome, SSKG.fromStudy):
            assert (finding, predicate, evidence.value(finding, predicate)) in assertion
        for estimate in evidence.objects(finding, SSKG.hasEffectEstimate):
            assert set(evidence.triples((estimate, SSKG.value, None))) <= set(assertion)
        study = evidence.value(finding, SSKG.fromStudy)
        assert (URIRef(f"{base}/assertion"), PROV.wasDerivedFrom, study) in provenance
        for location in evidence.objects(finding, SSKG.statedAt):
            assert (finding, SSKG.statedAt, location) in provenance
            assert set(evidence.triples((location, None, None))) <= set(provenance)
            for selector in evidence.objects(location, OA.hasSelector):
                assert set(evidence.triples((selector, None, None))) <= set(provenance)
        assert (base, DCTERMS.license, licence) in pubinfo
        assert not any(p == SSKG.statedAt for _, p, _ in assertion)


# -- the ontology reference --------------------------------------------------------------------------------

def test_reference_page_lists_every_term_and_loads_nothing(exported: Path, layers: Layers) -> None:
    page = (exported / "ontology.html").read_text(encoding="utf-8")
    assert "default-src 'none'" in page
    assert not re.search(r"<(script|link|img|iframe)\b|src=|url\(", page, re.IGNORECASE)
    anchors = set(re.findall(r'id="([^"]+)"', page))
    assert set(re.findall(r'href="#([^"]+)"', page)) <= anchors
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in layers.ontology.subjects(RDF.type, kind):
            if isinstance(term, URIRef) and term.startswith(SSKG_NS):
                assert "term-" + term[len(SSKG_NS):] in anchors, term
    concepts = {s for s in layers.ontology.subjects(SKOS.inScheme, None) if str(s).startswith(str(CONCEPT))}
    assert concepts and all("concept-" + str(c)[len(CONCEPT):] in anchors for c in concepts)


def test_reference_page_escapes_every_string() -> None:
    payload = '<img src=x onerror=alert(1)></script>"'
    ontology = Graph()
    term = SSKG_NS["Evil"]
    ontology.add((term, RDF.type, OWL.Class))
    ontology.add((term, RDFS.label, Literal(payload)))
    ontology.add((term, SKOS.definition, Literal(payload)))
    ontology.add((term, RDFS.seeAlso, URIRef('https://example.org/"onmouseover=alert(1)')))
    page = reference_page(Layers(ontology, Graph(), Graph()))
    assert "<img" not in page and "</script>" not in page and '"onmouseover' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&quot;" in page


# -- hazards E1, E2 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["relative/iri", "https://example.org/has space", "HGNC:1100", "https://example.org/a#b#c"])
def test_e1_invalid_iris_are_refused_before_anything_is_written(bad: str, tmp_path: Path) -> None:
    graph = Graph()
    graph.add((URIRef("https://example.org/s"), RDFS.seeAlso, URIRef(bad)))
    with pytest.raises(OutputError, match="IRI"):
        fx.export_layers(Layers(Graph(), graph, Graph()), tmp_path, ["ntriples"])
    assert not list(tmp_path.iterdir())


def test_exports_made_one_after_another_in_process_are_the_same_files(exported: Path, layers: Layers, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "affordable_workers", lambda: 1)  # as when free memory would not hold a worker
    written = fx.export_layers(layers, tmp_path, ["csv", "gexf", "graphml", "ntriples"])
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in written)
    for path in written:
        assert path.read_bytes() == (exported / path.name).read_bytes(), path.name


def test_a_failing_job_leaves_no_export_and_no_staging_folder(layers: Layers, tmp_path: Path) -> None:
    def failing_view() -> list[tuple[str, str]]:
        raise OutputError("the view could not be drawn", fix="none")

    with pytest.raises(OutputError, match="could not be drawn"):
        fx.export_layers(layers, tmp_path, ["ntriples", "csv"], also=[failing_view])
    assert not list(tmp_path.iterdir())  # the other jobs' files were written, but only into the removed staging folder


@pytest.mark.parametrize(("text", "code"), [("bell\x07", "U+0007"), ("vertical\x0btab", "U+000B"), ("non\ufffe", "U+FFFE")])
def test_e2_xml_exports_refuse_what_xml_cannot_carry(text: str, code: str, tmp_path: Path) -> None:
    triple = (URIRef("https://example.org/s"), RDFS.label, Literal(text))
    graph = Graph()
    graph.add(triple)
    layers = Layers(Graph(), graph, Graph())
    for fmt in ("rdfxml", "graphml", "gexf"):
        with pytest.raises(OutputError, match=re.escape(code)):
            fx.export_layers(layers, tmp_path, [fmt])
    assert not list(tmp_path.iterdir())
    fx.export_layers(layers, tmp_path, ["ntriples", "turtle", "trig", "nquads", "jsonld"])
    for name, fmt in (("sskg.nt", ox.RdfFormat.N_TRIPLES), ("sskg.ttl", ox.RdfFormat.TURTLE), ("sskg.trig", ox.RdfFormat.TRIG),
                      ("sskg.nq", ox.RdfFormat.N_QUADS), ("sskg.jsonld", ox.RdfFormat.JSON_LD)):
        found = Graph()
        for part in ox_graphs((tmp_path / name).read_bytes(), fmt).values():
            found += part
        assert triple in found, name


def test_rdfxml_refuses_a_predicate_it_cannot_name(tmp_path: Path) -> None:
    graph = Graph()
    graph.add((URIRef("https://example.org/s"), URIRef("https://example.org/1"), Literal("x")))
    with pytest.raises(OutputError, match="RDF/XML"):
        fx.export_layers(Layers(Graph(), graph, Graph()), tmp_path, ["rdfxml"])


def test_the_refusal_names_the_first_refused_triple_among_many() -> None:
    good = [(URIRef(f"https://example.org/s{number}"), RDFS.label, Literal(f"label {number}")) for number in range(50)]
    first = (URIRef("https://example.org/t1"), RDFS.comment, Literal("1", datatype=URIRef("not an iri")))
    second = (URIRef("relative/subject"), RDFS.label, Literal("x"))
    with pytest.raises(OutputError, match="'not an iri'") as refused:
        rx.check_exportable([*good, first, *good, second], ["ntriples"])
    assert "t1" in str(refused.value.record)
    with pytest.raises(OutputError, match="'relative/subject'"):
        rx.check_exportable([*good, second], ["ntriples"])
    rx.check_exportable(good, sorted(fx.FORMATS))


# -- property test: awkward literals and IRIs through every RDF export ------------------------------------

_IRI_PIECES = ["a", "Z", "0", "-", ".", "_", "~", "é", "中", "(", ")", "'", "!", "$", "*", "+", ",", ";", "=", ":", "@", "/",
               "%20", "%C3%A9", "?q=1"]
_AWKWARD = ['"""', "'''", "\\", "\r\n", "\r", "\n", "\x01", "\x0b", "\x7f", "\x85", "\ufffe", "]]>", "<&>", " ", "", "\t",
            "\u2028", '"', 'x"', "@prefix", "_:b0", "#", "\U0001f600"]
_BASES = ["https://example.org/", str(STUDY), str(SSKG_NS), "urn:x:", "http://[::1]/"]
iris = st.builds(lambda base, parts: URIRef(base + "".join(parts)), st.sampled_from(_BASES),
                 st.lists(st.sampled_from(_IRI_PIECES), max_size=6))
texts = st.one_of(st.text(max_size=15), st.lists(st.sampled_from(_AWKWARD), min_size=1, max_size=4).map("".join))
literals = st.one_of(
    texts.map(Literal),
    st.builds(lambda text, lang: Literal(text, lang=lang), texts, st.sampled_from(["en", "en-GB", "nb", "zh-Hant-TW"])),
    st.builds(lambda text, datatype: Literal(text, datatype=datatype), st.one_of(texts, st.integers().map(str), st.just("01")),
              st.sampled_from([XSD.integer, XSD.decimal, XSD.boolean, XSD.date, XSD.anyURI, XSD.string,
                               URIRef("https://example.org/datatype")])),
)
bnodes = st.sampled_from([BNode("b1"), BNode("b2"), BNode("b3")])
predicates = st.sampled_from([RDFS.label, RDF.type, SSKG.year, SSKG.hasOutcome, SSKG.value, OWL.equivalentClass,
                              URIRef("https://example.org/p"), URIRef("https://example.org/caf%C3%A9")])
triples = st.tuples(st.one_of(iris, bnodes), predicates, st.one_of(iris, bnodes, literals))
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DATASET_WRITERS = {"trig": (rx.trig, ox.RdfFormat.TRIG), "nquads": (rx.nquads, ox.RdfFormat.N_QUADS)}
GRAPH_WRITERS = {"ntriples": (rx.ntriples, ox.RdfFormat.N_TRIPLES), "turtle": (rx.turtle, ox.RdfFormat.TURTLE),
                 "rdfxml": (rx.rdfxml, ox.RdfFormat.RDF_XML), "jsonld": (jx.jsonld, ox.RdfFormat.JSON_LD)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(triples, min_size=1, max_size=8))
def test_every_rdf_export_round_trips_awkward_terms_through_pyoxigraph(content: list[tuple[Node, Node, Node]]) -> None:
    graph = Graph()
    for triple in content:
        graph.add(triple)
    layers = Layers(Graph(), graph, Graph())
    xml_unsafe = any(isinstance(o, Literal) and XML_ILLEGAL.search(o) for _, _, o in graph)
    canonical = canonical_layers(layers)
    for name, (writer, fmt) in {**GRAPH_WRITERS, **DATASET_WRITERS}.items():
        if name == "rdfxml" and xml_unsafe:
            with pytest.raises(OutputError, match="XML"):
                rx.check_exportable(graph, [name])
            continue
        rx.check_exportable(graph, [name])
        text = writer(canonical)
        found = ox_graphs(text.encode("utf-8"), fmt)
        if name in DATASET_WRITERS:
            assert_same(found, {str(i): as_graphs(g)[None] for i, g in rx.named_graphs(canonical).items() if len(g)}, name)
        elif name == "turtle":  # rdflib's longturtle writes "0"^^xsd:decimal as 0.0: same value, other lexical form
            assert_same({None: by_value(found[None])}, {None: by_value(as_graphs(graph)[None])}, name)
        else:
            assert_same(found, as_graphs(graph), name)


def by_value(graph: Graph) -> Graph:
    """Valid numbers and booleans in canonical form."""
    def canonical(term: Node) -> Node:
        if isinstance(term, Literal) and term.datatype in (XSD.integer, XSD.decimal, XSD.boolean) and term.ill_typed is False:
            value = term.toPython()
            text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value).lower() if isinstance(value, bool) else str(value)
            return Literal(text, datatype=term.datatype)
        return term

    result = Graph()
    for s, p, o in graph:
        result.add((s, p, canonical(o)))
    return result


# -- sskg export (command) --------------------------------------------------------------------------------

def test_export_command_writes_from_a_build_folder(built: tuple[BuildResult, Path], tmp_path: Path, exported: Path) -> None:
    result = CliRunner().invoke(export, ["--format", "csv", "--format", "jsonld", "--out", str(tmp_path), "--graph", str(built[1])])
    assert result.exit_code == 0, result.output
    names = ["context.jsonld", "datapackage.json", "effect-estimates.csv", "findings.csv", "prisma-flow.csv",
             "sskg.jsonld", "studies.csv"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [MARKER, *names]
    assert json.loads((tmp_path / MARKER).read_text(encoding="utf-8"))["files"] == names  # what sskg may replace
    for name in names:
        assert (tmp_path / name).read_bytes() == (exported / name).read_bytes()
    missing = CliRunner().invoke(export, ["--out", str(tmp_path), "--graph", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "run 'sskg build' first" in missing.output


# -- sskg push against a local fake store ----------------------------------------------------------------

class FakeStore:
    """A Graph Store + SPARQL Update endpoint on 127.0.0.1 that wants basic auth (allowed on loopback)."""

    def __init__(self, refuse_update: bool = False) -> None:
        self.graphs: dict[str, bytes] = {}
        self.log: list[str] = []
        self.seen_credentials: list[str] = []
        store = self

        class Handler(BaseHTTPRequestHandler):
            def _authorised(self) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return False
                store.seen_credentials.append(b64decode(header[6:]).decode())
                return True

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))

            def _reply(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _graph(self) -> str:
                from urllib.parse import parse_qs, urlsplit

                return parse_qs(urlsplit(self.path).query)["graph"][0]

            def do_HEAD(self) -> None:
                if self._authorised():
                    self._reply(200)

            def do_PUT(self) -> None:
                body = self._body()
                if self._authorised():
                    store.log.append(f"PUT {self._graph()}")
                    store.graphs[self._graph()] = body
                    self._reply(201)

            def do_DELETE(self) -> None:
                if self._authorised():
                    store.log.append(f"DELETE {self._graph()}")
                    store.graphs.pop(self._graph(), None)
                    self._reply(204)

            def do_POST(self) -> None:
                from urllib.parse import parse_qs

                update = parse_qs(self._body().decode())["update"][0]
                if not self._authorised():
                    return
                store.log.append(f"POST {update}")
                if refuse_update:
                    self._reply(403)
                    return
                source, target = re.findall(r"<([^>]+)>", update)
                store.graphs[target] = store.graphs.pop(source)
                self._reply(200)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def store(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    fake = FakeStore(refuse_update=getattr(request, "param", False))
    yield fake
    fake.close()


GRAPH = "https://w3id.org/sskg/graph/main"


def test_push_uploads_to_a_temporary_graph_then_moves_it(store: FakeStore) -> None:
    report = push_graph(b"<https://e.org/s> <https://e.org/p> 1 .", "text/turtle", store.url + "/ds/data", GRAPH,
                        Credentials("alice", "s3cret"))
    assert report.method == "move" and report.temporary and report.temporary.startswith(GRAPH + "-tmp-")
    assert store.log == [f"PUT {report.temporary}", f"POST MOVE GRAPH <{report.temporary}> TO GRAPH <{GRAPH}>"]
    assert list(store.graphs) == [GRAPH]
    assert set(store.seen_credentials) == {"alice:s3cret"}
    assert "s3cret" not in str(report) and "s3cret" not in repr(Credentials("alice", "s3cret"))


@pytest.mark.parametrize("store", [True], indirect=True)
def test_push_falls_back_to_a_direct_put_when_move_is_refused(store: FakeStore) -> None:
    report = push_graph(b"<https://e.org/s> <https://e.org/p> 1 .", "text/turtle", store.url + "/ds/data", GRAPH,
                        Credentials("alice", "s3cret"))
    assert report.method == "put" and "HTTP 403" in report.note
    assert store.log[0].startswith("PUT " + GRAPH + "-tmp-") and store.log[-1] == f"PUT {GRAPH}"
    assert store.log[2].startswith("DELETE ") and list(store.graphs) == [GRAPH]


def test_push_command_takes_the_password_from_the_environment_only(store: FakeStore, tmp_path: Path) -> None:
    data = tmp_path / "g.ttl"
    data.write_text("<https://e.org/s> <https://e.org/p> 1 .\n", encoding="utf-8")
    runner = CliRunner()
    args = ["--endpoint", store.url + "/ds/data", "--graph", GRAPH, "--file", str(data), "--user", "alice",
            "--password-env", "STORE_PW"]
    ok = runner.invoke(push, args, env={"STORE_PW": "s3cret"})
    assert ok.exit_code == 0, ok.output
    assert "moved into place" in ok.output and "s3cret" not in ok.output
    missing = runner.invoke(push, args, env={"STORE_PW": None})
    assert missing.exit_code == 2 and "STORE_PW" in missing.output


def test_push_reports_connection_failures_clearly() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OutputError, match="cannot connect to http://127.0.0.1") as caught:
        push_graph(b"", "text/turtle", f"http://127.0.0.1:{port}/store", GRAPH, Credentials("u", "s3cret"), timeout=5)
    assert "s3cret" not in str(caught.value) and "store is running" in str(caught.value)


def test_push_refuses_bad_input_before_any_request(capture_server: CaptureServer) -> None:
    with pytest.raises(OutputError, match="credentials"):
        push_graph(b"", "text/turtle", "http://u:pw@127.0.0.1:9/store", GRAPH)
    with pytest.raises(OutputError, match="IRI"):
        push_graph(b"", "text/turtle", capture_server.url + "/store", "not an iri")
    with pytest.raises(OutputError, match="http"):
        push_graph(b"", "text/turtle", "file:///etc/passwd", GRAPH)
    assert capture_server.requests == []


def test_update_endpoints_of_known_stores() -> None:
    assert update_endpoint_for("http://h:8890/sparql-graph-crud-auth") == "http://h:8890/sparql-auth"
    assert update_endpoint_for("http://h:3030/ds/data") == "http://h:3030/ds/update"
    assert update_endpoint_for("http://h:7878/store") == "http://h:7878/update"
    assert update_endpoint_for("http://h/rdf-graphs/service") is None


def test_remote_queries_refuse_unsafe_text_before_any_request(capture_server: CaptureServer) -> None:
    for text in ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "DROP ALL",
                 "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"):
        with pytest.raises(QueryError):
            run_remote_query(capture_server.url + "/sparql", text)
    assert capture_server.requests == []


def test_ontology_rdfxml_for_the_build_is_the_ontology(built: tuple[BuildResult, Path]) -> None:
    text = (built[1] / "ontology.owl").read_text(encoding="utf-8")
    assert same_graph(as_graphs(Graph().parse(data=text, format="xml"))[None], as_graphs(built[0].ontology)[None])
    assert text == rdfxml_text(ox_sorted(built[0].layers.ontology))


def test_export_command_names_every_format_and_refuses_unknown_ones(built: tuple[BuildResult, Path], tmp_path: Path) -> None:
    help_text = " ".join(CliRunner().invoke(export, ["--help"]).output.split())
    assert all(name in help_text for name in fx.FORMATS)
    result = CliRunner().invoke(export, ["--format", "bogus", "--out", str(tmp_path), "--graph", str(built[1])])
    assert result.exit_code == 2 and "unknown export format bogus" in result.output
    assert not list(tmp_path.iterdir())


def test_turtle_and_trig_never_escape_a_local_name(built: tuple[BuildResult, Path], exported: Path) -> None:
    """finding:a\\/b is valid Turtle, but Virtuoso 7 reads it as a different IRI: such IRIs are written in full."""
    escaped = re.compile(r"[A-Za-z][\w-]*:\S*\\[^\"]")
    for path in (built[1] / "sskg.ttl", exported / "sskg.trig", built[1] / "nanopubs.trig"):
        body = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("@prefix")]
        assert not [line for line in body if escaped.search(line.split('"', 1)[0])], path.name
    assert "<https://w3id.org/sskg/finding/andrea-2016/adequate-support-help-seeking>" in (built[1] / "sskg.ttl").read_text(encoding="utf-8")


def test_plain_prefixes_drop_a_namespace_and_check_the_shorter_one_that_takes_over() -> None:
    prefixes = {"a": "http://x.org/", "b": "http://x.org/b/", "c": "http://y.org/c#"}
    assert plain_prefixes(prefixes, {"http://x.org/b/ok", "http://y.org/c#fine"}) == prefixes
    # b:1/2 needs an escape, so b goes; then a would write a:b/1/2, so a goes too.
    assert plain_prefixes(prefixes, {"http://x.org/b/1/2", "http://x.org/top"}) == {"c": "http://y.org/c#"}
    assert plain_prefixes(prefixes, {"http://x.org/b/x~y", "http://x.org/b/plain"}) == {"c": "http://y.org/c#"}
    assert plain_prefixes({"a": "http://x.org/a"}, {"http://x.org/ab.c", "http://x.org/a_b"}) == {"a": "http://x.org/a"}
    assert plain_prefixes({"a": "http://x.org/a"}, {"http://x.org/a.b"}) == {}  # a local name cannot start with "."
    assert plain_prefixes({"a": "http://x.org/a"}, {"http://x.org/a/b"}) == {}
