"""The terms the sskg ontology defines (classes, properties, concepts), with labels: for lint and completion."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from sskg.namespaces import CONCEPT, SSKG_NS

from .parameters import compact

CHECKED_NAMESPACES = (str(SSKG_NS), str(CONCEPT))  # sskg: and sskgc:, whose every term the ontology defines
_CLASS_TYPES = {OWL.Class, RDFS.Class}
_PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}


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
    """Every IRI the ontology (with its local import slices) says something about, by IRI."""
    from sskg.graphbuild.ontology import load_ontology

    return terms_of(load_ontology())


def terms_of(ontology: Graph) -> dict[URIRef, OntologyTerm]:
    terms = {}
    for subject in set(ontology.subjects()):
        if not isinstance(subject, URIRef):
            continue
        types = set(ontology.objects(subject, RDF.type))
        role = "class" if types & _CLASS_TYPES else "property" if types & _PROPERTY_TYPES else "term"
        uses = sum(1 for _ in ontology.subject_predicates(subject))
        terms[subject] = OntologyTerm(subject, role, _label(ontology, subject), uses)
    return terms


def checked(iri: str) -> bool:
    """Whether the IRI is in a namespace whose terms the ontology must define."""
    return any(iri.startswith(namespace) and len(iri) > len(namespace) for namespace in CHECKED_NAMESPACES)


def _label(graph: Graph, subject: URIRef) -> str:
    for predicate in (SKOS.prefLabel, RDFS.label):
        values = sorted(graph.objects(subject, predicate), key=lambda value: (getattr(value, "language", None) not in (None, "en"), str(value)))
        if values:
            return str(values[0])
    return ""
