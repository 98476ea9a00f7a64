"""The evidence-and-gap map: support strategies × outcome families or recovery-capital kinds.

Which findings are evidence on a strategy: those that name it among their exposures, and those of a
study that examines it when the finding names no strategy at all (it is about what the study
examined as a whole). A finding about another strategy of the same study is not evidence on this one.
A cell holds the findings on its row's strategy that, by outcome family, concern an outcome of that
family or, by recovery-capital kind, whose strategy the review says builds that kind; it counts the
distinct studies behind them. A cell with no study is a gap; by capital kind, a cell whose strategy
the review does not say builds that kind is no gap but "not linked".

The rule is applied here, once: the page gets each finding's cells and only filters and counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph

from .evidence import Evidence, Finding
from .store import select_values
from .pagedata import effects_json, filter_values, finding_json, study_json, year_range

GROUPS = (("direct", "Direct strategies"), ("indirect", "Indirect strategies"),
          ("unclassified", "Strategies not classified as direct or indirect"))
MODES = (("outcome", "Outcome families", "outcome family"), ("capital", "Recovery-capital kinds", "recovery-capital kind"))
Cell = tuple[str, str]  # (strategy, column)


@dataclass(frozen=True)
class GapRow:
    id: str
    label: str
    groups: tuple[str, ...]  # one row per group in the table; the strategy counts once
    examined: tuple[str, ...]  # studies that examine the strategy, with or without a finding on it
    capital: tuple[str, ...]  # the recovery-capital kinds the review says it builds


@dataclass(frozen=True)
class GapMap:
    rows: tuple[GapRow, ...]
    columns: dict[str, tuple[tuple[str, str], ...]]  # mode → (column IRI, label)
    cells: dict[str, dict[Cell, tuple[str, ...]]]  # mode → cell → findings

    def studies(self, evidence: Evidence, mode: str, cell: Cell) -> list[str]:
        return sorted({evidence.findings[finding].study for finding in self.cells[mode].get(cell, ())})

    def linked(self, mode: str, row: GapRow, column: str) -> bool:
        """Whether the cell can hold evidence: by capital kind, only a kind the strategy builds."""
        return mode != "capital" or column in row.capital

    def gaps(self, mode: str) -> list[Cell]:
        """Cells that can hold evidence and hold no study, each strategy once."""
        return [(row.id, column) for row in self.rows for column, _ in self.columns[mode]
                if self.linked(mode, row, column) and not self.cells[mode].get((row.id, column))]


def strategies_of(evidence: Evidence, finding: Finding) -> set[str]:
    """The strategies a finding is evidence on (see the module's note)."""
    named = {exposure for exposure in finding.exposures if _kind(evidence, exposure) == "strategy"}
    if named:
        return named
    if any(_kind(evidence, exposure) == "strategy" for exposure in finding.exposures):
        return set()
    study = evidence.studies.get(finding.study)
    return set(study.fields.get("strategies", ())) if study else set()


def _kind(evidence: Evidence, iri: str) -> str | None:
    concept = evidence.concepts.get(iri)
    return concept.kind if concept else None


def studies_examining(evidence: Evidence) -> dict[str, tuple[str, ...]]:
    """Strategy → the studies that examine it (sskg:examinesStrategy), sorted: what the catalogue queries count."""
    examined: dict[str, set[str]] = defaultdict(set)
    for study in evidence.studies.values():
        for strategy in study.fields.get("strategies", ()):
            examined[strategy].add(study.id)
    return {strategy: tuple(sorted(studies)) for strategy, studies in examined.items()}


def load_gap_map(graph: Graph, evidence: Evidence) -> GapMap:
    strategies = sorted((c for c in evidence.concepts.values() if c.kind == "strategy"), key=lambda c: (c.label, c.id))
    examined = studies_examining(evidence)
    rows = tuple(GapRow(c.id, c.label, c.links.get("group", ()) or ("unclassified",), examined.get(c.id, ()),
                        c.links.get("capital", ())) for c in strategies)
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for mode, column in select_values(graph, "gap-columns"):
        found[mode].append((column, evidence.label(column)))  # type: ignore[index, arg-type]
    columns = {mode: tuple(sorted(found.get(mode, []), key=lambda c: (c[1], c[0]))) for mode, _, _ in MODES}
    cells: dict[str, dict[Cell, list[str]]] = {mode: defaultdict(list) for mode, _, _ in MODES}
    by_id = {row.id: row for row in rows}
    for finding in evidence.findings.values():
        for strategy in sorted(strategies_of(evidence, finding) & by_id.keys()):
            family = evidence.family(finding.outcome)
            if family:
                cells["outcome"][(strategy, family)].append(finding.id)
            for kind in by_id[strategy].capital:
                cells["capital"][(strategy, kind)].append(finding.id)
    return GapMap(rows, columns, {mode: {cell: tuple(sorted(ids)) for cell, ids in sorted(by_cell.items())}
                                  for mode, by_cell in cells.items()})


def gap_summary(gap: GapMap, evidence: Evidence, mode: str = "outcome") -> str:
    """The map's totals in words, for the index (the page writes the same from its data)."""
    filled = [cell for cell, findings in gap.cells[mode].items() if findings]
    studies = {evidence.findings[finding].study for cell in filled for finding in gap.cells[mode][cell]}
    unit = next(unit for name, _, unit in MODES if name == mode)
    return (f"{len(gap.rows)} support strategies × {len(gap.columns[mode])} {unit} columns: {len(filled)} cells hold "
            f"{len(studies)} studies; {len(gap.gaps(mode))} are gaps, with no study")


def gap_data(gap: GapMap, evidence: Evidence, overview_href: str) -> dict[str, object]:
    """The JSON the gap-map page reads."""
    in_cells: dict[str, dict[str, list[list[str]]]] = defaultdict(lambda: defaultdict(list))
    for mode, by_cell in gap.cells.items():
        for (strategy, column), findings in by_cell.items():
            for finding in findings:
                in_cells[finding][mode].append([strategy, column])
    study_ids = sorted({evidence.findings[f].study for f in in_cells} | {s for row in gap.rows for s in row.examined})
    studies = [evidence.studies[study] for study in study_ids if study in evidence.studies]
    return {
        "groups": [list(group) for group in GROUPS],
        "rows": [{"id": row.id, "label": row.label, "groups": list(row.groups), "examined": list(row.examined),
                  "capital": list(row.capital)} for row in gap.rows],
        "modes": [{"name": mode, "label": text, "unit": unit, "columns": [{"id": c, "label": t} for c, t in gap.columns[mode]]}
                  for mode, text, unit in MODES],
        "findings": {finding: {**finding_json(evidence, evidence.findings[finding]),
                               "cells": {mode: cells for mode, cells in sorted(by_mode.items())}}
                     for finding, by_mode in sorted(in_cells.items())},
        "studies": {study.id: study_json(evidence, study) for study in studies},
        **effects_json(evidence),
        # Every value the graph holds, even one no study of the map has: choosing it says so and how to widen.
        "facets": filter_values(evidence, evidence.studies.values()),
        "years": year_range(evidence.studies.values()),
        "overview": overview_href,
    }
