"""Reading RDF safely and writing outputs atomically.

Hazards handled here (see the hazards list): entity bombs in RDF/XML (L4), remote or `file:` JSON-LD
contexts (L5), `owl:imports` and owlready2's `python_module` annotation (L6), deep nesting (L7).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
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


def new_graph() -> Graph:
    """An empty graph with sskg's prefixes bound."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def term_key(terms: Iterable[Node]) -> tuple[str, ...]:
    return tuple(term.n3() for term in terms)


def sorted_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A graph filled in sorted order, so serialisers that follow insertion order are deterministic."""
    graph = new_graph()
    for triple in sorted(triples, key=term_key):
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


def rdf_text(graph: Graph, fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> str:
    """The graph in sorted order, written by Oxigraph (rdflib's RDF/XML writer follows hash order)."""
    triples = (ox.Triple(*(ox_term(term) for term in triple)) for triple in sorted(graph, key=term_key))
    return ox.serialize(triples, format=fmt, prefixes=prefixes).decode("utf-8")


def backing_store(graph: Graph) -> ox.Store | None:
    """The pyoxigraph Store behind the graph when oxrdflib backs it."""
    inner = getattr(graph.store, "_inner", None)
    return inner if isinstance(inner, ox.Store) else None


def ox_store(graph: Graph) -> ox.Store:
    """The graph as a pyoxigraph Store for fast SPARQL: its own store when oxrdflib backs it, else a copy.

    Query it with `use_default_graph_as_union=True`: oxrdflib keeps triples in a named graph.
    """
    own = backing_store(graph)
    if own is not None:
        return own
    store = ox.Store()
    store.bulk_extend(ox.Quad(*(ox_term(term) for term in triple)) for triple in graph)
    return store
