"""The terms the sskg ontology defines (classes, properties, concepts), with labels: for lint and completion."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from sskg.namespaces import CONCEPT, SSKG_NS

from .parameters import compact

CHECKED_NAMESPACES = (str(SSKG_NS), str(CONCEPT))  # sskg: and sskgc:, whose every term the ontology defines
_CLASS_TYPES = {str(OWL.Class), str(RDFS.Class)}
_PROPERTY_TYPES = {str(OWL.ObjectProperty), str(OWL.DatatypeProperty), str(OWL.AnnotationProperty), str(RDF.Property)}
_TYPE = str(RDF.type)
_LABELS = (str(SKOS.prefLabel), str(RDFS.label))  # in order of preference


@dataclass(frozen=True)
class OntologyTerm:
    iri: URIRef
    role: str  # class, property or term (a concept, scheme or other individual)
    label: str
    uses: int  # statements of the ontology that have it as object: how central it is

    @property
    def prefixed(self) -> str:
        return compact(self.iri)


@cache
def ontology_terms() -> dict[URIRef, OntologyTerm]:
    """Every IRI the ontology (with its local import slices) says something about, by IRI.

    Read with Oxigraph's parser, natively: `sskg query` needs this on every run, and rdflib's parse of the
    ontology took longer than the query (the files are the package's own; nothing is fetched)."""
    from sskg.graphbuild.ontology import ontology_files

    return terms_of(quad for path in ontology_files() for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE))


def terms_of(ontology: Iterable[ox.Quad]) -> dict[URIRef, OntologyTerm]:
    types: dict[str, set[str]] = {}
    labels: dict[str, dict[str, list[ox.Literal]]] = {}
    uses: Counter[str] = Counter()
    for subject, predicate, value, _ in set(ontology):  # a triple stated twice is one statement
        if isinstance(value, ox.NamedNode):
            uses[value.value] += 1
        if isinstance(subject, ox.NamedNode):
            kinds = types.setdefault(subject.value, set())
            if predicate.value == _TYPE:
                kinds.add(value.value)
            elif predicate.value in _LABELS and isinstance(value, ox.Literal):
                labels.setdefault(subject.value, {}).setdefault(predicate.value, []).append(value)
    terms = {}
    for subject, kinds in types.items():
        role = "class" if kinds & _CLASS_TYPES else "property" if kinds & _PROPERTY_TYPES else "term"
        terms[URIRef(subject)] = OntologyTerm(URIRef(subject), role, _label(labels.get(subject, {})), uses[subject])
    return terms


def checked(iri: str) -> bool:
    """Whether the IRI is in a namespace whose terms the ontology must define."""
    return any(iri.startswith(namespace) and len(iri) > len(namespace) for namespace in CHECKED_NAMESPACES)


def _label(values_by_predicate: dict[str, list[ox.Literal]]) -> str:
    """The English (or untagged) skos:prefLabel, else rdfs:label; the first in order if several."""
    for predicate in _LABELS:
        values = sorted(values_by_predicate.get(predicate, []), key=lambda value: (value.language not in (None, "en"), value.value))
        if values:
            return values[0].value
    return ""
