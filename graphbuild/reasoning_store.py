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
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .rdf_io import ox_store, ox_term

SUBCLASS_OF_OR_SELF = ox.NamedNode("urn:sskg:reasoning:subClassOfOrSelf")
RDF_TYPE = ox.NamedNode(str(RDF.type))
Resource = ox.NamedNode | ox.BlankNode


def reasoning_store(tbox: Graph, abox: Graph) -> ox.Store:
    """A new store with the classified ontology `tbox`, the subclass relation, and what the axioms read of `abox`."""
    store = ox_store(tbox)  # a new store: `tbox` is always an in-memory graph made by the reasoner, never the caller's
    store.bulk_extend(_subclass_closure(tbox))
    read = {RDF.type} | set(tbox.objects(None, OWL.onProperty)) | set(tbox.subjects(RDF.type, OWL.FunctionalProperty))
    store.bulk_extend(
        ox.Quad(*(ox_term(term) for term in triple)) for prop in read for triple in abox.triples((None, prop, None))
    )
    return store


def _subclass_closure(tbox: Graph) -> Iterator[ox.Quad]:
    for cls in tbox.all_nodes():
        if isinstance(cls, URIRef):
            for parent in tbox.transitive_objects(cls, RDFS.subClassOf):  # reflexive: a class is its own subclass
                if isinstance(parent, URIRef):
                    yield ox.Quad(ox.NamedNode(cls), SUBCLASS_OF_OR_SELF, ox.NamedNode(parent))


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

    def add(self, cls: ox.NamedNode, new: set[Resource]) -> None:
        """Record new members of `cls` in the store and in every known extent of it or its superclasses."""
        self.store.extend(ox.Quad(member, RDF_TYPE, cls) for member in new)
        for parent in self.select(f"{cls} <{SUBCLASS_OF_OR_SELF.value}> ?x ."):
            if parent in self._extents:
                self._extents[parent] |= new  # type: ignore[index]

    def select(self, pattern: str) -> set[Resource]:
        """The distinct values of ?x in the pattern."""
        solutions = self.store.query(f"SELECT DISTINCT ?x WHERE {{ {pattern} }}", use_default_graph_as_union=True)
        return {solution["x"] for solution in solutions}  # type: ignore[union-attr]


def rdflib_resource(term: ox.NamedNode | ox.BlankNode) -> URIRef | BNode:
    """The rdflib term for an Oxigraph IRI or blank node (the rules and checks never yield literals)."""
    return URIRef(term.value) if isinstance(term, ox.NamedNode) else BNode(term.value)
