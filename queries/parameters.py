"""Catalogue parameters given by name: a label, slug, prefixed name or IRI becomes the one term it names.

The candidates are read from the graph being queried (locally or at an endpoint), by small bound queries:
the concepts of the parameter's schemes, the subclasses of its classes, or (plain `iri`) every labelled
resource. A name that matches no candidate, or several, is an error that lists the closest terms.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.term import Node

from sskg.errors import QueryError
from sskg.namespaces import PREFIXES

from .catalogue import Parameter, expand_iri
from .runner import QueryResult

Select = Callable[[str, Mapping[str, Node]], QueryResult]  # runs a SELECT with bound terms

_PREFIXES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# ?how orders the names: the first is the one shown.
_NAMES = """OPTIONAL {
    VALUES (?property ?how) { (skos:prefLabel 0) (rdfs:label 1) (skos:altLabel 2) (skos:notation 3) }
    ?term ?property ?name }"""
CANDIDATES = {
    "concept": _PREFIXES + "SELECT ?term ?name ?how WHERE { ?term skos:inScheme ?kind . " + _NAMES + " }",
    "class": _PREFIXES + "SELECT ?term ?name ?how WHERE { ?term rdfs:subClassOf* ?kind . " + _NAMES + " }",
    "iri": _PREFIXES + "SELECT ?term ?name ?how WHERE { VALUES (?property ?how) { (skos:prefLabel 0) (rdfs:label 1) } "
                       "?term ?property ?name }",
}
EXISTS = "SELECT ?term WHERE { ?term ?property ?value } LIMIT 1"
KIND_NAME = _PREFIXES + "SELECT ?name WHERE { ?kind skos:prefLabel|rdfs:label ?name } ORDER BY ?name LIMIT 1"
MOST_LISTED = 12  # choices listed when nothing is close
_IRI_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # a prefix or scheme, then a colon
_SCHEME = re.compile(r"(https?://|urn:)", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    iri: URIRef
    label: str  # the name shown: preferred label, else label, else the slug

    def __str__(self) -> str:
        shown = compact(self.iri)
        return shown if self.label in ("", shown) else f"{self.label} ({shown})"


class GraphTerms:
    """Resolves what a user typed for a term parameter, against the graph `select` queries; caches candidates."""

    def __init__(self, select: Select) -> None:
        self.select = select
        self._candidates: dict[tuple[str, tuple[URIRef, ...]], dict[URIRef, tuple[Term, set[str]]]] = {}

    def __call__(self, parameter: Parameter, text: str) -> URIRef:
        iri: URIRef | None = None
        if _IRI_LIKE.match(text) and (text.partition(":")[0] in PREFIXES or _SCHEME.match(text)):
            try:  # meant as an IRI or prefixed name: it must be one, whole (no name matching around a typo)
                iri = expand_iri(text)
            except QueryError as error:
                raise QueryError(f"parameter {parameter.name}: {error.message}", fix=error.fix) from None
        if iri is not None and parameter.type == "iri" and self._exists(iri):
            return iri  # any resource of the graph, without reading every label
        candidates = self.candidates(parameter)
        if iri is not None:
            if iri in candidates:
                return iri
            raise QueryError(f"parameter {parameter.name}: {compact(iri)} is not {self._kind(parameter)}",
                             fix=self._suggest(normal(local_name(iri)), candidates))
        wanted = normal(text)
        matches = sorted((term for term, names in candidates.values() if wanted and wanted in names), key=_order)
        if len(matches) == 1:
            return matches[0].iri
        if matches:
            raise QueryError(f"parameter {parameter.name}: {text!r} names {len(matches)} terms: "
                             + "; ".join(str(term) for term in matches), fix="give one of them by its prefixed name")
        raise QueryError(f"parameter {parameter.name}: no term called {text!r} is {self._kind(parameter)}",
                         fix=self._suggest(wanted, candidates))

    def candidates(self, parameter: Parameter) -> dict[URIRef, tuple[Term, set[str]]]:
        """Each candidate term with the normalised names it answers to (labels, notation, slug, prefixed name)."""
        key = (parameter.type, parameter.kinds)
        if key not in self._candidates:
            rows: list[tuple[Node | None, ...]] = []
            for kind in parameter.kinds or (None,):
                rows += self.select(CANDIDATES[parameter.type], {"kind": kind} if kind else {}).rows
            self._candidates[key] = _collect(rows)
        return self._candidates[key]

    def choices(self, parameter: Parameter) -> list[Term]:
        """The terms a parameter of a scheme or class takes, by label (none listed for plain `iri` or literals)."""
        if parameter.type not in ("concept", "class"):
            return []
        return sorted((term for term, _ in self.candidates(parameter).values()), key=_order)

    def _exists(self, iri: URIRef) -> bool:
        return bool(self.select(EXISTS, {"term": iri}).rows)

    def _kind(self, parameter: Parameter) -> str:
        if not parameter.kinds:
            return "in the graph"
        names = []
        for kind in parameter.kinds:
            rows = self.select(KIND_NAME, {"kind": kind}).rows
            label = str(rows[0][0]) if rows and rows[0][0] is not None else compact(kind)
            names.append(f"{label} ({compact(kind)})")
        joined = " or ".join(names)
        return f"a concept of {joined}" if parameter.type == "concept" else f"the class {joined} or a subclass of it"

    def _suggest(self, wanted: str, candidates: dict[URIRef, tuple[Term, set[str]]]) -> str:
        by_name: dict[str, set[URIRef]] = {}
        for term, names in candidates.values():
            for name in names:
                by_name.setdefault(name, set()).add(term.iri)
        close = [iri for name in difflib.get_close_matches(wanted, sorted(by_name), n=6, cutoff=0.6) for iri in sorted(by_name[name])]
        near = list(dict.fromkeys(close))[:3]
        if near:
            return "did you mean " + " or ".join(str(candidates[iri][0]) for iri in near) + "?"
        listed = sorted((term for term, _ in candidates.values()), key=_order)
        if not listed:
            return "the graph has no terms of that kind; check the graph file"
        more = f" and {len(listed) - MOST_LISTED} more" if len(listed) > MOST_LISTED else ""
        return "choose one of: " + "; ".join(str(term) for term in listed[:MOST_LISTED]) + more


def _collect(rows: list[tuple[Node | None, ...]]) -> dict[URIRef, tuple[Term, set[str]]]:
    names: dict[URIRef, list[tuple[int, str]]] = {}
    for term, name, how in rows:
        if isinstance(term, URIRef):
            names.setdefault(term, [])
            if name is not None:
                names[term].append((int(how.toPython()) if how is not None else 9, str(name)))  # type: ignore[union-attr]
    collected = {}
    for iri, named in names.items():
        shown = min(named)[1] if any(how < 2 for how, _ in named) else ""
        keys = {normal(name) for _, name in named} | {normal(local_name(iri)), normal(compact(iri))}
        collected[iri] = (Term(iri, shown or local_name(iri)), keys - {""})
    return collected


def _order(term: Term) -> tuple[str, str]:
    return term.label.casefold(), str(term.iri)


_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def normal(text: str) -> str:
    """Case, accents, spaces and punctuation ignored: 'United States', 'united-states', 'UnitedStates' agree."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return re.sub(r"[^0-9a-z]", "", "".join(char for char in decomposed if not unicodedata.combining(char)))


def local_name(iri: str) -> str:
    return re.split(r"[/#]", str(iri).rstrip("/#"))[-1]


def compact(iri: str) -> str:
    """`prefix:local` for sskg's prefixes (the longest namespace wins), else the IRI itself."""
    best = max((prefix for prefix, namespace in PREFIXES.items() if str(iri).startswith(str(namespace))),
               key=lambda prefix: len(str(PREFIXES[prefix])), default=None)
    if best is None:
        return str(iri)
    local = str(iri)[len(str(PREFIXES[best])):]
    return f"{best}:{local}" if re.fullmatch(r"[A-Za-z0-9_.-]*", local) else str(iri)
