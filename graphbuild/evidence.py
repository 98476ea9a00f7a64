"""Curated evidence files → validated typed records.

Stage one of the pipeline. Nothing here makes triples; everything here can refuse the input with an
error that names the file, the record, the field and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sskg.errors import EvidenceError
from sskg.gc_pause import gc_paused

from .records import CitedWork, Location, Review, Study
from .safe_yaml import load_yaml
from .source_text import SourceText, Span

SOURCE_FILE = Path("source") / "scoping-review.txt"
NOT_REPORTED = "not-reported"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Vocabulary:
    """Concept ids known to the ontology, by scheme (`support-types`, `outcomes` ...)."""

    schemes: Mapping[str, frozenset[str]]
    _unions: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def ids(self, *schemes: str) -> frozenset[str]:
        # Asked for every concept of every record, so each union is made once.
        if schemes not in self._unions:
            self._unions[schemes] = frozenset().union(*(self.schemes.get(name, frozenset()) for name in schemes))
        return self._unions[schemes]


# Which schemes each kind of reference may draw from.
EXPOSURE_SCHEMES = ("support-types", "support-forms", "support-sources", "strategies", "factors")
ALL_SCHEMES = (
    *EXPOSURE_SCHEMES,
    "countries", "design-categories", "designs", "populations", "outcomes", "measures",
    "recovery-capital", "directions", "activities", "review-concepts",
)


@dataclass(frozen=True)
class Evidence:
    """Everything curated, validated, with the span in the source text of every quote."""

    review: Review
    works: tuple[CitedWork, ...]
    studies: tuple[Study, ...]
    source: SourceText
    spans: Mapping[str, Span]  # quote text → where it stands

    def span(self, location: Location) -> Span:
        return self.spans[location.quote]


@gc_paused()
def load_evidence(folder: Path, vocabulary: Vocabulary) -> Evidence:
    """Read and check every evidence file in `folder`."""
    if not folder.is_dir():
        raise EvidenceError(
            "evidence folder not found", file=str(folder), fix="pass --evidence DIR pointing at a folder with review.yaml"
        )
    source_path = folder / SOURCE_FILE
    if not source_path.is_file():
        raise EvidenceError(
            "the review's source text is missing",
            file=str(source_path),
            fix="restore source/scoping-review.txt; every quote is checked against it",
        )
    source = SourceText.read(source_path)
    review = _parse(folder / "review.yaml", Review, record=None)
    works = tuple(_parse_list(folder / "references.yaml", CitedWork))
    studies = tuple(_load_studies(folder / "studies"))
    evidence_files = _Checker(folder, review, works, studies, vocabulary, source)
    spans = evidence_files.check()
    return Evidence(review, works, studies, source, spans)


def _load_studies(folder: Path) -> Iterator[Study]:
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not paths:
        raise EvidenceError(
            "no study files found", file=str(folder), fix="add one <key>.yaml per included study"
        )
    for path in paths:
        study = _parse(path, Study, record=path.stem)
        if study.key != path.stem:
            raise EvidenceError(
                f"key {study.key!r} does not match the file name",
                file=str(path), record=study.key, field="key",
                fix=f"rename the file to {study.key}.yaml or correct the key",
            )
        yield study


def _parse(path: Path, model: type[M], record: str | None) -> M:
    try:
        data = _parse_raw(path)
    except EvidenceError as error:  # the YAML reader knows the file and the field, not the record
        error.record = error.record or record
        raise
    return _validate(data, model, str(path), record)


def _parse_list(path: Path, model: type[M]) -> Iterator[M]:
    data = _parse_raw(path)
    if not isinstance(data, list):
        raise EvidenceError("expected a list of records", file=str(path), fix="start each record with '- '")
    for index, item in enumerate(data):
        name = item.get("key") if isinstance(item, dict) else None
        yield _validate(item, model, str(path), str(name or f"#{index + 1}"))


def _parse_raw(path: Path) -> Any:
    if not path.is_file():
        raise EvidenceError("file not found", file=str(path), fix=f"create {path.name}")
    return load_yaml(path)


def _validate(data: Any, model: type[M], file: str, record: str | None) -> M:
    if isinstance(data, dict) and record is None:
        record = str(data.get("key")) if data.get("key") else None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        # An unknown field explains a "missing" one (a misspelt name), so report it first.
        errors = error.errors()
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        field = _field_path(first["loc"]) or None
        raise EvidenceError(
            _describe(first, data),
            file=file,
            record=_record_name(data, first["loc"]) or record,
            field=field,
            fix=_fix_for(first),
        ) from None


def _field_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _record_name(data: Any, loc: tuple[int | str, ...]) -> str | None:
    """The study key, plus the finding id when the error lies inside a finding."""
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        return None
    name = data["key"]
    if len(loc) >= 2 and loc[0] == "findings" and isinstance(loc[1], int):
        findings = data.get("findings")
        if isinstance(findings, list) and loc[1] < len(findings) and isinstance(findings[loc[1]], dict):
            finding_id = findings[loc[1]].get("id")
            if isinstance(finding_id, str):
                name += f" / finding {finding_id}"
    return name


def _describe(error: Mapping[str, Any], data: Any) -> str:
    value = error.get("input")
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{error['msg']} (got {shown})"


def _fix_for(error: Mapping[str, Any]) -> str:
    value = error.get("input")
    kind = error["type"]
    if kind == "string_type" and isinstance(value, bool):
        return "YAML read this value as a boolean (NO, yes, off ...): put it in quotes"
    if kind == "string_type" and isinstance(value, (int, float)):
        return "YAML read this value as a number (0012 is octal 10, 1.10 is 1.1): put it in quotes"
    if kind in ("int_type", "float_type") and isinstance(value, str):
        if re.fullmatch(r"[-+]?[0-9.]+[eE][-+]?[0-9]+", value.strip()):
            return "YAML reads 1e5 as text: write the number with a point and a sign, as 1.0e+5"
        return "write the number without quotes"
    if kind == "missing":
        return "add the field (see evidence/README.md)"
    if kind == "extra_forbidden":
        return "remove the field or correct its spelling (see evidence/README.md)"
    if kind == "string_pattern_mismatch":
        return "use lower-case letters, digits and hyphens as evidence/README.md describes"
    return _FIXES.get(kind, "correct the value as evidence/README.md describes")


_FIXES = {
    "control_character": "remove the character (a YAML escape such as \\x00 or \\e makes one); text holds tabs and line breaks only",
    "not_an_iri": "write the full address, e.g. https://creativecommons.org/licenses/by/4.0/, with spaces and <>\"{}|\\^` "
                  "percent-encoded (a space is %20)",
    "string_unicode": "remove the \\ud800–\\udfff escape: it is half of a character, not text",
    "finite_number": "give the number the review reports: .nan and .inf are not numbers",
    "impossible_estimate": "check the numbers against the review's words (the quote under stated:)",
    "less_than_equal": "check the number: it is larger than any the review could report",
}


class _Checker:
    """Checks that need more than one record: references between files, concept ids, quotes."""

    def __init__(
        self,
        folder: Path,
        review: Review,
        works: tuple[CitedWork, ...],
        studies: tuple[Study, ...],
        vocabulary: Vocabulary,
        source: SourceText,
    ) -> None:
        self.folder = folder
        self.review = review
        self.works = works
        self.studies = studies
        self.vocabulary = vocabulary
        self.source = source
        self.spans: dict[str, Span] = {}
        self.sections = {section.id for section in review.sections}

    def check(self) -> dict[str, Span]:
        self._check_review()
        self._check_works()
        self._check_studies()
        return self.spans

    # -- helpers -------------------------------------------------------------------------------

    def _fail(self, file: Path, record: str | None, field: str, message: str, fix: str) -> None:
        raise EvidenceError(message, file=str(file), record=record, field=field, fix=fix)

    def _location(self, file: Path, record: str | None, field: str, location: Location | None) -> None:
        if location is None:
            return
        if location.section not in self.sections:
            self._fail(
                file, record, f"{field}.section", f"unknown section {location.section!r}",
                f"use one of the section ids in review.yaml: {', '.join(sorted(self.sections))}",
            )
        if location.table1_row is not None and location.section != "table-1":
            self._fail(file, record, f"{field}.table1_row", "a Table 1 row needs section: table-1",
                       "set section: table-1, or drop table1_row")
        span = self.source.find(location.quote)
        if span is None:
            self._fail(
                file, record, f"{field}.quote", f"quote not found in the review: {location.quote[:60]!r}",
                "copy the words exactly from evidence/source/scoping-review.txt (white space may differ)",
            )
        assert span is not None
        self.spans[location.quote] = span

    def _concepts(self, file: Path, record: str | None, field: str, ids: Iterable[str], *schemes: str) -> None:
        known = self.vocabulary.ids(*schemes)
        for index, concept in enumerate(ids):
            if concept not in known:
                self._fail(
                    file, record, f"{field}[{index}]" if not isinstance(ids, str) else field,
                    f"unknown concept {concept!r}",
                    f"use an id from the ontology's {'/'.join(schemes)} scheme(s), or add the concept to ontology/sskg.ttl",
                )

    def _concept(self, file: Path, record: str | None, field: str, concept: str, *schemes: str) -> None:
        if concept not in self.vocabulary.ids(*schemes):
            self._fail(
                file, record, field, f"unknown concept {concept!r}",
                f"use an id from the ontology's {'/'.join(schemes)} scheme(s): "
                + ", ".join(sorted(self.vocabulary.ids(*schemes))),
            )

    # -- review.yaml ---------------------------------------------------------------------------

    def _check_review(self) -> None:
        file = self.folder / "review.yaml"
        review = self.review
        self._location(file, review.key, "stated", review.stated)
        self._location(file, review.key, "search_stated", review.search_stated)
        self._location(file, review.key, "process_stated", review.process_stated)
        self._unique(file, "sections", [section.id for section in review.sections])
        for index, section in enumerate(review.sections):
            if section.parent is not None and section.parent not in self.sections:
                self._fail(file, section.id, f"sections[{index}].parent", f"unknown section {section.parent!r}",
                           "name a section defined in this list")
        for name in ("databases", "search_terms", "closeness_factors", "intervention_categories", "examination_levels",
                     "barriers"):
            items = getattr(review, name)
            self._unique(file, name, [item.id for item in items])
            for index, item in enumerate(items):
                self._location(file, item.id, f"{name}[{index}].stated", item.stated)
        for index, item in enumerate(review.intervention_categories):
            self._concept(file, item.id, f"intervention_categories[{index}].id", item.id, "strategies")
        for index, criterion in enumerate(review.criteria):
            self._location(file, criterion.id, f"criteria[{index}].stated", criterion.stated)
        self._unique(file, "flow", [stage.id for stage in review.flow])
        for index, stage in enumerate(review.flow):
            self._location(file, stage.id, f"flow[{index}].stated", stage.stated)
            if stage.count is not None and stage.stated is None:
                self._fail(file, stage.id, f"flow[{index}].stated", "a reported count needs a quote",
                           "add stated: {section: ..., quote: ...}")
        for index, count in enumerate(review.design_mix):
            self._concept(file, count.category, f"design_mix[{index}].category", count.category, "design-categories")
            self._location(file, count.category, f"design_mix[{index}].stated", count.stated)
        themes = {theme.id: theme for theme in review.themes}
        self._unique(file, "themes", [theme.id for theme in review.themes])
        for index, theme in enumerate(review.themes):
            if theme.parent is not None and theme.parent not in themes:
                self._fail(file, theme.id, f"themes[{index}].parent", f"unknown theme {theme.parent!r}",
                           "name a theme defined in this list")
            self._location(file, theme.id, f"themes[{index}].stated", theme.stated)
        for index, definition in enumerate(review.definitions):
            self._concept(file, definition.concept, f"definitions[{index}].concept", definition.concept, *ALL_SCHEMES)
            self._location(file, definition.concept, f"definitions[{index}].stated", definition.stated)
        self._check_polarities(file)

    def _check_polarities(self, file: Path) -> None:
        """One polarity for every outcome concept of the ontology, so every finding's effect on recovery follows."""
        seen: set[str] = set()
        for index, entry in enumerate(self.review.outcome_polarities):
            field = f"outcome_polarities[{index}]"
            self._concept(file, entry.outcome, f"{field}.outcome", entry.outcome, "outcomes")
            if entry.outcome in seen:
                self._fail(file, entry.outcome, f"{field}.outcome", f"outcome {entry.outcome!r} has two polarities",
                           "give each outcome one polarity")
            seen.add(entry.outcome)
            self._location(file, entry.outcome, f"{field}.stated", entry.stated)
        missing = sorted(self.vocabulary.ids("outcomes") - seen)
        if missing:
            self._fail(file, missing[0], "outcome_polarities", f"no polarity for outcome(s) {', '.join(missing)}",
                       "add an entry with outcome, polarity, basis and the review's words (stated) or a note")

    def _unique(self, file: Path, field: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for index, item in enumerate(ids):
            if item in seen:
                self._fail(file, item, f"{field}[{index}].id", f"duplicate id {item!r}", "give each entry its own id")
            seen.add(item)

    # -- references.yaml -----------------------------------------------------------------------

    def _check_works(self) -> None:
        file = self.folder / "references.yaml"
        study_keys = {study.key for study in self.studies}
        self._unique(file, "works", [work.key for work in self.works])
        for index, work in enumerate(self.works):
            if work.key in study_keys:
                self._fail(file, work.key, f"[{index}].key", "this work is an included study",
                           f"describe it only in studies/{work.key}.yaml")
            self._location(file, work.key, f"[{index}].reference", work.reference)
        known = study_keys | {work.key for work in self.works}
        review_file = self.folder / "review.yaml"
        for index, definition in enumerate(self.review.definitions):
            for source_index, source in enumerate(definition.sources):
                if source not in known:
                    self._fail(
                        review_file, definition.concept, f"definitions[{index}].sources[{source_index}]",
                        f"no study or cited work with key {source!r}",
                        "add the work to references.yaml, or correct the key",
                    )

    # -- studies/*.yaml ------------------------------------------------------------------------

    def _check_studies(self) -> None:
        themes = {theme.id: theme for theme in self.review.themes}
        rows: dict[str, str] = {}
        for study in self.studies:
            file = self.folder / "studies" / f"{study.key}.yaml"
            key = study.key
            if study.table1 is not None:
                if study.table1.row in rows:
                    self._fail(file, key, "table1.row", f"row {study.table1.row} is already {rows[study.table1.row]}",
                               "each Table 1 row describes one study")
                rows[study.table1.row] = key
                self._location(file, key, "table1", Location(section="table-1", table1_row=study.table1.row, quote=study.table1.quote))
            elif study.discrepancies:
                self._fail(file, key, "discrepancies", "discrepancies need a Table 1 row", "add table1, or drop discrepancies")
            self._location(file, key, "citation.reference", study.citation.reference)
            if study.theme not in themes or themes[study.theme].parent is not None:
                self._fail(file, key, "theme", f"unknown theme {study.theme!r}",
                           "use a top-level theme id of review.yaml (associations or features)")
            if study.subtheme is not None and (
                study.subtheme not in themes or themes[study.subtheme].parent != study.theme
            ):
                self._fail(file, key, "subtheme", f"{study.subtheme!r} is not a sub-theme of {study.theme!r}",
                           "use a sub-theme listed under that theme in review.yaml")
            if study.country != NOT_REPORTED:
                self._concept(file, key, "country", study.country, "countries")
            self._location(file, key, "country_stated", study.country_stated)
            self._concept(file, key, "design.category", study.design.category, "design-categories")
            self._concepts(file, key, "design.designs", study.design.designs, "designs")
            self._location(file, key, "design.stated", study.design.stated)
            self._location(file, key, "sample.stated", study.sample.stated)
            self._concepts(file, key, "populations", study.populations, "populations")
            self._concepts(file, key, "support_types", study.support_types, "support-types")
            self._concepts(file, key, "support_sources", study.support_sources, "support-sources")
            self._concepts(file, key, "strategies", study.strategies, "strategies")
            self._concepts(file, key, "outcomes", study.outcomes, "outcomes")
            for index, section in enumerate(study.sections):
                if section not in self.sections:
                    self._fail(file, key, f"sections[{index}]", f"unknown section {section!r}",
                               "use a section id of review.yaml")
            self._check_findings(file, study)
            for index, reading in enumerate(study.readings):
                for value_index, value in enumerate(reading.readings):
                    self._location(file, key, f"readings[{index}].readings[{value_index}].stated", value.stated)

    def _check_findings(self, file: Path, study: Study) -> None:
        seen: set[str] = set()
        for index, finding in enumerate(study.findings):
            record = f"{study.key} / finding {finding.id}"
            field = f"findings[{index}]"
            if finding.id in seen:
                self._fail(file, record, f"{field}.id", f"duplicate finding id {finding.id!r}",
                           "give each finding of a study its own id")
            seen.add(finding.id)
            self._concepts(file, record, f"{field}.exposures", finding.exposures, *EXPOSURE_SCHEMES)
            self._concept(file, record, f"{field}.outcome", finding.outcome, "outcomes")
            self._concept(file, record, f"{field}.population", finding.population, "populations")
            for estimate_index, estimate in enumerate(finding.estimates):
                self._concept(file, record, f"{field}.estimates[{estimate_index}].measure", estimate.measure, "measures")
                self._location(file, record, f"{field}.estimates[{estimate_index}].stated", estimate.stated)
            for source_index, source in enumerate(finding.sources):
                self._location(file, record, f"{field}.sources[{source_index}]", source)
