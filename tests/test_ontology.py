"""The ontology: metadata, OWL 2 DL hygiene, and agreement with the code's namespace module."""

from __future__ import annotations

import re

from rdflib import URIRef
from rdflib.namespace import OWL, RDF

from sskg.graphbuild.ontology import load_ontology, vocabulary_of
from sskg.namespaces import SSKG, SSKG_NS
from sskg.ontology import ONTOLOGY_FILE


def test_every_namespace_term_is_declared_in_the_ontology() -> None:
    ontology = load_ontology()
    declared = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(SSKG_NS))}
    terms = {URIRef(str(SSKG_NS) + name) for name in SSKG.__annotations__}
    assert terms <= declared, sorted(terms - declared)


def test_every_property_used_is_typed() -> None:
    ontology = load_ontology()
    typed = set(ontology.subjects(RDF.type, None))
    used = {p for p in ontology.predicates() if p != RDF.type}
    builtin = {str(RDF), "http://www.w3.org/2000/01/rdf-schema#", str(OWL)}
    untyped = {p for p in used - typed if not any(str(p).startswith(b) for b in builtin)}
    assert untyped == set()


def test_no_imports_and_versioned() -> None:
    ontology = load_ontology()
    onto = URIRef("https://w3id.org/sskg/ontology")
    assert not list(ontology.objects(None, OWL.imports))
    assert ontology.value(onto, OWL.versionIRI) is not None


def test_vocabulary_schemes_cover_the_evidence_readme() -> None:
    readme = (ONTOLOGY_FILE.parents[1] / "evidence" / "README.md").read_text(encoding="utf-8")
    vocabulary_part = readme.split("## Vocabulary")[1].split("## Errors")[0]
    concept_part = vocabulary_part.split("- **Countries**")[1]
    ids = set(re.findall(r"`([a-z0-9-]+)`", concept_part)) - {"not-reported"}
    known = set().union(*vocabulary_of(load_ontology()).schemes.values())
    assert ids - known == set()
