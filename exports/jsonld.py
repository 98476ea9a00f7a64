"""JSON-LD of the built graph: compact, with plain-word keys from a context made from the ontology."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from sskg.layers import Layers
from sskg.namespaces import SSKG_NS

from .iris import EXPORT_PREFIXES, compact_iri, compacting, split_iri

CONTEXT_FILE = Path(__file__).resolve().parent / "context.jsonld"
_PLAIN_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_TYPE, _STRING = RDF.type, XSD.string  # looked up once: a namespace attribute costs microseconds, per triple


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
        local, curie = split_iri(iri, context)
        if curie is None or not _PLAIN_WORD.match(local) or local in context:
            continue
        ranges = set(ontology.objects(iri, RDFS.range))
        if (iri, RDF.type, OWL.ObjectProperty) in ontology:
            context[local] = {"@id": curie, "@type": "@id"}
        elif (iri, RDF.type, OWL.DatatypeProperty) in ontology and len(ranges) == 1 \
                and next(iter(ranges)) not in (XSD.string, RDF.langString, RDF.PlainLiteral, RDFS.Literal):
            context[local] = {"@id": curie, "@type": compact_iri(next(iter(ranges)), context)}
        else:
            context[local] = curie
    return context


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
    if predicate == _TYPE and isinstance(obj, URIRef):
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
    if obj.datatype is None or obj.datatype == _STRING:
        return str(obj)
    return {"@value": str(obj), "@type": compact(str(obj.datatype))}
