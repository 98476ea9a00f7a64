"""The built graph in its three layers (ontology, evidence, inferred), with stable blank-node labels.

Every output — sskg.ttl, each export, the views — is written from one `Layers`. The whole graph, its
sorted triples and their Oxigraph terms are computed once and shared, because at scale each pass over
the triples costs seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph
from rdflib.paths import Path
from rdflib.plugins.stores.memory import Memory, SimpleMemory
from rdflib.term import Node

from sskg.errors import OutputError
from sskg.rdf_io import backing_store, bind_prefixes, ox_sorted, ox_triples, plain_graph, term_sorted, turtle_text

Triple = tuple[Node, Node, Node]
LAYER_TAGS = (("ontology", "o"), ("evidence", "e"), ("inferred", "i"))


@dataclass(frozen=True, eq=False)
class Layers:
    ontology: Graph
    evidence: Graph
    inferred: Graph
    canonical: bool = False  # blank nodes carry content-derived labels (see `canonical_layers`)

    def whole(self) -> Graph:
        """The three layers read as one graph (read-only; made once and shared)."""
        return self._whole

    @cached_property
    def _whole(self) -> Graph:
        return LayerUnion([self.ontology, self.evidence, self.inferred], lambda: self.store)

    @cached_property
    def store(self) -> ox.Store:
        """The whole graph in one Oxigraph store, for SPARQL (the views): filled from `ox_triples`, which the
        writers share, rather than term by term from the rdflib graphs."""
        store = ox.Store()
        store.bulk_extend(ox.Quad(triple.subject, triple.predicate, triple.object) for triple in self.ox_triples)
        return store

    @cached_property
    def sorted_triples(self) -> list[Triple]:
        return term_sorted(self._whole)

    @cached_property
    def ox_triples(self) -> list[ox.Triple]:
        """`sorted_triples` as Oxigraph triples, for its fast writers."""
        return ox_triples(self.sorted_triples)

    def layer_of(self, triple: Triple) -> str:
        """The layer that holds `triple` (ontology first, then inferred: a triple is written once)."""
        if triple in self._ontology_triples:
            return "ontology"
        return "inferred" if triple in self._inferred_triples else "evidence"

    # Sets, not the graphs: a look-up in a store costs microseconds, times every triple of the graph.
    @cached_property
    def _ontology_triples(self) -> set[Triple]:
        return set(self.ontology)

    @cached_property
    def _inferred_triples(self) -> set[Triple]:
        return set(self.inferred)


class LayerUnion(Graph):
    """Graphs read as one, without copying them into one store: at 1000× the review that copy took a minute
    and gigabytes. Read-only; a triple that several graphs hold is seen once (from the first)."""

    def __init__(self, graphs: Sequence[Graph], store: Callable[[], ox.Store] | None = None) -> None:
        super().__init__(bind_namespaces="none")
        self.native_store = store  # makes (once) the same triples in an Oxigraph store, for SPARQL
        bind_prefixes(self)
        # rdflib's own store answers a look-up several times faster than oxrdflib's wrapper does
        self.graphs = [simple_copy(graph) if backing_store(graph) is not None else graph for graph in graphs]
        self._lookups = [_lookup(graph) for graph in self.graphs]
        self._held_before = [_shared(graph, self.graphs[:index]) for index, graph in enumerate(self.graphs)]

    def triples(self, pattern: tuple[Node | None, Node | Path | None, Node | None]) -> Iterator[Triple]:  # type: ignore[override]
        subject, predicate, obj = pattern
        if isinstance(predicate, Path):
            for start, end in predicate.eval(self, subject, obj):
                yield start, predicate, end  # type: ignore[misc]
            return
        for lookup, held_before in zip(self._lookups, self._held_before):
            for triple in lookup(pattern):
                if not held_before or triple not in held_before:
                    yield triple

    def triples_choices(self, pattern, context=None):  # type: ignore[no-untyped-def, override]
        """rdflib's graph would ask its own (empty) store: answer from the graphs, one choice at a time."""
        for one in next(part for part in pattern if isinstance(part, list)):
            yield from self.triples(tuple(one if isinstance(part, list) else part for part in pattern))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return sum(len(graph) for graph in self.graphs) - sum(len(held) for held in self._held_before)

    def add(self, triple: object) -> Graph:  # type: ignore[override]
        raise TypeError("the whole graph is read-only: add to one of its layers")

    addN = remove = add  # type: ignore[assignment]  # noqa: N815


def simple_copy(graph: Graph) -> Graph:
    """The graph's triples, in their order, in rdflib's store without contexts (faster than its default store)."""
    copy = Graph(store=SimpleMemory(), bind_namespaces="none")
    add = copy.store.add
    for triple in graph:
        add(triple, None)
    return copy


def _lookup(graph: Graph) -> Callable[[tuple[Node | None, Node | None, Node | None]], Iterator[Triple]]:
    """The triples of `graph` that match a pattern, asked of its store directly when the store holds no other
    graph: a graph's own `triples` (it names its context to the store) costs more than the look-up."""
    store = graph.store
    alone = isinstance(store, SimpleMemory) or (isinstance(store, Memory) and len(list(store.contexts())) <= 1)
    if not alone:
        return graph.triples  # type: ignore[return-value]
    return lambda pattern: (triple for triple, _ in store.triples(pattern, None))  # type: ignore[arg-type]


def _shared(graph: Graph, earlier: Sequence[Graph]) -> set[Triple]:
    """The triples of `graph` that one of the `earlier` graphs holds, found from the smaller side."""
    shared: set[Triple] = set()
    for other in earlier:
        small, large = (graph, other) if len(graph) <= len(other) else (other, graph)
        shared.update(triple for triple in small if triple in large)
    return shared


def canonical_layers(layers: Layers) -> Layers:
    """Layers whose blank nodes carry canonical labels, tagged by layer so labels never collide."""
    if layers.canonical:
        return layers
    seen: dict[BNode, str] = {}
    for name, _ in LAYER_TAGS:
        for node in {term for triple in getattr(layers, name) for term in triple if isinstance(term, BNode)}:
            if seen.setdefault(node, name) != name:
                raise OutputError(f"blank node {node} is shared by the {seen[node]} and {name} layers",
                                  fix="give the node an IRI")
    with_bnodes = set(seen.values())  # a layer without blank nodes is kept as it is (copying it costs seconds)
    return Layers(*(canonical_graph(getattr(layers, name), tag) if name in with_bnodes else getattr(layers, name)
                    for name, tag in LAYER_TAGS), canonical=True)


def canonical_graph(graph: Graph, tag: str = "") -> Graph:
    """The graph with blank-node labels that depend only on content (prefixed by `tag`): itself when it has
    no blank nodes (copying a large graph costs seconds), else a copy."""
    if not any(has_bnode(triple) for triple in graph):
        return graph
    labels = tree_labels(graph)
    if labels is None:  # rdflib's canonicalisation is general, but many times slower
        graph, labels = to_canonical_graph(graph), {}

    def tagged(term: Node) -> Node:
        return BNode(tag + labels.get(term, str(term))) if isinstance(term, BNode) else term  # type: ignore[call-overload]

    return plain_graph((tagged(s), p, tagged(o)) for s, p, o in graph)


def tree_labels(graph: Graph) -> dict[BNode, str] | None:
    """Content-derived labels for blank nodes that form trees, as OWL axioms and lists do; else None.

    A node's content hash covers its own triples, children by their content hash; its label adds where it
    hangs (the referencing subject's label and the predicate). None when a blank node is referenced twice,
    blank nodes form a cycle, or two would share a label: rdflib's general canonicalisation handles those.
    """
    parent: dict[BNode, tuple[Node, Node]] = {}
    children: dict[BNode, list[tuple[Node, Node]]] = {}
    for subject, predicate, obj in graph:
        if isinstance(obj, BNode):
            if obj in parent:
                return None
            parent[obj] = (subject, predicate)
        if isinstance(subject, BNode):
            children.setdefault(subject, []).append((predicate, obj))
    content: dict[BNode, str] = {}
    for node in children:
        if not _content_hash(node, children, content):
            return None
    labels: dict[BNode, str] = {}
    for node in [*children, *(node for node in parent if node not in children)]:
        chain = [node]
        while chain[-1] in parent and isinstance(parent[chain[-1]][0], BNode) and parent[chain[-1]][0] not in labels:
            chain.append(parent[chain[-1]][0])  # type: ignore[arg-type]
        for item in reversed(chain):
            if item in labels:
                continue
            holder, predicate = parent.get(item, (None, None))
            where = labels[holder] if isinstance(holder, BNode) else (holder.n3() if holder is not None else "")
            labels[item] = _digest(where, predicate.n3() if predicate is not None else "", content.get(item, ""))
    return labels if len(set(labels.values())) == len(labels) else None


def _content_hash(root: BNode, children: dict[BNode, list[tuple[Node, Node]]], content: dict[BNode, str]) -> bool:
    """Fill content[node] bottom-up from `root` without recursion; False on a cycle."""
    stack, open_nodes = [root], {root}
    while stack:
        node = stack[-1]
        pending = [obj for _, obj in children.get(node, ()) if isinstance(obj, BNode) and obj not in content]
        if any(obj in open_nodes for obj in pending):
            return False
        if pending:
            stack.extend(pending)
            open_nodes.update(pending)
            continue
        stack.pop()
        open_nodes.discard(node)
        parts = sorted(p.n3() + " " + (content[o] if isinstance(o, BNode) else o.n3()) for p, o in children.get(node, ()))
        content[node] = _digest(*parts)
    return True


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


def has_bnode(triple: Triple) -> bool:
    return any(isinstance(term, BNode) for term in triple)


def canonical_turtle(graph: Graph) -> str:
    return turtle_text(ox_sorted(canonical_graph(graph)))
