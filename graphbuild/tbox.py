"""The ontology's classification by HermiT: started early, collected later, cached by content.

It depends on the ontology alone, so a build can start it before reading the evidence and collect it when the rules
need it. A finished classification is kept in a cache folder under a key made of the ontology's canonical triples and
the HermiT code that produced it; an entry is used only if its stored key matches exactly.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox
from rdflib import Graph

from sskg.errors import OutputError, ReasonerError
from sskg.rdf_io import atomic_write, ox_store, strip_imports

from . import hermit_worker
from .study_cache import cache_root
from .hermit import HermitOutcome, HermitRun, java_available

CACHE_FORMAT = 1  # raise when the entry layout changes


def default_cache_dir() -> Path:
    return cache_root() / "tbox"


class TBoxClassification:
    """A classification in progress (or read from the cache). `outcome()` waits for it; None means no Java."""

    def __init__(self, ontology: Graph, timeout: float, cache_dir: Path | None) -> None:
        self.module = strip_imports(ontology)
        self._run: HermitRun | None = None
        self._outcome: HermitOutcome | None = None
        self._entry: Path | None = None
        self._cancelled = False
        if not java_available():
            return  # no classification, even if an earlier run cached one: the result must not depend on the cache
        if cache_dir:
            self._entry = cache_dir / f"{cache_key(self.module)}.json"
            self._outcome = _read_entry(self._entry)
        if self._outcome is None:
            self._run = HermitRun(self.module, timeout)

    def outcome(self) -> HermitOutcome | None:
        if self._cancelled:
            raise ReasonerError("the ontology's classification was stopped before it finished")
        if self._run is not None:
            self._outcome, self._run = self._run.outcome(), None
            if self._entry:
                _write_entry(self._entry, self._outcome)
        return self._outcome

    def cancel(self) -> None:
        """Stop HermiT if it is still running (a build that fails before reasoning)."""
        if self._run is not None:
            self._run.cancel()
            self._run, self._cancelled = None, True

    def __enter__(self) -> TBoxClassification:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.cancel()


def start_tbox_classification(ontology: Graph, timeout: float, cache_dir: Path | None = None) -> TBoxClassification:
    """Start HermiT on the ontology now, unless the cache already holds its classification."""
    return TBoxClassification(ontology, timeout, cache_dir)


def cache_key(module: Graph) -> str:
    """SHA-256 of the module's canonical N-Quads (RDFC-1.0 blank-node labels) and of the HermiT code used."""
    dataset = ox.Dataset(ox_store(module))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    digest = hashlib.sha256(f"sskg-tbox-{CACHE_FORMAT}\n".encode())
    for path in _hermit_code():
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for line in sorted(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).splitlines()):
        digest.update(line + b"\n")
    return digest.hexdigest()


def _hermit_code() -> list[Path]:
    """HermiT itself, the worker that drives it and the module that filters its output."""
    spec = importlib.util.find_spec("owlready2")
    assert spec and spec.submodule_search_locations
    jar = Path(next(iter(spec.submodule_search_locations))) / "hermit" / "HermiT.jar"
    return [jar, Path(hermit_worker.__file__), Path(__file__).with_name("hermit.py")]


def _read_entry(entry: Path) -> HermitOutcome | None:
    """The cached outcome, or None when the entry is missing, unreadable or for another key."""
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        if data["key"] != entry.stem or data["format"] != CACHE_FORMAT:
            return None
        inferred = Graph().parse(data=data["inferred"], format="nt")
        return HermitOutcome(bool(data["consistent"]), tuple(map(str, data["unsatisfiable"])), inferred)
    except Exception:  # noqa: BLE001 - any damage to a cache entry means: classify again
        return None


def _write_entry(entry: Path, outcome: HermitOutcome) -> None:
    data = {"format": CACHE_FORMAT, "key": entry.stem, "consistent": outcome.consistent,
            "unsatisfiable": list(outcome.unsatisfiable), "inferred": outcome.inferred.serialize(format="nt")}
    try:
        with atomic_write(entry) as stream:
            json.dump(data, stream, sort_keys=True)
    except (OutputError, OSError):  # OSError: the cache folder cannot be made
        pass  # a cache that cannot be written only costs the next build a HermiT run
