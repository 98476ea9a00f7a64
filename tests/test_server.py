"""`sskg serve` over real loopback HTTP: protocol, formats, refusals (hazards Q1–Q9), time limits, load."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from sskg.queries.server import ServerConfig, SparqlServer

from .conftest import serving

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "sskg.ttl"
STATIC = ROOT / "queries" / "static"
HOSTILE_LABEL = '<img src=x onerror="alert(1)"></script>'
HOSTILE = URIRef("https://w3id.org/sskg/study/hostile")
ALLOWED_ORIGIN = "http://allowed.example"
ALLOWED_HOST = "sskg.example"
TIMEOUT = 2.0
MAX_ROWS = 1000

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?thing ?label"""
CLASS_LABEL = "SELECT ?label WHERE { <https://w3id.org/sskg/ontology/IncludedStudy> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
CONSTRUCT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?thing rdfs:label ?label } WHERE { ?thing rdfs:label ?label }"""
ASK = "ASK { ?s ?p ?o }"
# Slow but lean: counting a cartesian product streams in constant memory, so the time limit (not the memory
# limit) is what stops it, however busy the machine is.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CATALOGUE_QUERY = """# title: Label of a class
# description: The label of one class of the ontology.
# param: cls iri sskg:IncludedStudy  The class
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?cls rdfs:label ?label }
"""
HOSTILE_CATALOGUE_QUERY = f"""# title: {HOSTILE_LABEL}
# description: A title that must show as text on the page.
ASK {{ ?s ?p ?o }}
"""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> object:
        return json.loads(self.body)


def call(server: SparqlServer, method: str, path: str, body: bytes | str | None = None,
         headers: dict[str, str] | None = None) -> Response:
    connection = http.client.HTTPConnection(server.server_name, server.server_port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def get(server: SparqlServer, query: str, accept: str | None = None, **params: str) -> Response:
    headers = {"Accept": accept} if accept else {}
    return call(server, "GET", "/sparql?" + urlencode({"query": query, **params}), headers=headers)


def post_form(server: SparqlServer, fields: dict[str, str], accept: str | None = None) -> Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **({"Accept": accept} if accept else {})}
    return call(server, "POST", "/sparql", urlencode(fields), headers)


def post_direct(server: SparqlServer, query: str, content_type: str = "application/sparql-query") -> Response:
    return call(server, "POST", "/sparql", query.encode(), {"Content-Type": content_type})


def triple_count(server: SparqlServer) -> int:
    response = get(server, COUNT)
    assert response.status == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]


def assert_short_error(response: Response, *statuses: int) -> None:
    assert response.status in statuses, (response.status, response.text)
    assert response.headers["content-type"].startswith("text/plain")
    assert "Traceback" not in response.text and len(response.text) < 600


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ontology (~2,000 triples) plus a resource whose label and link are hostile."""
    graph = Graph().parse(ONTOLOGY)
    graph.add((HOSTILE, RDFS.label, Literal(HOSTILE_LABEL)))
    graph.add((HOSTILE, RDFS.seeAlso, URIRef("javascript:alert(1)")))
    path = tmp_path_factory.mktemp("serve") / "graph.ttl"
    graph.serialize(path, format="turtle")
    return path


@pytest.fixture(scope="module")
def server(graph_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    catalogue = tmp_path_factory.mktemp("catalogue")
    (catalogue / "class-label.rq").write_text(CATALOGUE_QUERY, encoding="utf-8")
    (catalogue / "hostile-title.rq").write_text(HOSTILE_CATALOGUE_QUERY, encoding="utf-8")
    config = ServerConfig(graph_file, port=0, timeout=TIMEOUT, max_rows=MAX_ROWS, workers=2,
                          allow_origins=(ALLOWED_ORIGIN,), allow_hosts=(ALLOWED_HOST,), catalogue_dir=catalogue)
    with serving(config) as running:
        yield running


@pytest.fixture(autouse=True)
def still_answers(server: SparqlServer) -> Iterator[None]:
    """Whatever a test sent, the server must answer a normal query afterwards."""
    yield
    response = get(server, ASK)
    assert response.status == 200 and response.json()["boolean"] is True  # type: ignore[index]


# --- protocol and formats --------------------------------------------------------------------------

def test_get_form_post_and_direct_post_give_the_same_results(server: SparqlServer) -> None:
    answers = [get(server, LABELS), post_form(server, {"query": LABELS}), post_direct(server, LABELS)]
    assert [answer.status for answer in answers] == [200, 200, 200]
    assert all(answer.headers["content-type"] == "application/sparql-results+json" for answer in answers)
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert len(answers[0].json()["results"]["bindings"]) > 100  # type: ignore[index]


@pytest.mark.parametrize("accept, content_type", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_select_content_types(server: SparqlServer, accept: str | None, content_type: str) -> None:
    response = get(server, CLASS_LABEL, accept)
    assert response.status == 200, response.text
    assert response.headers["content-type"] == content_type
    if "json" in content_type:
        assert response.json()["results"]["bindings"] == [  # type: ignore[index]
            {"label": {"type": "literal", "value": "included study", "xml:lang": "en"}}]
    elif "xml" in content_type:
        namespace = "{http://www.w3.org/2005/sparql-results#}"
        literal = ET.fromstring(response.body).find(f"{namespace}results/{namespace}result/{namespace}binding/{namespace}literal")
        assert literal is not None and literal.text == "included study"
    elif "csv" in content_type:
        assert list(csv.reader(io.StringIO(response.text))) == [["label"], ["included study"]]
    else:
        assert response.text.splitlines() == ["?label", '"included study"@en']


@pytest.mark.parametrize("accept, content_type, fmt", [
    (None, "text/turtle; charset=utf-8", "turtle"),
    ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
])
def test_construct_content_types(server: SparqlServer, accept: str | None, content_type: str, fmt: str) -> None:
    response = get(server, CONSTRUCT, accept)
    assert response.status == 200, response.text
    assert response.headers["content-type"] == content_type
    graph = Graph().parse(data=response.text, format=fmt)
    assert (URIRef("https://w3id.org/sskg/ontology/IncludedStudy"), RDFS.label, Literal("included study", lang="en")) in graph


def test_ask_content_types(server: SparqlServer) -> None:
    as_json = get(server, ASK, "application/sparql-results+json")
    assert as_json.status == 200 and as_json.json() == {"head": {}, "boolean": True}
    as_xml = get(server, ASK, "application/sparql-results+xml")
    assert as_xml.status == 200
    assert ET.fromstring(as_xml.body).findtext("{http://www.w3.org/2005/sparql-results#}boolean") == "true"


@pytest.mark.parametrize("query, accept", [
    (CLASS_LABEL, "image/png"),
    (CLASS_LABEL, "text/turtle"),  # a graph format for a SELECT
    (CONSTRUCT, "application/sparql-results+json"),  # a results format for a CONSTRUCT
    (CLASS_LABEL, "application/sparql-results+json;q=0"),
])
def test_unsupported_accept_is_406(server: SparqlServer, query: str, accept: str) -> None:
    assert_short_error(get(server, query, accept), 406)


def test_rows_are_capped(server: SparqlServer) -> None:
    response = get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status == 200
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS  # type: ignore[index]
    assert "sskg-truncated" in response.headers
    assert "sskg-truncated" not in get(server, CLASS_LABEL).headers


# --- sizes and malformed requests ------------------------------------------------------------------

def test_oversized_get_url_is_414(server: SparqlServer) -> None:
    assert_short_error(get(server, "SELECT * WHERE { ?s ?p ?o } #" + "x" * 9000), 414)
    assert_short_error(get(server, "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_000), 414)


def test_oversized_post_is_413_before_the_body_is_read(server: SparqlServer) -> None:
    connection = http.client.HTTPConnection(server.server_name, server.server_port, timeout=10)
    connection.putrequest("POST", "/sparql")
    connection.putheader("Content-Type", "application/sparql-query")
    connection.putheader("Content-Length", str(200 * 1024 * 1024))
    connection.endheaders()  # the 200 MB body is never sent: the answer must not wait for it
    response = connection.getresponse()
    assert response.status == 413 and response.getheader("Connection") == "close"
    assert b"Traceback" not in response.read()
    connection.close()


def test_post_without_length_or_with_other_type_is_refused(server: SparqlServer) -> None:
    connection = http.client.HTTPConnection(server.server_name, server.server_port, timeout=10)
    connection.putrequest("POST", "/sparql")
    connection.putheader("Content-Type", "application/sparql-query")
    connection.endheaders()
    assert connection.getresponse().status == 411
    connection.close()
    assert_short_error(post_direct(server, CLASS_LABEL, "text/plain"), 415)


def test_malformed_query_gives_the_parser_position(server: SparqlServer) -> None:
    response = get(server, "SELECT ?s WHERE {\n  ?s ?p \n")
    assert_short_error(response, 400)
    assert re.search(r"line \d+, column \d+", response.text)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{ " * 45 + "?s ?p ?o " + "} " * 45,
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 500 + "1" + ")" * 500 + ") }",
])
def test_deep_nesting_is_a_clean_400(server: SparqlServer, query: str) -> None:
    response = post_direct(server, query)
    assert_short_error(response, 400)
    assert "nests" in response.text


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/nowhere", 404),
    ("GET", "/static/../server.py", 404),
    ("GET", "/static/%2e%2e/server.py", 404),
    ("GET", "/sparql", 400),
    ("GET", "/sparql?query=a&query=b", 400),
    ("GET", "/sparql?name=no-such-query", 404),
    ("PUT", "/sparql", 501),
    ("DELETE", "/sparql", 501),
])
def test_bad_requests_get_short_errors(server: SparqlServer, method: str, path: str, status: int) -> None:
    assert_short_error(call(server, method, path), status)


# --- read-only (Q3) and no network or files (Q1, Q2) -----------------------------------------------

UPDATES = [
    'INSERT DATA { <https://w3id.org/sskg/x> <https://w3id.org/sskg/p> "x" }',
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR DEFAULT",
    "DROP ALL",
    "LOAD <file:///etc/passwd>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nDELETE { ?s rdfs:label ?o } INSERT { ?s rdfs:comment ?o } WHERE { ?s rdfs:label ?o }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_and_the_graph_is_unchanged(server: SparqlServer, update: str) -> None:
    before = triple_count(server)
    for response in (
        get(server, update),
        call(server, "GET", "/sparql?" + urlencode({"update": update})),
        post_form(server, {"query": update}),
        post_form(server, {"update": update}),
        post_direct(server, update),
        post_direct(server, update, "application/sparql-update"),
    ):
        assert_short_error(response, 400, 403)
    assert triple_count(server) == before


@pytest.mark.parametrize("template", [
    "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <{url}/sparql> { ?s ?q ?v } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } } } UNION { ?s ?p ?o } }",
    "SELECT * FROM <{url}/graph.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <{url}/graph.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
])
def test_service_and_from_are_refused_without_any_request(server: SparqlServer, capture_server, template: str) -> None:  # type: ignore[no-untyped-def]
    query = template.replace("{url}", capture_server.url)
    for response in (get(server, query), post_form(server, {"query": query}), post_direct(server, query)):
        assert_short_error(response, 400)
    assert capture_server.requests == []


def test_dataset_parameters_are_refused(server: SparqlServer, capture_server) -> None:  # type: ignore[no-untyped-def]
    for name in ("default-graph-uri", "named-graph-uri"):
        assert_short_error(get(server, CLASS_LABEL, **{name: capture_server.url + "/graph.ttl"}), 400)
    assert capture_server.requests == []


# --- catalogue queries with bound parameters (Q4) --------------------------------------------------

def test_catalogue_listing(server: SparqlServer) -> None:
    response = call(server, "GET", "/catalogue")
    assert response.status == 200 and response.headers["content-type"] == "application/json"
    entry, hostile = response.json()  # type: ignore[misc]
    assert entry["name"] == "class-label" and entry["title"] == "Label of a class"
    assert hostile["title"] == HOSTILE_LABEL and hostile["parameters"] == []
    assert entry["parameters"] == [{"name": "cls", "type": "iri", "default": "sskg:IncludedStudy", "description": "The class", "kinds": []}]


def test_catalogue_query_binds_parameters(server: SparqlServer) -> None:
    def labels(**params: str) -> list[str]:
        response = call(server, "GET", "/sparql?" + urlencode({"name": "class-label", **params}))
        assert response.status == 200, response.text
        return [row["label"]["value"] for row in response.json()["results"]["bindings"]]  # type: ignore[index]

    assert labels() == ["included study"]
    assert labels(**{"param.cls": "sskg:Finding"}) == ["finding"]
    assert labels(**{"param.cls": "https://w3id.org/sskg/ontology/Finding"}) == ["finding"]


@pytest.mark.parametrize("params", [
    {"param.cls": "sskg:X> } ; DROP ALL ; SELECT * { ?s ?p ?o"},  # injection attempt
    {"param.cls": "not an iri"},
    {"param.nope": "1"},
])
def test_catalogue_parameters_are_validated(server: SparqlServer, params: dict[str, str]) -> None:
    assert_short_error(call(server, "GET", "/sparql?" + urlencode({"name": "class-label", **params})), 400)


# --- time limits and load (Q5) ---------------------------------------------------------------------

def test_slow_query_is_killed_while_other_clients_get_answers(server: SparqlServer) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        slow = pool.submit(get, server, SLOW)
        time.sleep(0.3)  # let the slow query take a worker first
        answered = 0
        while not slow.done():
            response = get(server, CLASS_LABEL)
            assert response.status == 200, response.text
            answered += 1
            time.sleep(0.05)
        response = slow.result()
    elapsed = time.monotonic() - started
    assert_short_error(response, 504, 503)
    assert "time limit" in response.text
    assert TIMEOUT <= elapsed < TIMEOUT + 3
    assert answered >= 5


def test_many_concurrent_clients_all_get_answers(server: SparqlServer) -> None:
    clients = 8
    per_client = 500 // clients + 1 if os.environ.get("SSKG_LONG_TESTS") == "1" else 60
    expected = get(server, CLASS_LABEL).json()

    def client(number: int) -> int:
        ok = 0
        for index in range(per_client):
            response = get(server, CLASS_LABEL) if (number + index) % 2 else post_form(server, {"query": CLASS_LABEL})
            ok += response.status == 200 and response.json() == expected
        return ok

    with ThreadPoolExecutor(max_workers=clients) as pool:
        assert list(pool.map(client, range(clients))) == [per_client] * clients


# --- framing a proxy could read differently (request smuggling) ------------------------------------

def exchange(server: SparqlServer, raw: bytes) -> bytes:
    """Send raw bytes on one connection; everything the server answers until it closes (or stays silent 3 s)."""
    with socket.create_connection((server.server_name, server.server_port), timeout=3) as connection:
        connection.sendall(raw)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def response_statuses(received: bytes) -> list[bytes]:
    """The status of each response in the bytes (bodies here hold no status lines, and need not end in a newline)."""
    return re.findall(rb"HTTP/1\.[01] (\d{3}) ", received)


SMUGGLED = (f"GET /sparql?{urlencode({'query': ASK})} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").encode()
FORM = urlencode({"query": ASK}).encode()


@pytest.mark.parametrize("head", [
    # two lengths: a proxy taking the other one would see another request boundary
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}\r\nContent-Length: {len(FORM) + len(SMUGGLED)}\r\n\r\n",
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}, {len(FORM)}\r\n\r\n",
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: +{len(FORM)}\r\n\r\n",
    # length and chunked together, in either order, and chunked spelt oddly
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}\r\nTransfer-Encoding: chunked\r\n\r\n",
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}\r\n\r\n",
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}\r\nTransfer-Encoding: xchunked\r\n\r\n",
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}\r\nTransfer-Encoding : chunked\r\n\r\n",
    f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}\r\n Transfer-Encoding: chunked\r\n\r\n",
    f"POST /sparql HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(FORM)}\r\nTransfer-Encoding: chunked\r\n\r\n",
    # a body on GET: read as the next request before, now refused
    f"GET /sparql?{urlencode({'query': ASK})} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(FORM)}\r\n\r\n",
    # versions and targets a proxy may route by
    f"GET /sparql?{urlencode({'query': ASK})} HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n",
    f"GET http://elsewhere.example/sparql?{urlencode({'query': ASK})} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "GET /sparql\nHost: 127.0.0.1\r\n\r\n",
])
def test_ambiguous_framing_is_refused_and_the_connection_closed(server: SparqlServer, head: str) -> None:
    received = exchange(server, head.encode() + FORM + SMUGGLED)
    statuses = response_statuses(received)
    assert statuses and all(status.startswith(b"4") or status in (b"501", b"505") for status in statuses), received[:300]
    assert len(statuses) == 1, received[:600]  # nothing after the refusal was taken for a request
    assert b"Traceback" not in received


def test_keep_alive_requests_are_answered_one_by_one(server: SparqlServer) -> None:
    """The control case: well-framed requests on one connection each get their answer."""
    form = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(FORM)}\r\n\r\n").encode() + FORM
    chunked = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(FORM):x}\r\n".encode() + FORM + b"\r\n0\r\n\r\n")
    received = exchange(server, form + chunked + SMUGGLED.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    assert response_statuses(received) == [b"200"] * 3, received


# --- Host: DNS rebinding -----------------------------------------------------------------------------

@pytest.mark.parametrize("host, status", [
    ("127.0.0.1", 200), ("localhost", 200), ("LOCALHOST:{port}", 200), ("127.0.0.1:{port}", 200), ("[::1]:{port}", 200),
    (ALLOWED_HOST, 200), (ALLOWED_HOST + ":{port}", 200),
    ("rebound.example:{port}", 421), ("rebound.example", 421), ("127.0.0.1.rebound.example", 421),
    ("localhost.", 421), ("127.0.0.1, rebound.example", 421), ("", 421),
])
def test_only_the_hosts_served_are_answered(server: SparqlServer, host: str, status: int) -> None:
    raw = f"GET /sparql?{urlencode({'query': ASK})} HTTP/1.1\r\nHost: {host.format(port=server.server_port)}\r\nConnection: close\r\n\r\n"
    received = exchange(server, raw.encode())
    assert received.startswith(f"HTTP/1.1 {status} ".encode()), received[:300]
    if status == 421:
        assert b"--allow-host" in received and b'"boolean"' not in received


def test_a_request_without_host_is_refused(server: SparqlServer) -> None:
    received = exchange(server, f"GET /sparql?{urlencode({'query': ASK})} HTTP/1.0\r\n\r\n".encode())
    assert received.startswith(b"HTTP/1.0 421 "), received[:300]


def test_allow_host_must_be_a_host(graph_file: Path) -> None:
    from sskg.errors import QueryError

    for bad in ("*", "*.example", "sskg.example:8890", "http://sskg.example", "a b", ""):
        with pytest.raises(QueryError, match="--allow-host"):
            ServerConfig(graph_file, allow_hosts=(bad,))


# --- browsers: a foreign page's form or fetch must not run a query -----------------------------------

@pytest.mark.parametrize("headers, status", [
    ({"Origin": "https://elsewhere.example"}, 403),
    ({"Origin": "null"}, 403),  # a sandboxed frame or a file:// page
    ({"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}, 403),  # another local app
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"}, 403),
    ({"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"}, 200),  # the query page itself
    ({"Origin": "http://127.0.0.1:{port}"}, 200),
    ({"Sec-Fetch-Site": "none"}, 200),  # typed by the user
    ({"Origin": ALLOWED_ORIGIN, "Sec-Fetch-Site": "cross-site"}, 200),  # --allow-origin
    ({}, 200),  # not a browser: curl, SPARQLWrapper
])
def test_cross_origin_posts_are_refused(server: SparqlServer, capture_server, headers: dict[str, str], status: int) -> None:  # type: ignore[no-untyped-def]
    headers = {name: value.format(port=server.server_port) for name, value in headers.items()}
    form = call(server, "POST", "/sparql", urlencode({"query": ASK}),
                {"Content-Type": "application/x-www-form-urlencoded", **headers})
    direct = call(server, "POST", "/sparql", ASK, {"Content-Type": "application/sparql-query", **headers})
    for response in (form, direct):
        assert response.status == status, response.text
    if status == 403:
        assert_short_error(form, 403)
        assert "cross-origin" in form.text


# --- CORS (Q8) -------------------------------------------------------------------------------------

def test_cors_only_for_allow_listed_origins(server: SparqlServer) -> None:
    plain = get(server, ASK)
    elsewhere = call(server, "GET", "/sparql?" + urlencode({"query": ASK}), headers={"Origin": "https://elsewhere.example"})
    allowed = call(server, "GET", "/sparql?" + urlencode({"query": ASK}), headers={"Origin": ALLOWED_ORIGIN})
    preflight = call(server, "OPTIONS", "/sparql", headers={"Origin": "https://elsewhere.example"})
    for response in (plain, elsewhere, preflight):
        assert not any(name.startswith("access-control-allow-origin") for name in response.headers)
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert all("credentials" not in name for response in (plain, elsewhere, allowed) for name in response.headers)


def test_wildcard_origin_is_refused(graph_file: Path) -> None:
    from sskg.errors import QueryError

    with pytest.raises(QueryError):
        ServerConfig(graph_file, allow_origins=("*",))


# --- the page and resource browsing ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/id/ontology/IncludedStudy",
                                  "/resource?iri=" + quote("https://w3id.org/sskg/ontology/IncludedStudy", safe="")])
def test_resource_as_html_and_turtle(server: SparqlServer, path: str) -> None:
    page = call(server, "GET", path, headers={"Accept": "text/html"})
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert 'href="/id/ontology/CitedWork"' in page.text and "included study" in page.text
    turtle = call(server, "GET", path, headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef("https://w3id.org/sskg/ontology/IncludedStudy"), RDFS.label, Literal("included study", lang="en")) in graph


def test_resource_page_escapes_everything(server: SparqlServer) -> None:
    page = call(server, "GET", "/id/study/hostile", headers={"Accept": "text/html"})
    assert page.status == 200
    assert HOSTILE_LABEL not in page.text and "<img" not in page.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/script&gt;" in page.text
    assert 'href="javascript:' not in page.text


@pytest.mark.parametrize("path, status", [
    ("/id/study/no-such-study", 404),
    ("/resource?iri=" + quote("http://example.org/elsewhere", safe=""), 404),
    ("/resource?iri=" + quote("https://w3id.org/sskg/a b", safe=""), 400),
    ("/resource", 400),
])
def test_unknown_or_foreign_resources(server: SparqlServer, path: str, status: int) -> None:
    assert_short_error(call(server, "GET", path), status)


# --- real clients ----------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl(server: SparqlServer) -> None:
    endpoint = server.url + "/sparql"
    csv_text = subprocess.run(
        ["curl", "-sS", "--fail", "-H", "Accept: text/csv", "--data-urlencode", f"query={CLASS_LABEL}", endpoint],
        capture_output=True, text=True, check=True, timeout=30).stdout
    assert csv_text.splitlines() == ["label", "included study"]
    refused = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/sparql-update",
         "--data-binary", UPDATES[0], endpoint], capture_output=True, text=True, check=True, timeout=30).stdout
    assert refused == "403"


def test_sparqlwrapper(server: SparqlServer) -> None:
    sparqlwrapper = pytest.importorskip("SPARQLWrapper")
    client = sparqlwrapper.SPARQLWrapper(server.url + "/sparql")
    client.setQuery(CLASS_LABEL)
    client.setReturnFormat(sparqlwrapper.JSON)
    by_get = client.queryAndConvert()
    client.setMethod(sparqlwrapper.POST)
    assert client.queryAndConvert() == by_get
    assert by_get["results"]["bindings"][0]["label"]["value"] == "included study"
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(sparqlwrapper.TURTLE)
    assert len(Graph().parse(data=client.queryAndConvert(), format="turtle")) > 100
    client.setQuery(UPDATES[0])  # SPARQLWrapper sends it as an update= form field
    with pytest.raises(Exception, match="403"):
        client.query()


# --- the command: startup, errors and SIGTERM ------------------------------------------------------

def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a parent (container init may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _serve_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from sskg.queries.server_cli import serve; serve()", *args]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the worker processes")
def test_command_serves_and_stops_on_sigterm(graph_file: Path, tmp_path: Path) -> None:
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(_serve_command("--graph", str(graph_file), "--port", "0", "--workers", "1"),
                               stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"SPARQL endpoint (http://127\.0\.0\.1:(\d+))/sparql", line)
        assert match, line
        connection = http.client.HTTPConnection("127.0.0.1", int(match[2]), timeout=30)
        connection.request("GET", "/sparql?" + urlencode({"query": ASK}))
        assert connection.getresponse().status == 200
        connection.close()
        workers = _children(process.pid)
        assert workers
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        deadline = time.monotonic() + 10
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_alive, workers))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def test_command_reports_a_missing_graph(tmp_path: Path) -> None:
    result = subprocess.run(_serve_command("--graph", str(tmp_path / "missing.ttl"), "--port", "0"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "graph file not found" in result.stderr and "Traceback" not in result.stderr
