"""Reasoning that scales: the ontology's defined classes as SPARQL rules over the ABox.

HermiT classifies the ontology (TBox and concepts) once; the ABox consequences of the defined classes are then
materialised by rules generated from the equivalence axioms themselves, iterated to a fixpoint. Only axioms of the
OWL-RL-expressible shape `C ≡ B ⊓ ∃p.D ⊓ ∃q.{v}` (named B and D) are turned into rules; the tests check that the
rules give exactly HermiT's answers on the curated graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from sskg.errors import ReasonerError


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
        if not members:
            raise ReasonerError(f"{cls}: only intersection definitions are supported by the rules")
        found.append(DefinedClass(cls, tuple(bases), tuple(some), tuple(values)))
    return found


def _superclasses(tbox: Graph) -> dict[URIRef, set[URIRef]]:
    """Reflexive-transitive rdfs:subClassOf over named classes."""
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in tbox.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    closure: dict[URIRef, set[URIRef]] = {}

    def up(cls: URIRef) -> set[URIRef]:
        if cls not in closure:
            closure[cls] = {cls}
            for parent in direct.get(cls, ()):
                closure[cls] |= up(parent)
        return closure[cls]

    for cls in list(direct):
        up(cls)
    return closure


def materialise(tbox: Graph, abox: Graph) -> Graph:
    """The defined-class memberships the ABox entails, as rdf:type triples not already asserted.

    `tbox` is the ontology together with HermiT's classification of it (so defined classes already sit under their
    bases, and concepts already carry their inferred types). Evaluated in Python over indexes rather than as SPARQL
    text so it stays linear in the size of the ABox.
    """
    definitions = defined_classes(tbox)
    superclasses = _superclasses(tbox)
    types: dict[object, set[URIRef]] = {}
    for graph in (tbox, abox):
        for individual, cls in graph.subject_objects(RDF.type):
            if isinstance(cls, URIRef):
                types.setdefault(individual, set()).update(superclasses.get(cls, {cls}))
    edges: dict[URIRef, dict[object, set[object]]] = {}
    for graph in (tbox, abox):
        for s, p, o in graph:
            if p != RDF.type:
                edges.setdefault(p, {}).setdefault(s, set()).add(o)  # type: ignore[arg-type]
    inferred = Graph()
    changed = True
    while changed:  # a defined class may use another (StudyOfDirectStrategy uses DirectStrategy)
        changed = False
        for definition in definitions:
            for individual, known in list(types.items()):
                if definition.iri in known or not all(base in known for base in definition.bases):
                    continue
                if all(value in edges.get(prop, {}).get(individual, ()) for prop, value in definition.values) and all(
                    any(filler in types.get(target, ()) for target in edges.get(prop, {}).get(individual, ()))
                    for prop, filler in definition.some
                ):
                    known |= superclasses.get(definition.iri, {definition.iri})
                    inferred.add((individual, RDF.type, definition.iri))  # type: ignore[arg-type]
                    changed = True
    for triple in list(inferred):
        if triple in abox or triple in tbox:
            inferred.remove(triple)
    return inferred
