"""Time every pipeline stage, each in a fresh process, on synthetic evidence 1×, 10×, 100× (1000×) the review.

    python -m benchmarks.run --scales 1,10,100 [--include-1000] [--seed 1] [--timeout 600] [--stages a,b] [--out DIR]

Evidence is generated once per scale and seed into a cache folder. Each stage runs in its own child process with
a time limit; a stage that runs out of time is recorded as `timeout` and not tried again at larger scales, and
likewise each catalogue query. Results go to benchmarks/results/benchmark.{json,md}, rewritten after every scale.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.report import machine, write_results
from benchmarks.stages import BUILD_DIR, INFERRED_FILE, NTRIPLES_FILE, TIMED_BY_REASONER, TURTLE_FILE

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "sskg-benchmark"


@dataclass(frozen=True)
class Step:
    """One child process: a stages.py stage, its label in the results, and the work file it needs.

    A load-and-query stage has `load` (how the graph file is loaded) as its label and `engine` (what runs the
    queries) for its query results.
    """

    name: str
    label: str
    needs: str | None = None
    load: bool = False
    engine: str | None = None


def pipeline() -> list[Step]:
    return [
        Step("read", "read evidence"),
        Step("triples", "make triples"),
        Step("validate", "validate (SHACL + QC checks)"),
        Step("reason-hermit", "reason: HermiT, whole graph"),
        Step("reason-rules", "reason: rules (HermiT on the TBox, rules on the ABox)"),
        Step("turtle", "serialise: canonical Turtle (as sskg build)", needs=INFERRED_FILE),
        Step("ntriples", "serialise: N-Triples", needs=INFERRED_FILE),
        *(Step(f"export-{fmt}", f"export: {fmt}", needs=INFERRED_FILE) for fmt in _export_formats()),
        Step("views", "views: HTML (overview, gap map, search flow, index)", needs=TURTLE_FILE),
        Step("build", "sskg build, start to finish (all outputs; nothing cached)"),
        Step("floor", FLOOR, needs=f"{BUILD_DIR}/{NTRIPLES_FILE}"),
        Step("rebuild", "sskg build again after adding one study (ontology classification cached)"),
        Step("rebuild-edit", "sskg build again after editing one study's aim (one word; caches kept)"),
        Step("query-cold", "sskg query included-studies, a new process (median)", needs=f"{BUILD_DIR}/{TURTLE_FILE}"),
        Step("load-rdflib", "load: rdflib Graph().parse, memory store (baseline)", needs=TURTLE_FILE, load=True),
        Step("query-sskg-oxigraph", "load: sskg load_graph, Oxigraph store (oxrdflib)", needs=TURTLE_FILE, load=True,
             engine="sskg run_query, Oxigraph store"),
        Step("query-sskg-memory", "load: sskg load_graph, rdflib memory store", needs=TURTLE_FILE, load=True,
             engine="sskg run_query, rdflib memory store"),
        Step("query-pyoxigraph", "load: pyoxigraph Store.load (baseline)", needs=TURTLE_FILE, load=True,
             engine="pyoxigraph (baseline)"),
    ]


def _export_formats() -> list[str]:
    """Every `sskg export` format except the Turtle the serialise stage already times."""
    from sskg.exports.formats import BUILD_WRITES, FORMATS

    return [fmt for fmt in FORMATS if fmt not in BUILD_WRITES]


FLOOR = "floor: pyoxigraph alone (YAML, load, six RDF formats, sort)"

# What a stage reports about the data rather than about itself.
FACTS = ("studies", "findings", "ontology_triples", "evidence_triples", "whole_triples", "individuals")


@dataclass
class Limits:
    step: float  # a measured step
    setup: float  # the untimed rebuild a stage needs first
    query: float  # one run of one query

    def allowing(self, grace: float) -> Limits:
        return Limits(self.step + grace, self.setup, self.query)


# The reasoner stages pass the step limit to HermiT, whose own timeout also stops its Java process (another
# process group); the parent waits a little longer so that one fires first.
REASONER_GRACE = 60.0


@dataclass
class ChildOutcome:
    events: list[dict[str, object]]
    status: str  # ok, timeout or error
    message: str = ""


def _events(process: subprocess.Popen[bytes], limits: Limits) -> Iterator[dict[str, object] | None]:
    """The child's JSON lines as they come; None when the current step runs out of time."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    pending = b""
    deadline = time.monotonic() + limits.setup
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            yield None
            return
        ready, _, _ = select.select([descriptor], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(descriptor, 65536)
        if not chunk:
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            event = json.loads(line)
            yield event
            in_queries = event["event"] in ("query-start", "query-run") or event.get("stage") == "load"
            deadline = time.monotonic() + (limits.query if in_queries else limits.step)


def run_child(arguments: list[str], limits: Limits, log: Path) -> ChildOutcome:
    """Run one stage; stop it (its whole process group) when a step overruns its limit."""
    command = [sys.executable, "-m", "benchmarks.stages", *arguments]
    with log.open("ab") as errors:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, start_new_session=True)
        events: list[dict[str, object]] = []
        for event in _events(process, limits):
            if event is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return ChildOutcome(events, "timeout", "stopped at its time limit")
            events.append(event)
        code = process.wait()
    failure = next((event for event in events if event["event"] == "error"), None)
    if failure is not None:
        timed_out = "did not finish within" in str(failure["message"])  # the reasoner's own time limit
        return ChildOutcome(events, "timeout" if timed_out else "error", str(failure["message"]))
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [f"exit code {code}"]
        return ChildOutcome(events, "error", tail[0][:300])
    return ChildOutcome(events, "ok")


@dataclass
class ScaleRun:
    scale: int
    seed: int
    evidence: Path
    work: Path
    limits: Limits
    timed_out: dict[str, int]  # stage or engine/query → the scale it first timed out at
    stages: list[dict[str, object]] = field(default_factory=list)
    queries: list[dict[str, object]] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    def record(self, stage: str, status: str, **fields: object) -> None:
        entry = {"stage": stage, "status": status, **fields}
        self.stages.append(entry)
        shown = f"{fields['seconds']:.2f} s, peak {fields['peak_mib']} MiB" if status == "ok" else fields.get("note", "")
        print(f"  ×{self.scale} {stage}: {status} {shown}", flush=True)

    def arguments(self, step: Step, skip: list[str]) -> list[str]:
        return [step.name, "--evidence", str(self.evidence), "--work", str(self.work), "--timeout", str(self.limits.step),
                *(part for query in skip for part in ("--skip", query))]

    def run(self, step: Step) -> None:
        earlier = self.timed_out.get(step.name)
        if earlier is not None:
            self.record(step.label, "skipped", note=f"timed out at ×{earlier}")
            return
        if step.needs and not (self.work / step.needs).is_file():
            self.record(step.label, "skipped", note=f"no {step.needs}: an earlier stage failed")
            return
        if not step.load:
            self.pipeline_stage(step)
        else:
            self.query_stage(step)

    def pipeline_stage(self, step: Step) -> None:
        limits = self.limits.allowing(REASONER_GRACE) if step.name in TIMED_BY_REASONER else self.limits
        outcome = run_child(self.arguments(step, []), limits, self.work / f"{step.name}.log")
        measured = [event for event in outcome.events if event["event"] == "stage"]
        for event in outcome.events:
            self.facts.update({key: value for key, value in event.items() if key in FACTS})
        if outcome.status != "ok" or not measured:
            if outcome.status == "timeout":
                self.timed_out[step.name] = self.scale
            self.record(step.label, outcome.status, note=outcome.message)
            return
        fields = {key: value for key, value in measured[0].items() if key not in ("event", "stage")}
        self.record(step.label, "ok", **fields)

    def query_stage(self, step: Step) -> None:
        """Load once and run every query; a query that hangs is killed, recorded, and the rest run in a new child."""
        skip = [name.split("/", 1)[1] for name in self.timed_out if name.startswith(f"{step.engine}/")]
        self.queries += [{"engine": step.engine, "query": query, "status": "skipped",
                          "note": f"timed out at ×{self.timed_out[f'{step.engine}/{query}']}"} for query in skip]
        runs: dict[str, list[dict[str, object]]] = {}
        load: dict[str, object] | None = None
        peak = 0.0
        while True:
            outcome = run_child(self.arguments(step, skip), self.limits, self.work / f"{step.name}.log")
            current = None
            for event in outcome.events:
                if event["event"] == "query-start":
                    current = str(event["query"])
                    runs.setdefault(current, [])
                elif event["event"] == "query-run":
                    runs[current].append(event)  # type: ignore[index]
                elif event.get("stage") == "load" and load is None:
                    load = event
                if "peak_mib" in event:
                    peak = max(peak, float(event["peak_mib"]))  # type: ignore[arg-type]
            if outcome.status != "timeout" or current is None:
                break
            skip.append(current)
            if not runs[current]:  # with some runs done, the median of those stands
                self.timed_out[f"{step.engine}/{current}"] = self.scale
                self.queries.append({"engine": step.engine, "query": current, "status": "timeout"})
                print(f"  ×{self.scale} {step.engine} / {current}: timeout", flush=True)
        if load is None:
            if outcome.status == "timeout":
                self.timed_out[step.name] = self.scale
            self.record(step.label, outcome.status, note=outcome.message)
            return
        self.record(step.label, "ok", seconds=load["seconds"], setup_mib=load["setup_mib"],
                    peak_mib=load["peak_mib"], triples=load["triples"])
        for query, done in sorted(runs.items()):
            if done:
                seconds = [float(run["seconds"]) for run in done]  # type: ignore[arg-type]
                self.queries.append({"engine": step.engine, "query": query, "status": "ok", "runs": len(seconds),
                                     "median_s": round(statistics.median(seconds), 6), "rows": done[0]["rows"]})
        if step.engine is not None:
            mine = [entry for entry in self.queries if entry["engine"] == step.engine]
            answered = [float(entry["median_s"]) for entry in mine if entry["status"] == "ok"]  # type: ignore[arg-type]
            stopped = len(mine) - len(answered)
            status = outcome.status if outcome.status == "error" else "ok" if answered else "timeout"
            self.record(f"queries: {step.engine}", status, seconds=round(sum(answered), 3), peak_mib=peak, timed_out=stopped,
                        note=f"sum of {len(answered)} per-query medians; peak of the whole process, load included")

    def print_ratios(self) -> None:
        """Each measured stage as a multiple of the floor measured in this run (the target: a build within 2×)."""
        floor = next((entry for entry in self.stages if entry["stage"] == FLOOR and entry["status"] == "ok"), None)
        if floor is None:
            return
        for entry in self.stages:
            if entry["status"] == "ok" and entry["stage"] != FLOOR:
                ratio = float(entry["seconds"]) / float(floor["seconds"])  # type: ignore[arg-type]
                entry["floor_ratio"] = round(ratio, 2)
                print(f"  ×{self.scale} {entry['stage']}: {ratio:.2f}× the floor", flush=True)

    def result(self) -> dict[str, object]:
        return {"scale": self.scale, "seed": self.seed, **self.facts, "stages": self.stages, "queries": self.queries}


def evidence_for(cache: Path, scale: int, seed: int) -> Path:
    folder = cache / f"evidence-x{scale}-seed{seed}"
    if not folder.is_dir():
        start = time.perf_counter()
        generated = generate(folder, scale, seed)
        print(f"generated ×{scale}: {generated.studies} studies in {time.perf_counter() - start:.1f} s", flush=True)
    return folder


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scales (default 1,10,100)")
    parser.add_argument("--include-1000", action="store_true", help="also run ×1000 (hours; needs ~20 GB of memory)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per measured stage (default 600)")
    parser.add_argument("--query-timeout", type=float, default=120.0, help="seconds per query run (default 120)")
    parser.add_argument("--stages", help="comma-separated stage names to run (default: all; see `pipeline()`)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"generated evidence and work files ({DEFAULT_CACHE})")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder (default benchmarks/results)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    scales = sorted({int(part) for part in arguments.scales.split(",") if part.strip()} | ({1000} if arguments.include_1000 else set()))
    limits = Limits(step=arguments.timeout, setup=3 * arguments.timeout, query=arguments.query_timeout)
    settings = {"seed": arguments.seed, "timeout_s": arguments.timeout, "query_timeout_s": arguments.query_timeout,
                "scales": scales, "command": "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])}
    about = machine()
    steps = pipeline()
    if arguments.stages:
        wanted = {name.strip() for name in arguments.stages.split(",")}
        unknown = wanted - {step.name for step in steps}
        if unknown:
            raise SystemExit(f"unknown stage(s) {', '.join(sorted(unknown))}; choose from {', '.join(step.name for step in steps)}")
        steps = [step for step in steps if step.name in wanted]
    timed_out: dict[str, int] = {}
    results: list[dict[str, object]] = []
    for scale in scales:
        evidence = evidence_for(arguments.cache, scale, arguments.seed)
        work = arguments.cache / f"work-x{scale}-seed{arguments.seed}"
        shutil.rmtree(work, ignore_errors=True)  # the previous run's graph files; the evidence stays cached
        work.mkdir(parents=True)
        run = ScaleRun(scale, arguments.seed, evidence, work, limits, timed_out)
        print(f"scale ×{scale}", flush=True)
        for step in steps:
            run.run(step)
        run.print_ratios()
        results.append(run.result())
        write_results(arguments.out, about, settings, results)
    print(f"results: {arguments.out / 'benchmark.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
