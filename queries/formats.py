"""Render query results as table, CSV, TSV, Markdown or SPARQL 1.1 JSON; graphs as Turtle or JSON-LD."""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from sskg.errors import QueryError

from .runner import QueryResult

SELECT_FORMATS = ("table", "csv", "tsv", "json", "md")
GRAPH_FORMATS = ("turtle", "json-ld")
LABELLED_FORMATS = ("table", "csv", "tsv", "md")  # for people: labels beside ids unless --ids


def _plain(term: Node | None) -> str:
    return "" if term is None else str(term)


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype:
        value["datatype"] = str(term.datatype)
    return value


def render(result: QueryResult, fmt: str) -> str:
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        if fmt not in GRAPH_FORMATS:
            fmt = "turtle"
        return result.graph.serialize(format=fmt)
    if result.kind == "ASK":
        return json.dumps({"head": {}, "boolean": result.boolean}) + "\n" if fmt == "json" else f"{str(result.boolean).lower()}\n"
    if fmt == "json":
        return json.dumps(
            {
                "head": {"vars": list(result.variables)},
                "results": {"bindings": [
                    {var: _json_term(term) for var, term in zip(result.variables, row) if term is not None}
                    for row in result.rows
                ]},
            },
            indent=1,
        ) + "\n"
    if fmt in ("csv", "tsv"):
        stream = io.StringIO()
        writer = csv.writer(stream, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([_plain(term) for term in row])
        return stream.getvalue()
    if fmt == "md":
        escape = lambda text: text.replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = ["| " + " | ".join(result.variables) + " |", "|" + "---|" * len(result.variables)]
        lines += ["| " + " | ".join(escape(_plain(term)) for term in row) + " |" for row in result.rows]
        return "\n".join(lines) + "\n"
    if fmt == "table":
        cells = [list(result.variables)] + [[_plain(term) for term in row] for row in result.rows]
        widths = [min(60, max(len(row[i]) for row in cells)) for i in range(len(result.variables))]
        lines = []
        for index, row in enumerate(cells):
            lines.append("  ".join((cell if len(cell) <= 60 else cell[:57] + "...").ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if index == 0:
                lines.append("  ".join("-" * width for width in widths))
        lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
        return "\n".join(lines) + "\n"
    raise QueryError(f"unknown format {fmt!r}", fix=f"choose one of: {', '.join(SELECT_FORMATS + GRAPH_FORMATS)}")
