"""SHACL constraints compiled to SPARQL (see shacl_sparql.py), and running them on Oxigraph.

Every check is one SELECT over all focus nodes at once, so validation costs a handful of indexed queries
instead of pySHACL's Python loop over every focus and value node.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

# sh:datatype values compiled, with the Python type rdflib must give a literal's value for it to match (as pySHACL
# asks). For these, a lexical form Oxigraph keeps as its own canonical one is one rdflib parses too.
DATATYPES: dict[URIRef, type] = {XSD.string: str, XSD.integer: int, XSD.decimal: Decimal, XSD.boolean: bool}


@dataclass(frozen=True)
class ShapeResult:
    """One validation result, as pySHACL's report states it."""

    source: Node  # sh:sourceShape
    focus: str
    message: str
    path: Node | None  # sh:resultPath


@dataclass(frozen=True)
class Check:
    """A SELECT whose rows (?this, and ?value where the constraint is per value) are the failures of a constraint."""

    select: str
    datatype: URIRef | None = None  # rows are candidates only: a ?value well-typed for it passes

    def failing(self, store: ox.Store) -> Iterator[ox.NamedNode | ox.BlankNode]:
        for row in store.query(self.select, use_default_graph_as_union=True):
            if self.datatype is None or not _matches(row["value"], self.datatype):
                yield row["this"]


@dataclass(frozen=True)
class Rule:
    """Checks whose failures are results of one shape, with its message and path."""

    source: Node
    message: str
    path: Node | None
    checks: tuple[Check, ...]

    def results(self, store: ox.Store) -> Iterator[ShapeResult]:
        for check in self.checks:
            for focus in check.failing(store):
                yield ShapeResult(self.source, focus.value, self.message, self.path)


@dataclass(frozen=True)
class ExactlyOne:
    """sh:xone: each focus node must conform to exactly one member shape (a member conforms when none of its checks fail)."""

    source: Node
    message: str
    focus: str  # SELECT ?this: the node shape's focus nodes
    members: tuple[tuple[Check, ...], ...]

    def results(self, store: ox.Store) -> Iterator[ShapeResult]:
        failed = [{node for check in member for node in check.failing(store)} for member in self.members]
        for row in store.query(self.focus, use_default_graph_as_union=True):
            node = row["this"]
            if sum(node not in failures for failures in failed) != 1:
                yield ShapeResult(self.source, node.value, self.message, None)


@dataclass(frozen=True)
class Plan:
    rules: tuple[Rule | ExactlyOne, ...]

    def results(self, store: ox.Store) -> list[ShapeResult]:
        # pyoxigraph evaluates queries without holding the GIL: rules run side by side on every core.
        with ThreadPoolExecutor() as pool:
            return [result for results in pool.map(lambda rule: list(rule.results(store)), self.rules) for result in results]


def _matches(value: ox.NamedNode | ox.BlankNode | ox.Literal, datatype: URIRef) -> bool:
    """pySHACL's sh:datatype test: a literal of that datatype that rdflib finds well-formed."""
    if not isinstance(value, ox.Literal) or value.language is not None or value.datatype.value != str(datatype):
        return False
    literal = Literal(value.value, datatype=datatype)
    return literal.ill_typed is not True and isinstance(literal.value, DATATYPES[datatype])
