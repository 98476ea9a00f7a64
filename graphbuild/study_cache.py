"""Each study's triples, kept between builds by content, so an edit redoes only that study's work.

An entry is named by a SHA-256 key of everything the study's triples are made from: the study file's bytes and
name, the shared evidence files (review.yaml, references.yaml, the source text), the ontology's files and
graphbuild's own code. A changed input gives another key; an entry nothing names any more is never read.

An entry is data, not code: a header line (JSON: format, key, SHA-256 of the body) and a JSON body of the
distinct terms and the triples as indexes into them, in the order the builder made them. An entry whose header
does not match its name, its format or its body is ignored and rebuilt; so is one that cannot be decoded.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import rdflib
from rdflib import Literal, URIRef
from rdflib.term import Node

from sskg import namespaces, rdf_io
from sskg.ontology import ONTOLOGY_DIR

from .evidence import SOURCE_FILE

CACHE_FORMAT = 1  # raise when the entry layout changes
SHARED_FILES = ("review.yaml", "references.yaml", str(SOURCE_FILE))

Triple = tuple[Node, Node, Node]


def cache_root() -> Path:
    """sskg's folder in the user's cache folder (XDG_CACHE_HOME, else ~/.cache)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sskg"


class StudyCache:
    """Cached triples of the studies of one evidence folder, read and written by study key."""

    def __init__(self, evidence_dir: Path, folder: Path) -> None:
        self.evidence_dir = evidence_dir
        self.folder = folder
        self.shared = _shared_digest(evidence_dir)

    def key(self, study: str) -> str:
        path = self.evidence_dir / "studies" / f"{study}.yaml"
        digest = hashlib.sha256(f"{self.shared}\n{study}\n".encode())
        digest.update(path.read_bytes())
        return digest.hexdigest()

    def get(self, key: str) -> list[Triple] | None:
        """The triples stored under `key`, or None when there is no sound entry for it."""
        try:
            header, body = (self.folder / f"{key}.json").read_bytes().split(b"\n", 1)
            meta = json.loads(header)
            if meta != {"format": CACHE_FORMAT, "key": key, "body": hashlib.sha256(body).hexdigest()}:
                return None
            data = json.loads(body)
            terms = [_decode(term) for term in data["terms"]]
            return [(terms[s], terms[p], terms[o]) for s, p, o in data["triples"]]
        except Exception:  # noqa: BLE001 - a missing or damaged entry means: make the triples again
            return None

    def put(self, key: str, triples: Iterable[Triple]) -> None:
        index: dict[Node, int] = {}
        rows = [[index.setdefault(term, len(index)) for term in triple] for triple in triples]
        try:
            terms = [_encode(term) for term in index]
        except TypeError:  # a term an entry cannot hold (a blank node): leave the study uncached
            return
        body = json.dumps({"terms": terms, "triples": rows}, ensure_ascii=False, separators=(",", ":")).encode()
        header = json.dumps({"format": CACHE_FORMAT, "key": key, "body": hashlib.sha256(body).hexdigest()}).encode()
        _write_quietly(self.folder / f"{key}.json", header + b"\n" + body)


def _encode(term: Node) -> str | list[str | None]:
    if type(term) is URIRef:
        return str(term)
    if type(term) is Literal:
        return [str(term), None if term.datatype is None else str(term.datatype), term.language]
    raise TypeError(f"not cached: {term!r}")


def _decode(term: str | list[str | None]) -> Node:
    if isinstance(term, str):
        return URIRef(term)
    lexical, datatype, language = term
    assert isinstance(lexical, str)
    return Literal(lexical, lang=language, datatype=None if datatype is None else URIRef(datatype))


def _shared_digest(evidence_dir: Path) -> str:
    """SHA-256 of the inputs every study's triples share: shared evidence files, ontology, code."""
    digest = hashlib.sha256(f"sskg-study-triples-{CACHE_FORMAT} rdflib-{rdflib.__version__}\n".encode())
    files = [(name, evidence_dir / name) for name in SHARED_FILES]
    files += [(f"ontology/{path.relative_to(ONTOLOGY_DIR)}", path) for path in _source_files(ONTOLOGY_DIR, "**/*")]
    files += [(f"graphbuild/{path.name}", path) for path in _source_files(Path(__file__).parent, "*.py")]
    files += [(f"sskg/{Path(module.__file__).name}", Path(module.__file__)) for module in (namespaces, rdf_io)]  # type: ignore[arg-type]
    for name, path in files:
        content = path.read_bytes() if path.is_file() else b""
        digest.update(f"{name}\n{len(content)}\n".encode())
        digest.update(content)
    return digest.hexdigest()


def _source_files(folder: Path, pattern: str) -> list[Path]:
    return sorted(path for path in folder.glob(pattern) if path.is_file() and "__pycache__" not in path.parts)


def _write_quietly(path: Path, data: bytes) -> None:
    """Write beside `path`, then rename: a reader sees the whole entry or none. A cache that cannot be written
    only costs the next build the work (no fsync: a torn entry fails its checksum and is made again)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass
