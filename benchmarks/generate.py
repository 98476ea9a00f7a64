"""Synthetic evidence folders N times the size of the curated review, for benchmarks and scale tests.

Each of the 29 curated studies yields N studies: itself (copied unchanged) and N-1 synthetic variants. A variant
keeps its template's theme, sub-theme, country, design, sample and year, so the design, theme, country and year mix
is exactly N times the curated one; its findings are drawn from the curated findings of studies with the same theme
and design category, and its populations, outcomes, support types, sources, strategies and sections are the
template's plus those its findings name. Every quote is a curated `Location`, so it stays an exact quote of the
review. Synthetic studies have no Table 1 row, discrepancies or conflicting readings, and a note saying what they are.
Same seed and scale, same bytes.

    python -m benchmarks.generate --scale 10 --seed 1 --out /tmp/evidence-x10
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from sskg.errors import OutputError, SskgError
from sskg.graphbuild.evidence import Evidence, Vocabulary, load_evidence
from sskg.graphbuild.ontology import load_ontology, vocabulary_of
from sskg.graphbuild.records import Citation, Finding, Study

CURATED = Path(__file__).resolve().parents[1] / "evidence"
COPIED = ("review.yaml", "references.yaml", "source")
_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"
_INITIALS = "ABCDEFGHIJKLMNOPRSTVW"


class _Dumper(yaml.SafeDumper):
    """Plain YAML the strict loader accepts: repeated objects (shared quotes) are written out, never aliased."""

    def ignore_aliases(self, data: object) -> bool:
        return True


@dataclass(frozen=True)
class Generated:
    folder: Path
    studies: int
    findings: int


def generate(out: Path, scale: int, seed: int, curated: Path = CURATED) -> Generated:
    """Write a complete evidence folder `scale` times the curated one; `out` must not exist yet."""
    if scale < 1:
        raise ValueError("scale must be 1 or more")
    if out.exists():
        raise OutputError("output folder already exists", file=str(out), fix="remove it or choose another --out")
    vocabulary = vocabulary_of(load_ontology())
    evidence = load_evidence(curated, vocabulary)
    variants = synthetic_studies(evidence, vocabulary, scale, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so a half-written folder never looks like a cached one.
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in COPIED:
            source = curated / name
            if source.is_dir():
                shutil.copytree(source, staging / name)
            else:
                shutil.copyfile(source, staging / name)
        studies = staging / "studies"
        studies.mkdir()
        for path in sorted((curated / "studies").glob("*.yaml")):
            shutil.copyfile(path, studies / path.name)
        for study in variants:
            (studies / f"{study.key}.yaml").write_text(dump_study(study), encoding="utf-8", newline="\n")
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    every = (*evidence.studies, *variants)
    return Generated(out, len(every), sum(len(study.findings) for study in every))


def synthetic_studies(evidence: Evidence, vocabulary: Vocabulary, scale: int, seed: int) -> list[Study]:
    """`scale - 1` variants of every curated study, in a fixed order drawn from one seeded generator."""
    rng = random.Random(seed)
    pools: dict[tuple[str, str], list[Finding]] = {}
    for study in evidence.studies:
        pools.setdefault((study.theme, study.design.category), []).extend(study.findings)
    taken = {study.key for study in evidence.studies} | {work.key for work in evidence.works}
    variants = []
    for template in sorted(evidence.studies, key=lambda study: study.key):
        for _ in range(scale - 1):
            surname = _unique_surname(rng, template.citation.year, taken)
            findings = rng.sample(pools[(template.theme, template.design.category)], len(template.findings))
            variants.append(_variant(template, surname, findings, rng, vocabulary, seed))
    return variants


def _variant(template: Study, surname: str, findings: list[Finding], rng: random.Random, vocabulary: Vocabulary,
             seed: int) -> Study:
    exposures = [exposure for finding in findings for exposure in finding.exposures]

    def plus_exposures(own: list[str], scheme: str) -> list[str]:
        known = vocabulary.ids(scheme)
        return _unique([*own, *(exposure for exposure in exposures if exposure in known)])

    key = f"{surname}-{template.citation.year}"
    return template.model_copy(update={
        "key": key,
        "citation": _citation(template.citation, surname, rng),
        "table1": None,
        "discrepancies": [],
        "populations": _unique([*template.populations, *(finding.population for finding in findings)]),
        "support_types": plus_exposures(template.support_types, "support-types"),
        "support_sources": plus_exposures(template.support_sources, "support-sources"),
        "strategies": plus_exposures(template.strategies, "strategies"),
        "outcomes": _unique(finding.outcome for finding in findings),
        "sections": _unique([*template.sections, *(source.section for finding in findings for source in finding.sources)]),
        "findings": _distinct_ids(findings),
        "readings": [],
        "notes": [f"Synthetic benchmark record (benchmarks/generate.py, seed {seed}) modelled on {template.key}; "
                  "not real evidence."],
    })


def _citation(template: Citation, surname: str, rng: random.Random) -> Citation:
    coauthors = [_author(_surname(rng), rng) for _ in template.authors[1:]]
    # Identifiers and links belong to the real paper: a synthetic one has none.
    return template.model_copy(update={
        "authors": [_author(surname, rng), *coauthors], "doi": None, "pmcid": None, "url": None,
    })


def _author(surname: str, rng: random.Random) -> str:
    initials = " ".join(f"{rng.choice(_INITIALS)}." for _ in range(rng.randint(1, 2)))
    return f"{surname.capitalize()}, {initials}"


def _surname(rng: random.Random) -> str:
    """A pronounceable string of lower-case letters: two to four consonant-vowel syllables, maybe a final consonant."""
    syllables = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 4)))
    return syllables + (rng.choice(_CONSONANTS) if rng.random() < 0.5 else "")


def _unique_surname(rng: random.Random, year: int, taken: set[str]) -> str:
    while True:
        surname = _surname(rng)
        if f"{surname}-{year}" not in taken:
            taken.add(f"{surname}-{year}")
            return surname


def _distinct_ids(findings: list[Finding]) -> list[Finding]:
    """Findings drawn from different studies may share an id; number the repeats."""
    seen: set[str] = set()
    renamed = []
    for finding in findings:
        finding_id, number = finding.id, 1
        while finding_id in seen:
            number += 1
            finding_id = f"{finding.id}-{number}"
        seen.add(finding_id)
        renamed.append(finding if finding_id == finding.id else finding.model_copy(update={"id": finding_id}))
    return renamed


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def dump_study(study: Study) -> str:
    return yaml.dump(study.model_dump(mode="json"), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=_positive, required=True, help="studies per curated study (1, 10, 100, 1000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="folder to create (must not exist)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        generated = generate(arguments.out, arguments.scale, arguments.seed)
    except SskgError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"{generated.folder}: {generated.studies} studies, {generated.findings} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
