"""Which nodes a graph view shows: everything, one study, a concept's neighbourhood or a query's rows.

Every view passes through `cap`, which keeps a page drawable (hazard H4): over the cap, findings are
folded into their studies first, then the least connected nodes are left out, and the view says so.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.term import Node

from sskg.namespaces import CONCEPT, PREFIXES, STUDY

from .model import KIND_ORDER, KINDS, ViewEdge, ViewError, ViewModel, ViewNode

DEFAULT_CAP = 2000
DEFAULT_DEPTH = 2


@dataclass(frozen=True)
class GraphView:
    name: str  # the file stem
    title: str
    subtitle: str
    nodes: tuple[ViewNode, ...]
    edges: tuple[ViewEdge, ...]
    notice: str | None = None  # what the cap left out
    focus: str | None = None  # the node whose details open first
    highlight: tuple[str, ...] = ()  # the nodes the view was asked for, drawn with a heavy border


def file_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "view"


def overview(model: ViewModel, cap: int = DEFAULT_CAP) -> GraphView:
    studies, findings = len(model.node_ids("study")), len(model.node_ids("finding"))
    concepts = len(model.nodes) - studies - findings
    return cap_view("overview", "Evidence graph",
                    f"{studies} studies, {findings} findings and {concepts} concepts", model, set(model.nodes), cap)


def study_view(model: ViewModel, key: str, cap: int = DEFAULT_CAP) -> GraphView:
    """The study, its findings, and everything they point to."""
    iri = str(STUDY[key])
    if iri not in model.nodes:
        raise ViewError(f"no study with key {key!r}", fix=_suggest(key, [_local(i) for i in model.node_ids("study")]))
    findings = [link.id for link in model.details[iri].links if link.kind == "finding"]
    ids = neighbourhood(model, [iri, *findings], 1)
    node = model.nodes[iri]
    return cap_view(f"study-{key}", f"Study: {node.label}", f"{len(findings)} findings and their neighbours",
                    model, ids, cap, focus=iri)


def concept_view(model: ViewModel, name: str, depth: int = DEFAULT_DEPTH, cap: int = DEFAULT_CAP) -> GraphView:
    """The concept and every node within `depth` links of it (in either direction)."""
    if depth < 0:
        raise ViewError(f"depth {depth} is negative", fix="give --depth 0 or more")
    iri = find_concept(model, name)
    node = model.nodes[iri]
    ids = neighbourhood(model, [iri], depth)
    return cap_view(f"concept-{_local(iri)}", f"Concept: {node.label}",
                    f"{len(ids) - 1} nodes within {depth} link(s)", model, ids, cap, focus=iri)


def query_view(model: ViewModel, graph: Graph, name: str, params: Mapping[str, str], cap: int = DEFAULT_CAP) -> GraphView:
    """The nodes a catalogue query's result names, and their neighbours.

    A row names a node by its IRI or, as most catalogue queries return keys, by a value equal to the
    node's key (a study key, a concept or finding id); IRIs bound as parameters count too.
    """
    from sskg.queries.catalogue import get_query
    from sskg.queries.parameters import GraphTerms
    from sskg.queries.runner import run_query, select_on

    entry = get_query(name)
    bindings = entry.bindings(dict(params), GraphTerms(select_on(graph)))  # parameters by label, slug or IRI
    result = run_query(graph, entry.text, bindings)
    values: list[Node] = [value for row in result.rows for value in row if value is not None]
    if result.graph is not None:
        values += [term for triple in result.graph for term in triple]
    seeds = _named_nodes(model, [*values, *bindings.values()])
    ids = neighbourhood(model, seeds, 1)
    given = ", ".join(f"{key}={value}" for key, value in sorted(params.items()))
    subtitle = f"{len(result.rows)} result row(s) naming {len(seeds)} node(s)" + (f"; parameters {given}" if given else "")
    return cap_view(f"query-{name}", f"Query: {entry.title}", subtitle, model, ids, cap, highlight=seeds)


def find_concept(model: ViewModel, name: str) -> str:
    """A concept by id (`peer-support`), prefixed name (`sskgc:peer-support`), IRI or label."""
    concepts = [node for node in model.nodes.values() if node.kind not in ("study", "finding")]
    prefix, _, local = name.partition(":")
    wanted = {name, str(CONCEPT) + name}  # strings, not URIRefs: user text need not be a valid IRI
    if prefix in PREFIXES:
        wanted.add(str(PREFIXES[prefix]) + local)
    for node in concepts:
        if node.id in wanted or node.label.casefold() == name.casefold():
            return node.id
    raise ViewError(f"no concept named {name!r}", fix=_suggest(name, [_local(node.id) for node in concepts]))


def neighbourhood(model: ViewModel, seeds: Iterable[str], depth: int) -> set[str]:
    adjacent: dict[str, set[str]] = defaultdict(set)
    for edge in model.edges:
        adjacent[edge.source].add(edge.target)
        adjacent[edge.target].add(edge.source)
    reached = {seed for seed in seeds if seed in model.nodes}
    frontier = set(reached)
    for _ in range(depth):
        frontier = {neighbour for node in frontier for neighbour in adjacent[node]} - reached
        reached |= frontier
    return reached


def cap_view(name: str, title: str, subtitle: str, model: ViewModel, ids: set[str], cap: int,
             focus: str | None = None, highlight: Iterable[str] = ()) -> GraphView:
    nodes = [node for node in model.nodes.values() if node.id in ids]
    edges = [edge for edge in model.edges if edge.source in ids and edge.target in ids]
    notice = None
    if len(nodes) > cap:
        nodes, edges, notice = _fold_findings(nodes, edges, cap)
    shown = {node.id for node in nodes}
    marked = tuple(sorted(node for node in {*highlight, *([focus] if focus else [])} if node in shown))
    return GraphView(file_stem(name), title, subtitle, tuple(nodes), tuple(edges), notice, focus, marked)


def _fold_findings(nodes: list[ViewNode], edges: list[ViewEdge], cap: int) -> tuple[list[ViewNode], list[ViewEdge], str]:
    """Over the cap: draw findings' links on their studies, then leave out the least connected nodes."""
    total = len(nodes)
    by_id = {node.id: node for node in nodes}
    folded = [node for node in nodes if node.kind == "finding" and node.study in by_id]
    folded_ids = {node.id for node in folded}
    kept_edges: set[ViewEdge] = set()
    for edge in edges:
        if edge.target in folded_ids:
            continue
        if edge.source in folded_ids:
            study = by_id[edge.source].study
            edge = ViewEdge(study, edge.target, edge.predicate, f"{edge.label} (through findings)")  # type: ignore[arg-type]
        kept_edges.add(edge)
    nodes = [node for node in nodes if node.id not in folded_ids]
    left_out: Counter[str] = Counter()
    if len(nodes) > cap:
        degree: Counter[str] = Counter()
        for edge in kept_edges:
            degree[edge.source] += 1
            degree[edge.target] += 1
        ranked = sorted(nodes, key=lambda node: (-degree[node.id], KIND_ORDER[node.kind], node.id))
        kept = {node.id for node in ranked[:cap]}
        left_out = Counter(node.kind for node in ranked[cap:])
        nodes = [node for node in nodes if node.id in kept]
        kept_edges = {edge for edge in kept_edges if edge.source in kept and edge.target in kept}
    labels = {kind.name: kind.label for kind in KINDS}
    notice = f"This view holds {total} nodes, more than the cap of {cap}: {len(folded)} findings are drawn as links of their studies"
    if left_out:
        notice += "; left out as least connected: " + ", ".join(f"{count} {labels[kind]}" for kind, count in sorted(left_out.items()))
    ordered = sorted(kept_edges, key=lambda edge: (edge.source, edge.predicate, edge.target, edge.label))
    return nodes, ordered, notice + "."


def _named_nodes(model: ViewModel, values: Iterable[Node]) -> list[str]:
    by_key: dict[str, set[str]] = defaultdict(set)
    for node_id in model.nodes:
        by_key[_local(node_id)].add(node_id)
    named: set[str] = set()
    for value in values:
        text = str(value)
        if isinstance(value, URIRef):
            named |= {text} & model.nodes.keys()
        else:
            named |= by_key.get(text, set())
    return sorted(named)


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, sorted(set(choices)), n=5)
    return f"did you mean: {', '.join(close)}" if close else "see `sskg query included-studies` or `sskg query definitions`"
