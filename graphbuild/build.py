"""`sskg build`: evidence → triples → validation → reasoning → outputs, in one direction."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from .evidence import Evidence, load_evidence
from .ontology import load_ontology, vocabulary_of
from .rdf_io import atomic_write
from .reasoner import DEFAULT_TIMEOUT, ReasoningReport, reason_with
from .triples import evidence_graph, new_graph
from .validation import Violation, check_violations, load_shapes, shacl_violations

GRAPH_FILE = "sskg.ttl"


@dataclass
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

    def whole_graph(self) -> Graph:
        """Ontology, evidence and inferred triples together."""
        return merge(self.ontology, self.asserted, self.reasoning.inferred)


def merge(*graphs: Graph) -> Graph:
    merged = new_graph()
    for graph in graphs:
        for triple in graph:
            merged.add(triple)
    return merged


def canonical_graph(graph: Graph) -> Graph:
    """A copy whose blank-node labels and triple order depend only on content, so serialisers write the same bytes."""
    canonical = new_graph()
    for triple in sorted(to_canonical_graph(graph)):
        canonical.add(triple)
    return canonical


def canonical_turtle(graph: Graph) -> str:
    return canonical_graph(graph).serialize(format="longturtle")


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

    ontology: Graph = timed("load ontology", load_ontology)  # type: ignore[assignment]
    evidence: Evidence = timed("read evidence", lambda: load_evidence(evidence_dir, vocabulary_of(ontology)))  # type: ignore[assignment]
    asserted: Graph = timed("make triples", lambda: evidence_graph(evidence))  # type: ignore[assignment]
    combined = merge(ontology, asserted)
    violations: list[Violation] = timed(  # type: ignore[assignment]
        "validate", lambda: shacl_violations(combined, load_shapes()) + check_violations(combined)
    )
    reasoning: ReasoningReport = timed("reason", lambda: reason_with(reasoner, ontology, asserted, reasoner_timeout))  # type: ignore[assignment]
    return BuildResult(evidence, ontology, asserted, reasoning, violations, timings=timings)


def write_outputs(result: BuildResult, out_dir: Path) -> list[Path]:
    """Write the graph and report; each file appears complete or not at all."""
    files: dict[str, str] = {
        GRAPH_FILE: canonical_turtle(result.whole_graph()),
        "inferred.ttl": canonical_turtle(merge(result.reasoning.inferred)),
        "ontology.ttl": canonical_turtle(result.ontology),
        "ontology.owl": canonical_graph(result.ontology).serialize(format="xml"),
        "report.json": json.dumps(report_data(result), indent=2, sort_keys=True) + "\n",
    }
    written = []
    for name, text in sorted(files.items()):
        path = out_dir / name
        with atomic_write(path) as stream:
            stream.write(text)
        written.append(path)
    result.outputs = written
    return written


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

