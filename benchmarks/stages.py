"""One benchmark stage, run in a fresh process so its peak memory is its own.

    python -m benchmarks.stages STAGE --evidence DIR --work DIR [--skip QUERY ...]

The stage rebuilds what it needs from the evidence folder (untimed set-up), then times its own step. It reports
JSON lines on stdout: `setup-done`, one `stage` line per measured step (seconds, peak MiB), and for query stages a
`query-start` and one `query-run` line per run, so the parent can stop a runaway query and keep the rest.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from benchmarks.generate import dump_study
from sskg.errors import SskgError
from sskg.graphbuild.build import evidence_violations
from sskg.layers import canonical_turtle
from sskg.graphbuild.evidence import Evidence, load_evidence
from sskg.graphbuild.ontology import load_ontology, vocabulary_of
from sskg.rdf_io import atomic_write, merge
from sskg.graphbuild.reasoner import reason, reason_with
from sskg.graphbuild.records import Study
from sskg.graphbuild.safe_yaml import load_yaml
from sskg.graphbuild.triples import evidence_graph
from sskg.queries.catalogue import load_catalogue
from sskg.queries.runner import QueryResult, inline_bindings, load_graph, run_query

INFERRED_FILE = "inferred.nt"  # the rules stage's inferences, for the stages after it
TURTLE_FILE = "sskg.ttl"  # the whole graph as `sskg build` writes it: what the load and query stages read
NTRIPLES_FILE = "sskg.nt"
BUILD_DIR = "build"  # the full-build stage's output folder
RUNS = 5
RUN_BUDGET = 60.0  # seconds of repeated runs per query before the median is taken from fewer than RUNS


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)


def peak_mib() -> float:
    """High-water resident memory of this process and of the children it waited for (HermiT's Java)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return _mib(max(own, children))


def current_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as stream:
        pages = int(stream.read().split()[1])
    return round(pages * resource.getpagesize() / 2**20, 1)


@dataclass
class Measure:
    stage: str
    setup_mib: float
    seconds: float = 0.0
    peak_mib: float = 0.0

    def report(self, **facts: object) -> None:
        emit("stage", stage=self.stage, seconds=round(self.seconds, 3), setup_mib=self.setup_mib, peak_mib=self.peak_mib,
             **facts)


@contextmanager
def measured(stage: str) -> Iterator[Measure]:
    """Time the block; note the memory before it and the peak after it (facts are reported after, untimed)."""
    measure = Measure(stage, current_mib())
    start = time.perf_counter()
    yield measure
    measure.seconds = time.perf_counter() - start
    measure.peak_mib = peak_mib()


@dataclass
class Context:
    evidence_dir: Path
    work: Path
    skip: frozenset[str]


def _evidence(context: Context) -> tuple[Graph, Evidence]:
    ontology = load_ontology()
    return ontology, load_evidence(context.evidence_dir, vocabulary_of(ontology))


def _asserted(context: Context) -> tuple[Graph, Evidence, Graph]:
    ontology, evidence = _evidence(context)
    return ontology, evidence, evidence_graph(evidence)


# -- pipeline stages -----------------------------------------------------------------------------------


def read_evidence(context: Context) -> None:
    ontology = load_ontology()
    vocabulary = vocabulary_of(ontology)
    emit("setup-done")
    with measured("read evidence") as measure:
        evidence = load_evidence(context.evidence_dir, vocabulary)
    measure.report(studies=len(evidence.studies), findings=sum(len(study.findings) for study in evidence.studies))


def make_triples(context: Context) -> None:
    ontology, evidence = _evidence(context)
    emit("setup-done")
    with measured("make triples") as measure:
        asserted = evidence_graph(evidence)
    measure.report(ontology_triples=len(ontology), evidence_triples=len(asserted))


def validate(context: Context) -> None:
    ontology, _, asserted = _asserted(context)
    emit("setup-done")
    with measured("validate (SHACL + QC checks, as sskg build)") as measure:
        violations = evidence_violations(ontology, asserted)
    measure.report(violations=len(violations))


def reason_hermit(context: Context, timeout: float) -> None:
    ontology, _, asserted = _asserted(context)
    emit("setup-done", individuals=len(set(asserted.subjects(RDF.type, None))))
    with measured("reason: HermiT, whole graph") as measure:
        report = reason(ontology, asserted, timeout)  # ReasonerError on timeout: the parent records it
    measure.report(consistent=report.consistent, inferred_triples=len(report.inferred))


def reason_rules(context: Context, timeout: float) -> None:
    ontology, _, asserted = _asserted(context)
    emit("setup-done")
    with measured("reason: rules (HermiT on the TBox, rules on the ABox; the default)") as measure:
        report = reason_with("rules", ontology, asserted, timeout)
    measure.report(consistent=report.consistent, inferred_triples=len(report.inferred))
    report.inferred.serialize(context.work / INFERRED_FILE, format="nt", encoding="utf-8")


def _layers(context: Context) -> tuple[Graph, Graph, Graph]:
    """Ontology, evidence and inferred triples, as `sskg build` holds them."""
    ontology, _, asserted = _asserted(context)
    return ontology, asserted, Graph().parse(context.work / INFERRED_FILE, format="nt")


def _whole_graph(context: Context) -> Graph:
    return merge(*_layers(context))


def serialise_turtle(context: Context) -> None:
    whole = _whole_graph(context)
    emit("setup-done")
    with measured("serialise: canonical Turtle (as sskg build)") as measure:
        text = canonical_turtle(whole)
        with atomic_write(context.work / TURTLE_FILE) as stream:
            stream.write(text)
    measure.report(whole_triples=len(whole), megabytes=round(len(text.encode()) / 1e6, 1))


def serialise_ntriples(context: Context) -> None:
    whole = _whole_graph(context)
    emit("setup-done")
    with measured("serialise: N-Triples") as measure:
        whole.serialize(context.work / NTRIPLES_FILE, format="nt", encoding="utf-8")
    measure.report(megabytes=round((context.work / NTRIPLES_FILE).stat().st_size / 1e6, 1))


def export(context: Context, fmt: str) -> None:
    """One format of `sskg export`, from the layers in memory (imported here: the exports are optional)."""
    from sskg.exports.formats import export_layers
    from sskg.layers import Layers

    layers = Layers(*_layers(context))
    emit("setup-done")
    with measured(f"export: {fmt}") as measure:
        written = export_layers(layers, context.work / "exports", [fmt])
    measure.report(megabytes=round(sum(path.stat().st_size for path in written) / 1e6, 1))


def views(context: Context) -> None:
    """`sskg view`: every HTML view, from the graph file loaded as the command loads it."""
    from sskg.exports.views.write import write_all

    graph = load_graph(context.work / TURTLE_FILE)
    emit("setup-done")
    with measured("views: HTML (overview, gap map, search flow, index)") as measure:
        written = write_all(graph, context.work / "views")
    measure.report(megabytes=round(sum(path.stat().st_size for path in written) / 1e6, 1))


# -- loading and querying --------------------------------------------------------------------------------


def _rows(result: QueryResult) -> int:
    if result.kind == "ASK":
        return 1
    return len(result.graph) if result.graph is not None else len(result.rows)


def _oxigraph_rows(result: object) -> int:
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)  # type: ignore[attr-defined]


def _query_runs(context: Context, run: Callable[[str, dict], int]) -> None:
    """Every catalogue query with its default parameters: up to RUNS runs each; the parent takes the median."""
    for entry in load_catalogue().values():
        if entry.name in context.skip:
            continue
        bindings = entry.bindings({})
        emit("query-start", query=entry.name)
        spent = 0.0
        for _ in range(RUNS):
            start = time.perf_counter()
            rows = run(entry.text, bindings)
            seconds = time.perf_counter() - start
            spent += seconds
            emit("query-run", query=entry.name, seconds=round(seconds, 6), rows=rows)
            if spent > RUN_BUDGET:
                break
    emit("stage", stage="queries", peak_mib=peak_mib())


def sskg_store(context: Context, store: str) -> None:
    emit("setup-done")
    with measured("load") as measure:
        graph = load_graph(context.work / TURTLE_FILE, store=store)
    measure.report(triples=len(graph))
    _query_runs(context, lambda text, bindings: _rows(run_query(graph, text, bindings, timeout=None)))


def _sskg_build(evidence: Path, out: Path, cache: Path) -> None:
    """`sskg build` as a user runs it: a new interpreter, imports and HermiT's JVM included; `cache` is its
    cache folder (`XDG_CACHE_HOME`), where the ontology's classification is kept."""
    command = [sys.executable, "-m", "sskg.cli", "build", "--evidence", str(evidence), "--out", str(out)]
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if completed.returncode != 0:
        raise SskgError(f"sskg build exited {completed.returncode}: {completed.stderr.strip()[-300:]}")


def full_build(context: Context) -> None:
    """A first build: nothing cached, so HermiT classifies the ontology."""
    cache = context.work / "empty-cache"
    shutil.rmtree(cache, ignore_errors=True)
    emit("setup-done")
    with measured("sskg build, start to finish") as measure:
        _sskg_build(context.evidence_dir, context.work / BUILD_DIR, cache)
    measure.report()


def rebuild_after_adding_a_study(context: Context) -> None:
    """Build without the last study (untimed), add it back, build again (timed) into the same folder."""
    def held_back(evidence: Path) -> Callable[[], None]:
        added = sorted((evidence / "studies").glob("*.yaml"))[-1]
        held = context.work / added.name
        added.replace(held)
        return lambda: held.replace(added)

    _rebuild(context, "evidence-plus-one", held_back, "sskg build again after adding one study")


def rebuild_after_editing_a_study(context: Context) -> None:
    """Build (untimed), add one word to the aim of one study, build again (timed) into the same folder."""
    def edited(evidence: Path) -> Callable[[], None]:
        path = sorted((evidence / "studies").glob("*.yaml"))[len(list((evidence / "studies").glob("*.yaml"))) // 2]
        study = Study.model_validate(load_yaml(path))
        text = dump_study(study.model_copy(update={"aim": f"{study.aim} Edited."}))
        def edit() -> None:
            path.unlink()  # a hard link to the original evidence: write a new file, not into the shared one
            path.write_text(text, encoding="utf-8")
        return edit

    _rebuild(context, "evidence-edited", edited, "sskg build again after editing one study")


def _rebuild(context: Context, name: str, prepare: Callable[[Path], Callable[[], None]], stage: str) -> None:
    """Build a copy of the evidence before `prepare`'s change (untimed), make the change, build again (timed) into the
    same folder with the same cache; then build it clean (untimed: empty cache, fresh folder) and compare every file."""
    evidence = context.work / name
    shutil.rmtree(evidence, ignore_errors=True)
    shutil.copytree(context.evidence_dir, evidence, copy_function=os.link)
    change = prepare(evidence)
    out, cache = context.work / f"{name}-build", context.work / f"{name}-cache"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    _sskg_build(evidence, out, cache)
    change()
    emit("setup-done")
    with measured(stage) as measure:
        _sskg_build(evidence, out, cache)
    clean, empty = context.work / f"{name}-clean", context.work / f"{name}-empty-cache"
    for folder in (clean, empty):
        shutil.rmtree(folder, ignore_errors=True)
    if (cache / "sskg" / "tbox").is_dir():  # keyed apart: only the studies' cache is emptied
        shutil.copytree(cache / "sskg" / "tbox", empty / "sskg" / "tbox")
    _sskg_build(evidence, clean, empty)
    measure.report(same_as_clean_build=_files(out) == _files(clean))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def query_cold(context: Context) -> None:
    """`sskg query included-studies` as a user runs it on the build stage's graph: a new interpreter each time
    (imports, graph load, query, labels, table), median of RUNS runs."""
    graph = context.work / BUILD_DIR / GRAPH_FILE
    command = [sys.executable, "-m", "sskg.cli", "query", "included-studies", "--graph", str(graph)]
    subprocess.run(command, capture_output=True, check=True)  # untimed: the files are in the page cache
    emit("setup-done")
    runs = []
    for _ in range(RUNS):
        with measured("sskg query included-studies, a new process (median)") as measure:
            subprocess.run(command, capture_output=True, check=True)
        runs.append(measure.seconds)
    measure.seconds = sorted(runs)[len(runs) // 2]
    measure.report(runs=[round(run, 3) for run in runs])


FLOOR_FORMATS = {"sskg.ttl": ox.RdfFormat.TURTLE, "sskg.nt": ox.RdfFormat.N_TRIPLES, "sskg.rdf": ox.RdfFormat.RDF_XML,
                 "sskg.jsonld": ox.RdfFormat.JSON_LD, "sskg.trig": ox.RdfFormat.TRIG, "sskg.nq": ox.RdfFormat.N_QUADS}


def floor(context: Context) -> None:
    """What the data costs: pyoxigraph alone, in one process, parses every evidence YAML file (libyaml's
    CSafeLoader), bulk-loads the N-Triples `sskg build` wrote, writes the graph in six RDF formats and sorts
    every triple in Python. `sskg build` is compared with this, measured in the same run."""
    import yaml

    built = context.work / BUILD_DIR / NTRIPLES_FILE
    out = context.work / "floor"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    emit("setup-done")
    with measured("floor: pyoxigraph alone (YAML, load, six RDF formats, sort)") as measure:
        for path in sorted(context.evidence_dir.rglob("*.yaml")):
            with path.open("rb") as stream:
                yaml.load(stream, Loader=yaml.CSafeLoader)
        store = ox.Store()
        store.bulk_load(path=str(built), format=ox.RdfFormat.N_TRIPLES)
        for name, fmt in FLOOR_FORMATS.items():
            quads = fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
            store.dump(str(out / name), format=fmt, from_graph=None if quads else ox.DefaultGraph())
        ordered = sorted(str(quad) for quad in store)
    measure.report(whole_triples=len(ordered))


def raw_pyoxigraph(context: Context) -> None:
    emit("setup-done")
    with measured("load") as measure:
        store = ox.Store()
        store.load(path=str(context.work / TURTLE_FILE), format=ox.RdfFormat.TURTLE)
    measure.report(triples=len(store))
    _query_runs(context, lambda text, bindings: _oxigraph_rows(store.query(inline_bindings(text, bindings))))


def raw_rdflib(context: Context) -> None:
    """rdflib's default in-memory store parsing the file directly, without sskg's safety checks."""
    emit("setup-done")
    with measured("load") as measure:
        graph = Graph().parse(context.work / TURTLE_FILE, format="turtle")
    measure.report(triples=len(graph))


STAGES: dict[str, Callable[..., None]] = {
    "read": read_evidence,
    "triples": make_triples,
    "validate": validate,
    "reason-hermit": reason_hermit,
    "reason-rules": reason_rules,
    "turtle": serialise_turtle,
    "ntriples": serialise_ntriples,
    "views": views,
    "build": full_build,
    "floor": floor,
    "rebuild": rebuild_after_adding_a_study,
    "rebuild-edit": rebuild_after_editing_a_study,
    "query-cold": query_cold,
    "query-sskg-oxigraph": lambda context: sskg_store(context, "oxigraph"),
    "query-sskg-memory": lambda context: sskg_store(context, "memory"),
    "query-pyoxigraph": raw_pyoxigraph,
    "load-rdflib": raw_rdflib,
}
TIMED_BY_REASONER = {"reason-hermit", "reason-rules"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stages")
    parser.add_argument("stage", help=f"one of {', '.join(sorted(STAGES))}, or export-FORMAT")
    parser.add_argument("--evidence", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=600.0, help="reasoner time limit (reason stages)")
    parser.add_argument("--skip", action="append", default=[], help="a query not to run (timed out before)")
    arguments = parser.parse_args(argv)
    context = Context(arguments.evidence, arguments.work, frozenset(arguments.skip))
    name = arguments.stage
    stage = STAGES.get(name) or (functools.partial(export, fmt=name.removeprefix("export-")) if name.startswith("export-") else None)
    if stage is None:
        parser.error(f"unknown stage {name!r}")
    try:
        if name in TIMED_BY_REASONER:
            stage(context, arguments.timeout)
        else:
            stage(context)
    except SskgError as error:  # e.g. HermiT's own time limit: the parent records the message
        emit("error", kind=type(error).__name__, message=error.message)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
