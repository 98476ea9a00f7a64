"""Load the ontology (edit file plus local import slices) and the concept vocabulary it defines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph
from rdflib.namespace import SKOS

from sskg.namespaces import CONCEPT, SCHEME
from sskg.ontology import IMPORTS_DIR, ONTOLOGY_FILE
from sskg.rdf_io import parse_rdf_file

if TYPE_CHECKING:
    from .evidence import Vocabulary


def ontology_files(path: Path = ONTOLOGY_FILE, imports: Path = IMPORTS_DIR) -> list[Path]:
    """The ontology's edit file, then its local import slices."""
    return [path, *sorted(imports.glob("*.ttl"))]


def load_ontology(path: Path = ONTOLOGY_FILE, imports: Path = IMPORTS_DIR) -> Graph:
    """The ontology and its local import slices as one graph. Nothing is fetched."""
    graph = Graph()
    for file in ontology_files(path, imports):
        parse_rdf_file(graph, file)
    return graph


def vocabulary_of(ontology: Graph) -> Vocabulary:
    """Concept ids by scheme name, read from `skos:inScheme` statements."""
    from .evidence import Vocabulary  # here, not above: `sskg query` reads the ontology without the evidence models

    schemes: dict[str, set[str]] = {}
    for concept, scheme in ontology.subject_objects(SKOS.inScheme):
        if str(concept).startswith(str(CONCEPT)) and str(scheme).startswith(str(SCHEME)):
            schemes.setdefault(str(scheme)[len(SCHEME):], set()).add(str(concept)[len(CONCEPT):])
    return Vocabulary({name: frozenset(ids) for name, ids in schemes.items()})
