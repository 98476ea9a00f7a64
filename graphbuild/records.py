"""Typed records of the curated evidence, validated at the edge.

Every model is strict: YAML's silent coercions (`country: NO` → False, `id: 0012` → 10) fail here
instead of reaching the graph. So does what YAML reads but the graph cannot hold: control characters in text
(YAML's "\\x00" and "\\e" escapes), numbers that are not finite (.nan, .inf) or that a measure cannot take, and
IRIs Oxigraph would refuse.
Concept ids (outcomes, strategies ...) are checked against the ontology later, in `evidence.py`, because only the
ontology knows which ids exist.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from sskg.rdf_io import iri_problem

# C0 controls but tab and line ends, DEL and C1 controls (terminal escapes), lone surrogates, XML's non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _printable(text: str) -> str:
    found = _CONTROL.search(text)
    if found is not None:
        raise PydanticCustomError("control_character", "holds the control character {character} at character {position}",
                                  {"character": f"U+{ord(found.group()):04X}", "position": found.start() + 1})
    return text


def _finite(number: int | float) -> int | float:
    if isinstance(number, float) and not math.isfinite(number):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return number


def _web_iri(text: str) -> str:
    problem = iri_problem(text) or (None if re.match(r"https?://", text) else "is not an http(s) address")
    if problem is not None:
        raise PydanticCustomError("not_an_iri", "is not a web address the graph can hold: {problem}", {"problem": problem})
    return text


Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
StudyKey = Annotated[str, Field(pattern=r"^[a-z]+(-[a-z]+)*-(19|20)\d\d[a-z]?$", max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(_printable)]
WebIri = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_web_iri)]
Doi = Annotated[str, Field(pattern=r"^10\.[0-9]{4,9}/[!-~]+$", max_length=300)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Count = Annotated[int, Field(ge=0, le=10**10)]  # more people than live on Earth is a typing error
Number = Annotated[int | float, AfterValidator(_finite)]  # as printed: a count stays 115, a limit printed 1.0 stays 1.0
Direction = Literal["positive", "negative", "none", "mixed"]
# The values an estimate of each measure (ontology scheme `measures`) can take: lowest, highest, whether the bounds
# themselves can be taken. Standardized betas and medians have no bounds.
MEASURE_RANGES = {
    "odds-ratio": (0.0, None, False), "percentage": (0.0, 100.0, True), "correlation": (-1.0, 1.0, True),
    "count": (0.0, None, True),
}
Basis = Literal["stated-in-review", "curators-reading"]


class Record(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Location(Record):
    """Where the review states a fact: a section, optionally a Table 1 cell, and the exact words."""

    section: Slug
    table1_row: Annotated[str, Field(pattern=r"^[ab](1[0-6]|[1-9])$")] | None = None
    quote: Text


class Citation(Record):
    """The study as the review's reference list gives it."""

    authors: list[Text] = Field(min_length=1)
    authors_abbreviated: bool
    year: Year
    title: Text
    journal: Text
    volume: Text | None = None
    issue: Text | None = None
    pages: Text | None = None
    doi: Doi | None = None
    pmcid: Annotated[str, Field(pattern=r"^PMC\d+$")] | None = None
    url: Text | None = None  # as the reference list prints it (one has a space), so a literal, not an IRI
    reference: Location


class Table1Row(Record):
    """The row of the (damaged) Table 1 that describes the study, as printed."""

    row: Annotated[str, Field(pattern=r"^[ab](1[0-6]|[1-9])$")]
    label: Text | None
    quote: Text


class Design(Record):
    category: Slug
    designs: list[Slug] = Field(default_factory=list)
    analysis: Text | None = None
    stated: Location


class Sample(Record):
    size: Annotated[int, Field(ge=1, le=10**10)] | None  # more people than live on Earth is a typing error
    description: Text
    stated: Location | None = None




class Estimate(Record):
    measure: Slug
    value: Number
    ci_lower: Number | None = None
    ci_upper: Number | None = None
    comparison: Text
    subgroup: Text | None = None
    stated: Location

    @model_validator(mode="after")
    def _interval_contains_value(self) -> Estimate:
        if (self.ci_lower is None) != (self.ci_upper is None):
            raise ValueError("give both ci_lower and ci_upper, or neither")
        if self.ci_lower is not None and self.ci_upper is not None and not (self.ci_lower <= self.value <= self.ci_upper):
            raise PydanticCustomError("impossible_estimate", "value {value} lies outside its interval [{low}, {high}]",
                                      {"value": self.value, "low": self.ci_lower, "high": self.ci_upper})
        low, high, inclusive = MEASURE_RANGES.get(self.measure, (None, None, True))
        for name, number in (("value", self.value), ("ci_lower", self.ci_lower), ("ci_upper", self.ci_upper)):
            if number is None:
                continue
            below = low is not None and (number < low if inclusive else number <= low)
            above = high is not None and (number > high if inclusive else number >= high)
            if below or above:
                bounds = (f"{'[' if inclusive else '('}{low if low is not None else '-inf'}, "
                          f"{high if high is not None else 'inf'}{']' if inclusive else ')'}")
                raise PydanticCustomError("impossible_estimate", "{name} {number} is impossible for the measure {measure}, "
                                          "whose values lie in {bounds}",
                                          {"name": name, "number": number, "measure": self.measure, "bounds": bounds})
        return self


def _note_for_reading(basis: Basis, note: str | None, what: str) -> None:
    """A curators' reading says why; a value the review states needs no note."""
    if basis == "curators-reading" and note is None:
        raise ValueError(f"a {what} that is the curators' reading needs a note saying why")
    if basis == "stated-in-review" and note is not None:
        raise ValueError(f"a {what} stated in the review takes no note: cite the review's words instead")


class Finding(Record):
    id: Slug
    statement: Text
    exposures: list[Slug] = Field(min_length=1)
    outcome: Slug
    direction: Direction
    direction_basis: Basis
    direction_note: Text | None = None
    population: Slug
    estimates: list[Estimate] = Field(default_factory=list)
    qualitative_themes: list[Text] = Field(default_factory=list)
    sources: list[Location] = Field(min_length=1)

    @model_validator(mode="after")
    def _direction_note(self) -> Finding:
        _note_for_reading(self.direction_basis, self.direction_note, "direction")
        return self


class ReadingValue(Record):
    value: Text
    stated: Location


class Reading(Record):
    """Two or more places of the review that disagree on one fact, and the one the graph uses."""

    field: Text
    readings: list[ReadingValue] = Field(min_length=2)
    chosen: Annotated[int, Field(ge=0)]
    reason: Text

    @model_validator(mode="after")
    def _chosen_exists(self) -> Reading:
        if self.chosen >= len(self.readings):
            raise ValueError(f"chosen is {self.chosen} but only {len(self.readings)} readings exist")
        return self


class Discrepancy(Record):
    """A Table 1 label that does not match the reference list."""

    problem: Literal["wrong-author", "wrong-year", "missing-label", "misspelt-author", "truncated-cell", "other"]
    detail: Text


class Study(Record):
    key: StudyKey
    citation: Citation
    table1: Table1Row | None = None  # only the review's own 29 studies have a Table 1 row
    discrepancies: list[Discrepancy] = Field(default_factory=list)
    theme: Slug
    subtheme: Slug | None
    country: Slug
    country_stated: Location | None = None
    aim: Text
    design: Design
    sample: Sample
    populations: list[Slug] = Field(min_length=1)
    support_types: list[Slug] = Field(default_factory=list)
    support_sources: list[Slug] = Field(default_factory=list)
    strategies: list[Slug] = Field(default_factory=list)
    outcomes: list[Slug] = Field(default_factory=list)
    sections: list[Slug] = Field(min_length=1)
    findings: list[Finding] = Field(min_length=1)
    readings: list[Reading] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _country_source(self) -> Study:
        if self.country != "not-reported" and self.country_stated is None:
            raise ValueError("country_stated is required unless country is not-reported")
        return self


class Section(Record):
    """A section (or table) of the review, so a fact can say where it stands."""

    id: Slug
    title: Text
    kind: Literal["abstract", "introduction", "methods", "results", "discussion", "conclusion", "table", "references", "front-matter"]
    parent: Slug | None = None


class CitedWork(Record):
    """A work the review cites (not an included study), e.g. the source of a definition."""

    key: StudyKey
    authors: list[Text] = Field(min_length=1)
    authors_abbreviated: bool
    year: Year
    title: Text
    container: Text | None = None
    volume: Text | None = None
    issue: Text | None = None
    pages: Text | None = None
    doi: Doi | None = None
    pmcid: Annotated[str, Field(pattern=r"^PMC\d+$")] | None = None
    url: Text | None = None
    reference: Location


class Item(Record):
    """One member of a list the review gives (closeness factors, intervention categories, levels ...)."""

    id: Slug
    label: Text
    description: Text | None = None
    stated: Location


class ThemeRecord(Record):
    id: Slug
    label: Text
    parent: Slug | None = None
    description: Text
    study_count: Count | None = None
    stated: Location


class FlowStage(Record):
    """A stage of the search flow; `count` is None where the review does not report it."""

    id: Slug
    label: Text
    count: Count | None
    prisma_field: Annotated[str, Field(pattern=r"^[a-z]+(_[a-z]+)*$")] | None = None  # PRISMA 2020 template name
    stated: Location | None = None


class DesignCount(Record):
    category: Slug
    count: Count
    stated: Location


class DefinitionRecord(Record):
    concept: Slug
    text: Text
    sources: list[StudyKey] = Field(default_factory=list)
    stated: Location


class OutcomePolarity(Record):
    """Whether more of an outcome is better or worse for recovery: with the review's words, or the curators' reason."""

    outcome: Slug
    polarity: Literal["more-is-better", "more-is-worse", "polarity-unclear"]
    basis: Basis
    stated: Location | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _grounded(self) -> OutcomePolarity:
        if self.basis == "stated-in-review" and self.stated is None:
            raise ValueError("a polarity stated in the review needs stated: {section: ..., quote: ...}")
        _note_for_reading(self.basis, self.note, "polarity")
        return self


class Criterion(Record):
    id: Slug
    kind: Literal["inclusion", "exclusion"]
    text: Text
    stated: Location


class Review(Record):
    key: StudyKey
    title: Text
    authors: list[Text] = Field(min_length=1)
    year: Year
    journal: Text | None
    journal_note: Text | None = None
    publisher: Text
    license: WebIri
    stated: Location
    curated_on: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]  # the day the curated evidence was last revised
    aim: Text
    keywords: list[Text]
    databases: list[Item] = Field(min_length=1)
    search_start: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
    search_end: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
    search_stated: Location
    process_start: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
    search_updated: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
    process_stated: Location
    search_terms: list[Item] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    flow: list[FlowStage] = Field(min_length=2)
    design_mix: list[DesignCount] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)
    themes: list[ThemeRecord] = Field(min_length=1)
    closeness_factors: list[Item] = Field(default_factory=list)
    intervention_categories: list[Item] = Field(default_factory=list)
    examination_levels: list[Item] = Field(default_factory=list)
    barriers: list[Item] = Field(default_factory=list)
    definitions: list[DefinitionRecord] = Field(default_factory=list)
    outcome_polarities: list[OutcomePolarity] = Field(min_length=1)
    notes: list[Text] = Field(default_factory=list)
