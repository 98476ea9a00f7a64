"""Answers of the catalogue queries, with expectations worked out from the review's text.

(Included studies, effect estimates, search flow, discrepancies, readings, design mix, countries and closeness
factors are in test_curation.py; strategy kinds in test_inference.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.namespace import RDF

from sskg.graphbuild.build import BuildResult
from sskg.namespaces import CONCEPT, SSKG_NS
from sskg.queries.catalogue import get_query
from sskg.queries.runner import run_query

from .conftest import REVIEW_TEXT


@pytest.fixture(scope="module")
def ask(built: tuple[BuildResult, Path]):  # type: ignore[no-untyped-def]
    graph = built[0].whole_graph()

    def rows(name: str, **params: str) -> list[dict[str, object]]:
        entry = get_query(name)
        result = run_query(graph, entry.text, entry.bindings(params))
        return [{v: (None if t is None else t.toPython()) for v, t in zip(result.variables, row)} for row in result.rows]

    return rows


def test_friendship_and_distal_ties(ask) -> None:  # type: ignore[no-untyped-def]
    found = {(r["study_key"], r["exposure"], r["outcome"], r["direction"]) for r in ask("friendship-and-distal-ties")}
    # "frequency of social interactions with friends was a significant positive predictor of clinical recovery"
    assert ("bjornestad-2017", "friends", "clinical-recovery", "positive") in found
    # "distal support can predict both recovery and community integration"
    assert ("townley-2013", "distal-support", "recovery", "positive") in found
    assert ("townley-2013", "distal-support", "community-integration", "positive") in found


def test_what_strategies_provide_and_build(ask) -> None:  # type: ignore[no-untyped-def]
    rows = {(r["strategy"], r["support_type"], r["recovery_capital"]) for r in ask("strategy-support-and-capital")}
    # "help with money matters" is instrumental support (Introduction); money is economic capital (Tew).
    assert ("financial-support", "instrumental-support", "economic-capital") in rows
    # Peer support gives emotional support "by normalizing relationships with others with similar experiences".
    assert any(s == "peer-support" and t == "emotional-support" for s, t, _ in rows)
    strategies = {s for s, _, _ in rows}
    assert {"peer-support", "clubhouse", "recovery-community", "football-group", "gardening-programme", "craft-group",
            "family-group-conferencing", "supported-housing", "financial-support"} <= strategies


def test_indirect_strategy_evidence(ask) -> None:  # type: ignore[no-untyped-def]
    keys = {r["study_key"] for r in ask("strategy-evidence", kind="sskg:IndirectStrategy")}
    # The section "Social support through indirect effect within strategies" discusses these four studies.
    assert {"ljungqvist-2016", "muir-2010", "owczarzak-2013", "webber-2015"} <= keys
    assert "Social support through indirect effect within strategies" in REVIEW_TEXT


def test_findings_for_quality_of_life(ask) -> None:  # type: ignore[no-untyped-def]
    found = {(r["study_key"], r["direction"]) for r in ask("findings-for-outcome", outcome="sskgc:quality-of-life")}
    assert ("munikanan-2017", "positive") in found  # "positively associated with the quality of life"


def test_literature_reviews(ask) -> None:  # type: ignore[no-untyped-def]
    # "three are literature reviews (one explores social support and religion, the second seeks to clarify which form of
    # social support ..., and the third maps social participation interventions ...)"
    assert {r["key"] for r in ask("studies-by-design", design="sskgc:review")} == {
        "smolak-2013", "finfgeld-connett-2005", "webber-2017"}


def test_context_specific_populations(ask) -> None:  # type: ignore[no-untyped-def]
    # "(c) context-specific mental health problems (for example among recent immigrants, caregivers etc.)"
    keys = {r["key"] for r in ask("studies-by-population", group="sskg:ContextSpecificProblems")}
    assert {"puyat-2013", "sun-2019"} <= keys


def test_studies_by_year(ask) -> None:  # type: ignore[no-untyped-def]
    keys = {r["key"] for r in ask("studies-by-year", **{"from": "2016", "to": "2017"})}
    assert keys == {"andrea-2016", "bjornestad-2017", "baiden-2017", "munikanan-2017", "de-jong-2016", "karlsson-2017",
                    "lamont-2017", "ljungqvist-2016", "smidl-2017", "webber-2017"}


def test_studies_per_theme(ask) -> None:  # type: ignore[no-untyped-def]
    rows = ask("studies-per-theme")
    totals: dict[str, int] = {}
    for row in rows:
        totals[str(row["theme"])] = totals.get(str(row["theme"]), 0) + int(row["studies"])  # type: ignore[call-overload]
    assert totals == {"associations": 13, "features": 16}
    subthemes = {row["subtheme"] for row in rows}
    assert {"mental-health-status", "severe-problems-experiences", "direct-strategies", "indirect-strategies"} <= subthemes


def test_provenance_of_bjornestad(ask) -> None:  # type: ignore[no-untyped-def]
    rows = ask("provenance", subject="study:bjornestad-2017")
    assert any(r["section"] == "table-1" and r["table1_row"] == "a2" for r in rows)
    for row in rows:
        start, end = int(row["start"]), int(row["end"])  # type: ignore[call-overload]
        assert REVIEW_TEXT[start:end] == row["quote"]


def test_findings_by_outcome_family_account_for_every_finding(ask, built: tuple[BuildResult, Path]) -> None:  # type: ignore[no-untyped-def]
    rows = ask("findings-by-outcome-family")
    findings = [f for study in built[0].evidence.studies for f in study.findings]
    assert sum(int(r["findings"]) for r in rows) == len(findings)  # type: ignore[call-overload]
    assert any(r["family"] == "clinical" and r["direction"] == "positive" for r in rows)


def test_studies_of_emotional_support_strategies(ask) -> None:  # type: ignore[no-untyped-def]
    rows = {(r["key"], r["strategy"]) for r in ask("studies-by-support-type-strategy")}
    assert ("gidugu-2015", "peer-support") in rows and ("karlsson-2017", "peer-support") in rows
    assert ("whitley-2008", "recovery-community") in rows and ("prince-2018", "clubhouse") in rows
    assert not any(key == "ljungqvist-2016" for key, _ in rows)  # money is instrumental, not emotional


def test_definitions_and_sources(ask) -> None:  # type: ignore[no-untyped-def]
    rows = {(r["concept"], r["source"]) for r in ask("definitions")}
    assert ("recovery", "anthony-1993") in rows  # "(Anthony 1993)"
    assert ("social-support", "finfgeld-connett-2005") in rows  # "(Finfgeld-Connett 2005)"
    assert ("recovery-capital", "tew-2013") in rows  # "Tew (2013) proposes that recovery capital includes four"


def test_review_lists(ask) -> None:  # type: ignore[no-untyped-def]
    rows = ask("review-lists")
    categories = [r["label"] for r in rows if r["list"] == "intervention category"]
    assert categories == ["individual social skills training", "group skills training", "supported community engagement",
                          "group-based community activities", "employment interventions", "peer support interventions"]
    assert len([r for r in rows if r["list"] == "level of examination"]) == 4  # "there are *four levels*"
    assert [r for r in rows if r["list"] == "barrier"]


def test_evidence_gaps_are_real_gaps(ask, built: tuple[BuildResult, Path]) -> None:  # type: ignore[no-untyped-def]
    result = built[0]
    graph = result.whole_graph()
    family_of = {}
    for family in ("ClinicalOutcome", "PersonalRecoveryOutcome", "SocialOutcome", "ServiceUseOutcome", "LivingAndFunctioningOutcome"):
        for outcome in graph.subjects(RDF.type, SSKG_NS[family]):
            family_of[str(outcome)[len(CONCEPT):]] = family
    covered = {(strategy, family_of[f.outcome]) for study in result.evidence.studies for strategy in study.strategies
               for f in study.findings}
    examined = {strategy for study in result.evidence.studies for strategy in study.strategies}
    expected = {(s, fam) for s in examined for fam in set(family_of.values())} - covered
    assert {(r["strategy"], r["outcome_family"]) for r in ask("evidence-gaps")} == expected
