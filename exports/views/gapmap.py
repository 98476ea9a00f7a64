"""The evidence-and-gap map's data: strategies × outcome families or recovery-capital kinds.

A cell holds the studies that examine the row's strategy and, by outcome family, report a finding on
an outcome of that family (the rule of the catalogue query `evidence-gaps`), or, by capital kind,
examine a strategy the ontology says builds that kind; each study carries its findings' directions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from sskg.namespaces import SSKG_NS

from .model import ViewModel, label, select

GROUPS = (("direct", "Direct strategies"), ("indirect", "Indirect strategies"),
          ("unclassified", "Strategies the reasoner does not classify as direct or indirect"))
MODES = (("outcome", "Outcome families", "gap-outcome-cells"), ("capital", "Recovery-capital kinds", "gap-capital-cells"))
# Colours of finding directions, by concept id; others get grey.
DIRECTION_COLOURS = {"positive": "#1a9850", "mixed": "#fdae61", "none": "#9e9e9e", "negative": "#d73027"}


@dataclass(frozen=True)
class GapEntry:
    study: str
    directions: tuple[str, ...]  # one per finding counted in the cell


@dataclass(frozen=True)
class GapMap:
    rows: tuple[tuple[str, str, str], ...]  # (group, strategy IRI, label)
    columns: dict[str, tuple[tuple[str, str], ...]]  # mode → (column IRI, label)
    cells: dict[str, dict[str, dict[str, tuple[GapEntry, ...]]]]  # mode → strategy → column → entries
    directions: tuple[tuple[str, str, str], ...]  # (IRI, label, colour)

    def studies(self, mode: str, strategy: str, column: str) -> list[str]:
        return [entry.study for entry in self.cells[mode].get(strategy, {}).get(column, ())]

    def gaps(self, mode: str) -> list[tuple[str, str]]:
        """(strategy, column) pairs with no study, each strategy once."""
        strategies = sorted({row[1] for row in self.rows})
        return [(strategy, column) for strategy in strategies for column, _ in self.columns[mode]
                if not self.studies(mode, strategy, column)]


def load_gap_map(graph: Graph) -> GapMap:
    rows = sorted(
        ((str(group) if group else "unclassified", str(strategy), label(graph, strategy))  # type: ignore[arg-type]
         for strategy, group in select(graph, "gap-rows")),
        key=lambda row: ([name for name, _ in GROUPS].index(row[0]), row[2], row[1]),
    )
    columns: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for mode, column in select(graph, "gap-columns"):
        columns[str(mode)].append((str(column), label(graph, column)))  # type: ignore[arg-type]
    cells = {mode: _cells(graph, query) for mode, _, query in MODES}
    return GapMap(
        tuple(rows),
        {mode: tuple(sorted(columns.get(mode, []), key=lambda c: (c[1], c[0]))) for mode, _, _ in MODES},
        cells,
        _directions(graph),
    )


def _cells(graph: Graph, query: str) -> dict[str, dict[str, tuple[GapEntry, ...]]]:
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for strategy, column, study, finding, direction in select(graph, query):
        directions = found[(str(strategy), str(column), str(study))]
        if finding is not None and direction is not None:
            directions.append(str(direction))
    cells: dict[str, dict[str, list[GapEntry]]] = defaultdict(lambda: defaultdict(list))
    for (strategy, column, study), directions in sorted(found.items()):
        cells[strategy][column].append(GapEntry(study, tuple(sorted(directions))))
    return {strategy: {column: tuple(entries) for column, entries in by_column.items()} for strategy, by_column in cells.items()}


def _directions(graph: Graph) -> tuple[tuple[str, str, str], ...]:
    order = list(DIRECTION_COLOURS)
    found = sorted(
        (node for node in graph.subjects(RDF.type, SSKG_NS.Direction) if isinstance(node, URIRef)),
        key=lambda node: (order.index(_local(node)) if _local(node) in order else len(order), str(node)),
    )
    return tuple((str(node), label(graph, node), DIRECTION_COLOURS.get(_local(node), "#bdbdbd")) for node in found)


def _local(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


def gap_data(gap: GapMap, model: ViewModel, overview_href: str) -> dict[str, object]:
    """The JSON the gap-map page reads; studies carry what its filters and study list need."""
    studies = sorted({entry.study for by_strategy in gap.cells.values() for by_column in by_strategy.values()
                      for entries in by_column.values() for entry in entries})
    facet_values = {facet: sorted({value for study in studies for value in model.nodes[study].facets.get(facet, ())})
                    for facet in ("design", "country")}
    return {
        "groups": [list(group) for group in GROUPS],
        "rows": [{"group": group, "id": strategy, "label": text} for group, strategy, text in gap.rows],
        "modes": [{"name": mode, "label": text, "columns": [{"id": c, "label": t} for c, t in gap.columns[mode]]}
                  for mode, text, _ in MODES],
        "cells": {mode: {strategy: {column: [{"study": e.study, "directions": list(e.directions)} for e in entries]
                                    for column, entries in by_column.items()}
                         for strategy, by_column in by_strategy.items()}
                  for mode, by_strategy in gap.cells.items()},
        "studies": {study: _study_entry(model, study) for study in studies},
        "directions": [{"id": iri, "label": text, "colour": colour} for iri, text, colour in gap.directions],
        "facets": {facet: [[value, model.facet_labels[facet].get(value, value)] for value in values]
                   for facet, values in facet_values.items()},
        "overview": overview_href,
    }


def _study_entry(model: ViewModel, study: str) -> dict[str, object]:
    node = model.nodes[study]
    return {
        "label": node.label,
        "key": study.rsplit("/", 1)[-1],
        "year": node.year,
        "citation": model.details.citation(study),
        "design": list(node.facets.get("design", ())),
        "country": list(node.facets.get("country", ())),
    }
