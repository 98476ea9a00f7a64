"""Validated evidence records → RDF triples (stage two of the pipeline).

Pure: the same records give the same triples. Every IRI comes from a curated key, id or a content
hash, so there are no blank nodes and a rebuild yields the same graph.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from sskg.gc_pause import gc_paused
from sskg.namespaces import CONCEPT, DEO, FABIO, FINDING, OA, PRISM, PROVENANCE, REVIEW, SSKG, STUDY, THEME, WORK
from sskg.rdf_io import new_graph

from .evidence import NOT_REPORTED, Evidence
from .records import Citation, CitedWork, Finding, Item, Location, Review, Study
from .study_cache import StudyCache


class _Terms:
    """A namespace whose terms are made once: rdflib makes a new URIRef on every attribute access."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:  # called only for a term not made yet
        term: URIRef = getattr(self._namespace, name)  # a closed namespace still refuses a misspelt term
        setattr(self, name, term)
        return term


DCTERMS, DEO, FABIO, OA, OWL, PRISM, RDF, RDFS, SKOS, SSKG, XSD = (  # type: ignore[misc]
    _Terms(namespace) for namespace in (DCTERMS, DEO, FABIO, OA, OWL, PRISM, RDF, RDFS, SKOS, SSKG, XSD)
)

_SECTION_CLASS = {
    "introduction": DEO.Introduction,
    "methods": DEO.Methods,
    "results": DEO.Results,
    "discussion": DEO.Discussion,
    "conclusion": DEO.Conclusion,
    "table": FABIO.Table,
}


def cited_as(authors: list[str], year: int) -> str:
    """The review's in-text citation style: 'Puyat 2013', 'Kloos and Shah 2009', 'X, Y, and Z 2016', 'X et al. 2017'."""
    surnames = [author.split(",")[0].strip() for author in authors]
    if len(surnames) == 1:
        names = surnames[0]
    elif len(surnames) == 2:
        names = f"{surnames[0]} and {surnames[1]}"
    elif len(surnames) == 3:
        names = f"{surnames[0]}, {surnames[1]}, and {surnames[2]}"
    else:
        names = f"{surnames[0]} et al."
    return f"{names} {year}"


def _decimal(value: int | float) -> Literal:
    """The number as written in the evidence (115 stays 115, 1.0 stays 1.0)."""
    return Literal(Decimal(repr(value)), datatype=XSD.decimal)


class _Builder:
    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.review_iri = REVIEW[evidence.review.key]
        self.graph = new_graph()
        self.study_keys = frozenset(study.key for study in evidence.studies)
        self.locations: set[URIRef] = set()  # provenance nodes already described
        self._sink = self.graph_sink  # where _add puts each triple: the graph, or one study's list

    def graph_sink(self, triple: tuple[URIRef, URIRef, URIRef | Literal]) -> None:
        # Straight to the store: Graph.add would check again that each term is a term.
        self.graph.store.add(triple, self.graph)

    def add(self, subject: URIRef, predicate: URIRef, obj: URIRef | Literal | str | None) -> None:
        if obj is None:
            return
        self._add(subject, predicate, obj if isinstance(obj, (URIRef, Literal)) else Literal(obj))
        if predicate == RDF.type:  # declared, so OWL tools (owlready2's World.individuals(), Protégé) list it
            self._add(subject, RDF.type, OWL.NamedIndividual)

    def text(self, subject: URIRef, predicate: URIRef, value: str | None) -> None:
        if value is not None:
            self._add(subject, predicate, Literal(value, lang="en"))

    def _add(self, subject: URIRef, predicate: URIRef, obj: URIRef | Literal) -> None:
        self._sink((subject, predicate, obj))

    def study_triples(self, study: Study) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
        """The study's triples in the order they are made, without adding them to the graph."""
        made: list[tuple[URIRef, URIRef, URIRef | Literal]] = []
        self._sink = made.append
        try:
            self.study(study)
        finally:
            self._sink = self.graph_sink
        return made

    # -- provenance ------------------------------------------------------------------------------

    def section_iri(self, section: str) -> URIRef:
        return REVIEW[f"{self.evidence.review.key}/section/{section}"]

    def row_iri(self, row: str) -> URIRef:
        return REVIEW[f"{self.evidence.review.key}/table1/{row}"]

    def located(self, subject: URIRef, owner: str, location: Location | None, predicate: URIRef | None = None) -> None:
        """Link `subject` to the place in the review that states it (by `sskg:statedAt` or a subproperty of it)."""
        if location is None:
            return
        span = self.evidence.span(location)
        digest = hashlib.sha256(f"{location.section}|{location.table1_row}|{span.start}|{span.end}".encode()).hexdigest()[:16]
        node = PROVENANCE[f"{owner}/{digest}"]
        self.add(subject, predicate or SSKG.statedAt, node)
        if node in self.locations:
            return
        self.locations.add(node)
        self.add(node, RDF.type, SSKG.ProvenanceLocation)
        self.add(node, OA.hasSource, self.review_iri)
        self.add(node, SSKG.inSection, self.section_iri(location.section))
        if location.table1_row:
            self.add(node, SSKG.inTable1Row, self.row_iri(location.table1_row))
        quote_node, position_node = URIRef(f"{node}/quote"), URIRef(f"{node}/position")
        self.add(node, OA.hasSelector, quote_node)
        self.add(node, OA.hasSelector, position_node)
        self.add(quote_node, RDF.type, OA.TextQuoteSelector)
        self.add(quote_node, OA.exact, Literal(self.evidence.source.text[span.start:span.end]))
        self.add(position_node, RDF.type, OA.TextPositionSelector)
        self.add(position_node, OA.start, Literal(span.start))
        self.add(position_node, OA.end, Literal(span.end))

    # -- the review ------------------------------------------------------------------------------

    def review(self) -> None:
        review = self.evidence.review
        iri = self.review_iri
        key = review.key
        self.add(iri, RDF.type, SSKG.ScopingReview)
        self.text(iri, RDFS.label, cited_as(review.authors, review.year))
        self.text(iri, DCTERMS.title, review.title)
        self.add(iri, SSKG.key, key)
        self.add(iri, SSKG.year, Literal(review.year))
        self.add(iri, SSKG.authorList, "; ".join(review.authors))
        for author in review.authors:
            self.add(iri, DCTERMS.creator, author)
        self.add(iri, SSKG.journalTitle, review.journal)
        self.text(iri, SSKG.note, review.journal_note)
        self.add(iri, DCTERMS.publisher, review.publisher)
        self.add(iri, DCTERMS.license, URIRef(review.license))
        self.text(iri, SSKG.aim, review.aim)
        for keyword in review.keywords:
            self.text(iri, DCTERMS.subject, keyword)
        self.located(iri, key, review.stated)
        # Midnight without a time zone: the one lexical form rdflib, Oxigraph and Virtuoso all read back unchanged.
        self.add(iri, SSKG.curatedOn, Literal(f"{review.curated_on}T00:00:00", datatype=XSD.dateTime))
        self.add(iri, SSKG.searchStart, Literal(review.search_start))
        self.add(iri, SSKG.searchEnd, Literal(review.search_end))
        self.located(iri, key, review.search_stated)
        self.add(iri, SSKG.processStart, Literal(review.process_start))
        self.add(iri, SSKG.searchUpdated, Literal(review.search_updated))
        self.located(iri, key, review.process_stated)
        for order, item in enumerate(review.databases, start=1):
            node = REVIEW[f"{key}/database/{item.id}"]
            self.add(iri, SSKG.searchedDatabase, node)
            self.item(node, SSKG.BibliographicDatabase, item, order)
        for order, item in enumerate(review.search_terms, start=1):
            node = REVIEW[f"{key}/search-term/{item.id}"]
            self.add(iri, SSKG.hasSearchTerm, node)
            self.item(node, SSKG.SearchTerm, item, order)
        for note in review.notes:
            self.text(iri, SSKG.note, note)
        for criterion in review.criteria:
            node = REVIEW[f"{key}/criterion/{criterion.id}"]
            self.add(iri, SSKG.hasCriterion, node)
            self.add(node, RDF.type, SSKG.InclusionCriterion if criterion.kind == "inclusion" else SSKG.ExclusionCriterion)
            self.text(node, RDFS.label, criterion.text)
            self.located(node, key, criterion.stated)
        self.flow(review)
        self.design_mix(review)
        self.sections(review)
        self.themes(review)
        for name, cls, items in (
            ("closeness-factor", SSKG.ClosenessFactor, review.closeness_factors),
            ("examination-level", SSKG.ExaminationLevel, review.examination_levels),
            ("barrier", SSKG.Barrier, review.barriers),
        ):
            for order, item in enumerate(items, start=1):
                node = REVIEW[f"{key}/{name}/{item.id}"]
                self.add(iri, SSKG.hasPart, node)
                self.item(node, cls, item, order)
        for order, item in enumerate(review.intervention_categories, start=1):
            node = CONCEPT[item.id]
            self.add(node, SSKG.order, Literal(order))
            self.located(node, key, item.stated)
        for definition in review.definitions:
            node = REVIEW[f"{key}/definition/{definition.concept}"]
            self.add(node, RDF.type, SSKG.Definition)
            self.add(node, SSKG.definesConcept, CONCEPT[definition.concept])
            self.text(node, RDFS.label, f"definition of {definition.concept.replace('-', ' ')}")
            self.text(node, SSKG.definitionText, definition.text)
            for source in definition.sources:
                self.add(node, SSKG.definitionSource, self.work_iri(source))
            self.located(node, key, definition.stated)
        for study in self.evidence.studies:
            self.add(iri, SSKG.includesStudy, STUDY[study.key])
        for polarity in review.outcome_polarities:
            node = CONCEPT[polarity.outcome]
            self.add(node, SSKG.recoveryPolarity, CONCEPT[polarity.polarity])
            self.add(node, SSKG.polarityBasis, CONCEPT[polarity.basis])
            self.text(node, SSKG.polarityNote, polarity.note)
            self.located(node, key, polarity.stated, SSKG.polarityStatedAt)

    def item(self, node: URIRef, cls: URIRef, item: Item, order: int | None) -> None:
        self.add(node, RDF.type, cls)
        self.text(node, RDFS.label, item.label)
        self.text(node, DCTERMS.description, item.description)
        if order is not None:
            self.add(node, SSKG.order, Literal(order))
        self.located(node, self.evidence.review.key, item.stated)

    def flow(self, review: Review) -> None:
        previous: URIRef | None = None
        for order, stage in enumerate(review.flow, start=1):
            node = REVIEW[f"{review.key}/flow/{stage.id}"]
            self.add(self.review_iri, SSKG.hasFlowStage, node)
            self.add(node, RDF.type, SSKG.SearchFlowStage)
            self.text(node, RDFS.label, stage.label)
            self.add(node, SSKG.order, Literal(order))
            self.add(node, SSKG.prismaField, stage.prisma_field)
            if stage.count is None:
                self.add(node, SSKG.countNotReported, Literal(True))
            else:
                self.add(node, SSKG.count, Literal(stage.count))
            self.located(node, review.key, stage.stated)
            if previous is not None:
                self.add(previous, SSKG.nextStage, node)
            previous = node

    def design_mix(self, review: Review) -> None:
        counted: dict[str, int] = {}
        for study in self.evidence.studies:
            counted[study.design.category] = counted.get(study.design.category, 0) + 1
        for stated in review.design_mix:
            node = REVIEW[f"{review.key}/design-mix/{stated.category}"]
            self.add(self.review_iri, SSKG.hasStatedDesignCount, node)
            self.add(node, RDF.type, SSKG.StatedDesignCount)
            self.text(node, RDFS.label, f"{stated.count} {stated.category.replace('-', ' ')} studies (as stated)")
            self.add(node, SSKG.countsDesignCategory, CONCEPT[stated.category])
            self.add(node, SSKG.count, Literal(stated.count))
            self.add(node, SSKG.matchesStatedMix, Literal(counted.get(stated.category, 0) == stated.count))
            self.located(node, review.key, stated.stated)

    def sections(self, review: Review) -> None:
        for section in review.sections:
            node = self.section_iri(section.id)
            self.add(node, RDF.type, SSKG.ReviewSection)
            self.add(node, RDF.type, _SECTION_CLASS.get(section.kind))
            self.text(node, RDFS.label, section.title)
            self.add(node, SSKG.key, section.id)
            parent = self.section_iri(section.parent) if section.parent else self.review_iri
            self.add(parent, SSKG.hasPart, node)

    def themes(self, review: Review) -> None:
        for theme in review.themes:
            node = THEME[theme.id]
            self.add(node, RDF.type, SSKG.SubTheme if theme.parent else SSKG.Theme)
            self.text(node, RDFS.label, theme.label)
            self.add(node, SSKG.key, theme.id)
            self.text(node, DCTERMS.description, theme.description)
            self.add(node, SSKG.count, None if theme.study_count is None else Literal(theme.study_count))
            if theme.parent:
                self.add(node, SSKG.subThemeOf, THEME[theme.parent])
            else:
                self.add(self.review_iri, SSKG.hasPart, node)
            self.located(node, review.key, theme.stated)

    # -- cited works -------------------------------------------------------------------------------

    def work_iri(self, key: str) -> URIRef:
        return STUDY[key] if key in self.study_keys else WORK[key]

    def bibliographic(self, iri: URIRef, key: str, citation: Citation | CitedWork, container: str | None) -> None:
        self.add(iri, SSKG.key, key)
        self.text(iri, RDFS.label, cited_as(citation.authors, citation.year))
        self.add(iri, DCTERMS.title, citation.title)
        self.add(iri, SSKG.year, Literal(citation.year))
        self.add(iri, SSKG.authorList, "; ".join(citation.authors))
        self.add(iri, SSKG.authorsAbbreviated, Literal(citation.authors_abbreviated))
        self.add(iri, SSKG.journalTitle, container)
        self.add(iri, SSKG.volume, citation.volume)
        self.add(iri, SSKG.issue, citation.issue)
        self.add(iri, SSKG.pages, citation.pages)
        self.add(iri, PRISM.doi, citation.doi)
        self.add(iri, FABIO.hasPubMedCentralId, citation.pmcid)
        self.add(iri, RDFS.seeAlso, None if citation.url is None else Literal(citation.url, datatype=XSD.anyURI))
        self.add(iri, DCTERMS.bibliographicCitation, reference_string(citation, container))
        self.located(iri, key, citation.reference)

    def works(self) -> None:
        for work in self.evidence.works:
            iri = WORK[work.key]
            self.add(iri, RDF.type, SSKG.CitedWork)
            self.bibliographic(iri, work.key, work, work.container)

    # -- studies ------------------------------------------------------------------------------------

    def study(self, study: Study) -> None:
        iri = STUDY[study.key]
        key = study.key
        self.add(iri, RDF.type, SSKG.IncludedStudy)
        self.bibliographic(iri, key, study.citation, study.citation.journal)
        self.add(iri, SSKG.hasTheme, THEME[study.theme])
        if study.subtheme:
            self.add(iri, SSKG.hasSubTheme, THEME[study.subtheme])
        if study.country == NOT_REPORTED:
            self.add(iri, SSKG.countryNotReported, Literal(True))
        else:
            self.add(iri, SSKG.conductedIn, CONCEPT[study.country])
        self.located(iri, key, study.country_stated)
        self.text(iri, SSKG.aim, study.aim)
        self.add(iri, SSKG.hasDesignCategory, CONCEPT[study.design.category])
        for design in study.design.designs:
            self.add(iri, SSKG.hasDesign, CONCEPT[design])
        self.text(iri, SSKG.analysis, study.design.analysis)
        self.located(iri, key, study.design.stated)
        if study.sample.size is not None:
            self.add(iri, SSKG.sampleSize, Literal(study.sample.size))
        self.text(iri, SSKG.sampleDescription, study.sample.description)
        self.located(iri, key, study.sample.stated)
        for predicate, ids in (
            (SSKG.studiesPopulation, study.populations),
            (SSKG.examinesSupportType, study.support_types),
            (SSKG.examinesSupportSource, study.support_sources),
            (SSKG.examinesStrategy, study.strategies),
            (SSKG.examinesOutcome, study.outcomes),
        ):
            for concept in ids:
                self.add(iri, predicate, CONCEPT[concept])
        for section in study.sections:
            self.add(iri, SSKG.discussedIn, self.section_iri(section))
        for note in study.notes:
            self.text(iri, SSKG.note, note)
        self.table1(study)
        for finding in study.findings:
            self.finding(study, finding)
        for index, reading in enumerate(study.readings, start=1):
            node = STUDY[f"{key}/readings/{index}"]
            self.add(node, RDF.type, SSKG.ConflictingReadings)
            self.add(node, SSKG.aboutStudy, iri)
            self.add(node, SSKG.field, reading.field)
            self.text(node, SSKG.reason, reading.reason)
            for value_index, value in enumerate(reading.readings):
                value_node = URIRef(f"{node}/{value_index + 1}")
                self.add(value_node, RDF.type, SSKG.Reading)
                self.add(value_node, SSKG.readingValue, value.value)
                self.add(value_node, SSKG.order, Literal(value_index + 1))
                self.located(value_node, key, value.stated)
                self.add(node, SSKG.chosenReading if value_index == reading.chosen else SSKG.hasReading, value_node)

    def table1(self, study: Study) -> None:
        row = study.table1
        if row is None:
            return
        node = self.row_iri(row.row)
        self.add(node, RDF.type, SSKG.Table1Row)
        self.text(node, RDFS.label, f"Table 1 row {row.row}")
        self.add(node, SSKG.table1Section, row.row[0])
        self.add(node, SSKG.table1RowNumber, Literal(int(row.row[1:])))
        self.add(node, SSKG.describesStudy, STUDY[study.key])
        self.add(node, SSKG.table1Label, row.label)
        self.add(STUDY[study.key], SKOS.altLabel, row.label)
        self.located(node, study.key, Location(section="table-1", table1_row=row.row, quote=row.quote))
        reference_citation = cited_as(study.citation.authors, study.citation.year)
        for index, discrepancy in enumerate(study.discrepancies, start=1):
            issue = STUDY[f"{study.key}/discrepancy/{index}"]
            self.add(node, SSKG.hasDiscrepancy, issue)
            self.add(issue, RDF.type, SSKG.Table1Discrepancy)
            self.add(issue, SSKG.aboutStudy, STUDY[study.key])
            self.add(issue, SSKG.problem, discrepancy.problem)
            self.text(issue, SSKG.note, discrepancy.detail)
            self.add(issue, SSKG.table1Label, row.label)
            self.add(issue, SSKG.citedAs, reference_citation)

    def finding(self, study: Study, finding: Finding) -> None:
        iri = FINDING[f"{study.key}/{finding.id}"]
        owner = study.key
        self.add(iri, RDF.type, SSKG.Finding)
        self.add(iri, SSKG.key, finding.id)
        self.text(iri, RDFS.label, finding.statement)
        self.add(iri, SSKG.fromStudy, STUDY[study.key])
        self.add(STUDY[study.key], SSKG.reportsFinding, iri)
        for exposure in finding.exposures:
            self.add(iri, SSKG.hasExposure, CONCEPT[exposure])
        self.add(iri, SSKG.hasOutcome, CONCEPT[finding.outcome])
        self.add(iri, SSKG.hasDirection, CONCEPT[finding.direction])
        self.add(iri, SSKG.directionBasis, CONCEPT[finding.direction_basis])
        self.text(iri, SSKG.directionNote, finding.direction_note)
        self.add(iri, SSKG.inPopulation, CONCEPT[finding.population])
        for theme in finding.qualitative_themes:
            self.text(iri, SSKG.qualitativeTheme, theme)
        for source in finding.sources:
            self.located(iri, owner, source)
        for index, estimate in enumerate(finding.estimates, start=1):
            node = URIRef(f"{iri}/estimate/{index}")
            self.add(iri, SSKG.hasEffectEstimate, node)
            self.add(node, RDF.type, SSKG.EffectEstimate)
            self.add(node, SSKG.hasMeasure, CONCEPT[estimate.measure])
            self.add(node, SSKG.value, _decimal(estimate.value))
            interval = ""
            if estimate.ci_lower is not None and estimate.ci_upper is not None:
                self.add(node, SSKG.ciLower, _decimal(estimate.ci_lower))
                self.add(node, SSKG.ciUpper, _decimal(estimate.ci_upper))
                interval = f" ({estimate.ci_lower}–{estimate.ci_upper})"
            self.text(node, RDFS.label, f"{estimate.measure.replace('-', ' ')} {estimate.value}{interval}")
            self.text(node, SSKG.comparison, estimate.comparison)
            self.text(node, SSKG.subgroup, estimate.subgroup)
            self.located(node, owner, estimate.stated)


def reference_string(citation: Citation | CitedWork, container: str | None) -> str:
    """A plain reference in the review's style: authors, year, title, container volume (issue): pages.

    Where the review abbreviates the authors it prints the first ones, "...", and the last: so does this.
    """
    names = list(citation.authors)
    if citation.authors_abbreviated and len(names) > 1:
        names[-1] = f"... {names[-1]}"
    authors = ", ".join(names)
    text = f"{authors.rstrip('.')}. {citation.year}. {citation.title.rstrip('.')}."
    if container:
        text += f" {container}"
        if citation.volume:
            text += f" {citation.volume}"
        if citation.issue:
            text += f" ({citation.issue})"
        if citation.pages:
            text += f": {citation.pages}"
        text += "."
    if citation.doi:
        text += f" doi:{citation.doi}"
    return text


@gc_paused()
def evidence_graph(evidence: Evidence, cache: StudyCache | None = None) -> Graph:
    """All triples the curated evidence states; each study's are taken from `cache` when it holds them.

    A study's triples depend on its file and the shared inputs alone (its provenance nodes are owned by its key,
    and no other study's presence changes them), which is what lets them be cached by those inputs."""
    builder = _Builder(evidence)
    builder.review()
    builder.works()
    for study in evidence.studies:
        if cache is None:
            builder.study(study)
            continue
        key = cache.key(study.key)
        triples = cache.get(key)
        if triples is None:
            triples = builder.study_triples(study)
            cache.put(key, triples)
        for triple in triples:  # in the order they were made, so the graph is the one a clean build holds
            builder.graph_sink(triple)
    return builder.graph
