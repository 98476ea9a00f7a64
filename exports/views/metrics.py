"""networkx over the view graph: concept degree and betweenness, bridging strategies, and the layout.

Betweenness is measured on the network of concepts alone, two concepts joined when one statement,
finding or study links them: it says which concepts join otherwise separate parts of the evidence,
and its size (and cost) does not grow with the number of studies. Degree counts every direct link,
to studies and findings too.

The layout is computed here, once, so the page draws still nodes at fixed places with physics off
(hazard H4); a fixed seed and rounded coordinates keep the output bytes the same for the same graph.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import networkx as nx

from sskg.namespaces import SSKG_NS

from .model import KINDS, ViewEdge, ViewModel, ViewNode

LAYOUT_SEED = 7
PART_GAP = 80  # pixels between separately laid-out parts of a view
RING_FROM = 500  # nodes in a view from which findings ring their study
RING, RING_STEP = 40, 6  # radius of a study's ring of findings: base and per finding
SPRING_K = 2.5
SPRING_WORK = 40_000  # spring-layout steps × nodes, at most (100 steps up to 400 nodes)
CONCEPT_KINDS = tuple(kind.name for kind in KINDS if kind.name not in ("study", "finding"))
_BUILDS_CAPITAL = str(SSKG_NS.buildsRecoveryCapital)


@dataclass(frozen=True)
class NodeMetric:
    id: str
    label: str
    kind: str
    degree: int
    betweenness: float


@dataclass(frozen=True)
class Bridge:
    """A strategy said to build more than one kind of recovery capital."""

    id: str
    label: str
    capital: tuple[str, ...]
    betweenness: float


@dataclass(frozen=True)
class Metrics:
    nodes: dict[str, NodeMetric]
    bridges: tuple[Bridge, ...]

    def concepts(self) -> list[NodeMetric]:
        """Concepts, most central first."""
        chosen = [metric for metric in self.nodes.values() if metric.kind in CONCEPT_KINDS]
        return sorted(chosen, key=lambda m: (-m.betweenness, -m.degree, m.label, m.id))


def compute_metrics(model: ViewModel) -> Metrics:
    degree: Counter[str] = Counter()
    for source, target in {tuple(sorted((edge.source, edge.target))) for edge in model.edges}:
        degree[source] += 1
        degree[target] += 1
    concepts = concept_network(model)
    betweenness = nx.betweenness_centrality(concepts)
    metrics = {
        node.id: NodeMetric(node.id, node.label, node.kind, degree[node.id], round(betweenness.get(node.id, 0.0), 4))
        for node in model.nodes.values()
    }
    builds: dict[str, set[str]] = {}
    for edge in model.edges:
        if edge.predicate == _BUILDS_CAPITAL:
            builds.setdefault(edge.source, set()).add(model.nodes[edge.target].label)
    bridges = [
        Bridge(node_id, model.nodes[node_id].label, tuple(sorted(kinds)), metrics[node_id].betweenness)
        for node_id, kinds in builds.items()
        if len(kinds) > 1
    ]
    bridges.sort(key=lambda b: (-len(b.capital), -b.betweenness, b.label, b.id))
    return Metrics(metrics, tuple(bridges))


def concept_network(model: ViewModel) -> nx.Graph:
    """Concepts, joined when a statement links them or a finding or study links both."""
    kinds = {node.id: node.kind for node in model.nodes.values()}
    around: dict[str, set[str]] = defaultdict(set)  # a study or finding → the concepts it links to
    pairs: set[tuple[str, str]] = set()
    for edge in model.edges:
        ends = (edge.source, edge.target)
        hubs = [end for end in ends if kinds[end] in ("study", "finding")]
        if not hubs:
            pairs.add(tuple(sorted(ends)))  # type: ignore[arg-type]
        elif len(hubs) == 1:
            around[hubs[0]].add(edge.target if hubs[0] == edge.source else edge.source)
    for linked in around.values():
        ordered = sorted(linked)
        pairs.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    graph = nx.Graph()
    graph.add_nodes_from(sorted(node for node, kind in kinds.items() if kind in CONCEPT_KINDS))
    graph.add_edges_from(sorted(pairs))
    return graph


def layout(nodes: tuple[ViewNode, ...], edges: tuple[ViewEdge, ...]) -> dict[str, tuple[int, int]]:
    """Fixed positions in canvas pixels, by a seeded spring layout per connected part: the largest in the
    middle, the others in rows below it, so a few loose nodes cannot squeeze the main part.

    In a large view the spring layout would take minutes, so there findings ring their study, which
    takes over their links (it then sits near what its findings are about), and only the rest springs.
    """
    ids = {node.id for node in nodes}
    rings: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        if len(nodes) >= RING_FROM and node.kind == "finding" and node.study in ids:
            rings[node.study].append(node.id)  # type: ignore[index]
    ringed = {finding: study for study, findings in rings.items() for finding in findings}
    backbone = nx.Graph()
    backbone.add_nodes_from(sorted(ids - ringed.keys()))
    pulls = {tuple(sorted((ringed.get(edge.source, edge.source), ringed.get(edge.target, edge.target)))) for edge in edges}
    backbone.add_edges_from(sorted(pair for pair in pulls if pair[0] != pair[1]))
    positions = _place_parts(backbone)
    for study, findings in sorted(rings.items()):
        x, y = positions[study]
        radius = RING + RING_STEP * len(findings)
        for index, finding in enumerate(sorted(findings)):
            angle = 2 * math.pi * index / len(findings) - math.pi / 2
            positions[finding] = (x + round(radius * math.cos(angle)), y + round(radius * math.sin(angle)))
    return positions


def _place_parts(graph: nx.Graph) -> dict[str, tuple[int, int]]:
    parts = sorted((sorted(part) for part in nx.connected_components(graph)), key=lambda part: (-len(part), part[0]))
    positions: dict[str, tuple[int, int]] = {}
    if not parts:
        return positions
    width = _spread(len(parts[0]))
    x, y, row_height = -width, width + 2 * PART_GAP, 0
    for index, part in enumerate(parts):
        radius = _spread(len(part))
        if index == 0:
            centre = (0, 0)
        else:
            if x + 2 * radius > width and x > -width:
                x, y, row_height = -width, y + row_height + PART_GAP, 0
            centre = (x + radius, y + radius)
            x, row_height = x + 2 * radius + PART_GAP, max(row_height, 2 * radius)
        for node, (px, py) in _spring(graph.subgraph(part), radius).items():
            positions[node] = (round(float(px)) + centre[0], round(float(py)) + centre[1])
    return positions


def _spread(size: int) -> int:
    """The radius a connected part of `size` nodes is drawn in (a lone node still needs room for its label)."""
    return round(100 * math.sqrt(size)) if size > 1 else 60


def _spring(part: nx.Graph, radius: int) -> dict[str, tuple[float, float]]:
    if len(part) == 1:
        return {node: (0.0, 0.0) for node in part}
    # A longer ideal edge than networkx's default (1/sqrt(n)) spreads the dense middle; fewer steps
    # for a big part, as each costs time in the square of its size.
    spread = SPRING_K / math.sqrt(len(part))
    steps = min(100, max(20, SPRING_WORK // len(part)))
    return nx.spring_layout(part, k=spread, seed=LAYOUT_SEED, iterations=steps, scale=radius)  # type: ignore[no-any-return]


def stats_table(metrics: Metrics, top: int = 0) -> str:
    """The concepts table and the bridging strategies, as aligned plain text."""
    concepts = metrics.concepts()
    shown = concepts[:top] if top > 0 else concepts
    rows = [("concept", "kind", "degree", "betweenness")]
    rows += [(m.label, m.kind, str(m.degree), f"{m.betweenness:.4f}") for m in shown]
    lines = _aligned(rows, right=(2, 3))
    if len(shown) < len(concepts):
        lines.append(f"({len(concepts) - len(shown)} more concepts; use --top 0 for all)")
    lines += ["", "strategies that bridge recovery-capital kinds"]
    bridge_rows = [("strategy", "kinds", "betweenness", "recovery capital")]
    bridge_rows += [(b.label, str(len(b.capital)), f"{b.betweenness:.4f}", ", ".join(b.capital)) for b in metrics.bridges]
    lines += _aligned(bridge_rows, right=(1, 2)) if metrics.bridges else ["(none)"]
    return "\n".join(lines) + "\n"


def _aligned(rows: list[tuple[str, ...]], right: tuple[int, ...]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.rjust(width) if column in right else cell.ljust(width)
                 for column, (cell, width) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return lines
