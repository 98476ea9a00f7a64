"""Warn about sskg: and sskgc: terms a query uses that the ontology does not define (a typo finds 0 rows silently).

The query is read as the engine reads it (rdflib's parse, prefixes expanded), not by pattern matching the text.
A term's place says what it should be: the object of `a` a class, a predicate a property; suggestions are
the defined terms of that kind whose names are closest.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pyparsing import ParseResults
from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.paths import Path
from rdflib.plugins.sparql.parserutils import CompValue

from .parameters import compact, local_name, normal
from .safety import parse_safe_query
from .vocabulary import OntologyTerm, checked, ontology_terms


@dataclass(frozen=True)
class LintWarning:
    term: URIRef
    role: str  # what its place in the query asks for: class, property or term
    suggestions: tuple[URIRef, ...]

    @property
    def message(self) -> str:
        text = f"{compact(self.term)} is not defined in the sskg ontology"
        if self.suggestions:
            text += "; did you mean " + " or ".join(compact(term) for term in self.suggestions) + "?"
        return text

    def as_json(self) -> dict[str, object]:
        return {"term": str(self.term), "prefixed": compact(self.term), "role": self.role, "message": self.message,
                "suggestions": [compact(term) for term in self.suggestions]}


def lint(text: str, defined: Mapping[URIRef, OntologyTerm] | None = None) -> list[LintWarning]:
    """Warnings for the query's undefined sskg:/sskgc: terms, in order of their names. Unsafe or broken
    queries raise QueryError, as running them would."""
    terms = ontology_terms() if defined is None else defined
    roles: dict[URIRef, str] = {}
    for term, role in _used(parse_safe_query(text).algebra, "term"):
        if checked(str(term)) and term not in terms and (role != "term" or term not in roles):
            roles[term] = role  # a place that asks for a class or property says more than any other
    return [LintWarning(term, role, _nearest(term, role, terms)) for term, role in sorted(roles.items(), key=lambda item: compact(item[0]))]


def zero_rows_note(warnings: list[LintWarning]) -> str:
    names = ", ".join(compact(warning.term) for warning in warnings)
    return f"the query found no rows, and it uses {names}, which the sskg ontology does not define"


def _used(node: Any, role: str) -> Iterator[tuple[URIRef, str]]:
    """Every IRI in the algebra with the kind of term its place calls for."""
    if isinstance(node, URIRef):
        yield node, role
    elif isinstance(node, Path):
        for part in _path_parts(node):
            yield from _used(part, "property")
    elif isinstance(node, CompValue) and node.name == "BGP":
        for subject, predicate, obj in node.get("triples") or ():
            yield from _used(subject, "term")
            yield from _used(predicate, "property")
            yield from _used(obj, "class" if predicate == RDF.type else "term")
    elif isinstance(node, (CompValue, dict)):
        for value in node.values():
            yield from _used(value, "term")
    elif isinstance(node, (list, tuple, set, ParseResults)):
        for item in node:
            yield from _used(item, role)


def _path_parts(path: Path) -> list[Any]:
    for attribute in ("args", "arg", "path"):
        if hasattr(path, attribute):
            value = getattr(path, attribute)
            return list(value) if isinstance(value, (list, tuple)) else [value]
    return []


def _nearest(term: URIRef, role: str, defined: Mapping[URIRef, OntologyTerm], most: int = 3) -> tuple[URIRef, ...]:
    """Defined terms of the same namespace and kind with close names: first those whose name holds the wanted
    one (the most used first: sskg:Study -> sskg:IncludedStudy), then the others by likeness."""
    namespace = str(term)[: len(str(term)) - len(local_name(term))]
    wanted = normal(local_name(term))
    ranked = []
    for candidate in defined.values():
        if not str(candidate.iri).startswith(namespace) or (role != "term" and candidate.role != role):
            continue
        name = normal(local_name(candidate.iri))
        holds = bool(wanted) and (wanted in name or name in wanted)
        likeness = difflib.SequenceMatcher(None, wanted, name).ratio()
        if holds or likeness >= 0.6:
            ranked.append((not holds, -candidate.uses if holds else 0, -likeness, str(candidate.iri)))
    return tuple(URIRef(iri) for *_, iri in sorted(ranked)[:most])
