"""Write the views as files: all of them with an index (`sskg view`), or one focused graph view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from sskg.rdf_io import atomic_write

from . import focus
from .flow import flow_body, load_flow
from .gapmap import gap_data, load_gap_map
from .metrics import Metrics, compute_metrics, layout
from .model import ViewModel, load_model, release_store
from .render import OVERVIEW, flow_page, gap_page, graph_page, index_page

GAP_MAP = "gap-map.html"
SEARCH_FLOW = "search-flow.html"
INDEX = "index.html"


@dataclass(frozen=True)
class Prepared:
    """The graph read once into view data, shared by every view written from it."""

    graph: Graph
    model: ViewModel
    metrics: Metrics


def prepare(graph: Graph) -> Prepared:
    model = load_model(graph)
    return Prepared(graph, model, compute_metrics(model))


def write_page(path: Path, text: str) -> Path:
    with atomic_write(path) as stream:
        stream.write(text)
    return path


def graph_view_page(prepared: Prepared, view: focus.GraphView) -> str:
    return graph_page(view, prepared.model, prepared.metrics, layout(view.nodes, view.edges),
                      is_overview=f"{view.name}.html" == OVERVIEW)


def write_graph_view(prepared: Prepared, view: focus.GraphView, out_dir: Path) -> Path:
    return write_page(out_dir / f"{view.name}.html", graph_view_page(prepared, view))


def render_all(graph: Graph, cap: int = focus.DEFAULT_CAP) -> dict[str, str]:
    """The overview, the gap map, the search flow and an index linking them: file name → HTML."""
    try:
        prepared = prepare(graph)
        overview = focus.overview(prepared.model, cap)
        gap = load_gap_map(graph)
        stages = load_flow(graph)
        reported = sum(stage.count is not None for stage in stages)
        strategies = len({row[1] for row in gap.rows})
        gap_subtitle = f"{strategies} strategies; {len(gap.gaps('outcome'))} strategy × outcome-family cells without a study"
        flow_subtitle = f"{len(stages)} stages, {reported} with a number the review reports"
        views = [
            (OVERVIEW, "Evidence graph", overview.subtitle + (f". {overview.notice}" if overview.notice else "")),
            (GAP_MAP, "Evidence-and-gap map", gap_subtitle),
            (SEARCH_FLOW, "Search flow", flow_subtitle),
        ]
        return {
            OVERVIEW: graph_view_page(prepared, overview),
            GAP_MAP: gap_page(gap_data(gap, prepared.model, OVERVIEW), gap_subtitle),
            SEARCH_FLOW: flow_page(flow_body(stages), flow_subtitle),
            INDEX: index_page(views, prepared.metrics),
        }
    finally:
        release_store(graph)  # the Oxigraph copy the queries ran on: gigabytes at scale


def write_all(graph: Graph, out_dir: Path, cap: int = focus.DEFAULT_CAP) -> list[Path]:
    return [write_page(out_dir / name, html) for name, html in render_all(graph, cap).items()]


def write_study(graph: Graph, key: str, out_dir: Path, cap: int = focus.DEFAULT_CAP) -> Path:
    prepared = prepare(graph)
    return write_graph_view(prepared, focus.study_view(prepared.model, key, cap), out_dir)


def write_concept(graph: Graph, name: str, out_dir: Path, depth: int = focus.DEFAULT_DEPTH,
                  cap: int = focus.DEFAULT_CAP) -> Path:
    prepared = prepare(graph)
    return write_graph_view(prepared, focus.concept_view(prepared.model, name, depth, cap), out_dir)


def write_query(graph: Graph, name: str, params: Mapping[str, str], out_dir: Path, cap: int = focus.DEFAULT_CAP) -> Path:
    prepared = prepare(graph)
    return write_graph_view(prepared, focus.query_view(prepared.model, graph, name, params, cap), out_dir)
