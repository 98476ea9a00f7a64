"""The JSON the overview and the gap map share: studies with their citations, findings with their
effect on recovery and where the review states them, the effect palette and the filter values.

Both pages show a study or a finding from these same records, with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable

from .evidence import NOT_DERIVED, Effect, Evidence, Finding, Study

CURATORS_READING = "/curators-reading"  # sskgc:curators-reading, the basis of a direction or a polarity
# The filters of both pages, in the order they are shown; `strategy-kind` stays a graph-view filter.
FILTERS = (("theme", "Theme"), ("support", "Support type"), ("population", "Population"),
           ("design", "Design"), ("country", "Country"))


def effects_json(evidence: Evidence) -> dict[str, object]:
    """The effects in legend order, and how a finding with none derived is shown."""
    def entry(e: Effect) -> dict[str, object]:
        return {"name": e.name, "label": e.label, "colour": e.colour, "glyph": e.glyph, "dashes": list(e.dashes), "ink": ink(e.colour)}

    return {"effects": [entry(e) for e in evidence.effects], "not_derived": entry(NOT_DERIVED)}


def ink(background: str) -> str:
    """Black or white text, whichever contrasts more with the background."""
    red, green, blue = (int(background[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def study_json(evidence: Evidence, study: Study) -> dict[str, object]:
    citation = study.citation
    fields = study.fields
    sample = [f"N = {size}" for size in fields.get("size", ())] + list(fields.get("sample", ()))
    return {
        "key": study.key,
        "label": study.label,
        "year": study.year,
        "authors": list(citation.authors),
        "title": citation.title,
        "citation": citation.text(),
        "links": [{"text": text, "href": href} for text, href in citation.links()],
        "facets": {facet: list(study.facets.get(facet, ())) for facet, _ in FILTERS},
        "design": ", ".join(evidence.label(value) for value in study.facets.get("design", ())),
        "designs": [evidence.label(value) for value in fields.get("designs", ())],
        "country": ", ".join(evidence.label(value) for value in study.facets.get("country", ())),
        "aim": " ".join(fields.get("aim", ())),
        "sample": sample,
        "findings": list(study.findings),
    }


def finding_json(evidence: Evidence, finding: Finding) -> dict[str, object]:
    outcome = finding.outcome
    family = evidence.family(outcome)
    polarity = evidence.link(outcome, "polarity") if outcome else ()
    polarity_text = evidence.label(polarity[0]) if polarity else ""
    if polarity and polarity[0].rsplit("/", 1)[-1] in ("more-is-better", "more-is-worse"):
        polarity_text += " for recovery"
    return {
        "study": finding.study,
        "statement": finding.statement,
        "effect": finding.effect,
        "direction": evidence.label(finding.direction),
        "direction_basis": evidence.label(finding.direction_basis),
        "outcome": outcome,
        "outcome_label": evidence.label(outcome),
        "family": family,
        "polarity": polarity_text,
        "exposures": list(finding.exposures),
        "exposure_labels": [evidence.label(exposure) for exposure in finding.exposures],
        "population": evidence.label(finding.population),
        "estimates": list(finding.estimates),
        "places": [place.text() for place in finding.places],
        "reading": curators_reading(evidence, finding),
    }


def curators_reading(evidence: Evidence, finding: Finding) -> str:
    """In plain words, why a finding's effect on recovery is the curators' reading; "" when the review states it."""
    reasons = []
    if (finding.direction_basis or "").endswith(CURATORS_READING):
        reasons.append("the review does not state which way this finding goes; the curators read it from the review's account")
    polarity_basis = evidence.link(finding.outcome, "polarity_basis") if finding.outcome else ()
    if polarity_basis and polarity_basis[0].endswith(CURATORS_READING):
        reasons.append(f"the review does not say whether more {evidence.label(finding.outcome)} is better or worse for recovery")
    if not reasons:
        return ""
    return "Curators' reading, not the review's words: " + "; and ".join(reasons) + "."


def filter_values(evidence: Evidence, studies: Iterable[Study]) -> dict[str, list[list[str]]]:
    """Every value present among the studies, per filter, labelled, in label order."""
    chosen = list(studies)
    return {facet: sorted(([value, evidence.label(value)] for value in {v for s in chosen for v in s.facets.get(facet, ())}),
                          key=lambda pair: (pair[1].casefold(), pair[0]))
            for facet, _ in FILTERS}


def year_range(studies: Iterable[Study]) -> list[int]:
    years = sorted({study.year for study in studies if study.year is not None})
    return [years[0], years[-1]] if years else [0, 0]
