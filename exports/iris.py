"""IRIs in the exports: the prefixes they use, whether an IRI can be exported (hazard E1), and compaction."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, partial

import pyoxigraph as ox
from rdflib import Namespace

from sskg.namespaces import BASE, PREFIXES, PROVENANCE

GRAPH = Namespace(BASE + "graph/")
EXPORT_PREFIXES: dict[str, str] = {
    **{prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
    "provenance": str(PROVENANCE),
    "graph": str(GRAPH),
}
# XML 1.0 `Char` excludes these (and lone surrogates, which no UTF-8 file can hold either).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_OPAQUE_SCHEMES = {"urn", "mailto", "tag"}
_COMPACT_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.~/-]*$")


def iri_problem(iri: str) -> str | None:
    """Why `iri` cannot be exported, or None: it must be absolute, valid, and not a CURIE in disguise."""
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        return f"not a valid absolute IRI ({error})"
    if NOT_XML.search(iri):
        return "contains a control character or a non-character"
    scheme, _, rest = iri.partition(":")
    if not rest.startswith("//") and scheme.lower() not in _OPAQUE_SCHEMES:
        return f"looks like a prefixed name ({scheme}:…), not an IRI"
    return None


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
