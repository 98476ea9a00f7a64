"""When a SHACL-SPARQL constraint may run once over all focus nodes instead of once per pre-bound `$this`.

pySHACL runs a constraint's SELECT once per focus node with `$this` bound in advance. Running it once with `?this`
free and joining the solutions with the focus nodes gives the same rows when every solution binds `?this` and no
part of the query sees `?this` before it is bound: then binding it in advance only narrows what each part
matches. `joinable_variables` accepts queries of that form and refuses the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Variable

THIS = Variable("this")
# pySHACL refuses MINUS, VALUES and SERVICE in constraints; GRAPH would see Oxigraph's named graphs, not rdflib's.
_REFUSED = {"Minus", "MinusGraphPattern", "values", "InlineData", "Graph", "GraphGraphPattern", "ServiceGraphPattern"}


class NotJoinable(ValueError):
    """The query's rows could depend on `$this` being bound in advance."""


def joinable_variables(query: Query) -> list[str]:
    """The projected variable names of a SELECT that may be joined with the focus nodes; NotJoinable otherwise."""
    select = query.algebra
    if select.name != "SelectQuery" or select.datasetClause:
        raise NotJoinable("not a SELECT over the data graph")
    if any(isinstance(part, CompValue) and part.name in _REFUSED for part in _parts(select)):
        raise NotJoinable("MINUS, VALUES, GRAPH or SERVICE")
    top = select.p
    while top.name in ("Distinct", "Reduced"):  # every row holds ?this: distinct overall is distinct per focus node
        top = top.p
    if top.name != "Project" or THIS not in top.PV:
        raise NotJoinable("not a plain SELECT of $this (no LIMIT or OFFSET)")
    if not _binds(top.p):
        raise NotJoinable("some solutions leave $this unbound")
    return [str(variable) for variable in top.PV]


def _binds(pattern: CompValue) -> bool:
    """Whether every solution of the pattern binds ?this; NotJoinable where binding it first could change the rows."""
    if not _mentions(pattern):
        return False  # binding ?this in advance leaves a pattern without it unchanged
    name = pattern.name
    if name == "BGP":
        return True
    if name == "Join":
        return _whole(pattern.p1) | _whole(pattern.p2)
    if name == "LeftJoin":
        left, right = _whole(pattern.p1), _whole(pattern.p2)
        if (right or _mentions(pattern.expr)) and not left:
            raise NotJoinable("$this is bound only inside OPTIONAL")
        return left
    if name in ("Filter", "Extend"):
        if name == "Extend" and pattern.var == THIS:
            raise NotJoinable("BIND to $this")
        bound = _whole(pattern.p)
        if _mentions(pattern.expr) and not bound:
            raise NotJoinable("an expression reads $this before it is bound")
        return bound
    raise NotJoinable(f"$this inside {name}")


def _whole(pattern: CompValue) -> bool:
    """A part evaluated on its own must bind ?this in every solution, or not mention it at all."""
    bound = _binds(pattern)
    if not bound and _mentions(pattern):
        raise NotJoinable("$this is optional in a group")
    return bound


def _mentions(part: object) -> bool:
    return any(item == THIS for item in _parts(part) if isinstance(item, Variable))


def _parts(part: object) -> Iterator[object]:
    """The part and everything nested in it: algebra, expressions, and the patterns of EXISTS."""
    yield part
    if isinstance(part, dict):
        for value in part.values():
            yield from _parts(value)
    elif isinstance(part, (list, tuple, set)):
        for value in part:
            yield from _parts(value)
