"""Bad input gets a message, never a traceback: file, record and field (or the flag), how to fix it, exit 2.

The classes: numbers YAML reads but Python or the graph cannot hold; text the graph's formats cannot carry
(control characters); values that become IRIs; numbers that are not finite or that a measure cannot take;
query files that are not text; catalogue parameters that pass a loose check. Each case runs `sskg` itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from sskg.cli import main
from sskg.errors import QueryError
from sskg.queries.catalogue import load_catalogue
from sskg.queries.runner import load_graph, run_query
from sskg.queries.server import ServerConfig

from .conftest import serving
from .test_server import call

STUDY = "studies/andrea-2016.yaml"
SIZE = "size: 1379"
AIM = "aim: \"Examine how social"
VALUE = "        value: 2.6\n"
LOWER = "        ci_lower: 1.3\n"
UPPER = "        ci_upper: 5.3\n"
LICENSE = 'license: "http://creativecommons.org/licenses/by-nc-nd/4.0/"'
ESTIMATE = "findings[0].estimates[0]"

EVIDENCE_CASES = [
    # (file, old text, new text, record named, field named, words of the message or the fix)
    # numbers YAML reads that Python cannot convert, or the graph cannot hold
    (STUDY, SIZE, "size: " + "9" * 5000, "andrea-2016", "sample.size", "5000 digits"),
    (STUDY, SIZE, "size: 99999999999999999999", "andrea-2016", "sample.size", "beyond 64 bits"),
    (STUDY, SIZE, "size: 0x" + "f" * 60, "andrea-2016", "sample.size", "beyond 64 bits"),
    (STUDY, SIZE, "size: 9999999999999", "andrea-2016", "sample.size", "less than or equal"),
    (STUDY, "  year: 2016", "  year: " + "2" * 5000 + "  # a\tnote", "andrea-2016", "citation.year", "5000 digits"),  # the pure loader
    ("references.yaml", "  year: 2015", "  year: " + "1" * 5000, "jacob-2015", "year", "5000 digits"),
    ("review.yaml", "year: 2021", "year: " + "1" * 5000, None, "year", "5000 digits"),
    # values that become IRIs
    ("review.yaml", LICENSE, 'license: "http://creativecommons.org/licenses/by-nc-nd/4.0/>"', "bjorlykhaug-2021", "license", "Invalid IRI"),
    ("review.yaml", LICENSE, 'license: "http://creativecommons.org/licenses/by nc nd/"', "bjorlykhaug-2021", "license", "%20"),
    ("review.yaml", LICENSE, 'license: "javascript:alert(1)"', "bjorlykhaug-2021", "license", "http"),
    ("review.yaml", LICENSE, 'license: "licenses/by/4.0/"', "bjorlykhaug-2021", "license", "absolute"),
    ("review.yaml", LICENSE, 'license: "urn:x:y"', "bjorlykhaug-2021", "license", "http"),
    # characters no output format can carry (YAML escapes make them)
    (STUDY, AIM, 'aim: "Examine\\x00 how social', "andrea-2016", "aim", "U+0000"),
    (STUDY, AIM, 'aim: "Examine\\e how social', "andrea-2016", "aim", "U+001B"),
    (STUDY, AIM, 'aim: "Examine\\x9b how social', "andrea-2016", "aim", "U+009B"),  # the terminal's CSI
    (STUDY, AIM, 'aim: "Examine\\x7f how social', "andrea-2016", "aim", "U+007F"),
    (STUDY, AIM, 'aim: "Examine\\ud800 how social', "andrea-2016", "aim", "half of a character"),
    (STUDY, AIM, 'aim: "Examine\\ufffe how social', "andrea-2016", "aim", "U+FFFE"),
    (STUDY, "  title: \"Social Support", "  title: \"Social\\b Support", "andrea-2016", "citation.title", "U+0008"),
    (STUDY, "    statement: \"With adequate", "    statement: \"With\\v adequate", "andrea-2016 / finding", "findings[0].statement", "U+000B"),
    # numbers that are not finite, or that the estimate's measure cannot take, or outside their interval
    (STUDY, VALUE, "        value: .nan\n", "andrea-2016 / finding", ESTIMATE + ".value", "finite"),
    (STUDY, VALUE, "        value: .inf\n", "andrea-2016 / finding", ESTIMATE + ".value", "finite"),
    (STUDY, LOWER, "        ci_lower: -.inf\n", "andrea-2016 / finding", ESTIMATE + ".ci_lower", "finite"),
    (STUDY, UPPER, "        ci_upper: .NaN\n", "andrea-2016 / finding", ESTIMATE + ".ci_upper", "finite"),
    (STUDY, VALUE, "        value: 1.0e+999\n", "andrea-2016 / finding", ESTIMATE + ".value", "finite"),
    (STUDY, VALUE, "        value: 1e999\n", "andrea-2016 / finding", ESTIMATE + ".value", "1.0e"),
    (STUDY, VALUE, "        value: 6.0\n", "andrea-2016 / finding", ESTIMATE, "outside its interval"),
    (STUDY, LOWER + UPPER, "        ci_lower: 5.3\n        ci_upper: 1.3\n", "andrea-2016 / finding", ESTIMATE, "outside"),
    (STUDY, VALUE + LOWER, "        value: 0.0\n        ci_lower: 0.0\n", "andrea-2016 / finding", ESTIMATE, "impossible for the measure odds-ratio"),
    (STUDY, LOWER, "        ci_lower: -1.3\n", "andrea-2016 / finding", ESTIMATE, "ci_lower -1.3 is impossible"),
]


@pytest.mark.parametrize(("name", "old", "new", "record", "field", "words"), EVIDENCE_CASES,
                         ids=[f"{case[4]}:{case[2][:30]}" for case in EVIDENCE_CASES])
def test_bad_evidence_is_named_and_nothing_is_written(evidence_copy: Path, tmp_path: Path, name: str, old: str,
                                                     new: str, record: str | None, field: str, words: str) -> None:
    path = evidence_copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--evidence", str(evidence_copy), "--out", str(out), "--reasoner", "none"])
    assert result.exit_code == 2, result.output
    message = result.output
    assert "Traceback" not in message and "rdflib.term" not in message and "\n  fix: " in message
    assert f"{path}" in message and f"field {field}" in message and words in message, message
    assert record is None or f"record {record}" in message, message
    assert not out.exists()


# --- query files and query text --------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad-input") / "graph.ttl"
    Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "sskg.ttl").serialize(path, format="turtle")
    return path


def query(args: list[str], graph_file: Path) -> str:
    result = CliRunner().invoke(main, ["query", *args, "--graph", str(graph_file)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "fix:" in result.output
    return result.output


@pytest.mark.parametrize("content, words", [
    (bytes(range(256)) * 4, "not UTF-8 text (byte 128 is 0x80)"),
    ("SELECT * WHERE { ?s ?p 'café' }".encode("latin-1"), "not UTF-8 text"),
    (b"SELECT * WHERE { ?s ?p ?o }\n" + b"#" * 300_000, "more than 200000 bytes"),
])
def test_query_files_that_are_not_queries(graph_file: Path, tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "query.rq"
    path.write_bytes(content)
    message = query(["--file", str(path)], graph_file)
    assert str(path) in message and words in message


def test_a_device_is_read_no_further_than_a_query_can_be_long(graph_file: Path) -> None:
    assert "more than 200000 bytes" in query(["--file", "/dev/zero"], graph_file)  # it used to read until memory ran out


def test_a_query_file_with_a_byte_order_mark_runs(graph_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "query.rq"
    path.write_bytes("\ufeffASK { ?s ?p ?o }".encode())
    result = CliRunner().invoke(main, ["query", "--file", str(path), "--graph", str(graph_file), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["boolean"] is True, result.output


def test_query_text_that_is_not_text(graph_file: Path) -> None:
    """A command line with bytes that are not UTF-8 reaches Python as lone surrogates."""
    assert "not UTF-8 text at character 25" in query(["--sparql", "SELECT * WHERE { ?s ?p '\udcff' }"], graph_file)


# --- catalogue parameters --------------------------------------------------------------------------

@pytest.mark.parametrize("name, param, words", [
    ("studies-by-country", "country=sskgc:norway\n", "not an absolute IRI"),
    ("studies-by-country", "country=https://w3id.org/sskg/concept/norway\n", "not an absolute IRI"),
    ("studies-by-country", "country=https://w3id.org/sskg/concept/nor way", "not an absolute IRI"),
    ("studies-by-country", "country=https://w3id.org/sskg/concept/\udcff", "not text"),
    ("studies-by-year", "from=2000\n", "is not a valid year"),
    ("studies-by-year", "from= 2000", "is not a valid year"),
    ("studies-by-year", "from=2_000", "is not a valid year"),
    ("studies-by-year", "from=\u0662\u0660\u0661\u0667", "is not a valid year"),  # Arabic-Indic digits: int() takes them
    ("studies-by-year", "from=" + "9" * 5000, "is not a valid year"),
    ("studies-by-year", "to=20170", "is not a valid year"),
])
def test_catalogue_parameters_are_checked_whole(graph_file: Path, name: str, param: str, words: str) -> None:
    message = query([name, "--param", param], graph_file)
    assert f"parameter {param.partition('=')[0]}" in message and words in message


PARAMETERS = [(entry.name, parameter.name, parameter.type) for entry in load_catalogue().values() for parameter in entry.parameters]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(PARAMETERS), st.one_of(
    st.text(max_size=30),
    st.text("0123456789+-._eE \n\t", max_size=25),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(["sskgc:", "sskg:", "study:", "https://w3id.org/sskg/", "urn:x:"]),
              st.text(max_size=15)),
))
@example(("studies-by-country", "country", "iri"), "sskgc:norway\n")
@example(("studies-by-year", "to", "year"), "0000")  # backwards against the default: the message names `to`
@example(("findings-for-outcome", "outcome", "concept"), "skos")  # a prefix without its colon is no prefixed name
@example(("studies-by-country", "country", "iri"), "skos:notATerm")  # rdflib's closed namespaces raised here
@example(("studies-by-year", "from", "year"), "2000\n")
def test_a_parameter_that_passes_the_check_runs(graph_file: Path, case: tuple[str, str, str], text: str) -> None:
    """Any text: refused with a message naming the parameter, or bound and run by Oxigraph without a syntax error."""
    name, parameter, _ = case
    entry = load_catalogue()[name]
    try:
        bindings = entry.bindings({parameter: text})
    except QueryError as error:
        assert f"parameter {parameter}" in error.message
        return
    run_query(_graph(graph_file), entry.text, bindings, timeout=None)  # a QueryError here fails the test


_graphs: dict[Path, Graph] = {}


def _graph(path: Path) -> Graph:
    if path not in _graphs:
        _graphs[path] = load_graph(path)
    return _graphs[path]


def test_the_endpoint_checks_parameters_the_same_way(graph_file: Path) -> None:
    with serving(ServerConfig(graph_file, port=0, workers=1)) as server:
        for value in ("2000\n", "2_000", "x"):
            response = call(server, "GET", "/sparql?" + urlencode({"name": "studies-by-year", "param.from": value}))
            assert response.status == 400 and "parameter from" in response.text and "Traceback" not in response.text
