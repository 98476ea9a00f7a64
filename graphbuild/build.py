"""`sskg build`: evidence → triples → validation → reasoning → outputs, in one direction."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from sskg.namespaces import PREFIXES
from sskg.ontology import ONTOLOGY_DIR
from sskg.sandbox import confined

from .evidence import Evidence, load_evidence
from .gc_pause import gc_paused
from .layers import Layers, canonical_graph, canonical_layers
from .ontology import load_ontology, vocabulary_of
from .output import published
from .rdf_io import atomic_write, merge, ox_sorted, ox_store, ox_text, oxigraph_merge
from .reasoner import DEFAULT_TIMEOUT, ReasoningReport, reason_with
from .tbox import default_cache_dir, start_tbox_classification
from .triples import evidence_graph
from .validation import Violation, check_violations, load_shapes, shacl_violations

GRAPH_FILE = "sskg.ttl"
VIEWS_DIR = "views"


@dataclass(eq=False)
class BuildResult:
    evidence: Evidence
    ontology: Graph
    asserted: Graph  # evidence triples only
    reasoning: ReasoningReport
    violations: list[Violation]
    outputs: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.violations and self.reasoning.consistent is not False and not self.reasoning.unsatisfiable

    @cached_property
    def layers(self) -> Layers:
        """Ontology, evidence and inferred layers with canonical blank-node labels: what every output is written from."""
        return canonical_layers(Layers(self.ontology, self.asserted, self.reasoning.inferred))

    def whole_graph(self) -> Graph:
        """Ontology, evidence and inferred triples read as one graph (read-only, shared)."""
        return self.layers.whole()


PREFIX_MAP = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def turtle_text(triples: list[ox.Triple]) -> str:
    return ox_text(triples, ox.RdfFormat.TURTLE, PREFIX_MAP)


def rdfxml_text(triples: list[ox.Triple]) -> str:
    return ox_text(triples, ox.RdfFormat.RDF_XML, PREFIX_MAP)


def canonical_turtle(graph: Graph) -> str:
    return turtle_text(ox_sorted(canonical_graph(graph)))


@gc_paused()  # the stages allocate millions of objects that stay alive: collections would walk them again and again
def build(
    evidence_dir: Path,
    reasoner: str = "auto",
    reasoner_timeout: float = DEFAULT_TIMEOUT,
) -> BuildResult:
    """Run every stage except writing; raises SskgError on bad input."""
    timings: dict[str, float] = {}

    def timed(name: str, step: Callable[[], object]) -> object:
        start = time.perf_counter()
        value = step()
        timings[name] = round(time.perf_counter() - start, 3)
        return value

    with confined([ONTOLOGY_DIR]):  # loading reads these folders and nothing else
        ontology: Graph = timed("load ontology", load_ontology)  # type: ignore[assignment]
    # HermiT classifies the ontology in its own process while the evidence is read and validated.
    classifying = start_tbox_classification(ontology, reasoner_timeout, default_cache_dir()) \
        if reasoner in ("auto", "rules") else nullcontext()
    with classifying as tbox:
        with confined([evidence_dir, ONTOLOGY_DIR]):
            evidence: Evidence = timed("read evidence", lambda: load_evidence(evidence_dir, vocabulary_of(ontology)))  # type: ignore[assignment]
            asserted: Graph = timed("make triples", lambda: evidence_graph(evidence))  # type: ignore[assignment]
            violations: list[Violation] = timed("validate", lambda: evidence_violations(ontology, asserted))  # type: ignore[assignment]
        reasoning: ReasoningReport = timed(  # type: ignore[assignment]
            "reason", lambda: reason_with(reasoner, ontology, asserted, reasoner_timeout, tbox=tbox))
    return BuildResult(evidence, ontology, asserted, reasoning, violations, timings=timings)


def evidence_violations(ontology: Graph, evidence: Graph) -> list[Violation]:
    """SHACL shapes and quality checks over ontology and evidence together, so subclasses count."""
    combined = oxigraph_merge(ontology, evidence)  # SPARQL runs on its own store: no copy
    distinct = len(evidence) + sum(triple not in evidence for triple in ontology)
    if len(ox_store(combined)) != distinct:
        # Oxigraph holds literals such as "1.5" and "1.50" as one term: validate rdflib's merge instead,
        # which shacl_violations hands to pySHACL, saying why.
        combined = merge(ontology, evidence)
    return shacl_violations(combined, load_shapes()) + check_violations(combined)


@gc_paused()  # also in the forked workers: a collection would walk, and so copy, every page of the graph
def write_outputs(result: BuildResult, out_dir: Path) -> list[Path]:
    """Write the graph and report; the output folder changes all at once, or not at all."""
    layers = result.layers
    files: dict[str, Callable[[], str]] = {  # each text is made when its file is written: at scale they are large
        GRAPH_FILE: lambda: turtle_text(layers.ox_triples),
        "inferred.ttl": lambda: turtle_text(ox_sorted(layers.inferred)),
        "ontology.ttl": lambda: turtle_text(ox_sorted(layers.ontology)),
        "ontology.owl": lambda: rdfxml_text(ox_sorted(layers.ontology)),
        "report.json": lambda: json.dumps(report_data(result), indent=2, sort_keys=True) + "\n",
    }
    # Exports and views build on this module: imported at call time.
    from sskg.exports.rdf_exports import write_exports
    from sskg.exports.views.write import render_all

    def views() -> Iterator[tuple[str, str]]:
        return ((f"{VIEWS_DIR}/{name}", html) for name, html in render_all(layers.whole()).items())

    with published(out_dir) as staging:
        for name, text in sorted(files.items()):
            with atomic_write(staging / name) as stream:
                stream.write(text())
        exported = write_exports(layers, staging, also=[views])
    result.outputs = sorted({out_dir / name for name in files} | {out_dir / path.relative_to(staging) for path in exported})
    return result.outputs


def report_data(result: BuildResult) -> dict[str, object]:
    evidence = result.evidence
    return {
        "studies": len(evidence.studies),
        "findings": sum(len(study.findings) for study in evidence.studies),
        "effect_estimates": sum(len(f.estimates) for study in evidence.studies for f in study.findings),
        "cited_works": len(evidence.works),
        "triples": {
            "ontology": len(result.ontology),
            "evidence": len(result.asserted),
            "inferred": len(result.reasoning.inferred),
        },
        "reasoning": {
            "ran": result.reasoning.ran,
            "consistent": result.reasoning.consistent,
            "unsatisfiable_classes": list(result.reasoning.unsatisfiable),
            "message": result.reasoning.message,
            "culprits": list(result.reasoning.culprits),
        },
        "violations": [str(violation) for violation in result.violations],
        "clean": result.clean,
    }


def summary(result: BuildResult) -> str:
    data = report_data(result)
    lines = [
        f"studies: {data['studies']}, findings: {data['findings']}, effect estimates: {data['effect_estimates']}, cited works: {data['cited_works']}",
        "triples: " + ", ".join(f"{k} {v}" for k, v in data["triples"].items()),  # type: ignore[union-attr]
        f"reasoning: {result.reasoning.message}"
        + (f"; unsatisfiable classes: {', '.join(result.reasoning.unsatisfiable)}" if result.reasoning.unsatisfiable else ""),
    ]
    lines += [f"  inconsistency: {culprit}" for culprit in result.reasoning.culprits]
    lines.append(f"validation: {len(result.violations)} finding(s)")
    lines += [f"  {violation}" for violation in result.violations]
    lines.append("timings (s): " + ", ".join(f"{k} {v}" for k, v in result.timings.items()))
    return "\n".join(lines)

