"""Quotes are found in the review text up to differences in white space, at their first place."""

from __future__ import annotations

import pytest

from sskg.graphbuild.source_text import SourceText, Span

TEXT = "Social\u00a0 support\n\naids  recovery.\tSocial support aids recovery. "


@pytest.mark.parametrize(("quote", "span"), [
    ("Social support aids recovery.", Span(0, 32)),  # the first of two places
    ("  support \n aids ", Span(8, 21)),
    ("recovery. Social", Span(23, 39)),
    ("aids recovery. ", Span(17, 32)),
    ("relapse", None),
    (" \n ", None),
])
def test_find(quote: str, span: Span | None) -> None:
    source = SourceText(TEXT)
    assert source.find(quote) == span
    assert source.find(quote) == span  # a repeated quote gives the same answer


def test_span_covers_the_words() -> None:
    source = SourceText(TEXT)
    span = source.find("support aids")
    assert span is not None and source.text[span.start:span.end].split() == ["support", "aids"]
