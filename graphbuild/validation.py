"""SHACL shapes and quality-check queries: the graph's own tests, run on every build."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from sskg.ontology import CHECKS_DIR, SHAPES_DIR
from sskg.rdf_io import backing_store, ox_store, parse_rdf_file

from .shacl_plan import ShapeResult
from .shacl_sparql import NotCompiled, compile_shapes

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Violation:
    check: str  # shape or check file name
    focus: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.focus}: {self.message}"


def load_shapes(folder: Path = SHAPES_DIR) -> Graph:
    shapes = Graph()
    for path in sorted(folder.glob("*.ttl")):
        parse_rdf_file(shapes, path)
    return shapes


def shacl_violations(data: Graph, shapes: Graph) -> list[Violation]:
    """Validate `data` (ontology and evidence together, so subclasses count) against the shapes.

    The shapes run as SPARQL on Oxigraph when they compile (shacl_sparql.py), finding what pySHACL would;
    otherwise pySHACL validates them, and the log says why.
    """
    try:
        plan = compile_shapes(shapes)
    except NotCompiled as reason:
        log.warning("SHACL shapes validated by pySHACL, not compiled to SPARQL: %s", reason)
        return pyshacl_violations(data, shapes)
    store = ox_store(data)
    if store is not backing_store(data) and len(store) != len(data):
        # The copy has fewer statements: Oxigraph holds literals such as "1.5" and "1.50" as one term, rdflib as two.
        log.warning("SHACL shapes validated by pySHACL: Oxigraph merges %d literal(s) rdflib keeps apart",
                    len(data) - len(store))
        return pyshacl_violations(data, shapes)
    return _violations(data, shapes, plan.results(store))


def pyshacl_violations(data: Graph, shapes: Graph) -> list[Violation]:
    """The same validation by pySHACL: for shapes that do not compile, and as the reference the tests compare with."""
    untouched = Graph()
    untouched += shapes  # pySHACL adds statements to the shapes graph it is given: the caller's stays as loaded
    _, report, _ = validate(data, shacl_graph=untouched, inference="none", advanced=True, allow_warnings=True)
    return _violations(data, shapes, (
        ShapeResult(report.value(result, SH.sourceShape), str(report.value(result, SH.focusNode)),
                    str(report.value(result, SH.resultMessage) or "constraint not met"), report.value(result, SH.resultPath))
        for result in report.subjects(RDF.type, SH.ValidationResult)
    ))


def _violations(data: Graph, shapes: Graph, results: Iterable[ShapeResult]) -> list[Violation]:
    results = list(results)
    # Naming a path can bind a new prefix (ns1, ns2 …): name them in one fixed order, whatever order results come in.
    paths = sorted({result.path for result in results if isinstance(result.path, URIRef)})
    shown = {path: f" (path {data.namespace_manager.normalizeUri(path)})" for path in paths}
    return sorted(
        Violation(f"shape {_owning_shape(shapes, result.source)}", result.focus, result.message + shown.get(result.path, ""))
        for result in results
    )


def _owning_shape(shapes: Graph, shape: object) -> str:
    """The named node shape a (possibly blank) property shape belongs to."""
    for _ in range(5):
        if isinstance(shape, URIRef):
            return str(shape).rsplit("/", 1)[-1]
        parent = shapes.value(None, SH.property, shape) or shapes.value(None, SH.sparql, shape)
        if parent is None:
            break
        shape = parent
    return "anonymous"


def check_violations(graph: Graph, folder: Path = CHECKS_DIR) -> list[Violation]:
    """Run every `*-violation.rq` on Oxigraph; each row is a violation."""
    store = ox_store(graph)
    violations = []
    for path in sorted(folder.glob("*-violation.rq")):
        for row in store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True):
            violations.append(Violation(path.stem, row["entity"].value, row["problem"].value))
    return sorted(violations)
