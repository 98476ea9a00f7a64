"""Reading RDF safely and writing outputs atomically.

Hazards handled here (see the hazards list): entity bombs in RDF/XML (L4), remote or `file:` JSON-LD
contexts (L5), `owl:imports` and owlready2's `python_module` annotation (L6), deep nesting (L7).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL
from rdflib.term import Node

from sskg.errors import OutputError, UnsafeInputError
from sskg.namespaces import PREFIXES

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml", ".jsonld": "json-ld", ".trig": "trig", ".nq": "nquads"}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
PYTHON_MODULE = URIRef("http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#python_module")
MAX_RDF_BYTES = 500_000_000


# XML 1.0 `Char` excludes these (and lone surrogates, which no UTF-8 file can hold either).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_OPAQUE_SCHEMES = {"urn", "mailto", "tag"}


def iri_problem(iri: str) -> str | None:
    """Why `iri` cannot be exported, or None: it must be absolute, valid, and not a CURIE in disguise."""
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        return f"not a valid absolute IRI ({error})"
    if NOT_XML.search(iri):
        return "contains a control character or a non-character"
    scheme, _, rest = iri.partition(":")
    if not rest.startswith("//") and scheme.lower() not in _OPAQUE_SCHEMES:
        return f"looks like a prefixed name ({scheme}:…), not an IRI"
    return None


def rdf_format(path: Path) -> str:
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise UnsafeInputError(
            f"unknown RDF file type {path.suffix!r}", file=str(path), fix=f"use one of {', '.join(sorted(_FORMATS))}"
        ) from None


def parse_rdf_file(graph: Graph, path: Path) -> Graph:
    """Parse a local RDF file into `graph`, refusing what could fetch, expand or recurse."""
    data = path.read_bytes()
    if len(data) > MAX_RDF_BYTES:
        raise UnsafeInputError(f"file is larger than {MAX_RDF_BYTES} bytes", file=str(path), fix="split the file")
    fmt = rdf_format(path)
    if fmt == "xml" and _DOCTYPE.search(data):
        raise UnsafeInputError(
            "RDF/XML with a DOCTYPE or ENTITY declaration is refused (entity expansion)",
            file=str(path), fix="remove the <!DOCTYPE …> block and write entities out",
        )
    if fmt == "json-ld":
        _refuse_remote_context(data, path)
    if type(graph.store).__name__ == "OxigraphStore" and fmt != "json-ld":
        fmt = "ox-" + fmt  # Oxigraph's own parser: about ten times faster than rdflib's into the same store
    try:
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except RecursionError:
        raise UnsafeInputError(
            "nesting too deep to parse", file=str(path), fix="flatten nested blank nodes or lists"
        ) from None
    except UnsafeInputError:
        raise
    except Exception as error:  # rdflib raises many unrelated types for bad syntax
        raise UnsafeInputError(f"not valid {fmt}: {error}", file=str(path), fix="correct the syntax at the place named") from None
    return graph


def _refuse_remote_context(data: bytes, path: Path) -> None:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise UnsafeInputError(f"not valid JSON: {error}", file=str(path), fix="correct the JSON") from None
    for context in _contexts(document):
        if isinstance(context, str):
            raise UnsafeInputError(
                f"JSON-LD @context {context!r} would be fetched", file=str(path),
                fix="inline the context object, or use the context bundled with sskg",
            )


def _contexts(node: object) -> Iterator[object]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@context" in item:
                context = item["@context"]
                yield from (context if isinstance(context, list) else [context])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def strip_imports(graph: Graph) -> Graph:
    """A copy without `owl:imports` or owlready2 `python_module` statements (they fetch or run code)."""
    clean = Graph()
    for triple in graph:
        if triple[1] not in (OWL.imports, PYTHON_MODULE):
            clean.add(triple)
    return clean


@contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside `path` and rename it into place only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"could not write: {error.strerror or error}", file=str(path),
                          fix="check free disk space and permissions") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def new_graph(store: str = "default") -> Graph:
    """An empty graph with sskg's prefixes bound."""
    return bind_prefixes(Graph(store=store))


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def term_key(terms: Iterable[Node]) -> tuple[str, ...]:
    """A sort key: each term's N3 form."""
    return tuple(map(_n3, terms))


def _n3(term: Node) -> str:
    return f"<{term}>" if type(term) is URIRef else term.n3()  # written out: URIRef.n3() re-validates the IRI, slowly


class _Memo(dict):  # type: ignore[type-arg]
    """What `make` gives for each term, made once per distinct term (in a graph, terms recur)."""

    def __init__(self, make: Callable[[Node], object]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, term: Node) -> object:
        made = self[term] = self.make(term)
        return made


def term_sorted(triples: Iterable[tuple[Node, Node, Node]]) -> list[tuple[Node, Node, Node]]:
    """`triples` in `term_key` order."""
    keys = _Memo(_n3)
    return sorted(triples, key=lambda triple: (keys[triple[0]], keys[triple[1]], keys[triple[2]]))


def plain_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A graph of `triples` without prefix bindings: binding them costs a millisecond per graph, and the
    writers here are given their prefixes (and sort the triples) themselves."""
    graph = Graph(bind_namespaces="none")
    for triple in triples:
        graph.add(triple)
    return graph


def ox_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """The rdflib term for an Oxigraph term, as oxrdflib makes it (a plain string keeps its xsd:string datatype)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def merge(*graphs: Graph) -> Graph:
    merged = new_graph()
    for graph in graphs:
        for triple in graph:
            merged.add(triple)
    return merged


def ox_sorted(graph: Graph) -> list[ox.Triple]:
    return ox_triples(term_sorted(graph))


def ox_triples(triples: Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    terms = _Memo(ox_term)
    return [ox.Triple(terms[s], terms[p], terms[o]) for s, p, o in triples]


def oxigraph_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph held by Oxigraph, filled natively, with sskg's prefixes bound (blank-node labels kept).

    `ox_store` then hands over its store without a copy: SPARQL and validation run on it directly.
    """
    graph = new_graph("Oxigraph")
    name = ox_term(graph.identifier)  # oxrdflib keeps a graph's triples in the named graph of its identifier
    store = backing_store(graph)
    assert store is not None
    store.bulk_extend(ox.Quad(triple.subject, triple.predicate, triple.object, name) for triple in triples)  # type: ignore[arg-type]
    return graph


def oxigraph_merge(*graphs: Graph) -> Graph:
    """What `merge` makes, held by Oxigraph."""
    return oxigraph_graph(ox_triples(triple for graph in graphs for triple in graph))


def ox_text(items: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> str:
    """Oxigraph's writer over items already in sorted order (rdflib's RDF/XML writer follows hash order,
    its Turtle writers are slow); a Turtle/TriG prefix block comes out sorted too, for stable bytes."""
    if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) or not prefixes:
        return ox.serialize(items, format=fmt, prefixes=prefixes).decode("utf-8")
    items = list(items)
    text = ox.serialize(items, format=fmt, prefixes=plain_prefixes(prefixes, _iris(items))).decode("utf-8")
    lines = text.split("\n")
    count = next(index for index, line in enumerate(lines) if not line.startswith("@prefix "))
    return "\n".join(sorted(lines[:count]) + lines[count:])


# A local name that needs no backslash escape: Oxigraph writes e.g. finding:a\/b, which is valid Turtle
# that some stores (Virtuoso 7) read wrongly.
_PLAIN_LOCAL = re.compile(r"([A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")


def plain_prefixes(prefixes: dict[str, str], iris: set[str]) -> dict[str, str]:
    """The prefixes under which every IRI of `iris` they would abbreviate has a plain local name.

    A writer abbreviates with the longest matching namespace; dropping one can hand its IRIs to a
    shorter one, so this repeats until nothing changes.
    """
    chosen = dict(prefixes)
    while True:
        by_namespace = {namespace: prefix for prefix, namespace in chosen.items()}
        at_separators = all(namespace.endswith(("/", "#")) for namespace in by_namespace)
        unsafe = set()
        # With namespaces that end at separators, an IRI's is its parent's (the IRI up to its last separator),
        # and IRIs share parents: look each parent up once.
        of_parent: dict[str, str | None] = {}
        for iri in iris:
            if at_separators:
                parent = iri[:max(iri.rfind("/"), iri.rfind("#")) + 1]
                if parent not in of_parent:
                    of_parent[parent] = _longest_namespace(parent, by_namespace, at_separators)
                namespace = of_parent[parent]
            else:
                namespace = _longest_namespace(iri, by_namespace, at_separators)
            if namespace is not None and not _PLAIN_LOCAL.fullmatch(iri, len(namespace)):
                unsafe.add(by_namespace[namespace])
        if not unsafe:
            return chosen
        chosen = {prefix: namespace for prefix, namespace in chosen.items() if prefix not in unsafe}


def _longest_namespace(iri: str, by_namespace: dict[str, str], at_separators: bool) -> str | None:
    if at_separators:
        # Every namespace ends in "/" or "#", so the longest match ends at one of the IRI's own separators: look those up, right to left.
        end = len(iri)
        while (cut := max(iri.rfind("/", 0, end), iri.rfind("#", 0, end)) + 1) > 0:
            if iri[:cut] in by_namespace:
                return iri[:cut]
            end = cut - 1
        return None
    return max((namespace for namespace in by_namespace if iri.startswith(namespace)), key=len, default=None)


def _iris(items: list[ox.Triple] | list[ox.Quad]) -> set[str]:
    """The IRIs of `items` (their terms' and their literals' datatypes), from each distinct term once."""
    terms = {item.subject for item in items} | {item.predicate for item in items} | {item.object for item in items}
    if items and isinstance(items[0], ox.Quad):
        terms |= {item.graph_name for item in items}  # type: ignore[union-attr]
    iris = {term.value for term in terms if isinstance(term, ox.NamedNode)}
    return iris | {term.datatype.value for term in terms if isinstance(term, ox.Literal)}


def backing_store(graph: Graph) -> ox.Store | None:
    """The pyoxigraph Store behind an oxrdflib-backed graph, else None."""
    inner = getattr(graph.store, "_inner", None)
    return inner if isinstance(inner, ox.Store) else None


def ox_store(graph: Graph) -> ox.Store:
    """The graph as a pyoxigraph Store for fast SPARQL: its own store when oxrdflib backs it, else a copy.

    Query it with `use_default_graph_as_union=True`: oxrdflib keeps triples in a named graph.
    """
    inner = backing_store(graph)
    if inner is not None:
        return inner
    store = ox.Store()
    store.bulk_extend(ox.Quad(*(ox_term(term) for term in triple)) for triple in graph)
    return store


PREFIX_MAP = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def turtle_text(triples: Iterable[ox.Triple]) -> str:
    return ox_text(triples, ox.RdfFormat.TURTLE, PREFIX_MAP)


def rdfxml_text(triples: Iterable[ox.Triple]) -> str:
    return ox_text(triples, ox.RdfFormat.RDF_XML, PREFIX_MAP)
