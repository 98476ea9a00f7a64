"""SHACL shapes and quality-check queries: the graph's own tests, run on every build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery

from sskg.ontology import CHECKS_DIR, SHAPES_DIR

from .rdf_io import parse_rdf_file


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
    """Validate `data` (ontology and evidence together, so subclasses count) against the shapes."""
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    violations = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        owner = _owning_shape(shapes, shape)
        path = report.value(result, SH.resultPath)
        message = str(report.value(result, SH.resultMessage) or "constraint not met")
        if path is not None and isinstance(path, URIRef):
            message = f"{message} (path {data.namespace_manager.normalizeUri(path)})"
        violations.append(Violation(f"shape {owner}", str(report.value(result, SH.focusNode)), message))
    return sorted(violations)


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
    """Run every `*-violation.rq`; each row is a violation."""
    violations = []
    for path in sorted(folder.glob("*-violation.rq")):
        query = prepareQuery(path.read_text(encoding="utf-8"))
        for row in graph.query(query):
            violations.append(Violation(path.stem, str(row.entity), str(row.problem)))
    return sorted(violations)
