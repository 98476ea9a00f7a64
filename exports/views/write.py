"""Write the views as files: all of them with an index (`sskg view`), or one focused graph view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from sskg.rdf_io import atomic_write

from . import focus
from .flow import flow_body, load_flow
from .evidence import Evidence, load_evidence, load_review
from .gapmap import gap_data, gap_summary, load_gap_map
from .metrics import Metrics, compute_metrics, layout
from .model import ViewModel, load_model
from .store import release_store
from .overview import overview_data
from .render import OVERVIEW, flow_page, gap_page, graph_page, index_page, overview_page

GAP_MAP = "gap-map.html"
SEARCH_FLOW = "search-flow.html"
INDEX = "index.html"


@dataclass(frozen=True)
class Prepared:
    """The graph read once into view data, shared by every view written from it."""

    graph: Graph
    evidence: Evidence
    model: ViewModel
    metrics: Metrics


def prepare(graph: Graph) -> Prepared:
    evidence = load_evidence(graph)
    model = load_model(graph, evidence)
    return Prepared(graph, evidence, model, compute_metrics(model))


def write_page(path: Path, text: str) -> Path:
    with atomic_write(path) as stream:
        stream.write(text)
    return path


def graph_view_page(prepared: Prepared, view: focus.GraphView) -> str:
    return graph_page(view, prepared.model, prepared.evidence, prepared.metrics, layout(view.nodes, view.edges))


def write_graph_view(prepared: Prepared, view: focus.GraphView, out_dir: Path) -> Path:
    return write_page(out_dir / f"{view.name}.html", graph_view_page(prepared, view))


def render_all(graph: Graph, cap: int = focus.DEFAULT_CAP) -> dict[str, str]:
    """The overview, the gap map, the search flow and an index linking them: file name → HTML."""
    try:
        prepared = prepare(graph)
        evidence = prepared.evidence
        gap = load_gap_map(graph, evidence)
        stages = load_flow(graph)
        reported = sum(stage.count is not None for stage in stages)
        overview_subtitle = (f"Themes → what the studies examined → outcomes · all {len(evidence.studies)} studies, "
                             f"{len(evidence.findings)} findings")
        gap_subtitle = "Support strategies × outcome families · all studies"
        flow_subtitle = f"{len(stages)} stages, {reported} with a number the review reports"
        views = [
            (OVERVIEW, "Evidence graph",
             "What the studies examined (support strategies, types and sources of support) and the outcomes their "
             "findings concern, each line coloured by its effect on recovery. Start here; search for a study or a topic.",
             f"{len(evidence.studies)} studies, {len(evidence.findings)} findings"),
            (GAP_MAP, "Evidence-and-gap map",
             "Which support strategies have studies on which kinds of outcome, what those studies found, and where "
             "there is no evidence yet.", gap_summary(gap, evidence)),
            (SEARCH_FLOW, "Search flow",
             "How the review found its studies: the records searched, screened, and included.", flow_subtitle),
        ]
        return {
            OVERVIEW: overview_page(overview_data(evidence, GAP_MAP), overview_subtitle),
            GAP_MAP: gap_page(gap_data(gap, evidence, OVERVIEW), gap_subtitle),
            SEARCH_FLOW: flow_page(flow_body(stages), flow_subtitle),
            INDEX: index_page(load_review(graph, evidence), views, evidence.effects, prepared.metrics),
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
