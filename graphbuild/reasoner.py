"""DL reasoning with HermiT: consistency, unsatisfiable classes, and the inferred triples, kept apart.

Two ways: HermiT on the whole graph (`hermit`), or HermiT on the ontology and set-at-a-time SPARQL rules on the
evidence (`rules`, the default as `auto`: it scales to thousands of studies). For the whole-graph run only the part
of the graph that the ontology's axioms speak about is sent to HermiT: the TBox, the concepts, and the type and
object-property statements of studies, findings and estimates. Provenance locations and literals carry no axioms
that could be violated and would only slow the reasoner down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF

from sskg.rdf_io import strip_imports

from .consistency import SKIPPED_TYPES, culprits
from .hermit import HermitRun, java_available
from .reasoning_store import Members, reasoning_store
from .rules import materialise, ontology_rules
from .tbox import TBoxClassification, default_cache_dir, start_tbox_classification

DEFAULT_TIMEOUT = 300.0
MODES = ("auto", "hermit", "rules", "none")
_NO_JAVA = "Java not found: DL reasoning (HermiT) skipped; install a Java runtime to enable it"


@dataclass(frozen=True)
class ReasoningReport:
    ran: bool
    consistent: bool | None
    unsatisfiable: tuple[str, ...] = ()
    inferred: Graph = field(default_factory=Graph)
    message: str = ""
    culprits: tuple[str, ...] = ()


def reasoning_module(ontology: Graph, evidence: Graph) -> Graph:
    """What HermiT needs to see: the ontology, and the typed, object-valued ABox statements."""
    skipped = {s for cls in SKIPPED_TYPES for s in evidence.subjects(RDF.type, cls)}
    annotation_properties = set(ontology.subjects(RDF.type, OWL.AnnotationProperty))
    module = strip_imports(ontology)
    for s, p, o in evidence:
        if s in skipped or o in skipped or isinstance(o, Literal) or p in annotation_properties:
            continue
        module.add((s, p, o))
    return module


def reason(ontology: Graph, evidence: Graph, timeout: float = DEFAULT_TIMEOUT) -> ReasoningReport:
    """Classify and check the whole graph with HermiT. Without Java, say so and return no inferences."""
    if not java_available():
        return ReasoningReport(False, None, message=_NO_JAVA)
    module = reasoning_module(ontology, evidence)
    # The values the ontology's rules assert (a finding's effect on recovery) are asked of HermiT too.
    values = frozenset(rule.head_value[0] for rule in ontology_rules(module) if rule.head_value)
    outcome = HermitRun(module, timeout, values).outcome()
    if not outcome.consistent:
        return _inconsistent(module)
    return ReasoningReport(True, True, outcome.unsatisfiable, outcome.inferred, "consistent")


def _inconsistent(module: Graph) -> ReasoningReport:
    found = culprits(Members(reasoning_store(module, Graph())))
    return ReasoningReport(True, False, message="HermiT found the graph inconsistent", culprits=tuple(found))


def reason_with(
    mode: str,
    ontology: Graph,
    evidence: Graph,
    timeout: float = DEFAULT_TIMEOUT,
    tbox: TBoxClassification | None = None,
) -> ReasoningReport:
    """Reason in the given mode: `auto` and `rules` (HermiT on the TBox, rules on the ABox), `hermit` (HermiT on the
    whole graph), `none`. `tbox` is a classification started earlier with `start_tbox_classification`; without it
    one is started here (using the cache folder)."""
    if mode in ("hermit", "none") and tbox is not None:
        tbox.cancel()
    if mode == "none":
        return ReasoningReport(False, None, message="reasoning skipped (--reasoner none)")
    if mode == "hermit":
        return reason(ontology, evidence, timeout)
    return _rules(ontology, evidence, tbox or start_tbox_classification(ontology, timeout, default_cache_dir()))


def _rules(ontology: Graph, evidence: Graph, tbox: TBoxClassification) -> ReasoningReport:
    outcome = tbox.outcome()
    if outcome is not None and not outcome.consistent:
        return _inconsistent(tbox.module)
    classified = strip_imports(ontology)
    tbox_inferred = outcome.inferred if outcome else Graph()
    for triple in tbox_inferred:
        classified.add(triple)
    members = Members(reasoning_store(classified, evidence))
    inferred = materialise(members, ontology_rules(classified))
    for triple in tbox_inferred:
        inferred.add(triple)
    problems = tuple(culprits(members))
    how = "TBox classified by HermiT" if outcome else "Java not found, so no HermiT classification of the TBox"
    if problems:
        return ReasoningReport(True, False, message=f"{how}; ABox rules found contradictions", culprits=problems)
    return ReasoningReport(
        True, True, outcome.unsatisfiable if outcome else (), inferred,
        f"{how}; ABox materialised by rules; disjointness and functional-property checks passed",
    )
