"""The curated graph against the review's own text (expectations written from the review, not the graph)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from sskg.graphbuild.build import BuildResult
from sskg.namespaces import BASE
from sskg.queries.catalogue import get_query
from sskg.queries.runner import QueryResult, load_graph, run_query

from .conftest import REVIEW_TEXT

# key: (theme, country as the review gives it, year in the reference list) — body text, Table 1 and references.
STUDIES = {
    "andrea-2016": ("associations", "United States", 2016),
    "bjornestad-2017": ("associations", "Norway", 2017),
    "baiden-2017": ("associations", "Canada", 2017),
    "finfgeld-connett-2005": ("associations", "not reported", 2005),
    "forrester-jones-2012": ("associations", "United Kingdom", 2012),
    "kogstad-2013": ("associations", "Norway", 2013),
    "munikanan-2017": ("associations", "Malaysia", 2017),
    "puyat-2013": ("associations", "Canada", 2013),
    "smolak-2013": ("associations", "United States", 2013),
    "sun-2019": ("associations", "China", 2019),
    "stockdale-2007": ("associations", "United States", 2007),
    "townley-2013": ("associations", "United States", 2013),
    "wesselmann-2015": ("associations", "United States", 2015),
    "de-jong-2016": ("features", "Netherlands", 2016),
    "gidugu-2015": ("features", "United States", 2015),
    "horghagen-2014": ("features", "Norway", 2014),
    "karlsson-2017": ("features", "Norway", 2017),
    "kloos-2009": ("features", "United Kingdom", 2009),
    "langeland-2009": ("features", "Norway", 2009),
    "lamont-2017": ("features", "United Kingdom", 2017),
    "ljungqvist-2016": ("features", "Sweden", 2016),
    "muir-2010": ("features", "Australia", 2010),
    "mckeown-2015": ("features", "United Kingdom", 2015),
    "owczarzak-2013": ("features", "United States", 2013),
    "prince-2018": ("features", "United States", 2018),
    "smidl-2017": ("features", "United States", 2017),
    "webber-2015": ("features", "United Kingdom", 2015),
    "webber-2017": ("features", "United Kingdom", 2017),
    "whitley-2008": ("features", "United States", 2008),
}

# Sample sizes the review states without ambiguity (Bjornestad: the body's 178 over Table 1's 78).
SAMPLE_SIZES = {
    "andrea-2016": 1379, "bjornestad-2017": 178, "baiden-2017": 685, "forrester-jones-2012": 85,
    "kogstad-2013": 850, "munikanan-2017": 160, "puyat-2013": 42556, "sun-2019": 256, "stockdale-2007": 12716,
    "townley-2013": 300, "wesselmann-2015": 202, "gidugu-2015": 19, "horghagen-2014": 22, "karlsson-2017": 26,
    "lamont-2017": 25, "ljungqvist-2016": 100, "prince-2018": 20,
}

# Identifiers embedded in the reference list's links.
IDENTIFIERS = {
    "andrea-2016": ("pmcid", "PMC5560028"),
    "forrester-jones-2012": ("doi", "10.3109/09638237.2011.608743"),
    "kogstad-2013": ("doi", "10.1007/s10597-012-9491-4"),
    "kloos-2009": ("doi", "10.1007/s10464-009-9277-1"),
    "owczarzak-2013": ("pmcid", "PMC4251799"),
    "webber-2017": ("pmcid", "PMC5380688"),
    "mckeown-2015": ("doi", "10.1111/inm.12122"),
    "horghagen-2014": ("doi", "10.3109/11038128.2013.866691"),
    "ljungqvist-2016": ("doi", "10.1007/s10597-015-9950-9"),
    "puyat-2013": ("doi", "10.1007/s10903-012-9658-7"),
    "smolak-2013": ("doi", "10.1007/s10597-012-9536-8"),
    "finfgeld-connett-2005": ("doi", "10.1111/j.1547-5069.2005.00004.x"),
    "townley-2013": ("doi", "10.1007/s10464-013-9578-2"),
}


@pytest.fixture(scope="module")
def graph(built: tuple[BuildResult, Path]):  # type: ignore[no-untyped-def]
    return load_graph(built[1] / "sskg.ttl")


def rows(graph, name: str, **params: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    entry = get_query(name)
    result: QueryResult = run_query(graph, entry.text, entry.bindings(params))
    return [{var: (None if term is None else term.toPython()) for var, term in zip(result.variables, row)} for row in result.rows]


def test_all_29_included_studies_with_theme_country_year(graph) -> None:  # type: ignore[no-untyped-def]
    found = {row["key"]: (row["theme"], row["country"], row["year"]) for row in rows(graph, "included-studies")}
    assert found == STUDIES


def test_theme_counts_match_the_review(graph) -> None:  # type: ignore[no-untyped-def]
    themes = [row["theme"] for row in rows(graph, "included-studies")]
    assert (themes.count("associations"), themes.count("features")) == (13, 16)
    assert "13 papers were oriented to the first topic (a) and 16 were oriented to the second topic (b)" in REVIEW_TEXT


def test_sample_sizes(graph) -> None:  # type: ignore[no-untyped-def]
    found = {row["key"]: row["sample_size"] for row in rows(graph, "included-studies")}
    assert {key: found[key] for key in SAMPLE_SIZES} == SAMPLE_SIZES


def test_identifiers_from_reference_links(built: tuple[BuildResult, Path]) -> None:
    studies = {study.key: study for study in built[0].evidence.studies}
    for key, (kind, value) in IDENTIFIERS.items():
        assert getattr(studies[key].citation, kind) == value, key
        assert value.replace("/", "%2F") in REVIEW_TEXT or value in REVIEW_TEXT


def test_no_identifier_is_invented(built: tuple[BuildResult, Path]) -> None:
    for study in built[0].evidence.studies:
        for value in (study.citation.doi, study.citation.pmcid):
            if value:
                assert value in REVIEW_TEXT or value.replace("/", "%2F") in REVIEW_TEXT, (study.key, value)


def test_titles_match_the_reference_list(built: tuple[BuildResult, Path]) -> None:
    for study in built[0].evidence.studies:
        assert study.citation.title in REVIEW_TEXT, study.key


def test_andrea_odds_ratios(graph) -> None:  # type: ignore[no-untyped-def]
    found = {
        (row["value"], row["ci_lower"], row["ci_upper"])
        for row in rows(graph, "effect-estimates")
        if row["study_key"] == "andrea-2016" and row["measure"] == "odds-ratio"
    }
    expected = {(Decimal("2.6"), Decimal("1.3"), Decimal("5.3")), (Decimal("3.2"), Decimal("1.2"), Decimal("8.7")),
                (Decimal("0.4"), Decimal("0.2"), Decimal("1.0"))}
    assert found == expected
    for text in ("2.6 (1.3–5.3)", "3.2 (1.2–8.7)", "0.4 (0.2–1.0)"):
        assert text in REVIEW_TEXT


def test_baiden_percentages(graph) -> None:  # type: ignore[no-untyped-def]
    values = {row["value"] for row in rows(graph, "effect-estimates") if row["study_key"] == "baiden-2017"}
    assert {Decimal("19.6"), Decimal("68"), Decimal("32")} <= values


def test_search_flow(graph) -> None:  # type: ignore[no-untyped-def]
    flow = [(row["stage"], row["count"]) for row in rows(graph, "search-flow")]
    counts = [count for _, count in flow]
    assert [c for c in counts if c is not None] == [2819, 53, 29]
    assert counts[0] == 2819 and counts[-1] == 29
    assert None in counts  # the review does not report every stage


def test_non_western_studies(graph) -> None:  # type: ignore[no-untyped-def]
    assert {row["key"] for row in rows(graph, "non-western-evidence")} == {"munikanan-2017", "sun-2019"}
    assert "except two (Malaysia and China)" in REVIEW_TEXT


def test_norwegian_studies(graph) -> None:  # type: ignore[no-untyped-def]
    found = {row["key"] for row in rows(graph, "studies-by-country", country="sskgc:norway")}
    assert found == {"bjornestad-2017", "kogstad-2013", "horghagen-2014", "karlsson-2017", "langeland-2009"}


def test_closeness_factors_in_order(graph) -> None:  # type: ignore[no-untyped-def]
    factors = [str(row["factor"]).lower() for row in rows(graph, "closeness-factors")]
    assert len(factors) == 9
    for position, word in enumerate(["work", "repeated", "non-judgemental", "evening", "social skills", "power",
                                     "similar experiences", "flexibl", "outreach"]):
        assert word in factors[position], (position, factors[position])


def test_table1_discrepancies(graph) -> None:  # type: ignore[no-untyped-def]
    found = {(row["study_key"], row["problem"]) for row in rows(graph, "table1-discrepancies")}
    # Labels printed with a wrong year: Forrest (2019), Wesselmann (2019), Langer (2008), Owzard (2019), Enabli (2019), Davidson (2019).
    for key in ("forrester-jones-2012", "wesselmann-2015", "langeland-2009", "owczarzak-2013", "de-jong-2016", "ljungqvist-2016"):
        assert (key, "wrong-year") in found, key
    for key in ("stockdale-2007", "townley-2013", "mckeown-2015"):
        assert (key, "missing-label") in found, key
    keys = {key for key, _ in found}
    assert {"baiden-2017", "munikanan-2017", "smidl-2017", "muir-2010", "horghagen-2014"} <= keys


def test_contradictions_are_recorded(graph) -> None:  # type: ignore[no-untyped-def]
    readings = rows(graph, "conflicting-readings")
    bjornestad = {(row["reading"], row["chosen"]) for row in readings if row["study_key"] == "bjornestad-2017"}
    assert ("178", True) in bjornestad and ("78", False) in bjornestad
    assert any(row["study_key"] == "webber-2017" for row in readings)
    assert any(row["study_key"] == "smolak-2013" for row in readings)


def test_design_mix_stated_counts(graph) -> None:  # type: ignore[no-untyped-def]
    stated = {row["category"]: row["stated"] for row in rows(graph, "design-mix")}
    assert stated == {"qualitative": 9, "quantitative": 13, "review": 3, "conceptual": 2, "mixed-methods": 1, "case-study": 1}


def test_every_quote_is_in_the_review(built: tuple[BuildResult, Path]) -> None:
    evidence = built[0].evidence
    for quote, span in evidence.spans.items():
        assert evidence.source.text[span.start:span.end].split() == quote.split()


def _number_forms(value: float) -> set[str]:
    text = repr(value).rstrip("0").rstrip(".") if "." in repr(value) else repr(value)
    forms = {text, repr(value)}
    if value == int(value):
        forms |= {str(int(value)), f"{int(value):,}"}
    return forms


def test_every_number_stands_in_its_quote(built: tuple[BuildResult, Path]) -> None:
    """Numbers are copied, never paraphrased: each estimate and sample size appears in the words it cites."""
    for study in built[0].evidence.studies:
        if study.sample.size is not None and study.sample.stated is not None:
            quote = study.sample.stated.quote
            assert _number_forms(study.sample.size) & {w for w in _numbers_in(quote)}, (study.key, quote)
        for finding in study.findings:
            for estimate in finding.estimates:
                numbers = _numbers_in(estimate.stated.quote)
                for value in (estimate.value, estimate.ci_lower, estimate.ci_upper):
                    if value is not None:
                        assert _number_forms(value) & numbers, (study.key, finding.id, value, estimate.stated.quote)


NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                "nine": "9", "ten": "10", "twelve": "12", "thirteen": "13", "sixteen": "16", "forty-three": "43"}


def _numbers_in(text: str) -> set[str]:
    found = set(re.findall(r"\d[\d,]*(?:\.\d+)?", text))
    words = {NUMBER_WORDS[word] for word in re.findall(r"[a-z-]+", text.lower()) if word in NUMBER_WORDS}
    return found | words | {number.replace(",", "") for number in found}


def _fragments(cell: str) -> bool:
    """Two or more word stumps of at most three letters, as the damaged Table 1 cells hold ('By by de st th ...')."""
    stumps = cell.split()
    return len(stumps) >= 2 and all(len(stump.strip(":'")) <= 3 for stump in stumps)


def test_every_damaged_last_cell_is_recorded(built: tuple[BuildResult, Path]) -> None:
    """Read from the review's text: a row whose last cell is only word stumps, or is empty under a heading that is,
    has a truncated-cell discrepancy that quotes the stumps."""
    evidence = built[0].evidence
    lines = evidence.source.text.split("\n")
    checked = []
    for study in evidence.studies:
        assert study.table1 is not None
        start = evidence.source.find(study.table1.quote).start  # type: ignore[union-attr]
        number = evidence.source.text.count("\n", 0, start)
        last = lines[number].split("\t")[-1].strip()
        heading = next(line for line in reversed(lines[:number + 1]) if line.startswith("Review"))
        heading_last = heading.split("\t")[-1].strip()
        damaged = last if _fragments(last) else heading_last if not last and _fragments(heading_last) else None
        if damaged:
            checked.append(study.key)
            details = [d.detail for d in study.discrepancies if d.problem == "truncated-cell"]
            assert any(damaged in detail for detail in details), (study.key, damaged)
    # Rows a1, a3, a4, b3, b4, b5, b6, b7, b10, b12, b15 hold stumps; b8, b9 and b11 are empty under stumps.
    assert set(checked) == {"andrea-2016", "baiden-2017", "finfgeld-connett-2005", "horghagen-2014", "karlsson-2017",
                            "kloos-2009", "langeland-2009", "lamont-2017", "mckeown-2015", "prince-2018", "webber-2017",
                            "ljungqvist-2016", "muir-2010", "owczarzak-2013"}


def test_the_review_search_in_the_graph(graph) -> None:  # type: ignore[no-untyped-def]
    # "The scope process began in February 2018 and we had an updated search January 2020."
    assert "The scope process began in February 2018 and we had an updated search January 2020." in REVIEW_TEXT
    found = [(row["part"], row["order"], row["value"]) for row in rows(graph, "search-strategy")]
    assert found[:4] == [("process began", 1, "2018-02"), ("search updated", 1, "2020-01"),
                         ("period from", 1, "2000-01"), ("period to", 1, "2020-01")]
    terms = [value for part, _, value in found if part == "search term"]
    assert terms == ["Community Mental health services", "Mental health services", "Social support",
                     "Mental health recovery", "Community mental health work", "Psychosocial interventions",
                     "Social Work, psychiatric"]
    assert ("'Community Mental health services,' 'Mental health services,' 'Social support,' 'Mental health recovery,' "
            "'Community mental health work,' 'Psychosocial interventions,' and 'Social Work, psychiatric.'") in REVIEW_TEXT
    assert [value for part, _, value in found if part == "database"] == [
        "Social Science Premium Collection", "CINAHL", "SweMed+", "Idunn", "PsychInfo Ovid"]
    quotes = {row["quote"] for row in rows(graph, "provenance", subject="review:bjorlykhaug-2021")}
    assert "The scope process began in February 2018 and we had an updated search January 2020." in quotes


# The review's reference list abbreviates long author lists as the first six, "...", and the last.
ABBREVIATED_AUTHORS = {
    "study/bjornestad-2017": "Bjornestad, J., Velden Hegelstad, W., Joa, I., Davidson, L., Larsen, T. K., Melle, I., "
                             "... Bronnick, K. 2017.",
    "study/forrester-jones-2012": "Forrester-Jones, R., Carpenter, J., Coolen-Schrijner, P., Cambridge, P., Tate, A., "
                                  "Hallam, A., ... Wooff, D. 2012.",
    "study/munikanan-2017": "Munikanan, T., Midin, M., Daud, T. I. M., Rahim, R. A., Bakar, A. K. A., Jaafar, N. R. N., "
                            "... Baharuddin, N. 2017.",
}


@pytest.mark.parametrize("node, opening", sorted(ABBREVIATED_AUTHORS.items()))
def test_abbreviated_author_lists_read_as_the_review_prints_them(built: tuple[BuildResult, Path], node: str,
                                                                 opening: str) -> None:
    citation = str(built[0].asserted.value(URIRef(BASE + node), DCTERMS.bibliographicCitation))
    assert citation.startswith(opening), citation
