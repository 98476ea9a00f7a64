"""Outcome polarity and each finding's effect on recovery, with the expected answers worked out by hand from the review.

How the expectations were made: each outcome's polarity was read from the review's words (quoted below where it gives
them); each finding's effect is its direction read against that polarity. Only the findings whose effect is not
favourable are listed; every other finding of the 91 is favourable.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from rdflib import URIRef
from rdflib.namespace import RDF

from sskg.errors import EvidenceError
from sskg.graphbuild.build import BuildResult, build
from sskg.graphbuild.ontology import vocabulary_of
from sskg.namespaces import CONCEPT, FINDING, SSKG
from sskg.queries.catalogue import get_query
from sskg.queries.runner import run_query

from .conftest import REVIEW_TEXT

NOT_FAVOURABLE = {
    # Risk factors: more of them goes with more of an outcome that is worse for recovery.
    # "violence-exposed individuals in high crime neighbourhoods are vulnerable to depressive/anxiety disorders"
    ("stockdale-2007", "violence-high-crime-depressive-anxiety-disorders"): "unfavourable",
    # "people living in socially isolated neighbourhoods" as a high-risk group
    ("stockdale-2007", "isolated-neighbourhood-higher-likelihood-disorders"): "unfavourable",
    # "Being immigrants may be a risk factor for developing mental health problems"
    ("puyat-2013", "immigrant-status-risk-mental-problems"): "unfavourable",
    # immigrants "more vulnerable than others when it comes to the potential of social connectedness"
    ("puyat-2013", "immigrants-vulnerable-social-connectedness"): "unfavourable",
    # "caregivers of people with severe depression had an increased risk of developing depression"
    ("sun-2019", "care-burden-predicts-caregiver-depression"): "unfavourable",
    # "neither social satisfaction variables, nor frequency of social interaction with family members, contributed"
    ("bjornestad-2017", "family-contact-frequency-does-not-predict-recovery"): "no-association",
    ("bjornestad-2017", "relationship-satisfaction-does-not-predict-recovery"): "no-association",
    # Directions recorded as mixed (support depends on the kind of accommodation, on religious beliefs ...).
    ("forrester-jones-2012", "accommodation-type-shapes-support"): "mixed-effect",
    ("owczarzak-2013", "do-it-yourself-ethic-in-accessing-support"): "mixed-effect",
    ("smolak-2013", "religious-beliefs-shape-support-offered"): "mixed-effect",
    ("wesselmann-2015", "religious-beliefs-shape-support-willing-to-give"): "mixed-effect",
    # Service use: the review does not say whether more use is better or worse.
    ("andrea-2016", "adequate-support-non-mental-health-provider"): "unclear-effect",
    ("andrea-2016", "adequate-support-lower-mental-health-service-use"): "unclear-effect",
    ("smolak-2013", "preference-religious-professionals-caution-mental-health"): "unclear-effect",
}

# Findings whose direction the review does not state in so many words (the curators' reading).
CURATORS_DIRECTIONS = {
    ("baiden-2017", "social-support-strongest-factor-unmet-needs"),  # "Social support was the strongest factor"
    ("forrester-jones-2012", "networks-larger-than-earlier-studies"),
    ("forrester-jones-2012", "accommodation-type-shapes-support"),
    ("gidugu-2015", "critical-aspects-of-peer-specialist-role"),
    ("kogstad-2013", "income-situation-significant-for-well-being"),  # "another significant factor"
    ("owczarzak-2013", "do-it-yourself-ethic-in-accessing-support"),
    ("prince-2018", "connections-impact-recovery"),  # "have an important impact on the recovery process"
    ("smidl-2017", "connections-impact-recovery"),
    ("webber-2017", "connections-impact-recovery"),
    ("webber-2017", "social-interventions-impact-recovery"),  # "a great impact on recovery"
    ("smolak-2013", "preference-religious-professionals-caution-mental-health"),
    ("smolak-2013", "religious-beliefs-shape-support-offered"),  # "influence the type of social support"
    ("sun-2019", "care-burden-predicts-caregiver-depression"),  # "predictors of depression"
    ("sun-2019", "income-status-strong-networks"),  # "plays an important role"
    ("wesselmann-2015", "religious-beliefs-shape-support-willing-to-give"),
}


def _finding(study: str, finding: str) -> URIRef:
    return FINDING[f"{study}/{finding}"]


def _effects(result: BuildResult) -> dict[URIRef, str]:
    return {f: str(e)[len(CONCEPT):] for f, e in result.reasoning.inferred.subject_objects(SSKG.effectOnRecovery)}


def test_every_finding_has_the_effect_worked_out_from_the_review(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    findings = set(result.asserted.subjects(RDF.type, SSKG.Finding))
    effects = _effects(result)
    assert set(effects) == findings and len(findings) == 91
    expected = {f: NOT_FAVOURABLE.get((str(f)[len(FINDING):].split("/")[0], str(f).split("/")[-1]), "favourable")
                for f in findings}
    assert effects == expected
    assert sum(effect == "favourable" for effect in effects.values()) == 77


def test_a_negative_association_can_be_good_news(built: tuple[BuildResult, Path]) -> None:
    """What the raw sign hides: less of an outcome that harms recovery is favourable."""
    effects = _effects(built[0])
    # "combat the social isolation that can lead to a relapse or other adverse consequences"
    assert effects[_finding("prince-2018", "clubhouse-features-combat-isolation")] == "favourable"
    # "individuals with high social support had lower odds of reporting mental disorders"
    assert effects[_finding("puyat-2013", "high-support-lower-odds-mental-disorder")] == "favourable"
    # "The lack of social support ... seems to ... intensify both symptoms and suffering"
    assert effects[_finding("baiden-2017", "lack-of-support-intensifies-symptoms")] == "favourable"
    # "increased social support was positively associated with the quality of life"
    assert effects[_finding("munikanan-2017", "social-support-quality-of-life-positive")] == "favourable"


def test_outcome_polarities_follow_the_review(built: tuple[BuildResult, Path]) -> None:
    asserted = built[0].asserted
    polarity = {str(o)[len(CONCEPT):]: str(p)[len(CONCEPT):] for o, p in asserted.subject_objects(SSKG.recoveryPolarity)}
    basis = {str(o)[len(CONCEPT):]: str(b)[len(CONCEPT):] for o, b in asserted.subject_objects(SSKG.polarityBasis)}
    outcomes = vocabulary_of(built[0].ontology).ids("outcomes")
    assert set(polarity) == outcomes == set(basis)
    stated = {
        "symptoms": ("more-is-worse", "intensify both symptoms and suffering"),
        "relapse": ("more-is-worse", "the social isolation that can lead to a relapse or other adverse consequences"),
        "social-isolation": ("more-is-worse", "in order to combat the social isolation"),
        "mental-disorder": ("more-is-worse", "or the worsening of an already existing mental health problem"),
        "quality-of-life": ("more-is-better", "it enhances recovery and the quality of life"),
        "recovery": ("more-is-better", "as well as the facilitation of recovery from mental health problems"),
        "help-seeking": ("more-is-better", "still experience barriers in seeking help"),
    }
    for outcome, (value, words) in stated.items():
        assert (polarity[outcome], basis[outcome]) == (value, "stated-in-review"), outcome
        assert words in REVIEW_TEXT
        location = asserted.value(CONCEPT[outcome], SSKG.polarityStatedAt)
        assert location is not None and (location, RDF.type, SSKG.ProvenanceLocation) in asserted
    for outcome in ("mental-health-service-use", "general-health-service-use"):
        assert (polarity[outcome], basis[outcome]) == ("polarity-unclear", "curators-reading")
        assert asserted.value(CONCEPT[outcome], SSKG.polarityNote) is not None
    assert (polarity["unmet-needs"], basis["unmet-needs"]) == ("more-is-worse", "curators-reading")


def test_directions_the_review_does_not_state_are_marked(built: tuple[BuildResult, Path]) -> None:
    asserted = built[0].asserted
    bases = {(str(f)[len(FINDING):].split("/")[0], str(f).split("/")[-1]): str(b)[len(CONCEPT):]
             for f, b in asserted.subject_objects(SSKG.directionBasis)}
    assert len(bases) == 91
    assert {key for key, basis in bases.items() if basis == "curators-reading"} == CURATORS_DIRECTIONS
    for study, finding in CURATORS_DIRECTIONS:
        assert asserted.value(_finding(study, finding), SSKG.directionNote) is not None


def test_catalogue_query_lists_the_effects(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    entry = get_query("effect-on-recovery")
    answer = run_query(result.whole_graph(), entry.text, entry.bindings({}))
    assert [str(v) for v in answer.variables] == ["study_key", "finding", "exposure", "outcome", "direction",
                                                  "polarity", "effect", "basis"]
    rows = [{str(v): str(t) for v, t in zip(answer.variables, row)} for row in answer.rows]
    effects = {(r["study_key"], r["finding"]): r["effect"] for r in rows}
    assert len(effects) == 91
    assert {key: effect for key, effect in effects.items() if effect != "favourable"} == NOT_FAVOURABLE
    smolak = next(r for r in rows if r["finding"] == "preference-religious-professionals-caution-mental-health")
    assert (smolak["direction"], smolak["polarity"], smolak["basis"]) == ("negative", "polarity-unclear", "curators-reading")
    andrea = next(r for r in rows if r["finding"] == "adequate-support-help-seeking")
    assert (andrea["polarity"], andrea["effect"], andrea["basis"]) == ("more-is-better", "favourable", "stated-in-review")


def test_the_effect_follows_the_polarity(evidence_copy: Path) -> None:
    """Read symptoms as better the more there are, and the finding on them turns unfavourable: the rule computes it."""
    review = evidence_copy / "review.yaml"
    data = yaml.safe_load(review.read_text(encoding="utf-8"))
    for entry in data["outcome_polarities"]:
        if entry["outcome"] == "symptoms":
            entry.update(polarity="more-is-better", basis="curators-reading", note="A test reading.")
            entry.pop("stated")
    review.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    effects = _effects(build(evidence_copy))
    assert effects[_finding("baiden-2017", "lack-of-support-intensifies-symptoms")] == "unfavourable"
    assert effects[_finding("puyat-2013", "lack-of-support-intensifies-symptoms")] == "unfavourable"


@pytest.mark.parametrize("change, message", [
    (lambda entries: entries.pop(), "no polarity for outcome"),
    (lambda entries: entries.append(copy.deepcopy(entries[0])), "has two polarities"),
    (lambda entries: entries[0].pop("stated"), "needs stated"),
    (lambda entries: entries[8].pop("note"), "needs a note"),
])
def test_polarity_records_are_checked(evidence_copy: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    review = evidence_copy / "review.yaml"
    data = yaml.safe_load(review.read_text(encoding="utf-8"))
    change(data["outcome_polarities"])
    review.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(EvidenceError, match=message) as error:
        build(evidence_copy, reasoner="none")
    assert "review.yaml" in str(error.value)
