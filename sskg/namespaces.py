"""Namespaces of sskg and of the vocabularies it reuses.

Our own ontology terms are a closed `DefinedNamespace`: a typo raises instead of minting a new IRI.
Instance IRIs (studies, findings, concepts ...) live in open namespaces.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

BASE = "https://w3id.org/sskg/"
ONTOLOGY_IRI = BASE + "ontology"

CONCEPT = Namespace(BASE + "concept/")
STUDY = Namespace(BASE + "study/")
FINDING = Namespace(BASE + "finding/")
WORK = Namespace(BASE + "work/")
REVIEW = Namespace(BASE + "review/")
THEME = Namespace(BASE + "theme/")
SCHEME = Namespace(BASE + "scheme/")
PROVENANCE = Namespace(BASE + "provenance/")

OA = Namespace("http://www.w3.org/ns/oa#")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
CITO = Namespace("http://purl.org/spar/cito/")
DEO = Namespace("http://purl.org/spar/deo/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
VANN = Namespace("http://purl.org/vocab/vann/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")


class SSKG(DefinedNamespace):
    """Terms of the sskg ontology (ontology/sskg.ttl). Keep in step with that file."""

    _NS = Namespace(BASE + "ontology/")
    _fail = True

    # classes
    ScopingReview: URIRef
    IncludedStudy: URIRef
    CitedWork: URIRef
    Finding: URIRef
    EffectEstimate: URIRef
    ProvenanceLocation: URIRef
    ReviewSection: URIRef
    Table1Row: URIRef
    Theme: URIRef
    SubTheme: URIRef
    Reading: URIRef
    Table1Discrepancy: URIRef
    SearchFlowStage: URIRef
    BibliographicDatabase: URIRef
    EligibilityCriterion: URIRef
    InclusionCriterion: URIRef
    ExclusionCriterion: URIRef
    ClosenessFactor: URIRef
    ExaminationLevel: URIRef
    Barrier: URIRef
    StatedDesignCount: URIRef
    Definition: URIRef
    RecoveryPolarity: URIRef
    EffectOnRecovery: URIRef
    AssertionBasis: URIRef
    MoreIsBetterOutcome: URIRef
    MoreIsWorseOutcome: URIRef
    PolarityUnclearOutcome: URIRef

    # object properties
    includesStudy: URIRef
    reportsFinding: URIRef
    fromStudy: URIRef
    hasTheme: URIRef
    hasSubTheme: URIRef
    subThemeOf: URIRef
    conductedIn: URIRef
    hasDesignCategory: URIRef
    hasDesign: URIRef
    studiesPopulation: URIRef
    examinesSupportType: URIRef
    examinesSupportSource: URIRef
    examinesStrategy: URIRef
    examinesOutcome: URIRef
    hasExposure: URIRef
    hasOutcome: URIRef
    hasDirection: URIRef
    inPopulation: URIRef
    hasEffectEstimate: URIRef
    hasMeasure: URIRef
    statedAt: URIRef
    inSection: URIRef
    inTable1Row: URIRef
    describesStudy: URIRef
    aboutStudy: URIRef
    definesConcept: URIRef
    definitionSource: URIRef
    searchedDatabase: URIRef
    hasCriterion: URIRef
    hasFlowStage: URIRef
    nextStage: URIRef
    hasStatedDesignCount: URIRef
    countsDesignCategory: URIRef
    hasReading: URIRef
    chosenReading: URIRef
    hasDiscrepancy: URIRef
    discussedIn: URIRef
    recoveryPolarity: URIRef
    polarityBasis: URIRef
    polarityStatedAt: URIRef
    effectOnRecovery: URIRef
    directionBasis: URIRef

    # datatype properties
    key: URIRef
    year: URIRef
    aim: URIRef
    sampleSize: URIRef
    sampleDescription: URIRef
    analysis: URIRef
    countryNotReported: URIRef
    qualitativeTheme: URIRef
    value: URIRef
    ciLower: URIRef
    ciUpper: URIRef
    comparison: URIRef
    subgroup: URIRef
    count: URIRef
    countNotReported: URIRef
    order: URIRef
    authorsAbbreviated: URIRef
    journalTitle: URIRef
    volume: URIRef
    issue: URIRef
    pages: URIRef
    table1Label: URIRef
    table1Section: URIRef
    table1RowNumber: URIRef
    field: URIRef
    readingValue: URIRef
    reason: URIRef
    problem: URIRef
    citedAs: URIRef
    searchStart: URIRef
    searchEnd: URIRef
    note: URIRef
    definitionText: URIRef
    westernCountry: URIRef
    matchesStatedMix: URIRef
    ConflictingReadings: URIRef
    authorList: URIRef
    hasPart: URIRef
    prismaField: URIRef
    directionNote: URIRef
    polarityNote: URIRef


SSKG_NS = Namespace(BASE + "ontology/")

PREFIXES: dict[str, Namespace] = {
    "sskg": SSKG_NS,
    "sskgc": CONCEPT,
    "study": STUDY,
    "finding": FINDING,
    "work": WORK,
    "review": REVIEW,
    "theme": THEME,
    "scheme": SCHEME,
    "prov": PROV,
    "oa": OA,
    "fabio": FABIO,
    "prism": PRISM,
    "cito": CITO,
    "deo": DEO,
    "bibo": BIBO,
    "obo": OBO,
    "dcterms": DCTERMS,
    "skos": SKOS,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "vann": VANN,
    "foaf": FOAF,
}
