"""Spreadsheet tables of the graph: studies, findings, effect estimates, and the PRISMA 2020 flow counts.

Several values in one cell are joined with "; " (quotes with " | "). Cells that a spreadsheet would
run as a formula (starting with = + - @, a tab or a carriage return) get a leading apostrophe
(hazard E4); plain numbers such as -0.4 are left as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from sskg.namespaces import CONCEPT, OA, PRISM, SSKG

from .iris import EXPORT_PREFIXES, compact_iri

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
PROVENANCE_COLUMNS = ["provenance_sections", "table1_rows", "quotes"]


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell) else cell


def csv_text(header: list[str], rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _name(node: Node | None) -> str:
    """Concepts by their id, other IRIs by prefixed name, literals by their text."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return str(node)[len(CONCEPT):] if str(node).startswith(str(CONCEPT)) else compact_iri(str(node), EXPORT_PREFIXES)
    return str(node)


def _cell(graph: Graph, node: Node, predicate: URIRef) -> str:
    return "; ".join(sorted(_name(value) for value in graph.objects(node, predicate)))


def provenance(graph: Graph, node: Node) -> list[str]:
    """Sections, Table 1 rows and quotes of the places in the review that state `node`."""
    sections, rows, quotes = set(), set(), set()
    for location in graph.objects(node, SSKG.statedAt):
        sections |= {str(graph.value(section, SSKG.key) or _name(section)) for section in graph.objects(location, SSKG.inSection)}
        rows |= {str(row).rsplit("/", 1)[-1] for row in graph.objects(location, SSKG.inTable1Row)}
        quotes |= {str(quote) for selector in graph.objects(location, OA.hasSelector) for quote in graph.objects(selector, OA.exact)}
    return ["; ".join(sorted(sections)), "; ".join(sorted(rows)), " | ".join(sorted(quotes))]


def _by_key(graph: Graph, cls: URIRef) -> list[Node]:
    return sorted(graph.subjects(RDF.type, cls), key=lambda node: (str(graph.value(node, SSKG.key)), str(node)))


def _finding_columns(graph: Graph, finding: Node) -> list[str]:
    return [_cell(graph, finding, SSKG.hasExposure), _cell(graph, finding, SSKG.hasOutcome),
            _cell(graph, finding, SSKG.hasDirection), _cell(graph, finding, SSKG.inPopulation)]


def studies_table(graph: Graph) -> str:
    header = ["study_key", "iri", "cited_as", "title", "year", "authors", "journal", "volume", "issue", "pages", "doi",
              "country", "design_category", "designs", "sample_size", "sample_description", "populations",
              "support_types", "support_sources", "strategies", "outcomes", "theme", "subtheme", "table1_row",
              "table1_label", "findings", "aim", *PROVENANCE_COLUMNS]
    rows = []
    for study in _by_key(graph, SSKG.IncludedStudy):
        not_reported = graph.value(study, SSKG.countryNotReported) == Literal(True)
        table_rows = sorted(graph.subjects(SSKG.describesStudy, study))
        rows.append([
            _cell(graph, study, SSKG.key), str(study), _cell(graph, study, RDFS.label), _cell(graph, study, DCTERMS.title),
            _cell(graph, study, SSKG.year), _cell(graph, study, SSKG.authorList), _cell(graph, study, SSKG.journalTitle),
            _cell(graph, study, SSKG.volume), _cell(graph, study, SSKG.issue), _cell(graph, study, SSKG.pages),
            _cell(graph, study, PRISM.doi), "not reported" if not_reported else _cell(graph, study, SSKG.conductedIn),
            _cell(graph, study, SSKG.hasDesignCategory), _cell(graph, study, SSKG.hasDesign),
            _cell(graph, study, SSKG.sampleSize), _cell(graph, study, SSKG.sampleDescription),
            _cell(graph, study, SSKG.studiesPopulation), _cell(graph, study, SSKG.examinesSupportType),
            _cell(graph, study, SSKG.examinesSupportSource), _cell(graph, study, SSKG.examinesStrategy),
            _cell(graph, study, SSKG.examinesOutcome), _cell(graph, study, SSKG.hasTheme), _cell(graph, study, SSKG.hasSubTheme),
            "; ".join(str(row).rsplit("/", 1)[-1] for row in table_rows),
            "; ".join(sorted(_cell(graph, row, SSKG.table1Label) for row in table_rows)),
            str(len(set(graph.objects(study, SSKG.reportsFinding)))), _cell(graph, study, SSKG.aim),
            *provenance(graph, study),
        ])
    return csv_text(header, rows)


def findings_table(graph: Graph) -> str:
    header = ["study_key", "finding_key", "iri", "statement", "exposures", "outcome", "direction", "population",
              "qualitative_themes", "effect_estimates", *PROVENANCE_COLUMNS]
    rows = []
    for finding in _findings(graph):
        rows.append([
            _study_key(graph, finding), _cell(graph, finding, SSKG.key), str(finding), _cell(graph, finding, RDFS.label),
            *_finding_columns(graph, finding), _cell(graph, finding, SSKG.qualitativeTheme),
            str(len(set(graph.objects(finding, SSKG.hasEffectEstimate)))), *provenance(graph, finding),
        ])
    return csv_text(header, rows)


def estimates_table(graph: Graph) -> str:
    header = ["study_key", "finding_key", "iri", "measure", "value", "ci_lower", "ci_upper", "comparison", "subgroup",
              "label", "exposures", "outcome", "direction", "population", *PROVENANCE_COLUMNS]
    rows = []
    for finding in _findings(graph):
        for estimate in sorted(graph.objects(finding, SSKG.hasEffectEstimate)):
            rows.append([
                _study_key(graph, finding), _cell(graph, finding, SSKG.key), str(estimate),
                _cell(graph, estimate, SSKG.hasMeasure), _cell(graph, estimate, SSKG.value),
                _cell(graph, estimate, SSKG.ciLower), _cell(graph, estimate, SSKG.ciUpper),
                _cell(graph, estimate, SSKG.comparison), _cell(graph, estimate, SSKG.subgroup),
                _cell(graph, estimate, RDFS.label), *_finding_columns(graph, finding), *provenance(graph, estimate),
            ])
    return csv_text(header, rows)


def prisma_table(graph: Graph) -> str:
    """PRISMA 2020 flow-diagram counts by the template's `data` field names; unreported counts empty.

    Merge into the PRISMA2020 package's template (column `n`) by the `data` column.
    """
    stages = sorted(graph.subjects(SSKG.prismaField, None), key=lambda node: (int(graph.value(node, SSKG.order) or 0), str(node)))
    return csv_text(["data", "n"], ([_cell(graph, stage, SSKG.prismaField), _cell(graph, stage, SSKG.count)] for stage in stages))


def _findings(graph: Graph) -> list[Node]:
    return sorted(graph.subjects(RDF.type, SSKG.Finding), key=lambda node: (_study_key(graph, node), str(node)))


def _study_key(graph: Graph, finding: Node) -> str:
    return "; ".join(sorted(_cell(graph, study, SSKG.key) for study in graph.objects(finding, SSKG.fromStudy)))
