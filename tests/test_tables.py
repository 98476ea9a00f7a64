"""Tables for spreadsheet users: what pandas and frictionless read from the CSVs, their one column convention,
the PRISMA2020 template layout, and formula neutralising (hazard E4)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from frictionless import validate
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from sskg.exports import formats as fx
from sskg.exports.labels import readable
from sskg.exports.tables import PRISMA_FIELDS, PRISMA_TEMPLATE, TABLES, findings_table, neutralise, prisma_table, studies_table
from sskg.layers import Layers
from sskg.namespaces import CONCEPT, FINDING, OA, SSKG, STUDY

SPREADSHEETS = ("studies.csv", "findings.csv", "effect-estimates.csv")
ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture(scope="module")
def tables(layers: Layers, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tables")
    fx.export_layers(layers, out, ["csv"])
    return out


def table(folder: Path, name: str) -> list[dict[str, str]]:
    return rows((folder / name).read_text(encoding="utf-8"))


# -- what the rows hold ---------------------------------------------------------------------------------

def test_findings_table_keeps_direction_population_and_provenance(tables: Path, layers: Layers) -> None:
    evidence = layers.evidence
    found = {row["iri"]: row for row in table(tables, "findings.csv")}
    findings = set(evidence.subjects(RDF.type, SSKG.Finding))
    assert set(found) == {str(f) for f in findings}
    for finding in findings:
        row = found[str(finding)]
        for column, predicate in (("direction", SSKG.hasDirection), ("population", SSKG.inPopulation), ("outcome", SSKG.hasOutcome)):
            value = evidence.value(finding, predicate)
            assert row[f"{column}_id"] == str(value)[len(CONCEPT):]
            assert row[column] == readable(layers.whole(), value)
        quotes = {" ".join(str(q).split()) for loc in evidence.objects(finding, SSKG.statedAt)
                  for sel in evidence.objects(loc, OA.hasSelector) for q in evidence.objects(sel, OA.exact)}
        assert quotes and all(quote in row["quotes"] for quote in quotes)
        assert row["sections"] and row["section_ids"]
        estimates = sorted(evidence.objects(finding, SSKG.hasEffectEstimate))
        assert row["effect_estimates"] == "; ".join(str(evidence.value(e, RDFS.label)) for e in estimates)


def test_studies_list_their_findings(tables: Path, layers: Layers) -> None:
    studies = table(tables, "studies.csv")
    evidence = layers.evidence
    assert [row["study_key"] for row in studies] == sorted(str(evidence.value(s, SSKG.key)) for s in evidence.subjects(RDF.type, SSKG.IncludedStudy))
    for row in studies:
        findings = sorted(evidence.objects(STUDY[row["study_key"]], SSKG.reportsFinding), key=lambda f: str(evidence.value(f, SSKG.key)))
        assert row["finding_keys"].split("; ") == [str(evidence.value(f, SSKG.key)) for f in findings]
        assert row["findings"] == " | ".join(" ".join(str(evidence.value(f, RDFS.label)).split()) for f in findings)
        assert row["table1_row"] and row["design_category"] and row["design_category_id"]


def test_study_provenance_rows_are_its_table1_row(tables: Path, layers: Layers) -> None:
    """The studies table drops the provenance rows column: a study is only ever stated in its own Table 1 row."""
    evidence = layers.evidence
    for row in table(tables, "studies.csv"):
        stated = {str(r).rsplit("/", 1)[-1] for loc in evidence.objects(STUDY[row["study_key"]], SSKG.statedAt)
                  for r in evidence.objects(loc, SSKG.inTable1Row)}
        assert stated <= {row["table1_row"]}, row["study_key"]
        assert "table1_rows" not in row


def test_counts_are_integers_as_the_review_prints_them(tables: Path, layers: Layers) -> None:
    estimates = table(tables, "effect-estimates.csv")
    counts = [row for row in estimates if row["measure_id"] == "count"]
    assert counts and all(re.fullmatch(r"[0-9]+", row["value"]) for row in counts)
    assert all(row["label"] == f"count {row['value']}" for row in counts)
    poor = next(row for row in counts if "N = 115" in row["quotes"])
    assert poor["value"] == "115"
    for estimate in layers.evidence.subjects(SSKG.hasMeasure, CONCEPT["count"]):
        assert not str(layers.evidence.value(estimate, RDFS.label)).endswith(".0")
    assert {row["ci_upper"] for row in estimates if row["quotes"].startswith("[OR: 0.4")} == {"1.0"}  # printed "(0.2–1.0)"


def test_one_column_convention(tables: Path) -> None:
    """Labels for people, ids in their own columns: every label column has its id column, item for item."""
    for name in SPREADSHEETS:
        found = table(tables, name)
        header = list(found[0])
        assert len(header) == len(set(header))
        for column in header:
            ids = column + "_id" if column + "_id" in header else column[:-1] + "_ids" if column[:-1] + "_ids" in header else None
            if ids is None:
                continue
            for row in found:
                labels, keys = row[column], row[ids]
                if labels == "not reported":
                    assert keys == "" and column == "country"
                    continue
                assert len([k for k in keys.split("; ") if k]) == len([v for v in re.split(r"; | \| ", labels) if v]), (name, column, row[column])
                assert all(ID.match(key) for key in keys.split("; ") if key), (name, ids, keys)
        for row in found:
            assert not any(re.match(r"^(sskgc|theme|sskg|study|finding):", cell) for cell in row.values()), row


def test_no_two_columns_say_the_same_except_a_label_and_its_id(tables: Path) -> None:
    for name in SPREADSHEETS:
        found = table(tables, name)
        header = list(found[0])
        for i, first in enumerate(header):
            for second in header[i + 1:]:
                pair = second in (first + "_id", first[:-1] + "_ids") or (first, second) == ("study_key", "finding_key")
                if not pair and all(row[first] for row in found):
                    assert any(row[first] != row[second] for row in found), (name, first, second)


def test_cells_have_no_stray_white_space(tables: Path) -> None:
    for name in (*SPREADSHEETS, "prisma-flow.csv"):
        for row in table(tables, name):
            for column, cell in row.items():
                assert cell == " ".join(cell.split()), (name, column, cell)


# -- spreadsheets and readers --------------------------------------------------------------------------------

def test_spreadsheet_tables_start_with_a_bom_and_prisma_flow_does_not(tables: Path) -> None:
    for name in SPREADSHEETS:
        data = (tables / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbfstudy_key,") and data.count(b"\xef\xbb\xbf") == 1
    assert (tables / "prisma-flow.csv").read_bytes().startswith(b"data,node,box,")


def test_pandas_reads_names_numbers_and_text(tables: Path) -> None:
    studies = pd.read_csv(tables / "studies.csv")
    assert studies.columns[0] == "study_key" and len(studies) == 29
    assert str(studies["year"].dtype) == "int64"
    assert "73–79" in studies["pages"].tolist()  # UTF-8 read as UTF-8
    estimates = pd.read_csv(tables / "effect-estimates.csv")
    assert str(estimates["value"].dtype) == "float64" and 115 in estimates["value"].tolist()
    findings = pd.read_csv(tables / "findings.csv")
    assert findings.set_index(["study_key", "finding_key"]).index.is_unique
    flow = pd.read_csv(tables / "prisma-flow.csv")  # NA reads as missing, as in R
    counts = dict(zip(flow["data"], flow["n"]))
    assert counts["database_results"] == 2819 and counts["total_studies"] == 29 and pd.isna(counts["duplicates"])


def test_frictionless_validates_the_data_package(tables: Path) -> None:
    report = validate(tables / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    descriptor = json.loads((tables / "datapackage.json").read_text(encoding="utf-8"))
    names = [resource["path"] for resource in descriptor["resources"]]
    assert names == [*SPREADSHEETS, "prisma-flow.csv"]
    for resource in descriptor["resources"]:
        header = next(csv.reader(io.StringIO((tables / resource["path"]).read_text(encoding="utf-8").removeprefix("\ufeff"))))
        assert [field["name"] for field in resource["schema"]["fields"]] == header
    types = {field["name"]: field["type"] for field in descriptor["resources"][0]["schema"]["fields"]}
    assert types["year"] == types["sample_size"] == "integer"


def test_frictionless_catches_a_broken_key(tables: Path, tmp_path: Path) -> None:
    """The descriptor's keys are real constraints: a finding of an unknown study, or a year that is no number, fails."""
    for name in (*SPREADSHEETS, "prisma-flow.csv", "datapackage.json"):
        shutil.copy(tables / name, tmp_path / name)
    path = tmp_path / "findings.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(lines[1].split(",", 1)[0], "nobody-2020", 1)
    path.write_text("".join(lines), encoding="utf-8")
    studies = tmp_path / "studies.csv"
    studies.write_text(studies.read_text(encoding="utf-8").replace(",2016,", ",2016a,", 1), encoding="utf-8")
    report = validate(tmp_path / "datapackage.json")
    kinds = {error[0] for error in report.flatten(["type"])}
    assert not report.valid and {"foreign-key", "type-error"} <= kinds


# -- PRISMA 2020 ------------------------------------------------------------------------------------------

def test_prisma_flow_is_the_template_with_the_reviews_counts(tables: Path, layers: Layers) -> None:
    template = rows(PRISMA_TEMPLATE.read_text(encoding="utf-8"))
    found = table(tables, "prisma-flow.csv")
    assert list(found[0]) == list(PRISMA_FIELDS)
    assert [{k: v for k, v in row.items() if k != "n"} for row in found] == [{k: v for k, v in row.items() if k != "n"} for row in template]
    stages = {str(layers.evidence.value(s, SSKG.prismaField)): layers.evidence.value(s, SSKG.count)
              for s in layers.evidence.subjects(SSKG.prismaField, None)}
    assert len(stages) == 7
    counts = {row["data"]: row["n"] for row in found}
    for field, count in stages.items():
        assert counts[field] == ("NA" if count is None else str(count)), field
    assert counts["new_studies"] == counts["total_studies"] == "29"
    for row, original in zip(found, template):
        if row["data"] not in stages and row["data"] != "new_studies":
            assert row["n"] == ("NA" if original["box"].startswith("box") else original["n"]), row["data"]


def test_prisma_template_is_the_packages(tables: Path) -> None:
    """The vendored template has the PRISMA2020 package's columns and box names (what its PRISMA_data() reads)."""
    template = rows(PRISMA_TEMPLATE.read_text(encoding="utf-8"))
    fields = {row["data"] for row in template}
    assert {"database_results", "duplicates", "records_screened", "records_excluded", "dbr_assessed", "dbr_excluded",
            "new_studies", "total_studies", "identification", "screening", "included"} <= fields
    assert all(row["box"] for row in template) and len(template) == 34


# -- hazard E4 --------------------------------------------------------------------------------------------

def test_e4_formula_cells_are_neutralised() -> None:
    assert neutralise("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    for cell in ("+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(cell).startswith("'")
    assert neutralise("-0.4") == "-0.4" and neutralise("plain") == "plain"
    graph = Graph()
    study = STUDY["evil-2020"]
    graph.add((study, RDF.type, SSKG.IncludedStudy))
    graph.add((study, SSKG.key, Literal("evil-2020")))
    graph.add((study, DCTERMS.title, Literal("=cmd|' /C calc'!A0")))
    graph.add((study, SSKG.aim, Literal("@SUM(1+1)", lang="en")))
    row = rows(studies_table(graph))[0]
    assert row["title"] == "'=cmd|' /C calc'!A0" and row["aim"] == "'@SUM(1+1)"
    finding = FINDING["evil-2020/f"]
    graph.add((finding, RDF.type, SSKG.Finding))
    graph.add((finding, SSKG.fromStudy, study))
    graph.add((finding, RDFS.label, Literal("+danger")))
    assert rows(findings_table(graph))[0]["statement"] == "'+danger"
    assert all(row["n"] in ("NA", "0") for row in rows(prisma_table(Graph())))


def test_tables_and_descriptor_share_their_columns() -> None:
    assert [t.name for t in TABLES] == [name.removesuffix(".csv") for name in SPREADSHEETS]
    assert all(column.type in ("string", "integer", "number") for t in TABLES for column in t.columns)
