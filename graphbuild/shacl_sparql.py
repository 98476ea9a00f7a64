"""Compile a SHACL shapes graph into SPARQL checks (shacl_plan.py) whose results are pySHACL's, row for row.

Compiled: node shapes with sh:targetClass; property shapes with an IRI or sequence sh:path and sh:minCount,
sh:maxCount, sh:datatype (xsd:string, integer, decimal, boolean), sh:class and sh:hasValue (an IRI or boolean);
sh:xone of such property shapes; sh:sparql SELECT constraints with sh:prefixes/sh:declare; sh:message and
sh:severity. Every statement of the shapes graph must be read by the compiler: anything else (another constraint
or target, a second message, a statement about something else) raises NotCompiled, so nothing is skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from .prebinding import NotJoinable, joinable_variables
from .shacl_plan import DATATYPES, Check, ExactlyOne, Plan, Rule

Triple = tuple[Node, Node, Node]
_INSTANCE = f"{RDF.type.n3()}/{RDFS.subClassOf.n3()}*"  # sh:targetClass and sh:class count subclass instances
_MESSAGE_VARIABLE = re.compile(r"\{[?$]")  # pySHACL fills these in from SPARQL rows: not compiled
_OTHER_PREBOUND = re.compile(r"[?$](currentShape|shapesGraph|PATH)\b")


@dataclass(frozen=True)
class _Focus:
    """A node shape's focus nodes: instances of its target classes."""

    pattern: str  # binds ?this to each focus node, perhaps more than once

    def nodes(self) -> str:
        return f"SELECT DISTINCT ?this WHERE {{ {self.pattern} }}"

    def among(self, select: str, variables: str = "?this ?value") -> str:
        """The rows of `select` (over all subjects) whose ?this is a focus node. As a subquery it runs first, so
        only its few rows are tested for focus, not every focus node joined to its values."""
        return f"SELECT DISTINCT {variables} WHERE {{ {{ {select}\n}} FILTER EXISTS {{ {self.pattern} }} }}"


class NotCompiled(Exception):
    """The shapes use something the compiler does not translate; pySHACL must validate them."""


class _Reader:
    """Reads the shapes graph and remembers each statement read, so statements nobody read stand out."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.read: set[Triple] = set()

    def values(self, node: Node, predicate: URIRef) -> list[Node]:
        values = sorted(self.graph.objects(node, predicate))
        self.read.update((node, predicate, value) for value in values)
        return values

    def one(self, node: Node, predicate: URIRef) -> Node | None:
        values = self.values(node, predicate)
        if len(values) > 1:
            raise NotCompiled(f"{node.n3()} has {len(values)} values of {predicate.n3()}")
        return values[0] if values else None

    def items(self, node: Node) -> list[Node]:
        items = []
        while node != RDF.nil:
            first, rest = self.one(node, RDF.first), self.one(node, RDF.rest)
            if first is None or rest is None:
                raise NotCompiled(f"{node.n3()} is not a well-formed RDF list")
            items.append(first)
            node = rest
        return items

    def types(self, node: Node, allowed: URIRef) -> None:
        if any(kind != allowed for kind in self.values(node, RDF.type)):
            raise NotCompiled(f"{node.n3()} has a type other than {allowed.n3()}")


def compile_shapes(shapes: Graph) -> Plan:
    """The shapes as SPARQL checks, or NotCompiled naming the first construct that is not compiled."""
    reader = _Reader(shapes)
    rules: list[Rule | ExactlyOne] = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape))):
        rules += _node_shape(reader, shape)
    unread = sorted(set(shapes) - reader.read)
    if unread:
        raise NotCompiled(f"{len(unread)} statement(s) not compiled, e.g. {' '.join(term.n3() for term in unread[0])}")
    return Plan(tuple(rules))


def _node_shape(reader: _Reader, shape: Node) -> list[Rule | ExactlyOne]:
    reader.types(shape, SH.NodeShape)
    reader.one(shape, SH.severity)  # results carry no severity: pySHACL's path reports every severity alike
    classes = reader.values(shape, SH.targetClass)
    if not classes or not all(isinstance(target, URIRef) for target in classes):
        raise NotCompiled(f"{shape.n3()} needs sh:targetClass IRIs")
    focus = _Focus(" UNION ".join(f"{{ ?this {_INSTANCE} {target.n3()} }}" for target in classes))
    messages = reader.values(shape, SH.message)
    rules: list[Rule | ExactlyOne] = []
    for node in reader.values(shape, SH.property):
        reader.types(node, SH.PropertyShape)
        reader.one(node, SH.severity)
        path = _path(reader, node)
        rules.append(Rule(node, _message(node, reader.values(node, SH.message)), path, _checks(reader, node, path, focus)))
    for members in reader.values(shape, SH.xone):
        checks = tuple(_member(reader, member, focus) for member in reader.items(members))
        rules.append(ExactlyOne(shape, _message(shape, messages), focus.nodes(), checks))
    for constraint in reader.values(shape, SH.sparql):
        rules.append(_sparql(reader, shape, constraint, messages, focus))
    return rules


def _member(reader: _Reader, member: Node, focus: _Focus) -> tuple[Check, ...]:
    """A property shape inside sh:xone: only whether it conforms counts, so it has no message of its own."""
    reader.types(member, SH.PropertyShape)
    return _checks(reader, member, _path(reader, member), focus)


def _message(shape: Node, messages: list[Node]) -> str:
    """The one sh:message of a shape whose results we report (pySHACL's own generated text is not ours to copy)."""
    if len(messages) != 1 or not isinstance(messages[0], Literal):
        raise NotCompiled(f"{shape.n3()} needs exactly one sh:message")
    return str(messages[0])


def _path(reader: _Reader, shape: Node) -> Node:
    path = reader.one(shape, SH.path)
    if isinstance(path, URIRef):
        return path
    steps = reader.items(path) if isinstance(path, BNode) else []
    if steps and all(isinstance(step, URIRef) for step in steps):
        return path
    raise NotCompiled(f"{shape.n3()} has a path that is neither an IRI nor a sequence of IRIs")


def _sparql_path(reader: _Reader, path: Node) -> str:
    return path.n3() if isinstance(path, URIRef) else "/".join(step.n3() for step in reader.items(path))


def _checks(reader: _Reader, shape: Node, path: Node, focus: _Focus) -> tuple[Check, ...]:
    """One check per constraint of a property shape. Anti-joins (MINUS) rather than NOT EXISTS: one hash join
    instead of a look-up per row."""
    step = f"?this {_sparql_path(reader, path)}"
    checks = []
    least, most = _count(reader, shape, SH.minCount), _count(reader, shape, SH.maxCount)
    if least == 1:
        checks.append(Check(f"SELECT ?this WHERE {{ {{ {focus.nodes()} }} MINUS {{ {step} ?value }} }}"))
    elif least:
        checks.append(Check(f"SELECT ?this WHERE {{ {{ {focus.nodes()} }} OPTIONAL {{ {step} ?value }} }} "
                            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {least})"))
    if most is not None:
        checks.append(Check(focus.among(
            f"SELECT ?this WHERE {{ {step} ?value }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {most})", "?this")))
    datatype = reader.one(shape, SH.datatype)
    if datatype is not None:
        if datatype not in DATATYPES:
            raise NotCompiled(f"sh:datatype {datatype.n3()}")
        # Oxigraph only shortlists: values that are no literal of the datatype, or not in the form it would write.
        checks.append(Check(focus.among(
            f"SELECT ?this ?value WHERE {{ {step} ?value FILTER (!isLITERAL(?value) || DATATYPE(?value) != "
            f"{datatype.n3()} || !COALESCE(STR({datatype.n3()}(?value)) = STR(?value), false)) }}"), datatype))
    kind = reader.one(shape, SH["class"])
    if kind is not None:
        checks.append(Check(focus.among(
            f"SELECT ?this ?value WHERE {{ {step} ?value MINUS {{ SELECT DISTINCT ?value WHERE {{ ?value {_INSTANCE} {kind.n3()} }} }} }}")))
    value = reader.one(shape, SH.hasValue)
    if value is not None:
        # Oxigraph matches literals by value ("1.0" = "1.00"), rdflib by form: only forms both treat alike.
        if not isinstance(value, URIRef) and not (isinstance(value, Literal) and value.datatype == XSD.boolean):
            raise NotCompiled(f"sh:hasValue {value.n3()}")
        checks.append(Check(f"SELECT ?this WHERE {{ {{ {focus.nodes()} }} MINUS {{ {step} {value.n3()} }} }}"))
    return tuple(checks)


def _count(reader: _Reader, shape: Node, predicate: URIRef) -> int | None:
    count = reader.one(shape, predicate)
    if count is None:
        return None
    if not (isinstance(count, Literal) and isinstance(count.value, int) and count.value >= 0):
        raise NotCompiled(f"{predicate.n3()} {count.n3()}")
    return count.value


def _sparql(reader: _Reader, shape: Node, constraint: Node, shape_messages: list[Node], focus: _Focus) -> Rule:
    """A SELECT constraint, run once and joined with the focus nodes (see prebinding.py for when that is the same).

    It reads literals as Oxigraph stores them, in canonical form ("0.40"^^xsd:decimal as "0.4"): a constraint on
    lexical forms (STR, sameTerm) could find what pySHACL would not. Ours compare values.
    """
    reader.types(constraint, SH.SPARQLConstraint)
    select = reader.one(constraint, SH.select)
    # pySHACL reports the shape's and the constraint's messages together: one between them, or not compiled.
    message = _message(constraint, sorted(set(shape_messages) | set(reader.values(constraint, SH.message))))
    if not isinstance(select, Literal) or _MESSAGE_VARIABLE.search(message):
        raise NotCompiled(f"{constraint.n3()}: sh:select text, or a message without {{?variables}}, needed")
    prologue = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in _prefixes(reader, constraint).items())
    try:
        variables = joinable_variables(prepareQuery(prologue + str(select)))
    except NotJoinable as reason:
        raise NotCompiled(f"{constraint.n3()}: {reason}") from None
    except Exception as error:  # rdflib's parser raises assorted types
        raise NotCompiled(f"{constraint.n3()}: {error}") from None
    if {"path", "failure"} & set(variables) or _OTHER_PREBOUND.search(str(select)):
        raise NotCompiled(f"{constraint.n3()}: selects ?path or ?failure, or uses a pre-bound variable other than $this")
    text = prologue + focus.among(str(select), " ".join(f"?{name}" for name in variables))
    try:
        ox.Store().query(text)  # Oxigraph parses it too
    except SyntaxError as error:
        raise NotCompiled(f"{constraint.n3()}: {error}") from None
    return Rule(shape, message, None, (Check(text),))


def _prefixes(reader: _Reader, constraint: Node) -> dict[str, str]:
    prefixes: dict[str, str] = {}
    for declarations in reader.values(constraint, SH.prefixes):
        for declaration in reader.values(declarations, SH.declare):
            prefix, namespace = reader.one(declaration, SH.prefix), reader.one(declaration, SH.namespace)
            if prefix is None or namespace is None or prefixes.get(str(prefix), str(namespace)) != str(namespace):
                raise NotCompiled(f"{declarations.n3()}: a prefix declared twice or incompletely")
            prefixes[str(prefix)] = str(namespace)
    return prefixes
