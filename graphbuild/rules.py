"""Reasoning that scales: the ontology's defined classes as SPARQL rules over the ABox.

HermiT classifies the ontology (TBox and concepts) once; the ABox consequences of the defined classes are then
materialised by rules generated from the equivalence axioms themselves, run as SPARQL on Oxigraph to a fixpoint. Only axioms of the
OWL-RL-expressible shape `C ≡ B ⊓ ∃p.D ⊓ ∃q.{v}` (named B and D) are turned into rules; the tests check that the
rules give exactly HermiT's answers on the curated graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF

from sskg.errors import ReasonerError
from sskg.rdf_io import oxigraph_graph

from .reasoning_store import RDF_TYPE, Members, is_a


@dataclass(frozen=True)
class DefinedClass:
    """`iri ≡ bases ⊓ ∃p.filler … ⊓ ∃q.{value} …`"""

    iri: URIRef
    bases: tuple[URIRef, ...]
    some: tuple[tuple[URIRef, URIRef], ...]
    values: tuple[tuple[URIRef, URIRef], ...]


def defined_classes(ontology: Graph) -> list[DefinedClass]:
    """Every named class whose equivalence axiom has the shape the rules support; others are refused loudly."""
    found = []
    for cls, definition in sorted(ontology.subject_objects(OWL.equivalentClass)):
        if not isinstance(cls, URIRef) or not isinstance(definition, BNode):
            continue
        members = list(ontology.items(ontology.value(definition, OWL.intersectionOf)))
        bases, some, values = [], [], []
        for member in members:
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
                raise ReasonerError(f"{cls}: equivalence axiom outside the rule-expressible shape",
                                    fix="use intersections of named classes, someValuesFrom a named class and hasValue")
        if not bases:
            raise ReasonerError(f"{cls}: only intersections with a named class are supported by the rules")
        found.append(DefinedClass(cls, tuple(bases), tuple(some), tuple(values)))
    return found


def materialise(members: Members, definitions: list[DefinedClass]) -> Graph:
    """Apply the rules until nothing new follows; return (and keep in the store) the memberships they add.

    Each rule is evaluated set at a time: the intersection of its conjuncts' member sets, less the class's known
    members. A defined class may use another (StudyOfDirectStrategy uses DirectStrategy): rules run in dependency
    order, and a rule runs again only when a class it reads gains members after it ran.
    """
    inputs = {d.iri: {ox.NamedNode(cls) for cls in (*d.bases, *(filler for _, filler in d.some))} for d in definitions}
    pending = _dependency_order(members, definitions, inputs)
    inferred: list[ox.Triple] = []
    while pending:
        definition = pending.pop(0)
        cls = ox.NamedNode(definition.iri)
        new = set.intersection(*(members.of(ox.NamedNode(base)) for base in definition.bases))
        for prop, value in definition.values:
            new &= members.select(f"?x <{prop}> <{value}> .")
        for prop, filler in definition.some:
            new &= members.select(f"?x <{prop}> ?y . " + is_a("?y", f"<{filler}>"))
        new -= members.of(cls)
        if new:
            grown = members.add(cls, new)
            inferred += (ox.Triple(member, RDF_TYPE, cls) for member in new)
            pending += [d for d in definitions if d not in pending and inputs[d.iri] & grown]
    return oxigraph_graph(inferred)


def _dependency_order(members: Members, definitions: list[DefinedClass],
                      inputs: dict[URIRef, set[ox.NamedNode]]) -> list[DefinedClass]:
    """Rules after the rules whose classes they read, so that one pass usually reaches the fixpoint."""
    grows = {d.iri: members.superclasses(ox.NamedNode(d.iri)) for d in definitions}
    after = {d: {e for e in definitions if e is not d and grows[e.iri] & inputs[d.iri]} for d in definitions}
    try:
        return list(TopologicalSorter(after).static_order())
    except CycleError:  # rules that feed each other: any order reaches the fixpoint, the worklist sees to it
        return list(definitions)
