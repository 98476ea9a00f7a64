"""Labels beside ids: each result column of IRIs (or of slugs a catalogue query declares) gets a `_label` column.

For people reading tables (table, CSV, TSV, Markdown); SPARQL JSON and XML results stay as the query made them.
Labels are looked up in the graph the query ran on, many terms per bound query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import islice

from rdflib import Literal, URIRef
from rdflib.term import Node

from .parameters import Select
from .runner import QueryResult, inline_values, is_well_formed

LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?term ?label ?how WHERE {
  VALUES (?property ?how) { (skos:prefLabel 0) (rdfs:label 1) (dcterms:title 2) }
  ?term ?property ?label .
}"""
TERMS_PER_QUERY = 500
SUFFIX = "_label"


def label_map(iris: set[URIRef], select: Select) -> dict[URIRef, str]:
    """The label of each IRI that has one: skos:prefLabel, else rdfs:label, else dcterms:title; English first."""
    best: dict[URIRef, tuple[int, bool, str]] = {}
    ordered = iter(sorted(iris))
    while chunk := list(islice(ordered, TERMS_PER_QUERY)):
        for term, label, how in select(inline_values(LABELS, ["term"], [(iri,) for iri in chunk]), {}).rows:
            if not isinstance(term, URIRef) or not isinstance(label, Literal):
                continue
            rank = (int(how.toPython()) if how is not None else 9, label.language not in (None, "en"), str(label))
            if term not in best or rank < best[term]:
                best[term] = rank
    return {term: rank[2] for term, rank in best.items()}


def with_labels(result: QueryResult, select: Select, id_columns: Mapping[str, str] | None = None) -> QueryResult:
    """The result with a label column after each column of ids that has at least one label."""
    if result.kind != "SELECT" or not result.variables:
        return result
    columns = list(zip(*result.rows)) if result.rows else [() for _ in result.variables]
    ids = [[_iri(term, (id_columns or {}).get(variable)) for term in column] for variable, column in zip(result.variables, columns)]
    labels = label_map({iri for column in ids for iri in column if iri is not None}, select)
    taken = set(result.variables)
    variables: list[str] = []
    labelled: list[tuple[Node | None, ...]] = []
    for variable, column, column_ids in zip(result.variables, columns, ids):
        variables.append(variable)
        labelled.append(column)
        shown = tuple(Literal(labels[iri]) if iri in labels else None for iri in column_ids)
        name = variable + SUFFIX
        if name not in taken and any(label is not None for label in shown):
            variables.append(name)
            labelled.append(shown)
            taken.add(name)
    return replace(result, variables=tuple(variables), rows=tuple(zip(*labelled)) if result.rows else ())


def _iri(term: Node | None, namespace: str | None) -> URIRef | None:
    """The IRI a cell names: itself, or a declared namespace plus the slug; only well-formed ones are looked up."""
    if isinstance(term, URIRef):
        iri = term
    elif namespace and isinstance(term, Literal) and str(term):
        iri = URIRef(namespace + str(term))
    else:
        return None
    return iri if is_well_formed(iri) else None
