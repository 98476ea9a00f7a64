"""The Oxigraph store the ABox rules and the consistency checks run on, and the sets they read from it.

The store holds the classified ontology, the ABox statements that axioms can speak about (rdf:type, and the
properties named by restrictions or declared functional), and a derived relation from each class to itself and all
its superclasses. That relation is fixed while the rules run (they add memberships, never subclass axioms).

Rules and checks ask small set-valued questions (the members of a class; the subjects with an edge into a class) and
combine the answers in Python. One SPARQL query per rule that joins everything is slower: Oxigraph's join order for
it is poor on large graphs, while each small query is a single index walk.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from sskg.rdf_io import backing_store, ox_store, ox_term

SUBCLASS_OF_OR_SELF = ox.NamedNode("urn:sskg:reasoning:subClassOfOrSelf")
RDF_TYPE = ox.NamedNode(str(RDF.type))
Resource = ox.NamedNode | ox.BlankNode


def reasoning_store(tbox: Graph, abox: Graph) -> ox.Store:
    """A new store with the classified ontology `tbox`, the subclass relation, and what the axioms read of `abox`.

    Memberships of classes the ontology never names are left out: no axiom can make them matter.
    """
    store = ox_store(tbox)  # a new store: `tbox` is always an in-memory graph made by the reasoner, never the caller's
    classes = {node for node in tbox.all_nodes() if isinstance(node, URIRef)}
    store.bulk_extend(_subclass_closure(tbox, classes))
    properties = set(tbox.objects(None, OWL.onProperty)) | set(tbox.subjects(RDF.type, OWL.FunctionalProperty))
    patterns = [(RDF.type, cls) for cls in classes] + [(prop, None) for prop in properties if isinstance(prop, URIRef)]
    store.bulk_extend(_matching(abox, patterns))
    return store


def _subclass_closure(tbox: Graph, classes: set[URIRef]) -> Iterator[ox.Quad]:
    for cls in classes:
        for parent in tbox.transitive_objects(cls, RDFS.subClassOf):  # reflexive: a class is its own subclass
            if isinstance(parent, URIRef):
                yield ox.Quad(ox.NamedNode(cls), SUBCLASS_OF_OR_SELF, ox.NamedNode(parent))


def _matching(graph: Graph, patterns: list[tuple[URIRef, URIRef | None]]) -> Iterator[ox.Quad]:
    """The graph's triples with these (predicate, object or any) patterns, read natively when Oxigraph holds it."""
    inner = backing_store(graph)
    for prop, value in patterns:
        if inner is not None:
            yield from inner.quads_for_pattern(None, ox.NamedNode(prop), value and ox.NamedNode(value))
        else:
            yield from (ox.Quad(*(ox_term(term) for term in triple)) for triple in graph.triples((None, prop, value)))


def is_a(var: str, cls: str) -> str:
    """SPARQL: `var` is a member of `cls` (asserted as it or as a subclass, or inferred)."""
    return f"{var} <{RDF.type}> {var}Type . {var}Type <{SUBCLASS_OF_OR_SELF.value}> {cls} ."


class Members:
    """Class extents (asserted or inferred members, through subclasses), read once and kept up to date."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._extents: dict[ox.NamedNode, set[Resource]] = {}

    def of(self, cls: ox.NamedNode) -> set[Resource]:
        if cls not in self._extents:
            self._extents[cls] = self.select(is_a("?x", str(cls)))
        return self._extents[cls]

    def add(self, cls: ox.NamedNode, new: set[Resource]) -> set[ox.NamedNode]:
        """Record new members of `cls` in the store and in every known extent of it or its superclasses.

        Returns the classes that may have gained members: those whose extent grew, and those not read yet.
        """
        self.store.bulk_extend(ox.Quad(member, RDF_TYPE, cls) for member in new)
        grown = set()
        for parent in self.superclasses(cls):
            extent = self._extents.get(parent)
            if extent is None or not new <= extent:
                grown.add(parent)
                if extent is not None:
                    extent |= new
        return grown

    def superclasses(self, cls: ox.NamedNode) -> set[ox.NamedNode]:
        """`cls` and every class above it."""
        return self.select(f"{cls} <{SUBCLASS_OF_OR_SELF.value}> ?x .")  # type: ignore[return-value]

    def typed(self, node: Resource, classes: tuple[URIRef, ...]) -> bool:
        """Whether `node` is asserted or inferred a direct member of one of `classes`."""
        return any(next(self.store.quads_for_pattern(node, RDF_TYPE, ox.NamedNode(cls)), None) for cls in classes)

    def select(self, pattern: str) -> set[Resource]:
        """The distinct values of ?x in the pattern."""
        solutions = self.store.query(f"SELECT DISTINCT ?x WHERE {{ {pattern} }}", use_default_graph_as_union=True)
        return {solution["x"] for solution in solutions}  # type: ignore[union-attr]
