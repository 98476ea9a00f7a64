"""Spreadsheet tables of the graph: studies, findings, effect estimates, the PRISMA 2020 flow, and their
Frictionless data package descriptor.

One convention for every column: what people read comes as labels (`country`: "United States"), the ids
that join and filter in their own columns beside them (`country_id`: "united-states"; a concept's id is the
last part of its IRI, a study's or finding's its key). Several values in one cell are joined with "; "
(sentences, such as statements and quotes, with " | "), labels and ids in the same order. White space in a
cell is collapsed to single spaces. Counts and years are integers, as the review prints them. Cells that a
spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) get a leading
apostrophe (hazard E4); plain numbers such as -0.4 are left as numbers.

What a row holds is decided by each table's columns (a name, a type and how to read the value from the
graph); the same columns make the CSV and its descriptor.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from sskg.namespaces import OA, ONTOLOGY_IRI, PRISM, SSKG

from .labels import readable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
LIST, SENTENCES = "; ", " | "
SPREADSHEET_BOM = "\ufeff"  # Excel reads a UTF-8 file as UTF-8 only when it starts with one
PRISMA_TEMPLATE = Path(__file__).with_name("prisma2020_template.csv")
NOT_REPORTED = "NA"  # what the PRISMA2020 template (and R's read.csv) reads as a missing value


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the Frictionless field type: string, integer or number
    description: str
    value: Callable[[Graph, Node], str]


@dataclass(frozen=True)
class Table:
    name: str  # the file is <name>.csv
    title: str
    columns: Sequence[Column]
    rows: Callable[[Graph], Iterable[Node]]  # the nodes a row is made of, in order
    primary_key: Sequence[str]
    foreign_keys: Sequence[tuple[Sequence[str], str, Sequence[str]]] = ()  # (fields, table, its fields)

    def text(self, graph: Graph) -> str:
        return SPREADSHEET_BOM + csv_text([column.name for column in self.columns],
                                          ([column.value(graph, node) for column in self.columns] for node in self.rows(graph)))


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell) else cell


def tidy(cell: str) -> str:
    """White space (line breaks from the source's layout, runs of spaces) collapsed to single spaces."""
    return " ".join(cell.split())


def csv_text(header: list[str], rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([neutralise(tidy(cell)) for cell in row] for row in rows)
    return buffer.getvalue()


# -- reading values --------------------------------------------------------------------------------------

def ident(graph: Graph, node: Node) -> str:
    """A node's id: its sskg key, else the last part of its IRI."""
    key = graph.value(node, SSKG.key)
    return str(key) if key is not None else str(node).rstrip("/").rsplit("/", 1)[-1]


def text(predicate: URIRef, joiner: str = LIST) -> Callable[[Graph, Node], str]:
    return lambda graph, node: joiner.join(sorted(str(value) for value in graph.objects(node, predicate)))


def _linked(graph: Graph, node: Node, predicate: URIRef) -> list[Node]:
    return sorted(graph.objects(node, predicate), key=lambda value: (ident(graph, value), str(value)))


def labelled(name: str, ids: str, predicate: URIRef, what: str, joiner: str = LIST) -> list[Column]:
    """A label column and its id column for the resources `predicate` links a row's node to."""
    return [Column(name, "string", what, lambda graph, node: joiner.join(readable(graph, value) for value in _linked(graph, node, predicate))),
            Column(ids, "string", f"ids of {name}", lambda graph, node: LIST.join(ident(graph, value) for value in _linked(graph, node, predicate)))]


def provenance_columns(with_rows: bool = True) -> list[Column]:
    """Where the review states what the row says: sections, Table 1 rows and the exact quotes."""
    def locations(graph: Graph, node: Node) -> list[Node]:
        return list(graph.objects(node, SSKG.statedAt))

    def sections(graph: Graph, node: Node) -> list[Node]:
        found = {section for location in locations(graph, node) for section in graph.objects(location, SSKG.inSection)}
        return sorted(found, key=lambda section: ident(graph, section))

    columns = [
        Column("sections", "string", "the review's sections that state it",
               lambda graph, node: SENTENCES.join(readable(graph, section) for section in sections(graph, node))),
        Column("section_ids", "string", "ids of those sections", lambda graph, node: LIST.join(ident(graph, section) for section in sections(graph, node))),
        Column("table1_rows", "string", "the Table 1 rows that state it (as the review numbers them: a1, b12)",
               lambda graph, node: LIST.join(sorted({ident(graph, row) for location in locations(graph, node)
                                                     for row in graph.objects(location, SSKG.inTable1Row)}))),
        Column("quotes", "string", "the review's exact words that state it",
               lambda graph, node: SENTENCES.join(sorted({str(quote) for location in locations(graph, node)
                                                          for selector in graph.objects(location, OA.hasSelector)
                                                          for quote in graph.objects(selector, OA.exact)}))),
    ]
    return columns if with_rows else [column for column in columns if column.name != "table1_rows"]


def _by_key(cls: URIRef) -> Callable[[Graph], list[Node]]:
    return lambda graph: sorted(graph.subjects(RDF.type, cls), key=lambda node: (ident(graph, node), str(node)))


def _study_key(graph: Graph, finding: Node) -> str:
    return LIST.join(sorted(ident(graph, study) for study in graph.objects(finding, SSKG.fromStudy)))


def _findings(graph: Graph) -> list[Node]:
    return sorted(graph.subjects(RDF.type, SSKG.Finding), key=lambda node: (_study_key(graph, node), ident(graph, node), str(node)))


def _estimates(graph: Graph) -> list[Node]:
    return [estimate for finding in _findings(graph) for estimate in sorted(graph.objects(finding, SSKG.hasEffectEstimate))]


def _finding_of(graph: Graph, estimate: Node) -> Node:
    return min(graph.subjects(SSKG.hasEffectEstimate, estimate))


def of_finding(column: Column) -> Column:
    """A finding's column read for one of its estimates."""
    return Column(column.name, column.type, column.description, lambda graph, estimate: column.value(graph, _finding_of(graph, estimate)))


def _country(graph: Graph, study: Node) -> str:
    if graph.value(study, SSKG.countryNotReported) == Literal(True):
        return "not reported"
    return LIST.join(readable(graph, value) for value in _linked(graph, study, SSKG.conductedIn))


def _study_findings(graph: Graph, study: Node) -> list[Node]:
    return sorted(graph.objects(study, SSKG.reportsFinding), key=lambda finding: ident(graph, finding))


KEY = Column("study_key", "string", "the study's key (author-year)", lambda graph, node: ident(graph, node))
IRI = Column("iri", "string", "the row's IRI in the graph", lambda graph, node: str(node))
FINDING_COLUMNS = [
    *labelled("exposures", "exposure_ids", SSKG.hasExposure, "what the finding relates to the outcome"),
    *labelled("outcome", "outcome_id", SSKG.hasOutcome, "the outcome"),
    *labelled("direction", "direction_id", SSKG.hasDirection, "the direction of the association"),
    *labelled("population", "population_id", SSKG.inPopulation, "who was studied"),
]

STUDIES = Table("studies", "Included studies", [
    KEY, IRI,
    Column("cited_as", "string", "how the review cites it", text(RDFS.label)),
    Column("title", "string", "title", text(DCTERMS.title)),
    Column("year", "integer", "year of publication", text(SSKG.year)),
    Column("authors", "string", "authors as the reference list names them", text(SSKG.authorList)),
    Column("journal", "string", "journal", text(SSKG.journalTitle)),
    Column("volume", "string", "volume", text(SSKG.volume)),
    Column("issue", "string", "issue", text(SSKG.issue)),
    Column("pages", "string", "pages", text(SSKG.pages)),
    Column("doi", "string", "DOI", text(PRISM.doi)),
    Column("country", "string", "where it was conducted (\"not reported\" where the review names no country)", _country),
    Column("country_id", "string", "ids of country", lambda graph, node: LIST.join(ident(graph, value) for value in _linked(graph, node, SSKG.conductedIn))),
    *labelled("design_category", "design_category_id", SSKG.hasDesignCategory, "the review's design category"),
    *labelled("designs", "design_ids", SSKG.hasDesign, "designs"),
    Column("sample_size", "integer", "number of participants (or of included studies, for reviews)", text(SSKG.sampleSize)),
    Column("sample_description", "string", "who was studied, in sskg's words", text(SSKG.sampleDescription)),
    *labelled("populations", "population_ids", SSKG.studiesPopulation, "populations"),
    *labelled("support_types", "support_type_ids", SSKG.examinesSupportType, "types of social support examined"),
    *labelled("support_sources", "support_source_ids", SSKG.examinesSupportSource, "sources of support examined"),
    *labelled("strategies", "strategy_ids", SSKG.examinesStrategy, "strategies examined"),
    *labelled("outcomes", "outcome_ids", SSKG.examinesOutcome, "outcomes examined"),
    *labelled("theme", "theme_id", SSKG.hasTheme, "the review's theme"),
    *labelled("subtheme", "subtheme_id", SSKG.hasSubTheme, "the review's subtheme"),
    Column("table1_row", "string", "the Table 1 row that describes it",
           lambda graph, node: LIST.join(sorted(ident(graph, row) for row in graph.subjects(SSKG.describesStudy, node)))),
    Column("table1_label", "string", "that row's label as Table 1 prints it",
           lambda graph, node: LIST.join(sorted(str(label) for row in graph.subjects(SSKG.describesStudy, node)
                                                for label in graph.objects(row, SSKG.table1Label)))),
    Column("findings", "string", "its findings' statements",
           lambda graph, node: SENTENCES.join(readable(graph, finding) for finding in _study_findings(graph, node))),
    Column("finding_keys", "string", "its findings' keys", lambda graph, node: LIST.join(ident(graph, finding) for finding in _study_findings(graph, node))),
    Column("aim", "string", "the study's aim, in sskg's words", text(SSKG.aim)),
    *provenance_columns(with_rows=False),  # a study is stated in its own Table 1 row (table1_row)
], _by_key(SSKG.IncludedStudy), ["study_key"])

FINDINGS = Table("findings", "Findings", [
    Column("study_key", "string", "the study that reports it", _study_key),
    Column("finding_key", "string", "the finding's key within its study", lambda graph, node: ident(graph, node)),
    IRI,
    Column("statement", "string", "what the study found, in sskg's words", text(RDFS.label)),
    *FINDING_COLUMNS,
    Column("qualitative_themes", "string", "themes of a qualitative finding", text(SSKG.qualitativeTheme, SENTENCES)),
    Column("effect_estimates", "string", "the numbers the review reports for it",
           lambda graph, node: LIST.join(readable(graph, estimate) for estimate in sorted(graph.objects(node, SSKG.hasEffectEstimate)))),
    *provenance_columns(),
], _findings, ["study_key", "finding_key"], [(["study_key"], "studies", ["study_key"])])

ESTIMATES = Table("effect-estimates", "Effect estimates", [
    Column("study_key", "string", "the study that reports it", lambda graph, node: _study_key(graph, _finding_of(graph, node))),
    Column("finding_key", "string", "the finding it belongs to", lambda graph, node: ident(graph, _finding_of(graph, node))),
    IRI,
    *labelled("measure", "measure_id", SSKG.hasMeasure, "what the number measures"),
    Column("value", "number", "the number, as the review prints it", text(SSKG.value)),
    Column("ci_lower", "number", "lower confidence limit", text(SSKG.ciLower)),
    Column("ci_upper", "number", "upper confidence limit", text(SSKG.ciUpper)),
    Column("comparison", "string", "what is compared", text(SSKG.comparison)),
    Column("subgroup", "string", "the subgroup it holds for", text(SSKG.subgroup)),
    Column("label", "string", "the estimate in words", text(RDFS.label)),
    *(of_finding(column) for column in FINDING_COLUMNS),
    *provenance_columns(),
], _estimates, ["iri"], [(["study_key", "finding_key"], "findings", ["study_key", "finding_key"])])

TABLES = (STUDIES, FINDINGS, ESTIMATES)


def studies_table(graph: Graph) -> str:
    return STUDIES.text(graph)


def findings_table(graph: Graph) -> str:
    return FINDINGS.text(graph)


def estimates_table(graph: Graph) -> str:
    return ESTIMATES.text(graph)


# -- PRISMA 2020 ------------------------------------------------------------------------------------------

PRISMA_FIELDS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")


def prisma_table(graph: Graph) -> str:
    """The PRISMA2020 R package's template (every row, its box texts, tooltips and links) with the review's counts.

    `n` holds the graph's count for each flow stage it maps to a template field; a stage the review does not
    count, and every box the review has no stage for, is NA, which the package leaves out of the diagram. The
    review is no update of an earlier one, so its included studies are all new: `new_studies` is
    `total_studies`. No BOM: the package reads the header by name.
    """
    counts = {str(field): graph.value(stage, SSKG.count) for stage in graph.subjects(SSKG.prismaField, None)
              for field in graph.objects(stage, SSKG.prismaField)}
    if "total_studies" in counts:
        counts.setdefault("new_studies", counts["total_studies"])
    rows = list(csv.reader(io.StringIO(PRISMA_TEMPLATE.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    assert tuple(header) == PRISMA_FIELDS, header
    made = []
    for row in body:
        if row[2].startswith("box"):  # a count's box (the headings' rows are named otherwise)
            count = counts.get(row[0])
            row = [*row[:-1], NOT_REPORTED if count is None else str(count)]
        made.append(row)
    return csv_text(header, made)


# -- the data package ----------------------------------------------------------------------------------

def datapackage(graph: Graph) -> str:
    """The Frictionless (Data Package v1) descriptor of the tables: fields with types, primary and foreign keys."""
    licence = graph.value(URIRef(ONTOLOGY_IRI), DCTERMS.license)
    resources = [{
        "name": table.name, "title": table.title, "path": f"{table.name}.csv", "profile": "tabular-data-resource",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "schema": {
            "fields": [{"name": column.name, "type": column.type, "description": column.description} for column in table.columns],
            "primaryKey": list(table.primary_key),
            "foreignKeys": [{"fields": list(fields), "reference": {"resource": other, "fields": list(theirs)}}
                            for fields, other, theirs in table.foreign_keys],
            "missingValues": [""],
        },
    } for table in TABLES]
    resources.append({
        "name": "prisma-flow", "title": "PRISMA 2020 flow diagram data (the PRISMA2020 R package's template)",
        "path": "prisma-flow.csv", "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "schema": {"fields": [{"name": name, "type": "string"} for name in PRISMA_FIELDS], "missingValues": ["", NOT_REPORTED]},
    })
    descriptor = {
        "profile": "tabular-data-package", "name": "sskg-tables",
        "title": "Social Support Knowledge Graph: tables of the scoping review's evidence",
        **({"licenses": [{"path": str(licence)}]} if licence is not None else {}),
        "resources": resources,
    }
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
