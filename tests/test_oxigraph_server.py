"""The README's Oxigraph steps, run as written: `oxigraph load` the N-Quads export, `oxigraph serve-read-only` it on
127.0.0.1, and every catalogue query gives the local rows there.

The commands are read from the README (only the port is changed, to a free one); the `oxigraph` command comes
from PyPI with the test extras. Skipped only where CI is unset and the command is missing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from sskg.cli import main
from sskg.exports.remote_query import run_remote_query
from sskg.graphbuild.build import BuildResult
from sskg.queries.catalogue import load_catalogue
from sskg.queries.runner import inline_bindings, load_graph, run_query

from .conftest import ROOT
from .servers import free_port, stop, wait_until_answering
from .test_query_engines import plain

CATALOGUE = load_catalogue()
README_PORT = "127.0.0.1:7878"


def readme_steps() -> list[str]:
    """The shell commands of the README's Oxigraph bullet, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    bullet = re.search(r"^- \*\*Oxigraph\*\*.*?(?=^- \*\*|^$)", text, re.MULTILINE | re.DOTALL)
    assert bullet, "the README has no Oxigraph bullet"
    return [command for command in re.findall(r"`([^`]+)`", bullet.group(0)) if command.startswith("oxigraph ")]


def oxigraph_or_skip() -> str:
    found = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("the oxigraph command is required in CI (pip install oxigraph, in the test extras)")
        pytest.skip("oxigraph not installed (pip install oxigraph); CI runs this")
    return found


def argv(command: str, executable: str, port: int) -> list[str]:
    words = shlex.split(command.replace(README_PORT, f"127.0.0.1:{port}"))
    return [executable, *words[1:]]


@pytest.fixture(scope="module")
def endpoint(built: tuple[BuildResult, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    executable = oxigraph_or_skip()
    load, serve = readme_steps()
    folder = tmp_path_factory.mktemp("oxigraph")
    (folder / "build").symlink_to(built[1], target_is_directory=True)  # the README's paths are relative to the project
    port = free_port()
    done = subprocess.run(argv(load, executable, port), cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(argv(serve, executable, port), cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(server, base + "/query?query=ASK%7B%7D", folder / "server.log", "oxigraph", seconds=60)
        yield base + "/query"
    finally:
        stop(server)
        log.close()


@pytest.fixture(scope="module")
def local_graph(built: tuple[BuildResult, Path]) -> Graph:
    return load_graph(built[1] / "sskg.ttl")


def test_the_readme_names_the_steps_this_test_runs() -> None:
    load, serve = readme_steps()
    assert load == "oxigraph load --location db --file build/sskg.nq"
    assert serve.startswith("oxigraph serve-read-only --location db") and f"--bind {README_PORT}" in serve
    assert "--union-default-graph" in serve


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_catalogue_query_gives_the_local_rows(name: str, endpoint: str, local_graph: Graph) -> None:
    entry = CATALOGUE[name]
    bindings = entry.bindings({})
    ours = run_query(local_graph, entry.text, bindings)
    theirs = run_remote_query(endpoint, inline_bindings(entry.text, bindings))
    assert theirs.variables == ours.variables
    our_rows = sorted((tuple(plain(term) for term in row) for row in ours.rows), key=repr)
    assert our_rows, f"{name} returned no rows locally"
    assert sorted((tuple(plain(term) for term in row) for row in theirs.rows), key=repr) == our_rows


def test_the_server_is_read_only(endpoint: str) -> None:
    update = endpoint.removesuffix("/query") + "/update"
    request = urllib.request.Request(update, data=b"update=CLEAR%20ALL", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code in (403, 404, 405)
    assert run_remote_query(endpoint, "ASK { ?s ?p ?o }").boolean


def test_cli_runs_a_catalogue_query_there(endpoint: str, local_graph: Graph) -> None:
    result = CliRunner().invoke(main, ["query", "included-studies", "--endpoint", endpoint, "--format", "csv"])
    assert result.exit_code == 0, result.output
    entry = CATALOGUE["included-studies"]
    local = run_query(local_graph, entry.text, entry.bindings({}))
    assert {line.split(",")[0] for line in result.output.strip().splitlines()[1:]} == {str(row[0]) for row in local.rows}


def test_the_python_route_gives_the_local_rows(built: tuple[BuildResult, Path], tmp_path: Path, local_graph: Graph) -> None:
    """The README's pyoxigraph lines: bulk_load the N-Quads, query with the default graph as the union."""
    import pyoxigraph

    store = pyoxigraph.Store(str(tmp_path / "db"))
    store.bulk_load(path=str(built[1] / "sskg.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    entry = CATALOGUE["included-studies"]
    rows = store.query(inline_bindings(entry.text, entry.bindings({})), use_default_graph_as_union=True)
    local = run_query(local_graph, entry.text, entry.bindings({}))
    assert sorted(tuple(plain(term) for term in row) for row in rows) == sorted(tuple(plain(term) for term in row) for row in local.rows)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert 'bulk_load(path="build/sskg.nq", format=pyoxigraph.RdfFormat.N_QUADS)' in readme and "use_default_graph_as_union=True" in readme
