"""`sskg build` up to the outputs: evidence → triples → validation → reasoning, in one direction."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import Graph

from sskg.gc_pause import gc_paused
from sskg.layers import Layers, canonical_layers
from sskg.ontology import ONTOLOGY_DIR
from sskg.rdf_io import merge, ox_store, oxigraph_merge
from sskg.sandbox import confined

from .evidence import Evidence, load_evidence
from .ontology import load_ontology, vocabulary_of
from .reasoner import DEFAULT_TIMEOUT, ReasoningReport, reason_with
from .study_cache import StudyCache, cache_root
from .tbox import default_cache_dir, start_tbox_classification
from .triples import evidence_graph
from .validation import Violation, check_violations, load_shapes, shacl_violations

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
    cache = StudyCache(evidence_dir, cache_root() / "studies")
    with classifying as tbox:
        with confined([evidence_dir, ONTOLOGY_DIR, cache.folder]):
            evidence: Evidence = timed("read evidence", lambda: load_evidence(evidence_dir, vocabulary_of(ontology)))  # type: ignore[assignment]
            asserted: Graph = timed("make triples", lambda: evidence_graph(evidence, cache))  # type: ignore[assignment]
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

