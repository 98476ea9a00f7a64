"""Reasoning that scales: the ontology's defined classes as SPARQL rules over the ABox.

HermiT classifies the ontology (TBox and concepts) once; the ABox consequences of the defined classes are then
materialised by rules generated from the equivalence axioms themselves, run as SPARQL on Oxigraph to a fixpoint. Only axioms of the
OWL-RL-expressible shape `C ≡ B ⊓ ∃p.D ⊓ ∃q.{v}` (named B and D) are turned into rules; the tests check that the
rules give exactly HermiT's answers on the curated graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF

from sskg.errors import ReasonerError

from .reasoning_store import Members, is_a, rdflib_resource


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

    A defined class may use another (StudyOfDirectStrategy uses DirectStrategy), hence the fixpoint. Each rule is
    evaluated set at a time: the intersection of its conjuncts' member sets, less the class's known members.
    """
    inferred = Graph()
    changed = True
    while changed:
        changed = False
        for definition in definitions:
            cls = ox.NamedNode(definition.iri)
            new = set.intersection(*(members.of(ox.NamedNode(base)) for base in definition.bases))
            for prop, value in definition.values:
                new &= members.select(f"?x <{prop}> <{value}> .")
            for prop, filler in definition.some:
                new &= members.select(f"?x <{prop}> ?y . " + is_a("?y", f"<{filler}>"))
            new -= members.of(cls)
            if new:
                members.add(cls, new)
                for member in new:
                    inferred.add((rdflib_resource(member), RDF.type, definition.iri))
                changed = True
    return inferred
