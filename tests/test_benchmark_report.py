"""The benchmark: its tables say plainly what timed out or was skipped, and with which limit; its floor writes
the whole built graph, and the stages are measured against it."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from benchmarks import run as bench_run
from benchmarks import stages
from benchmarks.stages import BUILD_DIR
from benchmarks.report import markdown
from benchmarks.run import ChildOutcome, Limits, ScaleRun, Step
from sskg.graphbuild.build import BuildResult

from .conftest import EVIDENCE

ENGINE = "sskg run_query, Oxigraph store"


def _data(runs: list[dict[str, object]]) -> dict[str, object]:
    about = {"date": "today", "cpu_model": "cpu", "cpus_usable": 2, "cpus": 2, "memory_gib": 1, "os": "os",
             "python": "3", "java": "17", "packages": {}}
    settings = {"command": "python -m benchmarks.run", "seed": 1, "timeout_s": 600.0, "query_timeout_s": 120.0}
    return {"machine": about, "settings": settings, "runs": runs}


def _row(text: str, first_cell: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_timeouts_and_skips_show_their_limit_in_stage_and_query_cells() -> None:
    ok_query = {"engine": ENGINE, "query": "fast", "status": "ok", "median_s": 0.0123, "rows": 4}
    runs = [
        {"scale": 10, "stages": [
            {"stage": "validate", "status": "timeout", "note": "stopped at its time limit"},
            {"stage": f"queries: {ENGINE}", "status": "ok", "seconds": 0.0123, "peak_mib": 90, "timed_out": 1},
        ], "queries": [ok_query, {"engine": ENGINE, "query": "slow", "status": "timeout"}]},
        {"scale": 100, "stages": [
            {"stage": "validate", "status": "skipped", "note": "timed out at ×10"},
            {"stage": f"queries: {ENGINE}", "status": "ok", "seconds": 0.0123, "peak_mib": 95, "timed_out": 1},
        ], "queries": [ok_query, {"engine": ENGINE, "query": "slow", "status": "skipped", "note": "timed out at ×10"}]},
    ]
    text = markdown(_data(runs))
    assert _row(text, "validate") == ["validate", "timeout (> 600 s)", "skipped (timed out at ×10)"]
    assert _row(text, f"queries: {ENGINE}")[1:] == ["0.01 s · 90 MiB (+1 timed out)", "0.01 s · 95 MiB (+1 timed out)"]
    slow_rows = [line for line in text.splitlines() if line.startswith("| slow |")]
    assert slow_rows == ["| slow | – | timeout (> 120 s) |", "| slow | – | skipped (timed out at ×10) |"]
    assert [line for line in text.splitlines() if line.startswith("| fast |")] == ["| fast | 4 | 12.3 |"] * 2


def test_a_query_that_timed_out_at_a_smaller_scale_is_recorded_as_skipped(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def fake_child(arguments: list[str], limits: Limits, log: Path) -> ChildOutcome:
        seen.append(arguments)
        return ChildOutcome([{"event": "stage", "stage": "load", "seconds": 0.1, "setup_mib": 1, "peak_mib": 2,
                              "triples": 3},
                             {"event": "query-start", "query": "fast"},
                             {"event": "query-run", "seconds": 0.002, "rows": 4}], "ok")

    monkeypatch.setattr(bench_run, "run_child", fake_child)
    run = ScaleRun(100, 1, tmp_path, tmp_path, Limits(1, 1, 1), {f"{ENGINE}/slow": 10})
    run.query_stage(Step("query-sskg-oxigraph", "load", load=True, engine=ENGINE))
    assert ["--skip", "slow"] == seen[0][-2:]
    assert {(q["query"], q["status"], q.get("note")) for q in run.queries} == {
        ("fast", "ok", None), ("slow", "skipped", "timed out at ×10")}
    queries_stage = next(stage for stage in run.stages if stage["stage"] == f"queries: {ENGINE}")
    assert queries_stage["timed_out"] == 1


def test_the_floor_writes_the_whole_built_graph_in_each_format_and_build_ratios_refer_to_it(
        built: tuple[BuildResult, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / BUILD_DIR).symlink_to(built[1])
    stages.floor(stages.Context(EVIDENCE, tmp_path, frozenset()))
    reported = json.loads(capsys.readouterr().out.splitlines()[-1])
    built_graph = ox.Store()
    built_graph.load(path=str(built[1] / "sskg.nt"), format=ox.RdfFormat.N_TRIPLES)
    assert reported["whole_triples"] == len(built_graph) > 0
    for name, fmt in stages.FLOOR_FORMATS.items():
        written = ox.Store()
        written.load(path=str(tmp_path / "floor" / name), format=fmt)
        assert len(written) == len(built_graph), name  # blank nodes are labelled anew by each parse: the rest must match
        assert _without_blank_nodes(written) == _without_blank_nodes(built_graph), name
    run = ScaleRun(1, 1, tmp_path, tmp_path, Limits(1, 1, 1), {})
    run.stages = [{"stage": bench_run.FLOOR, "status": "ok", "seconds": 2.0},
                  {"stage": "build", "status": "ok", "seconds": 3.0}, {"stage": "rebuild", "status": "timeout"}]
    run.print_ratios()
    assert [stage.get("floor_ratio") for stage in run.stages] == [None, 1.5, None]


def _without_blank_nodes(store: ox.Store) -> set[ox.Quad]:
    return {quad for quad in store if not isinstance(quad.subject, ox.BlankNode) and not isinstance(quad.object, ox.BlankNode)}
