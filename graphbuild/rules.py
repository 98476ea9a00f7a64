"""Reasoning that scales: the ontology's rule-shaped axioms as SPARQL rules over the ABox.

HermiT classifies the ontology (TBox and concepts) once; the ABox consequences of the axioms are then materialised
by rules generated from the axioms themselves, run as SPARQL on Oxigraph to a fixpoint. Two kinds of axiom become
rules, both with a body of the OWL-RL-expressible shape `B ⊓ ∃p.D ⊓ ∃q.{v}` (named B and D):

- a defined class `C ≡ body`: every member of the body is a member of C;
- a class axiom `body ⊑ ∃r.{w}` (the body a named class or an intersection): every member of the body has the
  value w of r. This is how a finding's effect on recovery follows from its direction and its outcome's polarity.

Other axioms give no rule (`C ⊑ ∃p.D` names no individual to assert). The tests check that the rules give exactly
HermiT's answers on the curated graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDFS
from rdflib.term import Node

from sskg.errors import ReasonerError
from sskg.rdf_io import oxigraph_graph

from .reasoning_store import RDF_TYPE, Members, Resource, is_a

Pair = tuple[URIRef, URIRef]


@dataclass(frozen=True)
class Rule:
    """`bases ⊓ ∃p.filler … ⊓ ∃q.{value} … ⊑ head`; the head is a class, or a (property, value) pair to assert."""

    head: URIRef | Pair
    bases: tuple[URIRef, ...]
    some: tuple[Pair, ...]
    values: tuple[Pair, ...]

    @property
    def head_value(self) -> Pair | None:
        return self.head if isinstance(self.head, tuple) else None

    def reads(self) -> set[ox.NamedNode]:
        """The classes and properties whose members or edges the body asks about."""
        named = {*self.bases, *(filler for _, filler in self.some), *(prop for prop, _ in (*self.some, *self.values))}
        return {ox.NamedNode(term) for term in named}


def ontology_rules(ontology: Graph) -> list[Rule]:
    """Every rule the ontology's axioms give; an equivalence or class axiom outside the supported shape is refused."""
    rules = []
    for cls, definition in sorted(ontology.subject_objects(OWL.equivalentClass)):
        if isinstance(cls, URIRef) and isinstance(definition, BNode):
            rules.append(Rule(cls, *_body(ontology, definition, cls)))
    for body, head in sorted(ontology.subject_objects(RDFS.subClassOf)):
        value = _has_value(ontology, head)
        if value is not None:
            rules.append(Rule(value, *_body(ontology, body, body)))
        elif isinstance(body, BNode) and isinstance(head, URIRef):
            rules.append(Rule(head, *_body(ontology, body, head)))
    return rules


def _has_value(ontology: Graph, node: Node) -> Pair | None:
    prop, value = ontology.value(node, OWL.onProperty), ontology.value(node, OWL.hasValue)
    if isinstance(node, BNode) and isinstance(prop, URIRef) and isinstance(value, URIRef):
        return prop, value
    return None


def _body(ontology: Graph, node: Node, about: Node) -> tuple[tuple[URIRef, ...], tuple[Pair, ...], tuple[Pair, ...]]:
    """A named class, or an intersection of named classes, someValuesFrom and hasValue restrictions."""
    if isinstance(node, URIRef):
        return (node,), (), ()
    bases, some, values = [], [], []
    for member in ontology.items(ontology.value(node, OWL.intersectionOf)):
        if isinstance(member, URIRef):
            bases.append(member)
            continue
        prop = ontology.value(member, OWL.onProperty)
        filler = ontology.value(member, OWL.someValuesFrom)
        value = ontology.value(member, OWL.hasValue)
        if isinstance(prop, URIRef) and isinstance(filler, URIRef):
            some.append((prop, filler))
        elif isinstance(prop, URIRef) and isinstance(value, URIRef):
            values.append((prop, value))
        else:
            raise ReasonerError(f"{about}: axiom outside the rule-expressible shape",
                                fix="use intersections of named classes, someValuesFrom a named class and hasValue")
    if not bases:
        raise ReasonerError(f"{about}: only intersections with a named class are supported by the rules")
    return tuple(bases), tuple(some), tuple(values)


def materialise(members: Members, rules: list[Rule]) -> Graph:
    """Apply the rules until nothing new follows; return (and keep in the store) the triples they add.

    Each rule is evaluated set at a time: the intersection of its conjuncts' member sets, less what is already
    known. A rule may read what another adds (StudyOfDirectStrategy uses DirectStrategy; a finding's effect reads
    the outcome's polarity class): rules run in dependency order, and a rule runs again only when a class or
    property it reads gains members or edges after it ran.
    """
    inputs = {rule: rule.reads() for rule in rules}
    pending = _dependency_order(members, rules, inputs)
    inferred: list[ox.Triple] = []
    while pending:
        rule = pending.pop(0)
        new = set.intersection(*(members.of(ox.NamedNode(base)) for base in rule.bases))
        for prop, value in rule.values:
            new &= members.select(f"?x <{prop}> <{value}> .")
        for prop, filler in rule.some:
            new &= members.select(f"?x <{prop}> ?y . " + is_a("?y", f"<{filler}>"))
        added, grown = _assert(members, rule, new)
        if added:
            inferred += added
            pending += [r for r in rules if r not in pending and inputs[r] & grown]
    return oxigraph_graph(inferred)


def _assert(members: Members, rule: Rule, new: set[Resource]) -> tuple[list[ox.Triple], set[ox.NamedNode]]:
    """Add the rule's head for the new individuals; return the triples added and what grew."""
    if rule.head_value is None:
        cls = ox.NamedNode(rule.head)  # type: ignore[arg-type]
        new -= members.of(cls)
        return ([ox.Triple(member, RDF_TYPE, cls) for member in new], members.add(cls, new) if new else set())
    prop, value = (ox.NamedNode(term) for term in rule.head_value)
    new -= members.select(f"?x {prop} {value} .")
    triples = [ox.Triple(member, prop, value) for member in new]
    members.store.bulk_extend(ox.Quad(*triple) for triple in triples)
    return triples, {prop} if triples else set()


def _dependency_order(members: Members, rules: list[Rule], inputs: dict[Rule, set[ox.NamedNode]]) -> list[Rule]:
    """Rules after the rules whose results they read, so that one pass usually reaches the fixpoint."""
    def grows(rule: Rule) -> set[ox.NamedNode]:
        if rule.head_value is None:
            return members.superclasses(ox.NamedNode(rule.head))  # type: ignore[arg-type]
        return {ox.NamedNode(rule.head_value[0])}

    grown = {rule: grows(rule) for rule in rules}
    after = {rule: {other for other in rules if other is not rule and grown[other] & inputs[rule]} for rule in rules}
    try:
        return list(TopologicalSorter(after).static_order())
    except CycleError:  # rules that feed each other: any order reaches the fixpoint, the worklist sees to it
        return list(rules)
