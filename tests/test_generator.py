"""The synthetic evidence generator: valid, clean, deterministic, and mixed like the curated review."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from sskg.graphbuild.build import build
from sskg.graphbuild.evidence import Evidence, load_evidence
from sskg.graphbuild.ontology import load_ontology, vocabulary_of
from sskg.graphbuild import safe_yaml
from sskg.graphbuild.safe_yaml import load_yaml
from sskg.graphbuild.triples import evidence_graph

from benchmarks.generate import generate

from .conftest import EVIDENCE

SEED = 7


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("generated")
    return {scale: generate(root / f"x{scale}", scale, SEED).folder for scale in (1, 10)}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("scale", [1, 10])
def test_generated_evidence_builds_clean(generated: dict[int, Path], scale: int) -> None:
    folder = generated[scale]
    for path in sorted((folder / "studies").glob("*.yaml")):
        load_yaml(path)  # the strict loader: no anchors, aliases or duplicate keys
    result = build(folder, reasoner="none")
    assert len(result.evidence.studies) == 29 * scale
    assert result.violations == []


def test_scale_one_is_the_curated_evidence(generated: dict[int, Path]) -> None:
    curated = {name: data for name, data in _files(EVIDENCE).items() if name != "README.md"}  # docs are not evidence
    assert _files(generated[1]) == curated


def test_same_seed_same_bytes_other_seed_other_studies(generated: dict[int, Path], tmp_path: Path) -> None:
    again = generate(tmp_path / "again", 10, SEED).folder
    other = generate(tmp_path / "other", 10, SEED + 1).folder
    assert _files(again) == _files(generated[10])
    assert _files(other) != _files(generated[10])
    assert {path.name for path in (other / "studies").iterdir()} != {path.name for path in (again / "studies").iterdir()}


def test_scale_ten_keeps_the_curated_mix(generated: dict[int, Path]) -> None:
    vocabulary = vocabulary_of(load_ontology())
    curated = load_evidence(EVIDENCE, vocabulary)
    scaled = load_evidence(generated[10], vocabulary)

    def mix(evidence: Evidence) -> dict[str, Counter[str]]:
        studies = evidence.studies
        return {
            "design": Counter(study.design.category for study in studies),
            "theme": Counter(study.theme for study in studies),
            "country": Counter(study.country for study in studies),
            "findings per study": Counter(str(len(study.findings)) for study in studies),
        }

    expected = {name: Counter({value: count * 10 for value, count in counter.items()}) for name, counter in mix(curated).items()}
    assert mix(scaled) == expected
    synthetic = [study for study in scaled.studies if study.table1 is None]
    assert len(synthetic) == 9 * 29
    assert all(not study.discrepancies and not study.readings for study in synthetic)


def test_libyaml_path_gives_the_graph_the_strict_loader_gives(generated: dict[int, Path],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    vocabulary = vocabulary_of(load_ontology())
    fast = load_evidence(generated[10], vocabulary)

    def strict_only(text: str) -> object:
        return yaml.load(text, Loader=safe_yaml._StrictLoader)  # noqa: S506 - the strict loader under test

    monkeypatch.setattr(safe_yaml, "_plain_data", strict_only)
    strict = load_evidence(generated[10], vocabulary)
    assert fast.studies == strict.studies
    assert set(evidence_graph(fast)) == set(evidence_graph(strict))
