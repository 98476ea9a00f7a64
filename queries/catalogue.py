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
from sskg.rdf_io import iri_problem

from . import QUERIES_DIR

_PARAM = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>iri|string|integer|decimal|year)\s+(?P<default>\S+)\s*(?P<doc>.*)$")
# Whole values only (fullmatch: `$` would let a trailing newline through). http(s) and urn IRIs only: a CURIE such as
# HGNC:1100 parses as an IRI with scheme "HGNC" and is almost always a mistake.
_ABSOLUTE_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+|urn:[a-z0-9][a-z0-9-]{0,31}:[^\s<>\"{}|\\^`]+", re.IGNORECASE)
_LEXICAL = {  # the XSD lexical forms, in ASCII digits (int() would take " 7\n", "1_000" and Arabic-Indic digits)
    "integer": re.compile(r"[+-]?[0-9]{1,18}"),
    "year": re.compile(r"[0-9]{4}"),
    "decimal": re.compile(r"[+-]?([0-9]{1,18}(\.[0-9]{0,18})?|\.[0-9]{1,18})"),
}
MAX_QUERY_FILE_BYTES = 200_000  # a query is at most 50,000 characters (queries/safety.py), each at most 4 bytes


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str  # "-" means: no default, unbound unless given
    description: str

    def bind(self, text: str) -> Node:
        """Turn user text into an RDF term of the declared type (never into query text)."""
        if not is_text(text):
            raise QueryError(f"parameter {self.name}: {text!r} holds a character that is not text (an undecodable byte?)",
                             fix=f"give {self.name} in UTF-8")
        if self.type == "iri":
            try:
                return expand_iri(text)
            except QueryError as error:
                raise QueryError(f"parameter {self.name}: {error.message}", fix=error.fix) from None
        if self.type == "string":
            return Literal(text)
        if not _LEXICAL[self.type].fullmatch(text):
            example = {"integer": "12", "year": "2017", "decimal": "2.5"}[self.type]
            raise QueryError(f"parameter {self.name}: {text!r} is not a valid {self.type}",
                             fix=f"give {self.name} as a {self.type} in digits, e.g. {example}")
        if self.type == "decimal":
            return Literal(Decimal(text), datatype=XSD.decimal)
        return Literal(int(text))


def expand_iri(text: str) -> URIRef:
    """Accept `prefix:local` for sskg's prefixes or an absolute IRI; refuse anything else (hazard Q4)."""
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and not local.startswith("//") and re.fullmatch(r"[A-Za-z0-9_.-]*", local):
        return URIRef(PREFIXES[prefix] + local)
    if _ABSOLUTE_IRI.fullmatch(text) and iri_problem(text) is None:
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


def is_text(text: str) -> bool:
    """No lone surrogate: what Python makes of bytes that were not UTF-8 (in a command line, say)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_query_file(path: Path) -> str:
    """A query file's text: UTF-8 (a byte-order mark is allowed), and read no further than a query can be long."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_QUERY_FILE_BYTES + 1)
    except OSError as error:
        raise QueryError(f"cannot read the query file: {error.strerror}", file=str(path), fix="check the path") from None
    if len(data) > MAX_QUERY_FILE_BYTES:
        raise QueryError(f"more than {MAX_QUERY_FILE_BYTES} bytes: not a query file", file=str(path),
                         fix="give a SPARQL query file (a query is at most 50,000 characters)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise QueryError(f"not UTF-8 text (byte {error.start} is 0x{data[error.start]:02x}): not a query file",
                         file=str(path), fix="save the query as UTF-8 text") from None


def parse_header(path: Path) -> CatalogueQuery:
    text = read_query_file(path)
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
