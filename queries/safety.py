"""Refuse SPARQL that could change data, reach the network or read files (hazards Q1–Q3, Q6).

The check walks the parsed query, not the text, so `SERVICE` hidden in OPTIONAL, UNION, a subquery or
behind `SILENT` is found as reliably as a plain one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.sparql import Query

from sskg.errors import QueryError

# rdflib would otherwise load the graphs named in FROM / FROM NAMED from files or the web.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False

SERVICE_REFUSED = "SERVICE is refused: queries never leave this machine"
MAX_QUERY_CHARS = 50_000
MAX_NESTING = 30
_UPDATE_WORDS = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)


@lru_cache(maxsize=512)
def parse_safe_query(text: str) -> Query:
    """Parse and translate a read-only query, or raise QueryError saying why it is refused.

    Cached: rdflib's parser takes tens of milliseconds, and catalogue queries repeat; a prepared query is reusable.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(text)} characters, more than {MAX_QUERY_CHARS}", fix="shorten the query")
    undecodable = next((index for index, char in enumerate(text) if "\ud800" <= char <= "\udfff"), None)
    if undecodable is not None:
        raise QueryError(f"the query holds a byte that is not UTF-8 text at character {undecodable + 1}",
                         fix="write the query (or the file, or the terminal's encoding) as UTF-8")
    _refuse_deep_nesting(text)
    try:
        parsed = parseQuery(text)
    except ParseException as error:
        if _is_update(text):
            raise QueryError(
                "update requests (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE ...) are refused: sskg's graph is read-only",
                fix="use SELECT, ASK, CONSTRUCT or DESCRIBE",
            ) from None
        raise QueryError(
            f"syntax error at line {error.lineno}, column {error.col}: {error.msg}",
            fix="correct the query at that position",
        ) from None
    except RecursionError:
        raise QueryError("query nests too deeply to parse", fix="flatten nested groups") from None
    except ValueError as error:  # rdflib expands \U escapes before parsing; one beyond Unicode raises ValueError
        raise QueryError(f"invalid query text: {error}", fix="write \\U escapes as 8 hex digits up to 0010FFFF") from None
    _refuse(parsed)
    try:
        return translateQuery(parsed)
    except RecursionError:
        raise QueryError("query nests too deeply to evaluate", fix="flatten nested groups") from None
    except Exception as error:  # rdflib reports semantic errors with assorted types
        raise QueryError(f"invalid query: {error}", fix="correct the query") from None


def _is_update(text: str) -> bool:
    body = re.sub(r"(?im)^\s*(PREFIX|BASE)\s+[^\n]*$", "", re.sub(r"#[^\n]*", "", text))
    if _UPDATE_WORDS.match(body):
        return True
    try:
        parseUpdate(text)
    except (ParseException, RecursionError, ValueError):
        return False
    return True


def _refuse_deep_nesting(text: str) -> None:
    depth = deepest = 0
    for char in re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*', "", text):
        if char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"query nests {deepest} levels deep, more than {MAX_NESTING}", fix="flatten nested groups")


def _refuse(node: Any) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                raise QueryError(SERVICE_REFUSED, fix="remove the SERVICE clause")
            if item.name in ("DatasetClause",):
                raise QueryError(
                    "FROM and FROM NAMED are refused: queries run over sskg's graph only", fix="remove the FROM clause"
                )
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, ParseResults)):
            stack.extend(list(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
