"""`sskg serve`: a local, read-only SPARQL 1.1 endpoint and query page (hazards Q1–Q9).

Queries run in worker processes that each load the graph once. A query that outlives the time limit is
killed together with its worker, which is replaced, so one runaway query never blocks other clients.
The HTTP side only routes, checks sizes and negotiates; anything that touches the graph runs in a worker.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import queue
import re
import resource
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qs, urlsplit

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from sskg.errors import QueryError, SskgError
from sskg.namespaces import BASE

from . import QUERIES_DIR
from . import workbench
from .catalogue import CatalogueQuery, load_catalogue
from .formats import render
from .parameters import GraphTerms
from .resource_page import resource_page
from .runner import QueryResult, evaluate, is_well_formed, load_graph, materialise, prefixed_graph, select_on

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_URL_BYTES = 8 * 1024
MAX_BODY_BYTES = 1024 * 1024
MAX_FORM_FIELDS = 200

# Media type -> renderer, in the order served when a client accepts several equally (the first is the default).
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld"}
RESOURCE_TYPES = ("text/html", "text/turtle")

READ_ONLY = "updates are refused: this endpoint is read-only (use SELECT, ASK, CONSTRUCT or DESCRIBE)"
_UPDATE_PARAMS = {"update", "using-graph-uri", "using-named-graph-uri"}
_DATASET_PARAMS = {"default-graph-uri", "named-graph-uri"}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".svg": "image/svg+xml", ".json": "application/json"}
# Inline styles of the vendored YASGUI bundle, allowed by their hashes alone, so no other inline style applies
# (see queries/static/vendor/README.md): the two stylesheets YASR's column resizer writes into <style> elements,
# and the one style attribute (text-decoration:underline) of YASQE's syntax-error tooltip.
YASGUI_STYLE_HASHES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='", "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
YASGUI_STYLE_ATTRIBUTE_HASHES = ("'sha256-EntWS0hFrz2vH7susM+dPUxvHlL6sBswmM8K80E5oUk='",)
# The page loads nothing from elsewhere, and a browser enforces that even if a bug inserted markup.
_HTML_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' " + " ".join(YASGUI_STYLE_HASHES) + "; "
                                "style-src-attr 'unsafe-hashes' " + " ".join(YASGUI_STYLE_ATTRIBUTE_HASHES) + "; "
                                "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
)
# The views are files sskg wrote, each with its own hashed scripts and styles (a meta CSP); this header
# keeps them offline as served, whatever a file says.
_VIEW_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
                                "connect-src 'none'; font-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
)


@dataclass(frozen=True)
class ServerConfig:
    graph: Path
    host: str = "127.0.0.1"
    port: int = 8890
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    max_memory_mb: int = 2048
    allow_origins: tuple[str, ...] = ()
    catalogue_dir: Path = QUERIES_DIR
    queue_timeout: float = 30.0  # how long a request may wait for a free worker before a 503
    views_dir: Path | None = None  # served under /views/; by default the views folder beside the graph file

    def __post_init__(self) -> None:
        for origin in self.allow_origins:
            if not re.fullmatch(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(:[0-9]+)?", origin):
                raise QueryError(f"--allow-origin {origin!r} is not an origin", fix="give e.g. http://localhost:3000 (no '*', no path)")


# --- content negotiation ---------------------------------------------------------------------------

def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client rates highest (ties: server order); the first offer if no Accept."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _media_ranges(accept)
    best, best_q = None, 0.0
    for media_type in offered:
        q = _quality(media_type, ranges)
        if q > best_q:
            best, best_q = media_type, q
    return best


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        if media_range:
            ranges.append((media_range.lower(), q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """q of the most specific matching range: an exact type beats type/*, which beats */*."""
    for candidate in (media_type, media_type.split("/")[0] + "/*", "*/*"):
        matches = [q for media_range, q in ranges if media_range == candidate]
        if matches:
            return max(matches)
    return 0.0


# --- messages between the HTTP threads and the workers ---------------------------------------------

@dataclass(frozen=True)
class QueryJob:
    text: str
    given: dict[str, str]  # parameter values as typed: resolved to terms in the worker, which has the graph
    accept: str | None
    entry: CatalogueQuery | None = None  # the catalogue query named, else the text's own header declares parameters


@dataclass(frozen=True)
class ResourceJob:
    iri: str
    accept: str | None
    views: bool = False  # the server serves the views: link into them


@dataclass(frozen=True)
class PageJob:
    """A request of the query page: `check` a query being edited, or `labels` for IRIs."""

    kind: str
    payload: dict[str, object]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    retire_worker: bool = False  # the worker may be unhealthy (e.g. after MemoryError): replace it


def error_reply(status: int, message: str, retire_worker: bool = False) -> Reply:
    return Reply(status, (message.rstrip() + "\n").encode(), retire_worker=retire_worker)


# --- the worker process ----------------------------------------------------------------------------

def _worker_main(graph_path: Path, conn: Connection, max_rows: int, max_memory_mb: int) -> None:
    """Load the graph once, report readiness (None) or the reason it failed, then answer jobs until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops the workers
    limit = max_memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))  # a runaway query gets MemoryError, not the OOM killer
    try:
        try:
            graph = load_graph(graph_path)
        except SskgError as error:
            conn.send(str(error))
            return
        except MemoryError:
            conn.send(f"the graph does not fit in {max_memory_mb} MB; raise --max-memory")
            return
        conn.send(None)
        terms = GraphTerms(select_on(graph))  # parameter candidates are read once per worker
        while True:
            conn.send(_answer(graph, terms, conn.recv(), max_rows))
    except (EOFError, BrokenPipeError):
        return  # the server closed the pipe or exited


def _answer(graph: Graph, terms: GraphTerms, job: QueryJob | ResourceJob | PageJob, max_rows: int) -> Reply:
    try:
        if isinstance(job, ResourceJob):
            return _resource_reply(graph, job, max_rows)
        if isinstance(job, PageJob):
            return _page_reply(graph, terms, job)
        return _query_reply(graph, terms, job, max_rows)
    except QueryError as error:
        return error_reply(400, str(error))
    except MemoryError:
        return error_reply(503, "the query needed more memory than the server allows; narrow it or raise --max-memory", retire_worker=True)
    except Exception:  # noqa: BLE001 - the client gets a short message, the log gets the details
        traceback.print_exc(file=sys.stderr)
        return error_reply(500, "internal error while running the query (details are in the server log)")


def _query_reply(graph: Graph, terms: GraphTerms, job: QueryJob, max_rows: int) -> Reply:
    entry = job.entry or workbench.own_query(job.text)
    result, truncated = _execute(graph, job.text, entry.bindings(job.given, terms), max_rows)
    offered = GRAPH_TYPES if result.kind in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
    media_type = negotiate(job.accept, list(offered))
    if media_type is None:
        return error_reply(406, f"{result.kind} results are available as: {', '.join(offered)}")
    body = _serialize(result, offered[media_type]).encode()
    headers = (("Sskg-Truncated", f"results cut at --max-rows {max_rows}"),) if truncated else ()
    return Reply(200, body, _with_charset(media_type), headers)


def _execute(graph: Graph, text: str, bindings: dict[str, Node], max_rows: int) -> tuple[QueryResult, bool]:
    """Like runner.run_query, but stops reading rows at the cap instead of materialising them all."""
    result = materialise(evaluate(graph, text, bindings), limit=max_rows + 1)
    if result.graph is not None:
        triples = list(result.graph)
        return replace(result, graph=prefixed_graph(triples[:max_rows])), len(triples) > max_rows
    return replace(result, rows=result.rows[:max_rows]), len(result.rows) > max_rows


def _page_reply(graph: Graph, terms: GraphTerms, job: PageJob) -> Reply:
    if job.kind == "check":
        answer = workbench.check(graph, str(job.payload["query"]), job.payload["params"], terms)  # type: ignore[arg-type]
    else:
        answer = workbench.labels(graph, job.payload["iris"])  # type: ignore[arg-type]
    return Reply(200, json.dumps(answer).encode(), "application/json")


def _with_charset(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


# --- result formats that formats.render does not write ---------------------------------------------

def _serialize(result: QueryResult, fmt: str) -> str:
    if fmt == "xml":
        return _results_xml(result)
    if fmt == "tsv":
        return _results_tsv(result)
    return render(result, fmt)


def _xml(text: str) -> str:
    """Escape for XML; characters XML 1.0 cannot carry become U+FFFD (hazard E2)."""
    return html.escape(_NOT_XML.sub("\ufffd", text))


def _results_xml(result: QueryResult) -> str:
    head = "".join(f'<variable name="{_xml(variable)}"/>' for variable in result.variables)
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
             f"<head>{head}</head>"]
    if result.kind == "ASK":
        lines.append(f"<boolean>{str(result.boolean).lower()}</boolean>")
    else:
        lines.append("<results>")
        for row in result.rows:
            cells = "".join(f'<binding name="{_xml(variable)}">{_xml_term(term)}</binding>'
                            for variable, term in zip(result.variables, row) if term is not None)
            lines.append(f"<result>{cells}</result>")
        lines.append("</results>")
    lines.append("</sparql>")
    return "\n".join(lines) + "\n"


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{_xml(term)}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{_xml(term)}</bnode>"
    language, datatype = getattr(term, "language", None), getattr(term, "datatype", None)
    attribute = f' xml:lang="{_xml(language)}"' if language else f' datatype="{_xml(datatype)}"' if datatype else ""
    return f"<literal{attribute}>{_xml(str(term))}</literal>"


def _results_tsv(result: QueryResult) -> str:
    if result.kind == "ASK":
        return f"{str(result.boolean).lower()}\n"
    lines = ["\t".join(f"?{variable}" for variable in result.variables)]
    lines += ["\t".join("" if term is None else _tsv_term(term) for term in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _tsv_term(term: Node) -> str:
    """A term in Turtle syntax on one line, as SPARQL 1.1 TSV requires."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = '"' + str(term).translate(_TSV_ESCAPES) + '"'
    language, datatype = getattr(term, "language", None), getattr(term, "datatype", None)
    if language:
        return f"{text}@{language}"
    return f"{text}^^<{datatype}>" if datatype else text


# --- browsing resources ----------------------------------------------------------------------------

def _resource_reply(graph: Graph, job: ResourceJob, max_rows: int) -> Reply:
    media_type = negotiate(job.accept, RESOURCE_TYPES)
    if media_type is None:
        return error_reply(406, f"resources are available as: {', '.join(RESOURCE_TYPES)}")
    page = resource_page(graph, URIRef(job.iri), max_rows, job.views)
    if page is None:
        return error_reply(404, f"the graph has no triples about {job.iri}")
    if media_type == "text/turtle":
        return Reply(200, prefixed_graph(page.triples).serialize(format="turtle").encode(), _with_charset(media_type))
    return Reply(200, page.html.encode(), _with_charset(media_type), _HTML_HEADERS)


# --- the pool of workers ---------------------------------------------------------------------------

class _Worker:
    def __init__(self, context: SpawnContext, config: ServerConfig) -> None:
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(config.graph, child_end, config.max_rows, config.max_memory_mb), daemon=True
        )
        self.process.start()
        child_end.close()

    def wait_ready(self) -> None:
        """Block until the worker has loaded the graph; raise QueryError saying why it could not."""
        while not self.conn.poll(0.5):
            if not self.process.is_alive():
                raise QueryError("a query worker stopped while loading the graph", fix="see the messages above")
        try:
            failure = self.conn.recv()
        except EOFError:
            raise QueryError("a query worker stopped while loading the graph", fix="see the messages above") from None
        if failure is not None:
            raise QueryError(failure)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


REPLACE_ATTEMPTS = 5  # a successor that dies while loading is replaced this many times before giving up


class WorkerPool:
    """Processes that each hold the graph; a worker whose query overruns is killed and replaced."""

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._context = multiprocessing.get_context("spawn")  # forking a threaded server can deadlock the child
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        workers = [self._spawn() for _ in range(self._config.workers)]
        try:
            for worker in workers:
                worker.wait_ready()
        except BaseException:
            self.close()
            raise
        for worker in workers:
            self._idle.put(worker)

    def run(self, job: QueryJob | ResourceJob | PageJob, timeout: float) -> Reply:
        try:
            worker = self._idle.get(timeout=self._config.queue_timeout)
        except queue.Empty:
            return error_reply(503, "all query workers are busy; try again shortly")
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._replace(worker)
                return error_reply(504, f"query stopped after the {timeout:g} s time limit; narrow the query or raise --timeout")
            reply: Reply = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            # In practice the worker hit --max-memory (native code aborts on a failed allocation): a resource limit.
            return error_reply(503, "the query stopped: its worker ran out of memory or crashed and has been replaced")
        if reply.retire_worker:
            self._replace(worker)
        else:
            self._idle.put(worker)
        return reply

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, set()
        for worker in workers:
            worker.stop()

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self._config)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill the worker now; load its successor in the background so this request answers at once."""
        with self._lock:
            self._workers.discard(worker)
        worker.stop()
        threading.Thread(target=self._add_worker, daemon=True).start()

    def _add_worker(self) -> None:
        """Load a successor; one that dies while loading (killed, say) is replaced in turn, a few times, so the
        pool does not shrink for good."""
        for attempt in range(1, REPLACE_ATTEMPTS + 1):
            with self._lock:
                if self._closed:
                    return
                worker = _Worker(self._context, self._config)
                self._workers.add(worker)
            try:
                worker.wait_ready()
            except QueryError as error:
                with self._lock:
                    self._workers.discard(worker)
                worker.stop()
                if not self._closed:
                    print(f"sskg serve: could not replace a query worker (attempt {attempt} of {REPLACE_ATTEMPTS}): {error}",
                          file=sys.stderr)
                time.sleep(1)
                continue
            self._idle.put(worker)
            return


# --- HTTP ------------------------------------------------------------------------------------------

class _Refused(Exception):
    """A request answered with an HTTP error and a short message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.catalogue = load_catalogue(config.catalogue_dir)
        self.catalogue_json = _catalogue_json(self.catalogue.values())
        self.static = _load_static(STATIC_DIR)
        views_dir = config.views_dir or config.graph.parent / "views"
        self.views = _load_static(views_dir) if views_dir.is_dir() else {}
        self.completions_json = json.dumps({**workbench.completions(), "views": bool(self.views)}).encode()
        self.pool = WorkerPool(config)
        if ":" in config.host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((config.host, config.port), SparqlHandler)
        except OSError as error:
            raise QueryError(f"cannot listen on {config.host} port {config.port}: {error.strerror}",
                             fix="choose another --port or --host") from None
        try:
            self.pool.start()
        except BaseException:
            self.server_close()
            raise

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall for seconds without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.server_name}]" if ":" in self.server_name else self.server_name
        return f"http://{host}:{self.server_port}"

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    server_version = "sskg"
    sys_version = ""
    timeout = 60  # drop clients that stall mid-request instead of holding a thread
    error_message_format = "%(code)d %(message)s\n"
    error_content_type = "text/plain; charset=utf-8"
    _body_pending = False

    def do_GET(self) -> None:  # noqa: N802
        self._guard(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._body_pending = True
        self._guard(self._post)

    def do_OPTIONS(self) -> None:  # noqa: N802 - CORS preflight; headers only for allow-listed origins
        self._send(204, b"", "text/plain", (("Access-Control-Allow-Methods", "GET, POST"),
                                            ("Access-Control-Allow-Headers", "Accept, Content-Type")))

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except _Refused as refused:
            self._fail(refused.status, refused.message)
        except QueryError as error:
            self._fail(400, str(error))
        except ConnectionError:
            self.close_connection = True  # the client went away
        except Exception:  # noqa: BLE001 - short message for the client, traceback for the log
            traceback.print_exc(file=sys.stderr)
            self._fail(500, "internal server error (details are in the server log)")

    def _get(self) -> None:
        if len(self.path) > MAX_URL_BYTES:
            raise _Refused(414, f"the request URL is longer than {MAX_URL_BYTES} bytes; POST the query instead")
        url = urlsplit(self.path)
        if url.path == "/sparql":
            self._sparql(_parse_form(url.query), None)
        elif url.path == "/catalogue":
            self._send(200, self.server.catalogue_json, "application/json")
        elif url.path == "/completions":
            self._send(200, self.server.completions_json, "application/json")
        elif url.path == "/resource":
            params = _parse_form(url.query)
            self._resource(_single(params, "iri"), _single(params, "format"))
        elif url.path.startswith("/id/"):
            self._resource(BASE + url.path[len("/id/"):], _single(_parse_form(url.query), "format"))
        elif url.path in ("/", "/index.html"):
            self._static("index.html")
        elif url.path == "/favicon.ico":
            self._static("favicon.svg")
        elif url.path.startswith("/static/"):
            self._static(url.path[len("/static/"):])
        elif url.path == "/views":
            self._send(301, b"", "text/plain", (("Location", "/views/"),))
        elif url.path.startswith("/views/"):
            self._view(url.path[len("/views/"):] or "index.html")
        else:
            raise _Refused(404, "not found; the query page is at /, the SPARQL endpoint at /sparql, the views at /views/")

    def _post(self) -> None:
        url = urlsplit(self.path)
        if url.path in ("/check", "/labels"):
            self._page(url.path[1:])
            return
        if url.path != "/sparql":
            raise _Refused(404, "not found; POST queries to /sparql")
        media_type = self.headers.get_content_type()
        if media_type == "application/sparql-update":
            raise _Refused(403, READ_ONLY)
        if media_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise _Refused(415, "POST the query as application/sparql-query or application/x-www-form-urlencoded")
        body = self._read_body()
        params = _parse_form(url.query)
        if media_type == "application/sparql-query":
            self._sparql(params, body)
            return
        for name, values in _parse_form(body).items():
            params.setdefault(name, []).extend(values)
        self._sparql(params, None)

    def _read_body(self) -> str:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise _Refused(411, "send the body with a Content-Length, not chunked")
        try:
            length = int(self.headers["Content-Length"])
        except (TypeError, ValueError):
            raise _Refused(411, "a Content-Length header is required") from None
        if length < 0:
            raise _Refused(400, "bad Content-Length")
        if length > MAX_BODY_BYTES:  # refused before reading a byte of it
            raise _Refused(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
        data = self.rfile.read(length)
        self._body_pending = False
        if len(data) < length:
            raise _Refused(400, "the request body ended early")
        try:
            return data.decode(self.headers.get_content_charset("utf-8"))
        except (LookupError, UnicodeDecodeError):
            raise _Refused(400, "the request body is not in the declared character set (use UTF-8)") from None

    def _sparql(self, params: dict[str, list[str]], direct_query: str | None) -> None:
        accept = self.headers.get("Accept")
        if negotiate(accept, [*RESULT_TYPES, *GRAPH_TYPES]) is None:
            raise _Refused(406, f"results are available as: {', '.join([*RESULT_TYPES, *GRAPH_TYPES])}")
        job = _query_job(params, direct_query, accept, self.server.catalogue)
        self._reply(self.server.pool.run(job, self.server.config.timeout))

    def _page(self, kind: str) -> None:
        if self.headers.get_content_type() != "application/json":
            raise _Refused(415, f"POST /{kind} takes application/json")
        try:
            payload = json.loads(self._read_body())
        except ValueError:
            raise _Refused(400, "the body is not JSON") from None
        self._reply(self.server.pool.run(PageJob(kind, _page_payload(kind, payload)), self.server.config.timeout))

    def _resource(self, iri: str | None, fmt: str | None = None) -> None:
        if not iri:
            raise _Refused(400, "give the resource as /resource?iri=...")
        if not iri.startswith(BASE):
            raise _Refused(404, f"only IRIs under {BASE} can be browsed here")
        if not is_well_formed(iri):
            raise _Refused(400, "that is not a valid IRI")
        if fmt not in (None, "turtle", "html"):
            raise _Refused(400, "format is turtle or html")
        accept = {"turtle": "text/turtle", "html": "text/html"}.get(fmt or "", self.headers.get("Accept"))
        job = ResourceJob(iri, accept, views=bool(self.server.views))
        self._reply(self.server.pool.run(job, self.server.config.timeout))

    def _view(self, name: str) -> None:
        if not self.server.views:
            raise _Refused(404, "no views to serve: run 'sskg build' (it writes build/views/) or 'sskg view'")
        if name not in self.server.views:
            raise _Refused(404, "no such view; the list is at /views/")
        body, content_type = self.server.views[name]
        self._send(200, body, content_type, _VIEW_HEADERS if content_type.startswith("text/html") else ())

    def _static(self, name: str) -> None:
        if name not in self.server.static:
            raise _Refused(404, "not found")
        body, content_type = self.server.static[name]
        self._send(200, body, content_type, _HTML_HEADERS if content_type.startswith("text/html") else ())

    def _reply(self, reply: Reply) -> None:
        if reply.status >= 400:
            self.log_error("%d %s", reply.status, _first_line(reply.body.decode(errors="replace")))
        self._send(reply.status, reply.body, reply.content_type, reply.headers)

    def _fail(self, status: int, message: str) -> None:
        self.log_error("%d %s", status, _first_line(message))
        self._send(status, (message.rstrip() + "\n").encode(), "text/plain; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Vary", "Accept, Origin")
        origin = self.headers.get("Origin")
        if origin and origin in self.server.config.allow_origins:  # exact allow-list; never "*", never credentials
            self.send_header("Access-Control-Allow-Origin", origin)
        for name, value in headers:
            self.send_header(name, value)
        if self._body_pending:  # an unread body would be taken for the next request: close instead
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def _first_line(message: str) -> str:
    return (message.strip().splitlines() or [""])[0]


def _parse_form(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise _Refused(400, f"malformed parameters (not UTF-8, or more than {MAX_FORM_FIELDS})") from None


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if values and len(values) > 1:
        raise _Refused(400, f"give {name} once")
    return values[0] if values else None


def _page_payload(kind: str, payload: object) -> dict[str, object]:
    """The page's JSON request, checked: {"query": text, "params": {name: text}} or {"iris": [text, ...]}."""
    if kind == "check":
        if not (isinstance(payload, dict) and isinstance(payload.get("query"), str) and isinstance(payload.get("params", {}), dict)
                and all(isinstance(key, str) and isinstance(value, str) for key, value in payload.get("params", {}).items())):
            raise _Refused(400, 'POST /check takes {"query": "...", "params": {"name": "value"}}')
        return {"query": payload["query"], "params": dict(payload.get("params", {}))}
    if not (isinstance(payload, dict) and isinstance(payload.get("iris"), list) and all(isinstance(iri, str) for iri in payload["iris"])):
        raise _Refused(400, 'POST /labels takes {"iris": ["https://...", ...]}')
    return {"iris": list(payload["iris"])}


def _query_job(params: dict[str, list[str]], direct_query: str | None, accept: str | None,
               catalogue: dict[str, CatalogueQuery]) -> QueryJob:
    if params.keys() & _UPDATE_PARAMS:
        raise _Refused(403, READ_ONLY)
    if params.keys() & _DATASET_PARAMS:
        raise _Refused(400, "default-graph-uri and named-graph-uri are refused: queries run over sskg's graph only")
    text = direct_query if direct_query is not None else _single(params, "query")
    name = _single(params, "name")
    if text is not None and name is not None:
        raise _Refused(400, "give either query or name, not both")
    given = {key[len("param."):]: _single(params, key) or "" for key in params if key.startswith("param.")}
    if name is not None:
        entry = catalogue.get(name)
        if entry is None:
            raise _Refused(404, f"no catalogue query named {name!r}; GET /catalogue lists them")
        return QueryJob(entry.text, given, accept, entry)
    if not text or not text.strip():
        raise _Refused(400, "give a SPARQL query (query=...) or a catalogue query name (name=...)")
    return QueryJob(text, given, accept)



def _catalogue_json(entries: Iterable[CatalogueQuery]) -> bytes:
    listing = [
        {
            "name": entry.name,
            "title": entry.title,
            "description": entry.description,
            "parameters": [
                {"name": p.name, "type": p.type, "default": None if p.default == "-" else p.default, "description": p.description,
                 "kinds": [str(kind) for kind in p.kinds]}
                for p in entry.parameters
            ],
            "columns": list(entry.columns),
            "id_columns": entry.id_columns,
            "query": entry.text,
        }
        for entry in entries
    ]
    return json.dumps(listing, indent=1).encode()


def _load_static(folder: Path) -> dict[str, tuple[bytes, str]]:
    """A folder's files by relative path, read once: requests pick from this table, never from the file system."""
    return {path.relative_to(folder).as_posix(): (path.read_bytes(), _STATIC_TYPES[path.suffix])
            for path in sorted(folder.rglob("*")) if path.is_file() and path.suffix in _STATIC_TYPES}


def serve(config: ServerConfig, announce: Callable[[SparqlServer], None]) -> None:
    """Serve until SIGTERM or Ctrl-C, then stop the workers."""
    server = SparqlServer(config)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        announce(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
