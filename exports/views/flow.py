"""The search-flow diagram: the review's stages from records identified to studies included, as SVG.

Plain markup, no script: stages the review gives no number for are drawn dashed and say so.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape

from rdflib import Graph, Literal

from .store import select

# PRISMA fields of stages that remove records; they are drawn beside the main column.
EXCLUSION_FIELDS = frozenset({"duplicates", "excluded_automatic", "excluded_other", "records_excluded",
                              "dbr_excluded", "other_excluded", "reports_excluded"})
MAIN_X, SIDE_X, MAIN_WIDTH, SIDE_WIDTH = 20, 470, 380, 330
LINE, PAD, GAP = 18, 12, 44


@dataclass(frozen=True)
class FlowStage:
    id: str
    label: str
    order: int
    field: str | None
    count: int | None  # None: the review does not report it

    @property
    def is_exclusion(self) -> bool:
        return self.field in EXCLUSION_FIELDS


def load_flow(graph: Graph) -> list[FlowStage]:
    stages = []
    for stage, text, order, field, count in select(graph, "search-flow"):
        stages.append(FlowStage(str(stage), str(text), int(order),  # type: ignore[call-overload]
                                str(field) if field is not None else None,
                                int(count) if isinstance(count, Literal) else None))  # type: ignore[call-overload]
    return stages


@dataclass(frozen=True)
class _Box:
    stage: FlowStage
    x: int
    y: int
    width: int
    lines: tuple[str, ...]

    @property
    def height(self) -> int:
        return PAD * 2 + LINE * (len(self.lines) + 1)


def _boxes(stages: list[FlowStage]) -> list[_Box]:
    boxes: list[_Box] = []
    y = 20
    last_main: _Box | None = None
    for stage in stages:
        beside = stage.is_exclusion and last_main is not None
        width = SIDE_WIDTH if beside else MAIN_WIDTH
        lines = tuple(textwrap.wrap(stage.label, width // 8))
        if beside:
            box = _Box(stage, SIDE_X, last_main.y, width, lines)  # type: ignore[union-attr]
            y = max(y, box.y + box.height + GAP)
        else:
            box = _Box(stage, MAIN_X, y, width, lines)
            y = box.y + box.height + GAP
            last_main = box
        boxes.append(box)
    return boxes


def flow_body(stages: list[FlowStage]) -> str:
    """The diagram and a table of the same stages, every text escaped."""
    if not stages:
        return "<p>The graph records no search-flow stages.</p>"
    boxes = _boxes(stages)
    height = max(box.y + box.height for box in boxes) + 20
    width = SIDE_X + SIDE_WIDTH + 20
    parts = [
        (f'<svg class="flow" role="img" aria-label="Search flow" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'),
        ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
         'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker></defs>'),
    ]
    previous_main: _Box | None = None
    for box in boxes:
        if box.x == SIDE_X and previous_main is not None:
            mid = previous_main.y + previous_main.height // 2
            parts.append(f'<line class="arrow" x1="{MAIN_X + MAIN_WIDTH}" y1="{mid}" x2="{SIDE_X}" y2="{mid}" marker-end="url(#arrow)"/>')
        elif previous_main is not None:
            x = MAIN_X + MAIN_WIDTH // 2
            parts.append(f'<line class="arrow" x1="{x}" y1="{previous_main.y + previous_main.height}" x2="{x}" '
                         f'y2="{box.y}" marker-end="url(#arrow)"/>')
        if box.x == MAIN_X:
            previous_main = box
        parts.append(_box_svg(box))
    parts.append("</svg>")
    rows = "".join(
        f'<tr class="{"not-reported" if s.count is None else "reported"}"><td>{s.order}</td><td>{escape(s.label)}</td>'
        f'<td>{"not reported" if s.count is None else f"{s.count:,}"}</td></tr>'
        for s in stages
    )
    table = (f'<table class="flow-table"><thead><tr><th>#</th><th>Stage</th><th>Records</th></tr></thead>'
             f"<tbody>{rows}</tbody></table>")
    legend = ('<p class="flow-legend"><span class="swatch reported"></span> number reported by the review '
              '<span class="swatch not-reported"></span> number not reported (dashed)</p>')
    return "\n".join(parts) + "\n" + legend + "\n" + table


def _box_svg(box: _Box) -> str:
    reported = box.stage.count is not None
    css = "stage reported" if reported else "stage not-reported"
    texts = [f'<text x="{box.x + PAD}" y="{box.y + PAD + LINE * (i + 1) - 4}">{escape(line)}</text>'
             for i, line in enumerate(box.lines)]
    count = f"n = {box.stage.count:,}" if reported else "not reported"
    texts.append(f'<text class="count" x="{box.x + PAD}" y="{box.y + PAD + LINE * (len(box.lines) + 1) - 4}">{count}</text>')
    return (f'<g class="{css}" data-stage="{escape(box.stage.id)}"><rect x="{box.x}" y="{box.y}" width="{box.width}" '
            f'height="{box.height}" rx="6"/>{"".join(texts)}</g>')
