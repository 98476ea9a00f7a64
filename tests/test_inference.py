"""Queries whose answers exist only after reasoning return less on the asserted-only graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from sskg.graphbuild.build import BuildResult
from sskg.rdf_io import merge
from sskg.queries.catalogue import get_query
from sskg.queries.runner import run_query

from .conftest import needs_java

INFERENCE_QUERIES = ["strategies", "strategy-evidence", "non-western-evidence", "findings-by-outcome-family",
                     "studies-by-support-type-strategy", "effect-on-recovery"]


@needs_java
@pytest.mark.parametrize("name", INFERENCE_QUERIES)
def test_query_needs_the_reasoner(built: tuple[BuildResult, Path], name: str) -> None:
    result, _ = built
    entry = get_query(name)
    reasoned = run_query(result.whole_graph(), entry.text, entry.bindings({}))
    asserted = run_query(merge(result.ontology, result.asserted), entry.text, entry.bindings({}))
    assert len(asserted.rows) < len(reasoned.rows)
    assert set(asserted.rows) < set(reasoned.rows)


@needs_java
def test_strategy_kinds_follow_the_review(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    entry = get_query("strategies")
    rows = {(str(r[0]), str(r[1])) for r in run_query(result.whole_graph(), entry.text).rows}
    # The review: peer support, clubhouses, recovery communities, football and gardening are direct; housing and money
    # are indirect; network enhancement is "both a direct ... and indirect ... strategy".
    for strategy in ("peer-support", "clubhouse", "recovery-community", "football-group", "gardening-programme",
                     "craft-group", "family-group-conferencing"):
        assert (strategy, "direct") in rows and (strategy, "indirect") not in rows, strategy
    for strategy in ("supported-housing", "financial-support"):
        assert (strategy, "indirect") in rows and (strategy, "direct") not in rows, strategy
    assert {("social-network-enhancement", "direct"), ("social-network-enhancement", "indirect")} <= rows
