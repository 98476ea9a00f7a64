"""Time limits that are real: `push --timeout` bounds the whole push, and a limit must be a number of seconds.

Stalling stores on 127.0.0.1 keep each socket read or write just under any per-read timeout: one drips its answer
a byte at a time, one reads the upload a byte at a time, one accepts the upload and stalls the final MOVE.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sskg.cli import main
from sskg.errors import OutputError
from sskg.exports.push import push_graph

GRAPH = "https://w3id.org/sskg/graph/test"
LIMIT = 2.0


class StallingStore:
    """A TCP server that answers every connection with `behave(connection)`, each in its own thread."""

    def __init__(self, behave) -> None:  # type: ignore[no-untyped-def]
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.behave = behave
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            try:
                self.behave(self, connection)
            except OSError:
                pass

    def drip(self, connection: socket.socket, text: bytes) -> None:
        for byte in text:
            if self.stop.is_set():
                return
            connection.sendall(bytes([byte]))
            time.sleep(0.5)

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


def read_head(connection: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(1)
        if not chunk:
            break
        head += chunk
    return head


def drips_its_answer(store: StallingStore, connection: socket.socket) -> None:
    store.requests.append(read_head(connection))
    store.drip(connection, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n" * 100)


def reads_a_byte_at_a_time(store: StallingStore, connection: socket.socket) -> None:
    store.requests.append(read_head(connection))
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    while not store.stop.is_set() and connection.recv(1):
        time.sleep(0.01)


def stalls_the_move(store: StallingStore, connection: socket.socket) -> None:
    head = read_head(connection)
    store.requests.append(head)
    length = int(next((line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), b"0"))
    while length > 0:
        length -= len(connection.recv(min(length, 65536)))
    if head.startswith(b"PUT"):
        connection.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    else:
        store.drip(connection, b"HTTP/1.1 204 No Content\r\n\r\n" * 100)


@pytest.fixture(params=[drips_its_answer, reads_a_byte_at_a_time, stalls_the_move], ids=lambda behave: behave.__name__)
def stalling_store(request: pytest.FixtureRequest) -> Iterator[StallingStore]:
    store = StallingStore(request.param)
    yield store
    store.close()


def test_push_stops_at_its_deadline_naming_the_endpoint(stalling_store: StallingStore) -> None:
    data = b"<https://e.org/s> <https://e.org/p> 1 .\n" * 100_000  # 4 MB: more than the socket buffers hold
    started = time.monotonic()
    with pytest.raises(OutputError) as raised:
        push_graph(data, "text/turtle", stalling_store.url + "/ds/data", GRAPH, timeout=LIMIT)
    elapsed = time.monotonic() - started
    assert LIMIT <= elapsed < LIMIT + 3, elapsed
    message = str(raised.value)
    assert f"{stalling_store.url}/ds/" in message and "did not finish within --timeout 2 s" in message
    assert stalling_store.requests  # it did get as far as the store


def test_push_command_stops_at_its_deadline(stalling_store: StallingStore, tmp_path: Path) -> None:
    graph_file = tmp_path / "graph.nt"
    graph_file.write_bytes(b"<https://e.org/s> <https://e.org/p> 1 .\n" * 100_000)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["push", "--endpoint", stalling_store.url + "/ds/data", "--graph", GRAPH,
                                       "--file", str(graph_file), "--timeout", str(LIMIT)])
    assert time.monotonic() - started < LIMIT + 3
    assert result.exit_code == 2 and "did not finish within --timeout" in result.output and "Traceback" not in result.output


def test_remote_query_stops_at_its_deadline() -> None:
    store = StallingStore(drips_its_answer)
    try:
        started = time.monotonic()
        result = CliRunner().invoke(main, ["query", "--sparql", "ASK { ?s ?p ?o }", "--endpoint", store.url + "/sparql",
                                           "--timeout", str(LIMIT)])
        assert time.monotonic() - started < LIMIT + 3
        assert result.exit_code == 2 and f"{store.url}/sparql did not finish within --timeout 2 s" in result.output
    finally:
        store.close()


@pytest.mark.parametrize("value", ["0", "-1", "-0.0", "nan", "NaN", "inf", "-inf", "1e308", "86401", "", "ten", "0x10"])
@pytest.mark.parametrize("command", [
    ["query", "included-studies"],
    ["query", "--sparql", "ASK {}", "--endpoint", "http://127.0.0.1:9/sparql"],
    ["serve", "--graph", "missing.ttl"],  # were a bad limit let through, the command fails at once, not serve
    ["push", "--endpoint", "http://127.0.0.1:9/store", "--graph", GRAPH],
    ["build"],
], ids=["query", "query-endpoint", "serve", "push", "build"])
def test_a_time_limit_must_be_seconds(command: list[str], value: str) -> None:
    flag = "--reasoner-timeout" if command == ["build"] else "--timeout"
    result = CliRunner().invoke(main, [*command, flag, value])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{flag}'" in result.output and "Traceback" not in result.output
