"""Name the individuals that make a graph inconsistent: disjointness and functional-property breaches.

Set at a time on Oxigraph (see `reasoning_store`), so the checks stay fast on large graphs. Provenance locations are
left out, as they are from what HermiT sees (`reasoner.reasoning_module`): no axiom speaks about them.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from sskg.namespaces import SSKG_NS
from sskg.rdf_io import rdflib_term

from .reasoning_store import Members, Resource

SKIPPED_TYPES = (URIRef(str(SSKG_NS) + "ProvenanceLocation"),)

_PREFIXES = f"PREFIX rdf: <{RDF}> PREFIX owl: <{OWL}>\n"
# Ordered pairs, as the axioms state them: `A owl:disjointWith B`, and every two members of an AllDisjointClasses.
_DISJOINT_PAIRS = _PREFIXES + """SELECT DISTINCT ?a ?b WHERE {
  { ?a owl:disjointWith ?b }
  UNION
  { ?all a owl:AllDisjointClasses ; owl:members ?list .
    ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b . FILTER(?a != ?b) }
  FILTER(isIRI(?a) && isIRI(?b))
}"""
# Subjects with two or more object values of a functional property (before provenance is left out).
_FUNCTIONAL = _PREFIXES + """SELECT ?p ?s ?o WHERE {
  { SELECT ?p ?s WHERE { ?p a owl:FunctionalProperty . ?s ?p ?v . FILTER(!isLiteral(?v)) }
    GROUP BY ?p ?s HAVING (COUNT(DISTINCT ?v) > 1) }
  ?s ?p ?o . FILTER(!isLiteral(?o))
}"""


def culprits(members: Members) -> list[str]:
    """One sentence per breach, naming the individual; sorted by individual, then by class or property."""
    def kept(node: Resource) -> bool:  # asked of the few nodes in breaches only: provenance is most of the ABox
        return not members.typed(node, SKIPPED_TYPES)

    breaches: list[tuple[Node, Node, Node]] = []
    for pair in members.store.query(_DISJOINT_PAIRS, use_default_graph_as_union=True):
        first, second = pair["a"], pair["b"]  # type: ignore[index]
        for individual in filter(kept, members.of(first) & members.of(second)):
            breaches.append((rdflib_term(individual), rdflib_term(first), rdflib_term(second)))
    problems = [f"{individual} is both {first} and {second}, which are disjoint"
                for individual, first, second in sorted(breaches)]  # type: ignore[type-var]
    values: dict[tuple[Node, Node], list[Node]] = defaultdict(list)
    for row in members.store.query(_FUNCTIONAL, use_default_graph_as_union=True):
        prop, subject, value = row  # type: ignore[misc]
        if kept(subject) and kept(value):
            values[(rdflib_term(prop), rdflib_term(subject))].append(rdflib_term(value))
    for (prop, subject), objects in sorted(values.items()):  # type: ignore[type-var]
        if len(objects) > 1:
            problems.append(f"{subject} has {len(objects)} values of functional property {prop}: "
                            + ", ".join(map(str, sorted(objects))))  # type: ignore[type-var]
    return problems
