"""The named competency queries: `*.rq` files with a small header.

Header lines, before the first PREFIX:
    # title: Studies by country
    # description: ...
    # param: country concept(scheme:countries) sskgc:norway  The country
    # range: from to
    # columns: key=study:, year, design=sskgc:

A parameter's type is iri (any resource of the graph), concept(SCHEME,...) (a concept of one of those SKOS
schemes), class(CLASS,...) (that class or one of its subclasses), string, integer, decimal or year; a term
may be given by label or slug where a graph is at hand (queries/parameters.py). `range: a b` says a <= b.
`column=prefix:` says the column holds ids local to that namespace (a slug), so tables can show labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from sskg.errors import QueryError
from sskg.namespaces import PREFIXES
from sskg.rdf_io import iri_problem

from . import QUERIES_DIR

_PARAM = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>iri|concept|class|string|integer|decimal|year)"
                    r"(?:\((?P<kinds>[^()\s]+)\))?\s+(?P<default>\S+)\s*(?P<doc>.*)$")
_COLUMN = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=(?P<prefix>[A-Za-z][A-Za-z0-9_-]*):)?$")
TERM_TYPES = ("iri", "concept", "class")
TermResolver = Callable[["Parameter", str], URIRef]  # user text -> the IRI it names
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
    kinds: tuple[URIRef, ...] = ()  # the schemes (concept) or classes (class) a term must belong to

    @property
    def is_term(self) -> bool:
        return self.type in TERM_TYPES

    def bind(self, text: str, resolve: TermResolver | None = None) -> Node:
        """Turn user text into an RDF term of the declared type (never into query text).

        Terms are exact IRIs or prefixed names unless `resolve` (which knows the graph) takes names too.
        """
        if not is_text(text):
            raise QueryError(f"parameter {self.name}: {text!r} holds a character that is not text (an undecodable byte?)",
                             fix=f"give {self.name} in UTF-8")
        if self.is_term:
            if resolve is not None:
                return resolve(self, text)
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
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//") and re.fullmatch(r"[A-Za-z0-9_.-]*", local):
        return URIRef(str(PREFIXES[prefix]) + local)  # str: rdflib's closed namespaces refuse names they lack
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
    path: Path | None
    ranges: tuple[tuple[str, str], ...] = ()  # (low, high) parameter pairs: low <= high
    id_columns: dict[str, str] = field(default_factory=dict, hash=False)  # column -> namespace IRI of its slugs

    def bindings(self, given: dict[str, str], resolve: TermResolver | None = None) -> dict[str, Node]:
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
                values[name] = parameter.bind(text, resolve)
        for low, high in self.ranges:
            if low in values and high in values and values[low].toPython() > values[high].toPython():
                named = [name for name in (low, high) if name in given] or [low, high]  # what the user changed
                shown = {name: str(values[name]) + ("" if name in given else " (its default)") for name in (low, high)}
                raise QueryError(f"parameter {' and '.join(named)}: the range is backwards: "
                                 f"{low} {shown[low]} comes after {high} {shown[high]}",
                                 fix=f"give {low} <= {high}, e.g. {low}={values[high]} {high}={values[low]}")
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
    return parse_text(path.stem, read_query_file(path), path)


def parse_text(name: str, text: str, path: Path | None = None, strict: bool = True) -> CatalogueQuery:
    """A query's header lines (the comments it starts with) read into a CatalogueQuery.

    Catalogue files are strict: a bad header line is an error. Own queries (strict=False) need no title, and
    comment lines that do not parse as a header are just comments.
    """
    where = str(path) if path else None
    fields: dict[str, str] = {}
    parameters: list[Parameter] = []
    ranges: list[tuple[str, str]] = []
    columns: tuple[str, ...] = ()
    id_columns: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        try:
            if key == "param":
                parameters.append(_parameter(value.strip(), line, where))
            elif key == "range":
                ranges.append(_range(value, line, where))
            elif key == "columns":
                columns, id_columns = _columns(value, where)
            elif key in ("title", "description"):
                fields[key] = (fields.get(key, "") + " " + value.strip()).strip()
        except QueryError:
            if strict:
                raise
    if strict and "title" not in fields:
        raise QueryError("query has no '# title:' header", file=where, fix="add the header lines")
    names = {parameter.name for parameter in parameters}
    for pair in list(ranges):
        if not set(pair) <= names:
            if not strict:
                ranges.remove(pair)
                continue
            raise QueryError(f"range {' '.join(pair)} names a parameter the query does not declare", file=where,
                             fix=f"declared parameters: {', '.join(sorted(names)) or 'none'}")
    return CatalogueQuery(name, fields.get("title", name), fields.get("description", ""), tuple(parameters), columns, text,
                          path, tuple(ranges), id_columns)


def _range(value: str, line: str, where: str | None) -> tuple[str, str]:
    pair = value.split()
    if len(pair) != 2:
        raise QueryError(f"bad range line {line!r}", file=where, fix="write '# range: low high' (two parameter names)")
    return pair[0], pair[1]


def _parameter(value: str, line: str, where: str | None) -> Parameter:
    match = _PARAM.match(value)
    if not match or (match["kinds"] is not None) != (match["type"] in ("concept", "class")):
        raise QueryError(f"bad parameter line {line!r}", file=where,
                         fix="write '# param: name type default description'; concept and class take (kind,...)")
    kinds = tuple(expand_iri(kind) for kind in match["kinds"].split(",")) if match["kinds"] else ()
    return Parameter(match["name"], match["type"], match["default"], match["doc"], kinds)


def _columns(text: str, where: str | None) -> tuple[tuple[str, ...], dict[str, str]]:
    columns, id_columns = [], {}
    for item in (piece.strip() for piece in text.split(",")):
        if not item:
            continue
        match = _COLUMN.match(item)
        if not match or (match["prefix"] and match["prefix"] not in PREFIXES):
            raise QueryError(f"bad column {item!r}", file=where, fix=f"write name or name=prefix: with a prefix of {', '.join(PREFIXES)}")
        columns.append(match["name"])
        if match["prefix"]:
            id_columns[match["name"]] = str(PREFIXES[match["prefix"]])
    return tuple(columns), id_columns


def load_catalogue(folder: Path = QUERIES_DIR) -> dict[str, CatalogueQuery]:
    return {path.stem: parse_header(path) for path in sorted(folder.glob("*.rq"))}


def get_query(name: str, folder: Path = QUERIES_DIR) -> CatalogueQuery:
    catalogue = load_catalogue(folder)
    if name not in catalogue:
        raise QueryError(f"no query named {name!r}", fix=f"choose one of: {', '.join(catalogue)}")
    return catalogue[name]
