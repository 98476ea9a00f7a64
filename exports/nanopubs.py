"""One nanopublication per finding: head, assertion, provenance and publication-info graphs.

IRIs are stable: https://w3id.org/sskg/np/<study>/<finding> names the nanopublication and
…/head, …/assertion, …/provenance, …/pubinfo its four graphs.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS
from rdflib.term import Node

from sskg.layers import Layers
from sskg.namespaces import BASE, FINDING, OA, ONTOLOGY_IRI, SSKG

from .iris import EXPORT_PREFIXES
from .rdf_exports import dataset_text, graph_quads

NP = Namespace("http://www.nanopub.org/nschema#")
NANOPUB = Namespace(BASE + "np/")

Triple = tuple[Node, Node, Node]


def nanopub_iri(finding: URIRef) -> URIRef:
    return NANOPUB[str(finding)[len(FINDING):]]


def nanopublications(layers: Layers) -> dict[URIRef, set[Triple]]:
    """Four named graphs per finding, keyed by graph IRI (sets of triples: an rdflib graph per named graph
    cost more than the rest of the export at scale).

    The assertion holds the finding's triples and its effect estimates' (direction, population,
    outcome, exposures …); the provenance graph says the assertion was derived from the study and
    where the review states it (section, Table 1 row, quote and position selectors); the
    publication info gives the licence and creator (an IRI, with its label) of the sskg data, and as the
    creation time the day its review's evidence was last curated (`sskg:curatedOn`), never the clock, so the
    same evidence gives the same nanopublications. They are not signed (see the README).
    """
    evidence = layers.evidence
    ontology = URIRef(ONTOLOGY_IRI)
    publication = [(DCTERMS.license, value) for value in layers.ontology.objects(ontology, DCTERMS.license)]
    creators = sorted(layers.ontology.objects(ontology, DCTERMS.creator))
    publication += [(DCTERMS.creator, creator) for creator in creators]
    described = [(creator, RDFS.label, label) for creator in creators for label in layers.ontology.objects(creator, RDFS.label)]
    curated = {study: created for review, created in evidence.subject_objects(SSKG.curatedOn)
               for study in evidence.objects(review, SSKG.includesStudy)}
    graphs: dict[URIRef, set[Triple]] = {}
    for finding in sorted(evidence.subjects(RDF.type, SSKG.Finding)):
        base = nanopub_iri(finding)
        head, assertion, provenance, pubinfo = (URIRef(f"{base}/{part}") for part in ("head", "assertion", "provenance", "pubinfo"))
        asserted: list[Triple] = []
        derived: list[Triple] = [(assertion, PROV.wasDerivedFrom, study) for study in evidence.objects(finding, SSKG.fromStudy)]
        for node in [finding, *evidence.objects(finding, SSKG.hasEffectEstimate)]:
            for predicate, obj in evidence.predicate_objects(node):
                if predicate == SSKG.statedAt:
                    derived += [(node, predicate, obj), *_location(evidence, obj)]
                else:
                    asserted.append((node, predicate, obj))
        graphs[head] = {
            (base, RDF.type, NP.Nanopublication),
            (base, NP.hasAssertion, assertion),
            (base, NP.hasProvenance, provenance),
            (base, NP.hasPublicationInfo, pubinfo),
        }
        graphs[assertion] = set(asserted)
        graphs[provenance] = set(derived)
        created = [(base, DCTERMS.created, curated[study]) for study in evidence.objects(finding, SSKG.fromStudy)]
        graphs[pubinfo] = {*((base, predicate, value) for predicate, value in publication), *created, *described}
    return graphs


def _location(evidence: Graph, location: Node) -> list[Triple]:
    """A provenance location's triples and those of its text selectors."""
    triples = list(evidence.triples((location, None, None)))
    for selector in evidence.objects(location, OA.hasSelector):
        triples += evidence.triples((selector, None, None))
    return triples


def nanopubs_trig(layers: Layers) -> str:
    prefixes = {**EXPORT_PREFIXES, "np": str(NP), "nanopub": str(NANOPUB)}
    return dataset_text(graph_quads(nanopublications(layers)), ox.RdfFormat.TRIG, prefixes)
