"""DL reasoning with HermiT: consistency, unsatisfiable classes, and the inferred triples, kept apart.

HermiT runs in a child process with a time limit (hazard L8). Only the part of the graph that the
ontology's axioms speak about is sent to it: the TBox, the concepts, and the type and object-property
statements of studies, findings and estimates. Provenance locations and literals carry no axioms that
could be violated and would only slow the reasoner down.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from sskg.errors import ReasonerError
from sskg.namespaces import SSKG_NS

from .rdf_io import strip_imports
from .rules import materialise

DEFAULT_TIMEOUT = 300.0
_SKIPPED_SUBJECT_TYPES = (URIRef(str(SSKG_NS) + "ProvenanceLocation"),)


@dataclass(frozen=True)
class ReasoningReport:
    ran: bool
    consistent: bool | None
    unsatisfiable: tuple[str, ...] = ()
    inferred: Graph = field(default_factory=Graph)
    message: str = ""
    culprits: tuple[str, ...] = ()


def java_available() -> bool:
    return shutil.which("java") is not None


def reasoning_module(ontology: Graph, evidence: Graph) -> Graph:
    """What HermiT needs to see: the ontology, and the typed, object-valued ABox statements."""
    skipped = {s for cls in _SKIPPED_SUBJECT_TYPES for s in evidence.subjects(RDF.type, cls)}
    annotation_properties = set(ontology.subjects(RDF.type, OWL.AnnotationProperty))
    module = strip_imports(ontology)
    for s, p, o in evidence:
        if s in skipped or o in skipped or isinstance(o, Literal) or p in annotation_properties:
            continue
        module.add((s, p, o))
    return module


def reason(ontology: Graph, evidence: Graph, timeout: float = DEFAULT_TIMEOUT) -> ReasoningReport:
    """Classify and check the graph with HermiT. Without Java, say so and return no inferences."""
    if not java_available():
        return ReasoningReport(False, None, message="Java not found: DL reasoning (HermiT) skipped; install a Java runtime to enable it")
    module = reasoning_module(ontology, evidence)
    with tempfile.TemporaryDirectory(prefix="sskg-hermit-") as folder:
        source, target = Path(folder) / "in.nt", Path(folder) / "out.nt"
        module.serialize(source, format="nt", encoding="utf-8")
        outcome = _run_worker(source, target, timeout)
        report = json.loads(outcome.stdout.strip().splitlines()[-1])
        if not report["consistent"]:
            culprits = tuple(explain_inconsistency(module))
            return ReasoningReport(True, False, message="HermiT found the graph inconsistent", culprits=culprits)
        raw = Graph().parse(target, format="nt") if target.stat().st_size else Graph()
    inferred = Graph()
    for s, p, o in raw:
        # owlready2 also declares its own bookkeeping ontology (<http://inferrences>): not a fact about our data.
        keep = (p == RDF.type and o not in (OWL.Thing, OWL.NamedIndividual, OWL.Ontology)) or (
            p in (RDFS.subClassOf, OWL.equivalentClass) and o != OWL.Thing and s != OWL.Nothing
        )
        if keep and (s, p, o) not in module:
            inferred.add((s, p, o))
    return ReasoningReport(True, True, tuple(report["unsatisfiable"]), inferred, "consistent")


def _run_worker(source: Path, target: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sskg.graphbuild.hermit_worker", str(source), str(target)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the worker and the Java process it started
        process.communicate()
        raise ReasonerError(
            f"HermiT did not finish within {timeout:.0f} s",
            fix="raise --reasoner-timeout, or use --reasoner rules for large graphs",
        ) from None
    if process.returncode not in (0, 3):
        raise ReasonerError(f"HermiT failed: {stderr.strip()[-500:]}", fix="run with --debug for details; check the Java installation")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def explain_inconsistency(module: Graph) -> list[str]:
    """Name individuals that break a disjointness or functional-property axiom (the usual causes)."""
    closure = _superclasses(module)
    disjoint = _disjoint_pairs(module)
    problems: list[str] = []
    for individual in sorted(set(module.subjects(RDF.type, None))):
        types: set[URIRef] = set()
        for cls in module.objects(individual, RDF.type):
            types |= closure.get(cls, {cls})
        for first, second in sorted(disjoint):
            if first in types and second in types:
                problems.append(f"{individual} is both {first} and {second}, which are disjoint")
    for prop in sorted(set(module.subjects(RDF.type, OWL.FunctionalProperty))):
        for subject in sorted(set(module.subjects(prop, None))):
            values = sorted(set(module.objects(subject, prop)))
            if len(values) > 1:
                problems.append(f"{subject} has {len(values)} values of functional property {prop}: {', '.join(map(str, values))}")
    return problems


def _superclasses(graph: Graph) -> dict[URIRef, set[URIRef]]:
    closure: dict[URIRef, set[URIRef]] = {}
    for cls in set(graph.subjects(RDFS.subClassOf, None)) | set(graph.objects(None, RDF.type)):
        if isinstance(cls, URIRef):
            closure[cls] = {c for c in graph.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)}
    return closure


def _disjoint_pairs(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    pairs: set[tuple[URIRef, URIRef]] = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        pairs.add((a, b))
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(graph.items(graph.value(node, OWL.members)))
        pairs |= {(a, b) for a in members for b in members if a != b}
    return {(a, b) for a, b in pairs if isinstance(a, URIRef) and isinstance(b, URIRef)}


# HermiT took 5 s for ~300 individuals and 33 s for ~900 on this kind of machine: beyond this, classify the
# TBox with HermiT and materialise the ABox with rules.
HERMIT_ABOX_LIMIT = 2000
MODES = ("auto", "hermit", "rules", "none")


def reason_with(mode: str, ontology: Graph, evidence: Graph, timeout: float = DEFAULT_TIMEOUT) -> ReasoningReport:
    """Reason in the given mode: `hermit` (whole graph), `rules` (HermiT on the TBox, rules on the ABox), `auto`, `none`."""
    if mode == "none":
        return ReasoningReport(False, None, message="reasoning skipped (--reasoner none)")
    if mode == "auto":
        individuals = len(set(evidence.subjects(RDF.type, None)))
        mode = "hermit" if individuals <= HERMIT_ABOX_LIMIT and java_available() else "rules"
    if mode == "hermit":
        return reason(ontology, evidence, timeout)
    tbox = reason(ontology, Graph(), timeout)
    if tbox.consistent is False:
        return tbox
    classified = strip_imports(ontology)
    for triple in tbox.inferred:
        classified.add(triple)
    inferred = materialise(classified, evidence)
    for triple in tbox.inferred:
        inferred.add(triple)
    culprits = tuple(explain_inconsistency(reasoning_module(classified, evidence + inferred)))
    how = "TBox classified by HermiT" if tbox.ran else "Java not found, so no HermiT classification of the TBox"
    if culprits:
        return ReasoningReport(True, False, message=f"{how}; ABox rules found contradictions", culprits=culprits)
    return ReasoningReport(
        True, True, tbox.unsatisfiable, inferred,
        f"{how}; ABox materialised by rules; disjointness and functional-property checks passed",
    )
