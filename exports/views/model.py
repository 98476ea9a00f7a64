"""The built graph → view data: the nodes and edges the views draw, their filter values and details.

Pure: reads the graph (SPARQL for joins, rdflib look-ups for single values) and returns plain records;
the same graph gives the same records in the same order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from weakref import WeakKeyDictionary

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from sskg.errors import SskgError
from sskg.rdf_io import backing_store, ox_store, rdflib_term
from sskg.namespaces import OA, SSKG, SSKG_NS

SPARQL_DIR = Path(__file__).resolve().parent / "sparql"
SHORT_LABEL = 32  # characters of a label drawn on the canvas; the panel shows it whole


class ViewError(SskgError):
    """A view was asked for something the graph does not hold."""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    colour: str
    shape: str  # a vis-network shape
    glyph: str  # the legend's symbol for that shape
    root: str  # the ontology class whose members get this kind


# In priority order: a node belonging to several roots takes the first kind listed.
KINDS: tuple[Kind, ...] = (
    Kind("study", "study", "#1f77b4", "box", "▬", "IncludedStudy"),
    Kind("finding", "finding", "#7f7f7f", "dot", "●", "Finding"),
    Kind("strategy", "support strategy", "#2ca02c", "diamond", "◆", "SupportStrategy"),
    Kind("support-type", "support type", "#d62728", "triangle", "▲", "SupportType"),
    Kind("capital", "recovery capital", "#9467bd", "hexagon", "⬢", "RecoveryCapital"),
    Kind("outcome", "outcome", "#ff7f0e", "square", "■", "Outcome"),
    Kind("population", "population", "#8c564b", "star", "★", "Population"),
    Kind("support", "support form or source", "#e377c2", "triangleDown", "▼", "SupportConcept"),
    Kind("factor", "other factor", "#17becf", "dot", "●", "Factor"),
)
KIND_ORDER = {kind.name: index for index, kind in enumerate(KINDS)}
FACETS = ("theme", "support", "strategy-kind", "country", "design")
_LITERAL_FACET_LABELS = {"direct": "direct strategy", "indirect": "indirect strategy", "not reported": "not reported"}
# Inverse properties would draw every link twice.
_SKIPPED_PREDICATES = {SSKG.fromStudy, RDF.type}


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


@dataclass(frozen=True)
class FindingSummary:
    id: str
    statement: str
    direction: str
    outcome: str
    exposures: tuple[str, ...]
    population: str
    estimates: tuple[str, ...]
    stated_at: tuple[str, ...]  # where in the review: section, Table 1 row and the quoted words


@dataclass
class Detail:
    heading: str
    kind: str
    fields: list[tuple[str, list[str]]]
    findings: list[FindingSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # curators' notes, shown after the findings
    studies: list[Link] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


class Details(Mapping[str, Detail]):
    """Each node's details panel, read from the graph when first asked for: a page shows at most a few
    thousand of the graph's nodes, and reading every panel takes many seconds at 100× the review."""

    def __init__(self, graph: Graph, nodes: dict[str, ViewNode], edges: list[ViewEdge]) -> None:
        self._graph, self._nodes, self._links = graph, nodes, _links(nodes, edges)
        self._made: dict[str, Detail] = {}

    def __getitem__(self, node_id: str) -> Detail:
        if node_id not in self._made:
            node = self._nodes[node_id]
            detail = _detail(self._graph, URIRef(node_id), node)
            detail.links = self._links.get(node_id, [])
            if node.kind not in ("study", "finding"):
                detail.studies = _studies_touched(self._nodes, detail.links)
            self._made[node_id] = detail
        return self._made[node_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def citation(self, study: str) -> str:
        """A study's citation alone, without reading its whole panel."""
        return _citation(self._graph, URIRef(study))


@dataclass
class ViewModel:
    nodes: dict[str, ViewNode]
    edges: list[ViewEdge]
    details: Details
    facet_labels: dict[str, dict[str, str]]  # facet → value → label

    def node_ids(self, kind: str) -> list[str]:
        return [node.id for node in self.nodes.values() if node.kind == kind]


@cache
def sparql(name: str) -> str:
    return (SPARQL_DIR / f"{name}.rq").read_text(encoding="utf-8")


def select(graph: Graph, name: str) -> list[tuple[object, ...]]:
    """Rows of one of this package's queries (trusted files, no user input), run by Oxigraph: rdflib's
    engine took 40 s for them at 100× the review."""
    solutions = _store(graph).query(sparql(name), use_default_graph_as_union=True)
    return [tuple(None if value is None else rdflib_term(value) for value in row) for row in solutions]  # type: ignore[union-attr]


_STORES: WeakKeyDictionary[Graph, tuple[int, ox.Store]] = WeakKeyDictionary()


def _store(graph: Graph) -> ox.Store:
    """The graph's own Oxigraph store, or a copy made once for all the queries of the views (again if
    the graph's size has changed since)."""
    own = backing_store(graph)
    if own is not None:
        return own
    size, store = _STORES.get(graph, (-1, None))
    if store is None or size != len(graph):
        store = ox_store(graph)
        _STORES[graph] = (len(graph), store)
    return store


def release_store(graph: Graph) -> None:
    """Forget the copy `select` made of `graph`, when its views are done."""
    _STORES.pop(graph, None)


# -- single-value look-ups --------------------------------------------------------------------------

def texts(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return sorted({str(value) for value in graph.objects(subject, predicate) if isinstance(value, Literal)})


def text(graph: Graph, subject: URIRef, predicate: URIRef) -> str | None:
    """One literal value; English first, then the others in sorted order."""
    values = [value for value in graph.objects(subject, predicate) if isinstance(value, Literal)]
    values.sort(key=lambda value: (value.language not in (None, "en"), str(value)))
    return str(values[0]) if values else None


def label(graph: Graph, node: URIRef) -> str:
    for predicate in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        value = text(graph, node, predicate)
        if value:
            return value
    return re.split(r"[/#]", str(node).rstrip("/#"))[-1]


def iris(graph: Graph, subject: URIRef, predicate: URIRef) -> list[URIRef]:
    return sorted(value for value in graph.objects(subject, predicate) if isinstance(value, URIRef))


def labels(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return [label(graph, value) for value in iris(graph, subject, predicate)]


# -- the model --------------------------------------------------------------------------------------

def load_model(graph: Graph) -> ViewModel:
    kinds = _node_kinds(graph)
    facets = _study_facets(graph)
    nodes: dict[str, ViewNode] = {}
    for iri in sorted(kinds, key=lambda node: (KIND_ORDER[kinds[node]], str(node))):
        kind = kinds[iri]
        if kind == "study":
            year = graph.value(iri, SSKG.year)
            node = ViewNode(str(iri), kind, label(graph, iri), facets.get(str(iri), {}),
                            year=int(year) if isinstance(year, Literal) else None)
        elif kind == "finding":
            study = graph.value(iri, SSKG.fromStudy)
            node = ViewNode(str(iri), kind, label(graph, iri), study=str(study) if study in kinds else None)
        else:
            node = ViewNode(str(iri), kind, label(graph, iri))
        nodes[node.id] = node
    edges = _edges(graph, kinds)
    facet_labels = {
        facet: {value: _facet_label(graph, value) for value in sorted({v for f in facets.values() for v in f.get(facet, ())})}
        for facet in FACETS
    }
    return ViewModel(nodes, edges, Details(graph, nodes, edges), facet_labels)


def _node_kinds(graph: Graph) -> dict[URIRef, str]:
    by_root = {SSKG_NS[kind.root]: kind.name for kind in KINDS}
    kinds: dict[URIRef, str] = {}
    for node, root in select(graph, "node-kinds"):
        kind = by_root[root]  # type: ignore[index]
        current = kinds.get(node)  # type: ignore[arg-type]
        if current is None or KIND_ORDER[kind] < KIND_ORDER[current]:
            kinds[node] = kind  # type: ignore[index]
    return kinds


def _study_facets(graph: Graph) -> dict[str, dict[str, tuple[str, ...]]]:
    collected: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for study, facet, value in select(graph, "study-facets"):
        collected[str(study)][str(facet)].add(str(value))
    return {study: {facet: tuple(sorted(values)) for facet, values in sorted(by_facet.items())}
            for study, by_facet in sorted(collected.items())}


def _facet_label(graph: Graph, value: str) -> str:
    if value in _LITERAL_FACET_LABELS:
        return _LITERAL_FACET_LABELS[value]
    return label(graph, URIRef(value))


def _edges(graph: Graph, kinds: dict[URIRef, str]) -> list[ViewEdge]:
    edges = set()
    for subject in kinds:
        for predicate, obj in graph.predicate_objects(subject):
            if obj in kinds and obj != subject and predicate not in _SKIPPED_PREDICATES:
                edges.add(ViewEdge(str(subject), str(obj), str(predicate), label(graph, predicate)))  # type: ignore[arg-type]
    return sorted(edges, key=lambda edge: (edge.source, edge.predicate, edge.target))


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


# -- details ----------------------------------------------------------------------------------------

def _detail(graph: Graph, iri: URIRef, node: ViewNode) -> Detail:
    if node.kind == "study":
        return _study_detail(graph, iri, node)
    if node.kind == "finding":
        summary = finding_summary(graph, iri)
        fields = [
            ("Statement", [summary.statement]),
            ("Study", labels(graph, iri, SSKG.fromStudy)),
            ("Direction", [summary.direction]),
            ("Outcome", [summary.outcome]),
            ("Exposures", list(summary.exposures)),
            ("Population", [summary.population]),
            ("Effect estimates", list(summary.estimates)),
            ("Qualitative themes", texts(graph, iri, SSKG.qualitativeTheme)),
            ("Stated in the review", list(summary.stated_at)),
        ]
        return Detail(node.label, node.kind, _present(fields))
    return _concept_detail(graph, iri, node)


def _present(fields: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    return [(name, [value for value in values if value]) for name, values in fields if any(values)]


def _study_detail(graph: Graph, iri: URIRef, node: ViewNode) -> Detail:
    size = graph.value(iri, SSKG.sampleSize)
    country = labels(graph, iri, SSKG.conductedIn) or (["not reported"] if graph.value(iri, SSKG.countryNotReported) else [])
    design = labels(graph, iri, SSKG.hasDesignCategory) + labels(graph, iri, SSKG.hasDesign)
    fields = [
        ("Citation", [_citation(graph, iri)]),
        ("Title", [text(graph, iri, DCTERMS.title) or ""]),
        ("Year", [str(node.year) if node.year else ""]),
        ("Aim", [text(graph, iri, SSKG.aim) or ""]),
        ("Sample", [f"N = {size}" if size is not None else "", text(graph, iri, SSKG.sampleDescription) or ""]),
        ("Country", country),
        ("Design", [", ".join(design), text(graph, iri, SSKG.analysis) or ""]),
        ("Theme", labels(graph, iri, SSKG.hasTheme) + labels(graph, iri, SSKG.hasSubTheme)),
        ("Table 1 label", texts(graph, iri, SKOS.altLabel)),
        ("Discussed in the review", labels(graph, iri, SSKG.discussedIn)),
    ]
    findings = [finding_summary(graph, finding) for finding in iris(graph, iri, SSKG.reportsFinding)]
    return Detail(node.label, node.kind, _present(fields), findings=findings, notes=texts(graph, iri, SSKG.note))


def _citation(graph: Graph, study: URIRef) -> str:
    return text(graph, study, DCTERMS.bibliographicCitation) or ""


def finding_summary(graph: Graph, iri: URIRef) -> FindingSummary:
    outcome = graph.value(iri, SSKG.hasOutcome)
    family = [label(graph, cls) for cls in iris(graph, outcome, RDF.type)
              if (cls, RDFS.subClassOf, SSKG_NS.Outcome) in graph] if isinstance(outcome, URIRef) else []
    outcome_text = label(graph, outcome) if isinstance(outcome, URIRef) else ""
    if family:
        outcome_text += f" ({', '.join(family)})"
    return FindingSummary(
        id=str(iri),
        statement=label(graph, iri),
        direction=", ".join(labels(graph, iri, SSKG.hasDirection)),
        outcome=outcome_text,
        exposures=tuple(labels(graph, iri, SSKG.hasExposure)),
        population=", ".join(labels(graph, iri, SSKG.inPopulation)),
        estimates=tuple(_estimate(graph, estimate) for estimate in iris(graph, iri, SSKG.hasEffectEstimate)),
        stated_at=tuple(stated_at(graph, iri)),
    )


def _estimate(graph: Graph, estimate: URIRef) -> str:
    parts = [label(graph, estimate)]
    for name, predicate in (("comparison", SSKG.comparison), ("subgroup", SSKG.subgroup)):
        value = text(graph, estimate, predicate)
        if value:
            parts.append(f"{name}: {value}")
    return "; ".join(parts)


def stated_at(graph: Graph, iri: URIRef) -> list[str]:
    """Where the review states a fact: section, Table 1 row and the quoted words."""
    places = []
    for location in iris(graph, iri, SSKG.statedAt):
        # A Table 1 row says more than the table's long caption.
        where = ", ".join(labels(graph, location, SSKG.inTable1Row) or labels(graph, location, SSKG.inSection))
        quotes = [text(graph, selector, OA.exact) for selector in iris(graph, location, OA.hasSelector)]
        quote = " ".join(q for q in quotes if q)
        places.append(f"{where}: “{quote}”" if quote else where)
    return sorted(places)


def _concept_detail(graph: Graph, iri: URIRef, node: ViewNode) -> Detail:
    classes = [label(graph, cls) for cls in iris(graph, iri, RDF.type) if str(cls).startswith(str(SSKG_NS))]
    definitions = []
    for statement in sorted(graph.subjects(SSKG.definesConcept, iri)):
        sources = labels(graph, statement, SSKG.definitionSource)  # type: ignore[arg-type]
        value = text(graph, statement, RDF.value)  # type: ignore[arg-type]
        if value:
            definitions.append(value + (f" (after {', '.join(sources)})" if sources else ""))
    fields = [
        ("Classified as", classes),
        ("Definition", texts(graph, iri, SKOS.definition)),
        ("Scope note", texts(graph, iri, SKOS.scopeNote)),
        ("Source", labels(graph, iri, DCTERMS.source)),
        ("Definition in the review", definitions),
    ]
    return Detail(node.label, node.kind, _present(fields))
