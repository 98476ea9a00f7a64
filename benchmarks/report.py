"""The machine a benchmark ran on, and its results as JSON and as Markdown tables."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from importlib import metadata
from pathlib import Path

from sskg.rdf_io import atomic_write

PACKAGES = ("sskg", "rdflib", "pyoxigraph", "oxrdflib", "pyshacl", "owlready2", "pydantic", "PyYAML")


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "java": _java_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_kib(name: str) -> int:
    for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


def _java_version() -> str:
    try:
        completed = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (completed.stderr.strip().splitlines() or ["unknown"])[0]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_results(out: Path, about: dict[str, object], settings: dict[str, object], runs: list[dict[str, object]]) -> None:
    data = {"machine": about, "settings": settings, "runs": runs}
    with atomic_write(out / "benchmark.json") as stream:
        stream.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    with atomic_write(out / "benchmark.md") as stream:
        stream.write(markdown(data))


def _cell(stage: dict[str, object] | None, limit_s: float) -> str:
    if stage is None:
        return "–"
    if stage["status"] == "timeout":
        return f"timeout (> {limit_s:g} s)"
    if stage["status"] == "skipped":
        return f"skipped ({stage.get('note', 'an earlier stage failed')})"
    if stage["status"] != "ok":
        return str(stage["status"])
    cell = f"{float(stage['seconds']):.2f} s · {float(stage['peak_mib']):.0f} MiB"  # type: ignore[arg-type]
    return cell + (f" (+{stage['timed_out']} timed out)" if stage.get("timed_out") else "")


def _query_cell(query: dict[str, object] | None, limit_s: float) -> str:
    if query is None:
        return "–"
    if query["status"] == "ok":
        return f"{float(query['median_s']) * 1000:.1f}"  # type: ignore[arg-type]
    if query["status"] == "timeout":
        return f"timeout (> {limit_s:g} s)"
    return f"{query['status']} ({query.get('note', '')})" if query.get("note") else str(query["status"])


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def markdown(data: dict[str, object]) -> str:
    about: dict = data["machine"]  # type: ignore[assignment]
    settings: dict = data["settings"]  # type: ignore[assignment]
    runs: list[dict] = data["runs"]  # type: ignore[assignment]
    packages = ", ".join(f"{name} {version}" for name, version in about["packages"].items())
    lines = [
        "# sskg benchmark",
        "",
        f"Run {about['date']} with `{settings['command']}` (seed {settings['seed']}; time limit "
        f"{settings['timeout_s']:g} s per stage, {settings['query_timeout_s']:g} s per query run).",
        "",
        f"Machine: {about['cpu_model']}, {about['cpus_usable']} of {about['cpus']} CPUs usable, "
        f"{about['memory_gib']} GiB memory; {about['os']}; Python {about['python']}; Java: {about['java']}.",
        f"Packages: {packages}.",
        "",
        "Data: synthetic evidence (`python -m benchmarks.generate`): each of the review's 29 studies plus scale−1 "
        "recombined variants. Every stage ran in a fresh process; *peak* is that process's maximum resident memory "
        "(set-up included: each stage first rebuilds what it needs, untimed); wall seconds cover the stage only.",
        "",
        "## Data sizes",
        "",
    ]
    lines += _table(
        ["scale", "studies", "findings", "evidence triples", "whole graph triples", "ABox individuals"],
        [[f"×{run['scale']}", *(str(run.get(key, "–")) for key in
          ("studies", "findings", "evidence_triples", "whole_triples", "individuals"))] for run in runs],
    )
    stage_names = list(dict.fromkeys(stage["stage"] for run in runs for stage in run["stages"]))
    lines += ["", "## Stages (wall seconds · peak MiB)", ""]
    lines += _table(
        ["stage", *(f"×{run['scale']}" for run in runs)],
        [[name, *(_cell(next((s for s in run["stages"] if s["stage"] == name), None), settings["timeout_s"]) for run in runs)]
         for name in stage_names],
    )
    notes = [f"- ×{run['scale']} {stage['stage']}: {stage['status']}, {stage['note']}"
             for run in runs for stage in run["stages"] if stage["status"] != "ok" and stage.get("note")]
    lines += ["", "*queries* rows: the sum of the per-query medians below; *(+n timed out)*: queries stopped at the "
              f"per-run limit ({settings['query_timeout_s']:g} s) or skipped because they timed out at a smaller scale, "
              "not in the sum."]
    if notes:
        lines += ["", *notes]
    for run in runs:
        engines = list(dict.fromkeys(query["engine"] for query in run["queries"]))
        if not engines:
            continue
        names = sorted({query["query"] for query in run["queries"]})
        lines += ["", f"## Catalogue queries at ×{run['scale']} (median wall ms of up to 5 runs; rows)", ""]
        rows = []
        for name in names:
            found = {query["engine"]: query for query in run["queries"] if query["query"] == name}
            answers = {str(query["rows"]) for query in found.values() if query["status"] == "ok"}
            cells = [_query_cell(found.get(engine), settings["query_timeout_s"]) for engine in engines]
            rows.append([name, "/".join(sorted(answers)) or "–", *cells])
        lines += _table(["query", "rows", *engines], rows)
    return "\n".join(lines) + "\n"
