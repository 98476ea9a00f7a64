"""Shared fixtures: the full curated evidence built once per test session."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sskg.graphbuild.build import BuildResult, build
from sskg.layers import Layers
from sskg.pipeline import write_outputs

if TYPE_CHECKING:
    from sskg.queries.server import ServerConfig, SparqlServer

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "evidence"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REVIEW_TEXT = (EVIDENCE / "source" / "scoping-review.txt").read_text(encoding="utf-8")

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="Java is needed for HermiT (CI installs it)")


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache folder of the session's own (XDG_CACHE_HOME, also for the `sskg` processes tests start), so no
    test reads or writes the user's cache."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    """The bundled evidence, built with the reasoner, and the folder it was written to."""
    out = tmp_path_factory.mktemp("build")
    result = build(EVIDENCE)
    write_outputs(result, out)
    return result, out


@pytest.fixture(scope="session")
def layers(built: tuple[BuildResult, Path]) -> Layers:
    """The built graph's layers (ontology, evidence, inferred)."""
    return built[0].layers


@pytest.fixture()
def evidence_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled evidence, for tests that break it."""
    target = tmp_path / "evidence"
    shutil.copytree(EVIDENCE, target)
    return target


class CaptureServer:
    """An HTTP server (and proxy) on 127.0.0.1 that records every request as "METHOD target", to prove none is made.

    `refuse` answers 403 instead of 200, so a client using it as a proxy gets no tunnel.
    """

    def __init__(self, refuse: bool = False) -> None:
        import http.server

        self.requests: list[str] = []
        requests = self.requests
        status = 403 if refuse else 200

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                requests.append(f"{self.command} {self.path}")
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_POST = do_PUT = do_CONNECT = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def capture_server():  # type: ignore[no-untyped-def]
    server = CaptureServer()
    yield server
    server.close()


@contextmanager
def serving(config: ServerConfig) -> Iterator[SparqlServer]:
    """`sskg serve`'s server running in a background thread of the test process."""
    from sskg.queries.server import SparqlServer

    running = SparqlServer(config)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.shutdown()
        running.server_close()
        thread.join(5)
