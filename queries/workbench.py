"""What the query page asks the server besides SPARQL: checks of the query being edited, labels, completions.

Each answer is plain JSON. `check` and `labels` need the graph (they run in a query worker); `completions`
needs only the ontology and sskg's prefixes, the ones the built graph binds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import Graph, URIRef

from sskg.errors import QueryError
from sskg.namespaces import PREFIXES

from .catalogue import CatalogueQuery, Parameter, parse_text
from .labels import label_map
from .lint import lint
from .parameters import GraphTerms, compact
from .runner import is_well_formed, select_on
from .vocabulary import ontology_terms

MAX_LABELLED = 5000  # IRIs per labels request: more than a page of results shows


def own_query(text: str) -> CatalogueQuery:
    """A query typed or edited on the page, with the parameters and id columns its header declares."""
    return parse_text("query", text, strict=False)


def check(graph: Graph, text: str, given: Mapping[str, str], terms: GraphTerms | None = None) -> dict[str, Any]:
    """Lint warnings, declared parameters (with their choices and how each given value resolves), id columns.

    A query that does not parse gets its error, as running it would.
    """
    terms = terms or GraphTerms(select_on(graph))
    entry = own_query(text)
    try:
        warnings = [warning.as_json() for warning in lint(text)]
        error = None
    except QueryError as failure:
        warnings, error = [], str(failure)
    parameters = [_parameter(terms, parameter, given.get(parameter.name)) for parameter in entry.parameters]
    range_error = None
    if error is None and all(item["error"] is None for item in parameters):
        try:
            entry.bindings(dict(given), terms)
        except QueryError as failure:
            range_error = str(failure)
    return {"error": error, "warnings": warnings, "parameters": parameters, "parameter_error": range_error,
            "id_columns": entry.id_columns}


def _parameter(terms: GraphTerms, parameter: Parameter, value: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": parameter.name, "type": parameter.type, "description": parameter.description,
        "default": None if parameter.default == "-" else parameter.default,
        "choices": [{"iri": str(term.iri), "prefixed": compact(term.iri), "label": term.label} for term in terms.choices(parameter)],
        "value": value, "resolved": None, "error": None,
    }
    text = value if value not in (None, "") else item["default"]
    if text is None:
        return item
    try:
        bound = parameter.bind(text, terms)
    except QueryError as failure:
        item["error"] = str(failure)
        return item
    item["resolved"] = {"value": str(bound), "prefixed": compact(bound) if isinstance(bound, URIRef) else str(bound)}
    return item


def labels(graph: Graph, iris: list[str]) -> dict[str, Any]:
    """The label of each well-formed IRI that has one."""
    if len(iris) > MAX_LABELLED:
        raise QueryError(f"{len(iris)} IRIs asked for labels, more than {MAX_LABELLED}", fix="ask for a page at a time")
    wanted = {URIRef(iri) for iri in iris if isinstance(iri, str) and is_well_formed(iri)}
    return {"labels": {str(iri): label for iri, label in sorted(label_map(wanted, select_on(graph)).items())}}


def completions() -> dict[str, Any]:
    """Prefixes, classes and properties for the editor's completion, each term with its label."""
    terms = sorted(ontology_terms().values(), key=lambda term: term.prefixed)
    listed = {role: [{"iri": str(term.iri), "prefixed": term.prefixed, "label": term.label}
                     for term in terms if term.role == role] for role in ("class", "property")}
    return {"prefixes": {prefix: str(namespace) for prefix, namespace in sorted(PREFIXES.items())},
            "classes": listed["class"], "properties": listed["property"]}
