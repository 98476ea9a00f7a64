"""IRIs in the exports: the prefixes they use, whether an IRI can be exported (hazard E1), and compaction."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, partial

from rdflib import Namespace

from sskg.namespaces import BASE, PREFIXES, PROVENANCE

GRAPH = Namespace(BASE + "graph/")
EXPORT_PREFIXES: dict[str, str] = {
    **{prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
    "provenance": str(PROVENANCE),
    "graph": str(GRAPH),
}
_COMPACT_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.~/-]*$")


def split_iri(iri: str, prefixes: dict[str, object]) -> tuple[str, str | None]:
    """(local name, prefix:local) under the longest matching prefix (the first of equals), or (local, None)."""
    text = str(iri)  # a plain str: rdflib's URIRef.startswith is many times slower
    best: str | None = None
    best_namespace = ""
    for prefix, namespace in prefixes.items():
        if isinstance(namespace, str) and (best is None or len(namespace) > len(best_namespace)) and text.startswith(namespace):
            best, best_namespace = prefix, namespace
    if best is None:
        return text, None
    local = text[len(best_namespace):]
    return local, f"{best}:{local}"


def compact_iri(iri: str, context: dict[str, object]) -> str:
    local, curie = split_iri(iri, context)
    return curie if curie is not None and (local == "" or _COMPACT_LOCAL.match(local)) else iri


def compacting(context: dict[str, object]) -> Callable[[str], str]:
    """`compact_iri` under one context, remembered per IRI: an export compacts the same IRIs again and again."""
    return cache(partial(compact_iri, context=context))
