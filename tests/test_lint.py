"""The lint for own queries: undefined sskg:/sskgc: terms are warned about, with the nearest defined term."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sskg.cli import main
from sskg.errors import QueryError
from sskg.graphbuild.build import BuildResult
from sskg.queries.catalogue import load_catalogue
from sskg.queries.lint import lint
from sskg.queries.vocabulary import ontology_terms

PREFIXES = """PREFIX sskg: <https://w3id.org/sskg/ontology/>
PREFIX sskgc: <https://w3id.org/sskg/concept/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
STUDY_TYPO = PREFIXES + "SELECT ?s WHERE { ?s a sskg:Study }"


def messages(text: str) -> list[str]:
    return [warning.message for warning in lint(text)]


def test_an_undefined_class_suggests_the_defined_one() -> None:
    assert messages(STUDY_TYPO)[0].startswith("sskg:Study is not defined in the sskg ontology; did you mean sskg:IncludedStudy")


def test_the_place_of_a_term_decides_what_is_suggested() -> None:
    warnings = {warning.term.split("/")[-1]: warning for warning in lint(PREFIXES + """SELECT * WHERE {
        ?s sskg:reportFinding ?f ; sskg:conductedIn/sskg:kee ?k ; ^sskg:fromStudyy ?g .
        ?f a sskg:Findng . FILTER (?k != sskgc:norwya) }""")}
    assert set(warnings) == {"reportFinding", "kee", "fromStudyy", "Findng", "norwya"}
    assert (warnings["reportFinding"].role, warnings["reportFinding"].suggestions[0].split("/")[-1]) == ("property", "reportsFinding")
    assert warnings["kee"].suggestions[0].endswith("/key") and warnings["fromStudyy"].suggestions[0].endswith("/fromStudy")
    assert (warnings["Findng"].role, warnings["Findng"].suggestions[0].split("/")[-1]) == ("class", "Finding")
    assert warnings["norwya"].suggestions[0].endswith("/concept/norway")
    for warning in warnings.values():
        assert all(ontology_terms()[term].role == warning.role for term in warning.suggestions if warning.role != "term")


def test_defined_terms_comments_strings_and_other_vocabularies_pass() -> None:
    assert lint(PREFIXES + """# sskg:NotATerm in a comment
        SELECT ?s WHERE { ?s a sskg:IncludedStudy ; rdfs:labelz ?l . FILTER (STR(?s) != "sskg:Nope") }""") == []


def test_every_catalogue_query_lints_clean() -> None:
    for entry in load_catalogue().values():
        assert lint(entry.text) == [], entry.name


def test_a_broken_query_is_an_error_not_a_warning() -> None:
    with pytest.raises(QueryError, match="syntax error"):
        lint("SELECT ?s WHERE { ?s ?p }")


def test_cli_warns_on_stderr_and_says_why_no_rows(built: tuple[BuildResult, Path]) -> None:
    graph_file = str(built[1] / "sskg.ttl")
    result = CliRunner().invoke(main, ["query", "--graph", graph_file, "--sparql", STUDY_TYPO, "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout == "s\n"
    assert "warning: sskg:Study is not defined in the sskg ontology; did you mean sskg:IncludedStudy" in result.stderr
    assert "note: the query found no rows, and it uses sskg:Study, which the sskg ontology does not define" in result.stderr
    fixed = CliRunner().invoke(main, ["query", "--graph", graph_file, "--sparql", STUDY_TYPO.replace("Study", "IncludedStudy"),
                                      "--format", "csv", "--ids"])
    assert fixed.stderr == "" and len(fixed.stdout.splitlines()) > 1
