"""The ontology alone, and the whole built graph, are in the OWL 2 DL profile (checked by the OWL API)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import owlready2
import pytest
from sskg.graphbuild.build import BuildResult
from sskg.rdf_io import rdfxml_text

HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
CHECKER = Path(__file__).resolve().parent / "tools" / "DlProfile.java"

pytestmark = pytest.mark.skipif(shutil.which("javac") is None, reason="needs a JDK to run the OWL API profile checker")


def profile_report(path: Path) -> str:
    completed = subprocess.run(["java", "-cp", str(HERMIT_JAR), str(CHECKER), str(path)],
                               capture_output=True, text=True, timeout=300)
    return completed.stdout + completed.stderr


@pytest.mark.parametrize("part", ["ontology", "whole graph"])
def test_in_owl2_dl(built: tuple[BuildResult, Path], tmp_path: Path, part: str) -> None:
    result, out = built
    path = out / "ontology.owl"
    if part == "whole graph":
        path = tmp_path / "whole.owl"
        path.write_text(rdfxml_text(result.layers.ox_triples), encoding="utf-8")
    report = profile_report(path)
    assert report.strip().endswith("IN OWL 2 DL") and "NOT IN" not in report, report[-3000:]


def test_checker_reports_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<http://e/o> a owl:Ontology .\n"
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#value> a owl:AnnotationProperty .\n", encoding="utf-8")
    assert "NOT IN OWL 2 DL" in profile_report(bad)
