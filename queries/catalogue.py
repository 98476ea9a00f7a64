"""The named competency queries: `*.rq` files with a small header.

Header lines, before the first PREFIX:
    # title: Studies by country
    # description: ...
    # param: country iri sskgc:norway  The country (a concept IRI)
    # columns: key, first_author, year
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from sskg.errors import QueryError
from sskg.namespaces import PREFIXES

from . import QUERIES_DIR

_PARAM = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>iri|string|integer|decimal|year)\s+(?P<default>\S+)\s*(?P<doc>.*)$")
# http(s) and urn only: a CURIE such as HGNC:1100 parses as an IRI with scheme "HGNC" and is almost always a mistake.
_ABSOLUTE_IRI = re.compile(r"^(https?://[^\s<>\"{}|\\^`]+|urn:[a-z0-9][a-z0-9-]{0,31}:[^\s<>\"{}|\\^`]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str  # "-" means: no default, unbound unless given
    description: str

    def bind(self, text: str) -> Node:
        """Turn user text into an RDF term of the declared type (never into query text)."""
        try:
            if self.type == "iri":
                return expand_iri(text)
            if self.type == "integer":
                return Literal(int(text))
            if self.type == "decimal":
                return Literal(Decimal(text), datatype=XSD.decimal)
            if self.type == "year":
                return Literal(int(text))
            return Literal(text)
        except (ValueError, ArithmeticError):
            raise QueryError(f"parameter {self.name}: {text!r} is not a valid {self.type}", fix=f"give {self.name} as a {self.type}") from None


def expand_iri(text: str) -> URIRef:
    """Accept `prefix:local` for sskg's prefixes or an absolute IRI; refuse anything else (hazard Q4)."""
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and not local.startswith("//") and re.fullmatch(r"[A-Za-z0-9_.-]*", local):
        return URIRef(PREFIXES[prefix] + local)
    if _ABSOLUTE_IRI.match(text):
        return URIRef(text)
    raise QueryError(f"{text!r} is not an absolute IRI or a known prefixed name", fix="write e.g. sskgc:norway or https://…")


@dataclass(frozen=True)
class CatalogueQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    text: str
    path: Path

    def bindings(self, given: dict[str, str]) -> dict[str, Node]:
        known = {parameter.name: parameter for parameter in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join(unknown)}",
                fix=f"valid parameters: {', '.join(known) or 'none'}",
            )
        values: dict[str, Node] = {}
        for name, parameter in known.items():
            text = given.get(name, None if parameter.default == "-" else parameter.default)
            if text is not None:
                values[name] = parameter.bind(text)
        return values


def parse_header(path: Path) -> CatalogueQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    parameters = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "param":
            match = _PARAM.match(value)
            if not match:
                raise QueryError(f"bad parameter line {line!r}", file=str(path), fix="write '# param: name type default description'")
            parameters.append(Parameter(match["name"], match["type"], match["default"], match["doc"]))
        elif key in ("title", "description", "columns"):
            fields[key] = (fields.get(key, "") + " " + value).strip()
    if "title" not in fields:
        raise QueryError("query has no '# title:' header", file=str(path), fix="add the header lines")
    columns = tuple(column.strip() for column in fields.get("columns", "").split(",") if column.strip())
    return CatalogueQuery(path.stem, fields["title"], fields.get("description", ""), tuple(parameters), columns, text, path)


def load_catalogue(folder: Path = QUERIES_DIR) -> dict[str, CatalogueQuery]:
    return {path.stem: parse_header(path) for path in sorted(folder.glob("*.rq"))}


def get_query(name: str, folder: Path = QUERIES_DIR) -> CatalogueQuery:
    catalogue = load_catalogue(folder)
    if name not in catalogue:
        raise QueryError(f"no query named {name!r}", fix=f"choose one of: {', '.join(catalogue)}")
    return catalogue[name]
