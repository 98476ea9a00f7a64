"""A build that reuses cached studies writes the bytes a clean build writes: after an edit, an added, a deleted and
a renamed study, a changed shared input, and a damaged cache entry."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.generate import dump_study, generate
from sskg.graphbuild import study_cache
from sskg.graphbuild.records import Study
from sskg.graphbuild.safe_yaml import load_yaml
from sskg.graphbuild.study_cache import StudyCache
from sskg.pipeline import build_and_write

from .conftest import EVIDENCE

Change = Callable[[Path], None]


def _build(evidence: Path, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    build_and_write(evidence, out)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_same_outputs(incremental: Path, clean: Path) -> None:
    made, expected = _files(incremental), _files(clean)
    assert sorted(made) == sorted(expected)
    differing = [name for name in expected if made[name] != expected[name]]
    assert not differing, f"files differ from a clean build: {differing}"


def _studies(evidence: Path) -> list[Path]:
    return sorted((evidence / "studies").glob("*.yaml"))


def _unreferenced_study(evidence: Path) -> Path:
    """A study no shared file names, so it can be deleted or renamed on its own."""
    shared = "".join((evidence / name).read_text(encoding="utf-8") for name in ("review.yaml", "references.yaml"))
    return next(path for path in _studies(evidence) if path.stem not in shared)


def edit_aim(evidence: Path) -> None:
    path = _studies(evidence)[1]
    study = Study.model_validate(load_yaml(path))
    path.write_text(dump_study(study.model_copy(update={"aim": study.aim + " Edited."})), encoding="utf-8")


def add_held_study(evidence: Path) -> None:
    held = next((evidence.parent / "held").glob("*.yaml"))
    held.replace(evidence / "studies" / held.name)


def delete_study(evidence: Path) -> None:
    _unreferenced_study(evidence).unlink()


def rename_study(evidence: Path) -> None:
    path = _unreferenced_study(evidence)
    study = Study.model_validate(load_yaml(path))
    renamed = f"renamed-{study.key}"
    path.unlink()
    (path.parent / f"{renamed}.yaml").write_text(dump_study(study.model_copy(update={"key": renamed})), encoding="utf-8")


def shift_source_text(evidence: Path) -> None:
    """Every quote moves by one character: each study's provenance triples change, though no study file does."""
    source = evidence / "source" / "scoping-review.txt"
    source.write_text("\n" + source.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture(scope="module", params=[1, 10], ids=["x1", "x10"])
def base(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Evidence at ×1 or ×10 with one study held back beside it, built once into `out` with its cache in `cache`."""
    folder = tmp_path_factory.mktemp(f"incremental-x{request.param}")
    evidence = folder / "evidence"
    if request.param == 1:
        shutil.copytree(EVIDENCE, evidence)
    else:
        generate(evidence, request.param, seed=1)
    held = _studies(evidence)[-1]
    (folder / "held").mkdir()
    held.replace(folder / "held" / held.name)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _build(evidence, folder / "out", folder / "cache", monkeypatch)
    return folder


def _copy_of(base: Path, tmp_path: Path) -> Path:
    work = tmp_path / "work"
    for name in ("evidence", "out", "cache", "held"):
        shutil.copytree(base / name, work / name)
    return work


def _clean_build(evidence: Path, tmp_path: Path, base: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A build from an empty study cache into a fresh folder (the ontology's classification kept: it is keyed apart)."""
    cache = tmp_path / "clean-cache"
    shutil.copytree(base / "cache" / "sskg" / "tbox", cache / "sskg" / "tbox", dirs_exist_ok=True) \
        if (base / "cache" / "sskg" / "tbox").is_dir() else cache.mkdir()
    _build(evidence, tmp_path / "clean", cache, monkeypatch)
    return tmp_path / "clean"


@pytest.mark.parametrize("change", [edit_aim, add_held_study, delete_study, rename_study, shift_source_text],
                         ids=lambda change: change.__name__)
def test_a_rebuild_after_a_change_equals_a_clean_build(
    base: Path, change: Change, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _copy_of(base, tmp_path)
    before = _files(work / "out")
    change(work / "evidence")
    _build(work / "evidence", work / "out", work / "cache", monkeypatch)
    assert _files(work / "out") != before  # the change reached the outputs
    assert_same_outputs(work / "out", _clean_build(work / "evidence", tmp_path, base, monkeypatch))


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "sskg" / "studies").glob("*.json"))


def test_a_study_edit_adds_one_entry_and_reuses_the_others(base: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    work = _copy_of(base, tmp_path)
    before = set(_entries(work / "cache"))
    assert len(before) == len(_studies(work / "evidence"))
    edit_aim(work / "evidence")
    _build(work / "evidence", work / "out", work / "cache", monkeypatch)
    assert len(set(_entries(work / "cache")) - before) == 1


def _edit_body(entry: Path, other: Path) -> None:
    data = entry.read_bytes()
    assert b',"en"]' in data
    entry.write_bytes(data.replace(b',"en"]', b',"de"]'))  # still JSON, still terms: only the checksum tells


@pytest.mark.parametrize("damage", [
    _edit_body,
    lambda entry, other: entry.write_bytes(other.read_bytes()),  # another study's entry
    lambda entry, other: entry.write_bytes(entry.read_bytes()[:-40]),  # cut short
    lambda entry, other: entry.write_bytes(b"\x80 not json"),
], ids=["edited", "foreign", "truncated", "garbage"])
def test_a_damaged_entry_is_made_again(base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       damage: Callable[[Path, Path], None]) -> None:
    work = _copy_of(base, tmp_path)
    entries = _entries(work / "cache")
    for entry, other in zip(entries, entries[1:] + entries[:1], strict=True):
        damage(entry, other)
    _build(work / "evidence", work / "out", work / "cache", monkeypatch)
    assert_same_outputs(work / "out", base / "out")


def test_each_shared_input_is_in_every_key(evidence_copy: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    study = _studies(evidence_copy)[0].stem
    key = StudyCache(evidence_copy, tmp_path).key(study)
    for name in study_cache.SHARED_FILES:
        path = evidence_copy / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert StudyCache(evidence_copy, tmp_path).key(study) != key, name
        path.write_bytes(original)
    ontology = tmp_path / "ontology"
    shutil.copytree(study_cache.ONTOLOGY_DIR, ontology, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(study_cache, "ONTOLOGY_DIR", ontology)
    assert StudyCache(evidence_copy, tmp_path).key(study) == key
    shapes = next((ontology / "shapes").glob("*.ttl"))
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert StudyCache(evidence_copy, tmp_path).key(study) != key
