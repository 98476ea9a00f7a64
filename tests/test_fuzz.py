"""Fuzzing: the evidence loader and the SPARQL front (library/CLI and endpoint) never crash, leak or hang.

The two targets, the evidence loader and the SPARQL front as served by the endpoint, each run SSKG_FUZZ_CASES cases
(default 10,000; the documented long run uses 100,000). The same mutated queries also go, fewer of them, through the
library path of the CLI in-process (a fifth) and through the CLI itself (a fiftieth).
"""

from __future__ import annotations

import http.client
import os
import random
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from sskg.cli import main
from sskg.errors import QueryError, SskgError
from sskg.graphbuild.evidence import _Checker, _validate, load_evidence
from sskg.graphbuild.ontology import load_ontology, vocabulary_of
from sskg.graphbuild.records import Study
from sskg.graphbuild.safe_yaml import load_yaml
from sskg.queries.catalogue import load_catalogue
from sskg.queries.runner import run_query
from sskg.queries.server import ServerConfig, SparqlServer

from .conftest import EVIDENCE, CaptureServer, serving

CASES = int(os.environ.get("SSKG_FUZZ_CASES", "10000"))
BASE_STUDY: dict[str, Any] = yaml.safe_load((EVIDENCE / "studies" / "andrea-2016.yaml").read_text(encoding="utf-8"))
QUERIES = [entry.text for entry in load_catalogue().values()]
ALLOWED_STATUSES = {200, 400, 403, 406, 413, 414, 503, 504}

# --- the evidence loader ---------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=40),
    st.sampled_from(["NO", "yes", "0012", "1.10", "2017", "~", "null", "!!python/object:os.system", "&a", "*a", "<script>"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=12)


def mutate(data: Any, rng: random.Random, value: Any) -> Any:
    """Replace, delete or add one field somewhere in a nested record."""
    if isinstance(data, dict) and data:
        key = rng.choice(sorted(data, key=str))
        copy = dict(data)
        action = rng.random()
        if action < 0.2:
            del copy[key]
        elif action < 0.3:
            copy[f"{key}_extra"] = value
        elif action < 0.7 and isinstance(copy[key], (dict, list)):
            copy[key] = mutate(copy[key], rng, value)
        else:
            copy[key] = value
        return copy
    if isinstance(data, list) and data:
        index = rng.randrange(len(data))
        copy = list(data)
        copy[index] = mutate(copy[index], rng, value) if rng.random() < 0.6 else value
        return copy
    return value


@pytest.fixture(scope="module")
def checker_parts() -> tuple[Any, Any, Any]:
    evidence = load_evidence(EVIDENCE, vocabulary_of(load_ontology()))
    return evidence.review, vocabulary_of(load_ontology()), evidence.source


@settings(max_examples=CASES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(seed=st.integers(0, 2**32), value=VALUES, raw=st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=200)))
def test_loader_builds_or_names_the_problem(tmp_path_factory: pytest.TempPathFactory, checker_parts, seed: int,  # type: ignore[no-untyped-def]
                                            value: Any, raw: bytes | str | None) -> None:
    review, vocabulary, source = checker_parts
    folder = tmp_path_factory.getbasetemp() / "fuzz-evidence" / "studies"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "andrea-2016.yaml"
    if raw is not None:
        path.write_bytes(raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass"))
    else:
        record = mutate(BASE_STUDY, random.Random(seed), value)
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        study = _validate(load_yaml(path), Study, str(path), "andrea-2016")
        _Checker(folder.parent, review, (), (study,), vocabulary, source)._check_studies()
    except SskgError as error:
        assert error.file == str(path), error
        assert error.fix
    except UnicodeDecodeError:
        pytest.fail("undecodable bytes must be a clear error naming the file")


def test_undecodable_evidence_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"key: \xff\xfe\x00")
    with pytest.raises(SskgError) as raised:
        load_yaml(path)
    assert raised.value.file == str(path)


# --- the SPARQL front ------------------------------------------------------------------------------

def mutated_queries(count: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    alphabet = "{}()<>?$.;,*|/^!=\"'#@ \n\\" + "SERVICEFROMINSERTselectwhere"
    for _ in range(count):
        if rng.random() < 0.15:
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))).decode("latin-1")
            continue
        text = list(rng.choice(QUERIES))
        for _ in range(rng.randrange(1, 6)):
            position = rng.randrange(len(text))
            action = rng.random()
            if action < 0.4:
                del text[position]
            elif action < 0.8:
                text.insert(position, rng.choice(alphabet))
            else:
                text[position] = rng.choice(alphabet)
        yield "".join(text)


@pytest.fixture(scope="module")
def tiny_graph(built) -> Graph:  # type: ignore[no-untyped-def]
    """A slice of the built graph small enough that any accidental cartesian product stays quick."""
    whole = built[0].whole_graph()
    graph = Graph()
    for triple in sorted(whole)[:25]:
        graph.add(triple)
    return graph


class _Slow(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Slow


def test_sparql_front_never_crashes(tiny_graph: Graph, capture_server: CaptureServer) -> None:
    """Library path of the CLI, in-process for speed; an alarm stands in for the CLI's killable child."""
    evaluated = 0
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for text in mutated_queries(CASES // 5, seed=1):
            signal.alarm(5)
            try:
                run_query(tiny_graph, text, timeout=None)
                evaluated += 1
            except (QueryError, _Slow):
                pass
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert capture_server.requests == []
    assert evaluated > 0  # the mutations reached the evaluator, not just the parser


def test_cli_front_never_shows_a_traceback(built, capture_server: CaptureServer) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    graph_file = str(built[1] / "sskg.ttl")
    for text in mutated_queries(max(CASES // 50, 100), seed=2):
        result = runner.invoke(main, ["query", "--graph", graph_file, "--timeout", "5", "--sparql", text])
        assert result.exit_code in (0, 2), (text, result.output)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (text, result.exception)
    assert capture_server.requests == []


@pytest.fixture(scope="module")
def fuzz_server(built) -> Iterator[SparqlServer]:  # type: ignore[no-untyped-def]
    with serving(ServerConfig(built[1] / "sskg.ttl", port=0, timeout=2, workers=2)) as running:
        yield running


def _send(port: int, text: str, as_get: bool) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        if as_get:
            connection.request("GET", "/sparql?" + urlencode({"query": text}))
        else:
            connection.request("POST", "/sparql", body=text.encode("utf-8", "surrogatepass"),
                               headers={"Content-Type": "application/sparql-query"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_endpoint_survives_every_case(fuzz_server: SparqlServer, capture_server: CaptureServer) -> None:
    port = fuzz_server.server_port
    cases = list(enumerate(mutated_queries(CASES, seed=4)))
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = pool.map(lambda case: (case, _send(port, case[1], case[0] % 2 == 0)), cases)
        for (index, text), (status, body) in answers:
            assert status in ALLOWED_STATUSES, (index, text, status, body[:200])
            assert b"Traceback" not in body
    assert _send(port, "ASK { ?s ?p ?o }", True)[0] == 200
    assert capture_server.requests == []
