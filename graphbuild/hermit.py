"""HermiT in a child process (hazard L8: it can be stopped), started now and awaited later.

Starting and awaiting are apart so that the ontology's classification can run while Python reads and validates the
evidence. The child's output goes to files, not pipes, so it never blocks on a full pipe while nobody reads it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from sskg.errors import ReasonerError


@dataclass(frozen=True)
class HermitOutcome:
    consistent: bool
    unsatisfiable: tuple[str, ...]
    inferred: Graph  # class memberships, subsumptions and asked-for property values HermiT added; empty when inconsistent


def java_available() -> bool:
    return shutil.which("java") is not None


class HermitRun:
    """HermiT classifying one module; `outcome()` waits for it within the time limit counted from the start.

    `values` names object properties whose inferred values HermiT is to report as well (it then realises every
    property, which costs more; only the asked ones are kept).
    """

    def __init__(self, module: Graph, timeout: float, values: frozenset[URIRef] = frozenset()) -> None:
        self._module = module
        self._values = values
        self._timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._folder = tempfile.TemporaryDirectory(prefix="sskg-hermit-")
        folder = Path(self._folder.name)
        module.serialize(folder / "in.nt", format="nt", encoding="utf-8")
        command = [sys.executable, "-m", "sskg.graphbuild.hermit_worker", str(folder / "in.nt"), str(folder / "out.nt")]
        if values:
            command.append("--property-values")
        with open(folder / "stdout", "w", encoding="utf-8") as out, open(folder / "stderr", "w", encoding="utf-8") as err:
            self._process = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)

    def outcome(self) -> HermitOutcome:
        folder = Path(self._folder.name)
        try:
            self._process.wait(timeout=max(0.0, self._deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.cancel()
            raise ReasonerError(
                f"HermiT did not finish within {self._timeout:.0f} s",
                fix="raise --reasoner-timeout, or use --reasoner rules for large graphs",
            ) from None
        try:
            if self._process.returncode not in (0, 3):
                stderr = (folder / "stderr").read_text(encoding="utf-8")
                raise ReasonerError(f"HermiT failed: {stderr.strip()[-500:]}",
                                    fix="run with --debug for details; check the Java installation")
            report = json.loads((folder / "stdout").read_text(encoding="utf-8").strip().splitlines()[-1])
            if not report["consistent"]:
                return HermitOutcome(False, (), Graph())
            target = folder / "out.nt"
            raw = Graph().parse(target, format="nt") if target.stat().st_size else Graph()
        finally:
            self._folder.cleanup()
        return HermitOutcome(True, tuple(report["unsatisfiable"]), _new_facts(raw, self._module, self._values))

    def cancel(self) -> None:
        """Stop the worker and the Java process it started, and remove the files."""
        if self._process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._folder.cleanup()


def _new_facts(raw: Graph, module: Graph, values: frozenset[URIRef]) -> Graph:
    inferred = Graph()
    for s, p, o in raw:
        # owlready2 also declares its own bookkeeping ontology (<http://inferrences>): not a fact about our data.
        keep = (p == RDF.type and o not in (OWL.Thing, OWL.NamedIndividual, OWL.Ontology)) or (
            p in (RDFS.subClassOf, OWL.equivalentClass) and o != OWL.Thing and s != OWL.Nothing
        ) or p in values
        if keep and (s, p, o) not in module:
            inferred.add((s, p, o))
    return inferred
