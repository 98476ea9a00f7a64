"""Bad evidence files: each gets one clear error naming file, record and field, and nothing is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sskg.cli import main
from sskg.errors import EvidenceError, SskgError
from sskg.graphbuild.evidence import load_evidence
from sskg.graphbuild.ontology import load_ontology, vocabulary_of
from sskg.output import MARKER, record

STUDY = "andrea-2016"


def edit(folder: Path, name: str, old: str, new: str) -> Path:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def load(folder: Path) -> None:
    load_evidence(folder, vocabulary_of(load_ontology()))


CASES = [
    # (file, old text, new text, field named, words of the message or fix)
    ("studies/andrea-2016.yaml", "country: united-states", "country: NO", "country", "boolean"),
    ("studies/andrea-2016.yaml", "  volume: \"39\"", "  volume: 39", "citation.volume", "number"),
    ("studies/andrea-2016.yaml", "  year: 2016", "  year: \"2016\"", "citation.year", "without quotes"),
    ("studies/andrea-2016.yaml", "aim: ", "aims: ", "aims", "unknown field"),
    ("studies/andrea-2016.yaml", "country: united-states", "country: atlantis", "country", "unknown concept"),
    ("studies/andrea-2016.yaml", "outcome: help-seeking", "outcome: happiness", "findings[2].outcome", "unknown concept"),
    ("studies/andrea-2016.yaml", "direction: positive", "direction: upward", "findings[0].direction", "positive"),
    ("studies/andrea-2016.yaml", "quote: \"[OR: 0.4 (0.2–1.0)]\"", "quote: \"[OR: 0.5 (0.2–1.0)]\"",
     "findings[1].estimates[0].stated.quote", "not found"),
    ("studies/andrea-2016.yaml", "id: adequate-support-help-seeking", "id: adequate-support-non-mental-health-provider",
     "findings[2].id", "duplicate finding id"),
    ("studies/andrea-2016.yaml", "section: mental-health-status\n", "section: nowhere\n", ".section", "unknown section"),
    ("studies/andrea-2016.yaml", "key: andrea-2016", "key: andrea-2015", "key", "does not match the file name"),
    ("studies/andrea-2016.yaml", "        ci_upper: 5.3\n", "", "findings[0].estimates[0]", "both ci_lower and ci_upper"),
    ("studies/andrea-2016.yaml", "theme: associations", "theme: features", "subtheme", "is not a sub-theme"),
]


@pytest.mark.parametrize(("name", "old", "new", "field", "words"), CASES, ids=[case[3] + ":" + case[4] for case in CASES])
def test_bad_field_is_named(evidence_copy: Path, name: str, old: str, new: str, field: str, words: str) -> None:
    edit(evidence_copy, name, old, new)
    with pytest.raises(SskgError) as raised:
        load(evidence_copy)
    error = raised.value
    assert error.file is not None and error.file.endswith(name)
    assert error.record is not None and error.record.startswith(STUDY[:-4])
    assert error.field is not None and field in error.field
    assert re.search(words, str(error), re.IGNORECASE), str(error)
    assert error.fix


def test_dangling_reference_between_files(evidence_copy: Path) -> None:
    text = (evidence_copy / "review.yaml").read_text(encoding="utf-8")
    sources = re.search(r"sources: \[([a-z0-9-]+)", text)
    assert sources, "review.yaml has a definition with sources"
    (evidence_copy / "review.yaml").write_text(text.replace(sources.group(0), "sources: [nobody-1999", 1), encoding="utf-8")
    with pytest.raises(EvidenceError, match="no study or cited work with key 'nobody-1999'") as raised:
        load(evidence_copy)
    assert raised.value.file.endswith("review.yaml")
    assert raised.value.field and raised.value.field.startswith("definitions[")


def test_not_yaml_names_line(evidence_copy: Path) -> None:
    (evidence_copy / "studies" / "andrea-2016.yaml").write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match="line"):
        load(evidence_copy)


def test_cli_bad_input_exits_2_and_writes_nothing(evidence_copy: Path, tmp_path: Path) -> None:
    edit(evidence_copy, "studies/andrea-2016.yaml", "country: united-states", "country: NO")
    out = tmp_path / "out"
    out.mkdir()
    (out / "sskg.ttl").write_text("previous build\n", encoding="utf-8")
    record(out, [out / "sskg.ttl"])  # an earlier sskg output, so the build may replace it
    result = CliRunner().invoke(main, ["build", "--evidence", str(evidence_copy), "--out", str(out), "--reasoner", "none"])
    assert result.exit_code == 2
    assert "andrea-2016.yaml" in result.output and "field country" in result.output and "quotes" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "sskg.ttl"]
    assert (out / "sskg.ttl").read_text(encoding="utf-8") == "previous build\n"
