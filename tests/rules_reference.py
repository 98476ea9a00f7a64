"""The earlier, per-individual Python evaluation of the rules: kept only as a reference the tests compare against."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from sskg.graphbuild.rules import ontology_rules

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


def reference_materialise(tbox: Graph, abox: Graph) -> Graph:
    """The class memberships and property values the rules entail over the ABox, as triples not already asserted.

    `tbox` is the ontology together with HermiT's classification of it. One individual and one rule at a time.
    """
    rules = ontology_rules(tbox)
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
    while changed:  # a rule may read what another adds (StudyOfDirectStrategy uses DirectStrategy)
        changed = False
        for rule in rules:
            for individual, known in list(types.items()):
                if rule.head_value is None and rule.head in known:
                    continue
                if rule.head_value is not None and rule.head_value[1] in edges.get(rule.head_value[0], {}).get(individual, ()):
                    continue
                if not all(base in known for base in rule.bases):
                    continue
                if all(value in edges.get(prop, {}).get(individual, ()) for prop, value in rule.values) and all(
                    any(filler in types.get(target, ()) for target in edges.get(prop, {}).get(individual, ()))
                    for prop, filler in rule.some
                ):
                    if rule.head_value is None:
                        known |= superclasses.get(rule.head, {rule.head})  # type: ignore[arg-type]
                        inferred.add((individual, RDF.type, rule.head))  # type: ignore[arg-type]
                    else:
                        prop, value = rule.head_value
                        edges.setdefault(prop, {}).setdefault(individual, set()).add(value)
                        inferred.add((individual, prop, value))  # type: ignore[arg-type]
                    changed = True
    for triple in list(inferred):
        if triple in abox or triple in tbox:
            inferred.remove(triple)
    return inferred
