"""The node-link model of the focused graph views (a study, a concept's neighbourhood, a query's rows):
nodes and edges drawn one by one, their filter values and each node's details panel.

Built from the evidence records (evidence.py) and two more SPARQL queries, the statements between
drawn nodes and the concepts' details; the same graph gives the same records in the same order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from rdflib import Graph

from sskg.errors import SskgError

from .evidence import FACETS, KIND_ORDER, KINDS, Evidence, load_evidence
from .pagedata import finding_json, study_json
from .store import select_values

SHORT_LABEL = 32  # characters of a label drawn on the canvas; the panel shows it whole
_DRAWN = {kind.name for kind in KINDS}

__all__ = ["FACETS", "KINDS", "KIND_ORDER", "Detail", "Details", "Link", "ViewEdge", "ViewError", "ViewModel", "ViewNode",
           "load_model"]


class ViewError(SskgError):
    """A view was asked for something the graph does not hold."""


@dataclass(frozen=True)
class ViewNode:
    id: str
    kind: str
    label: str
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)  # studies only
    year: int | None = None  # studies only
    study: str | None = None  # findings: the study they come from

    @property
    def short(self) -> str:
        if len(self.label) <= SHORT_LABEL:
            return self.label
        return self.label[:SHORT_LABEL].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@dataclass(frozen=True)
class ViewEdge:
    source: str
    target: str
    predicate: str
    label: str


@dataclass(frozen=True)
class Link:
    """A neighbour named in a details panel; `relation` reads from the panel's node."""

    id: str
    label: str
    kind: str
    relation: str


@dataclass
class Detail:
    heading: str
    kind: str
    fields: list[tuple[str, list[str]]]  # a concept's own fields
    record: dict[str, object] | None = None  # a study's or a finding's record, as every page shows it
    findings: list[dict[str, object]] = field(default_factory=list)  # a study's findings
    notes: list[str] = field(default_factory=list)  # curators' notes on a study
    studies: list[Link] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


class Details(Mapping[str, Detail]):
    """Each node's details panel, made when first asked for: a page shows at most a few thousand nodes."""

    def __init__(self, evidence: Evidence, concept_fields: dict[str, list[tuple[str, list[str]]]],
                 nodes: dict[str, ViewNode], edges: list[ViewEdge]) -> None:
        self._evidence, self._fields, self._nodes = evidence, concept_fields, nodes
        self._links = _links(nodes, edges)
        self._made: dict[str, Detail] = {}

    def __getitem__(self, node_id: str) -> Detail:
        if node_id not in self._made:
            self._made[node_id] = self._detail(self._nodes[node_id])
        return self._made[node_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def _detail(self, node: ViewNode) -> Detail:
        evidence = self._evidence
        links = self._links.get(node.id, [])
        if node.kind == "study":
            study = evidence.studies[node.id]
            return Detail(node.label, node.kind, [], record=study_json(evidence, study),
                          findings=[{"id": f, **finding_json(evidence, evidence.findings[f])} for f in study.findings],
                          notes=list(study.fields.get("notes", ())), links=links)
        if node.kind == "finding":
            return Detail(node.label, node.kind, [], record=finding_json(evidence, evidence.findings[node.id]), links=links)
        return Detail(node.label, node.kind, self._fields.get(node.id, []), studies=_studies_touched(self._nodes, links),
                      links=links)


@dataclass
class ViewModel:
    nodes: dict[str, ViewNode]
    edges: list[ViewEdge]
    details: Details
    facet_labels: dict[str, dict[str, str]]  # facet → value → label

    def node_ids(self, kind: str) -> list[str]:
        return [node.id for node in self.nodes.values() if node.kind == kind]


def load_model(graph: Graph, evidence: Evidence | None = None) -> ViewModel:
    evidence = evidence or load_evidence(graph)
    nodes: dict[str, ViewNode] = {}
    for study in evidence.studies.values():
        nodes[study.id] = ViewNode(study.id, "study", study.label, study.facets, year=study.year)
    for finding in evidence.findings.values():
        nodes[finding.id] = ViewNode(finding.id, "finding", finding.statement,
                                     study=finding.study if finding.study in evidence.studies else None)
    for concept in evidence.concepts.values():
        if concept.kind in _DRAWN:
            nodes[concept.id] = ViewNode(concept.id, concept.kind, concept.label)
    ordered = dict(sorted(nodes.items(), key=lambda item: (KIND_ORDER[item[1].kind], item[0])))
    edges = _edges(graph, evidence, ordered)
    facet_labels = {facet: {value: evidence.label(value) for value in sorted({v for s in evidence.studies.values()
                                                                             for v in s.facets.get(facet, ())})}
                    for facet in FACETS}
    return ViewModel(ordered, edges, Details(evidence, _concept_fields(graph, evidence), ordered, edges), facet_labels)


def _edges(graph: Graph, evidence: Evidence, nodes: dict[str, ViewNode]) -> list[ViewEdge]:
    edges = {ViewEdge(source, target, predicate, evidence.label(predicate))  # type: ignore[arg-type]
             for source, predicate, target in select_values(graph, "node-links")
             if source in nodes and target in nodes and source != target}
    return sorted(edges, key=lambda edge: (edge.source, edge.predicate, edge.target))


def _concept_fields(graph: Graph, evidence: Evidence) -> dict[str, list[tuple[str, list[str]]]]:
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sources: dict[str, list[str]] = defaultdict(list)
    definitions: dict[str, dict[str, str]] = defaultdict(dict)
    for concept, name, value, statement in select_values(graph, "concept-details"):
        if name == "review_definition":
            definitions[concept][statement] = value  # type: ignore[index]
        elif name == "review_definition_source":
            sources[statement].append(evidence.label(value))  # type: ignore[index]
        elif name in ("classes", "source"):
            found[concept][name].append(evidence.label(value))  # type: ignore[index]
        else:
            found[concept][name].append(value)  # type: ignore[index]
    fields: dict[str, list[tuple[str, list[str]]]] = {}
    for concept in sorted(set(found) | set(definitions)):
        review = [text + (f" (after {', '.join(sorted(sources[statement]))})" if sources.get(statement) else "")
                  for statement, text in sorted(definitions.get(concept, {}).items())]
        named = [("Classified as", found[concept].get("classes", [])), ("Definition", found[concept].get("definition", [])),
                 ("Scope note", found[concept].get("scope", [])), ("Source", found[concept].get("source", [])),
                 ("Definition in the review", review)]
        fields[concept] = [(name, sorted(set(values))) for name, values in named if values]
    return fields


def _links(nodes: dict[str, ViewNode], edges: list[ViewEdge]) -> dict[str, list[Link]]:
    """Each node's neighbours, as its panel lists them."""
    links: dict[str, set[Link]] = defaultdict(set)
    for edge in edges:
        source, target = nodes[edge.source], nodes[edge.target]
        links[edge.source].add(Link(target.id, target.label, target.kind, edge.label))
        links[edge.target].add(Link(source.id, source.label, source.kind, f"{edge.label} (from)"))
    return {node_id: sorted(found, key=_link_order) for node_id, found in links.items()}


def _studies_touched(nodes: dict[str, ViewNode], links: list[Link]) -> list[Link]:
    """The studies a concept touches directly or through findings."""
    studies = {link.id for link in links if link.kind == "study"}
    studies |= {nodes[link.id].study for link in links if link.kind == "finding" and nodes[link.id].study}  # type: ignore[misc]
    related = sorted((nodes[study] for study in studies), key=lambda study: (study.label, study.id))
    return [Link(study.id, study.label, "study", "") for study in related]


def _link_order(link: Link) -> tuple[int, str, str, str]:
    return KIND_ORDER[link.kind], link.label, link.id, link.relation
