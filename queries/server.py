"""`sskg serve`: a local, read-only SPARQL 1.1 endpoint and query page (hazards Q1–Q9).

Three parts: the HTTP layer (queries/http_app.py: waitress, the route table, Host and Origin checks), the query
workers (queries/worker_pool.py: processes killed at the time limit) and what they answer (queries/answers.py:
results written by Oxigraph). This module holds the endpoint's routes and puts the parts together.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qs

from sskg.errors import QueryError
from sskg.namespaces import BASE

from . import QUERIES_DIR
from . import workbench
from .answers import GRAPH_TYPES, RESULT_TYPES, PageJob, QueryJob, ResourceJob, negotiate
from .catalogue import CatalogueQuery, load_catalogue
from .http_app import (LOOPBACK_HOSTS, MAX_URL_BYTES, App, HttpServer, Refused, Reply, Request, Route,
                       static_route)
from .runner import is_well_formed
from .worker_pool import WorkerPool

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_FORM_FIELDS = 200

READ_ONLY = "updates are refused: this endpoint is read-only (use SELECT, ASK, CONSTRUCT or DESCRIBE)"
_UPDATE_PARAMS = {"update", "using-graph-uri", "using-named-graph-uri"}
_DATASET_PARAMS = {"default-graph-uri", "named-graph-uri"}
_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".svg": "image/svg+xml", ".json": "application/json"}
# Inline styles of the vendored YASGUI bundle, allowed by their hashes alone, so no other inline style applies
# (see queries/static/vendor/README.md): the two stylesheets YASR's column resizer writes into <style> elements,
# and the one style attribute (text-decoration:underline) of YASQE's syntax-error tooltip.
YASGUI_STYLE_HASHES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='", "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
YASGUI_STYLE_ATTRIBUTE_HASHES = ("'sha256-EntWS0hFrz2vH7susM+dPUxvHlL6sBswmM8K80E5oUk='",)
QUERY_PAGE_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' " + " ".join(YASGUI_STYLE_HASHES) + "; "
                                "style-src-attr 'unsafe-hashes' " + " ".join(YASGUI_STYLE_ATTRIBUTE_HASHES) + "; "
                                "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
)
# The views are files sskg wrote, each with its own hashed scripts and styles (a meta CSP); this header
# keeps them offline as served, whatever a file says.
VIEW_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
                                "connect-src 'none'; font-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
)
_HOST_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


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
    allow_hosts: tuple[str, ...] = ()
    catalogue_dir: Path = QUERIES_DIR
    queue_timeout: float = 30.0  # how long a request may wait for a free worker before a 503
    views_dir: Path | None = None  # served under /views/; by default the views folder beside the graph file

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timeout) and 0 < self.timeout <= 86_400):
            raise QueryError(f"timeout {self.timeout!r} is not a time limit", fix="give seconds, more than 0 and at most a day")
        for origin in self.allow_origins:
            if not re.fullmatch(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(:[0-9]+)?", origin):
                raise QueryError(f"--allow-origin {origin!r} is not an origin", fix="give e.g. http://localhost:3000 (no '*', no path)")
        for host in self.allow_hosts:
            if host_name(host) is None:
                raise QueryError(f"--allow-host {host!r} is not a host name or IP address",
                                 fix="give e.g. sskg.example.org or 192.0.2.7 (no port, no '*')")

    @property
    def hosts(self) -> frozenset[str]:
        """The names a request's Host may give: loopback, the address listened on, and --allow-host."""
        names = {*LOOPBACK_HOSTS, *(host_name(host) for host in self.allow_hosts)}
        listened = host_name(self.host)
        if listened is not None and listened not in ("0.0.0.0", "[::]"):
            names.add(listened)
        return frozenset(name for name in names if name)


def host_name(text: str) -> str | None:
    """A host as a Host header names it (lower case, IPv6 in brackets), or None if it is neither a name nor an IP."""
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return text.lower() if _HOST_NAME.fullmatch(text) else None
    return f"[{address}]" if address.version == 6 else str(address)


class SparqlServer(HttpServer):
    """The endpoint: its routes on the HTTP layer, and the pool of query workers they send jobs to."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.catalogue = load_catalogue(config.catalogue_dir)
        views_dir = config.views_dir or config.graph.parent / "views"
        self.views = _load_static(views_dir) if views_dir.is_dir() else {}
        self.pool = WorkerPool(config.graph, config.workers, config.max_rows, config.max_memory_mb, config.queue_timeout)
        app = App(self.routes(), config.hosts, config.allow_origins)
        super().__init__(app, config.host, config.port, threads=config.workers + 8)
        try:
            self.pool.start()
        except BaseException:
            self.server_close()
            raise

    def routes(self) -> tuple[Route, ...]:
        """The route table: a path (a prefix when it ends in "/") and a handler per method."""
        static = _load_static(STATIC_DIR)
        catalogue_json = _catalogue_json(self.catalogue.values())
        completions_json = json.dumps({**workbench.completions(), "views": bool(self.views)}).encode()

        def index(request: Request) -> Reply:
            return Reply(200, *static["index.html"], QUERY_PAGE_HEADERS)

        return (
            Route("/sparql", {"GET": self._sparql_get, "POST": self._sparql_post, "OPTIONS": _preflight}),
            Route("/catalogue", {"GET": lambda request: Reply(200, catalogue_json, "application/json")}),
            Route("/completions", {"GET": lambda request: Reply(200, completions_json, "application/json")}),
            Route("/check", {"POST": lambda request: self._page("check", request)}),
            Route("/labels", {"POST": lambda request: self._page("labels", request)}),
            Route("/resource", {"GET": lambda request: self._resource(_single(_parse_form(request.query), "iri"), request)}),
            Route("/id/", {"GET": lambda request: self._resource(BASE + request.path[len("/id/"):], request)}),
            static_route("/static/", static),
            Route("/favicon.ico", {"GET": lambda request: Reply(200, *static["favicon.svg"])}),
            Route("/views", {"GET": lambda request: Reply(301, b"", headers=(("Location", "/views/"),))}),
            Route("/views/", {"GET": self._view}),
            Route("/", {"GET": index}),
            Route("/index.html", {"GET": index}),
        )

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()

    # --- SPARQL 1.1 protocol -----------------------------------------------------------------------

    def _sparql_get(self, request: Request) -> Reply:
        if len(request.path) + len(request.query) > MAX_URL_BYTES:
            raise Refused(414, f"the request URL is longer than {MAX_URL_BYTES} bytes; POST the query instead")
        return self._sparql(request, _parse_form(request.query), None)

    def _sparql_post(self, request: Request) -> Reply:
        media_type = request.media_type
        if media_type == "application/sparql-update":
            raise Refused(403, READ_ONLY)
        if media_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise Refused(415, "POST the query as application/sparql-query or application/x-www-form-urlencoded")
        if request.header("content-length") is None:
            raise Refused(411, "a Content-Length header is required")
        try:
            body = request.body.decode(request.charset)
        except (LookupError, UnicodeDecodeError):
            raise Refused(400, "the request body is not in the declared character set (use UTF-8)") from None
        params = _parse_form(request.query)
        if media_type == "application/sparql-query":
            return self._sparql(request, params, body)
        for name, values in _parse_form(body).items():
            params.setdefault(name, []).extend(values)
        return self._sparql(request, params, None)

    def _sparql(self, request: Request, params: dict[str, list[str]], direct_query: str | None) -> Reply:
        accept = request.header("accept")
        if negotiate(accept, [*RESULT_TYPES, *GRAPH_TYPES]) is None:
            raise Refused(406, f"results are available as: {', '.join([*RESULT_TYPES, *GRAPH_TYPES])}")
        job = _query_job(params, direct_query, accept, self.catalogue)
        return self.pool.run(job, self.config.timeout)

    def _resource(self, iri: str | None, request: Request) -> Reply:
        if not iri:
            raise Refused(400, "give the resource as /resource?iri=...")
        if not iri.startswith(BASE):
            raise Refused(404, f"only IRIs under {BASE} can be browsed here")
        if not is_well_formed(iri):
            raise Refused(400, "that is not a valid IRI")
        fmt = _single(_parse_form(request.query), "format")  # for links, which cannot set Accept
        if fmt not in (None, "turtle", "html"):
            raise Refused(400, "format is turtle or html")
        accept = {"turtle": "text/turtle", "html": "text/html"}.get(fmt or "", request.header("accept"))
        return self.pool.run(ResourceJob(iri, accept, views=bool(self.views)), self.config.timeout)

    # --- the query page's own requests and the views -----------------------------------------------

    def _page(self, kind: str, request: Request) -> Reply:
        if request.media_type != "application/json":
            raise Refused(415, f"POST /{kind} takes application/json")
        try:
            payload = json.loads(request.body.decode(request.charset))
        except (LookupError, UnicodeDecodeError, ValueError):
            raise Refused(400, "the body is not JSON") from None
        return self.pool.run(PageJob(kind, _page_payload(kind, payload)), self.config.timeout)

    def _view(self, request: Request) -> Reply:
        if not self.views:
            raise Refused(404, "no views to serve: run 'sskg build' (it writes build/views/) or 'sskg view'")
        found = self.views.get(request.path[len("/views/"):] or "index.html")
        if found is None:
            raise Refused(404, "no such view; the list is at /views/")
        body, content_type = found
        return Reply(200, body, content_type, VIEW_HEADERS if content_type.startswith("text/html") else ())


def _preflight(request: Request) -> Reply:
    """CORS preflight: the methods and headers; the origin itself only for allow-listed origins (App adds it)."""
    return Reply(204, b"", headers=(("Access-Control-Allow-Methods", "GET, POST"),
                                    ("Access-Control-Allow-Headers", "Accept, Content-Type")))


def _parse_form(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise Refused(400, f"malformed parameters (not UTF-8, or more than {MAX_FORM_FIELDS})") from None


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if values and len(values) > 1:
        raise Refused(400, f"give {name} once")
    return values[0] if values else None


def _page_payload(kind: str, payload: object) -> dict[str, object]:
    """The page's JSON request, checked: {"query": text, "params": {name: text}} or {"iris": [text, ...]}."""
    if kind == "check":
        params = payload.get("params", {}) if isinstance(payload, dict) else None
        if not (isinstance(payload, dict) and isinstance(payload.get("query"), str) and isinstance(params, dict)
                and all(isinstance(key, str) and isinstance(value, str) for key, value in params.items())):
            raise Refused(400, 'POST /check takes {"query": "...", "params": {"name": "value"}}')
        return {"query": payload["query"], "params": dict(params)}
    if not (isinstance(payload, dict) and isinstance(payload.get("iris"), list) and all(isinstance(iri, str) for iri in payload["iris"])):
        raise Refused(400, 'POST /labels takes {"iris": ["https://...", ...]}')
    return {"iris": list(payload["iris"])}


def _query_job(params: dict[str, list[str]], direct_query: str | None, accept: str | None,
               catalogue: dict[str, CatalogueQuery]) -> QueryJob:
    if params.keys() & _UPDATE_PARAMS:
        raise Refused(403, READ_ONLY)
    if params.keys() & _DATASET_PARAMS:
        raise Refused(400, "default-graph-uri and named-graph-uri are refused: queries run over sskg's graph only")
    text = direct_query if direct_query is not None else _single(params, "query")
    name = _single(params, "name")
    if text is not None and name is not None:
        raise Refused(400, "give either query or name, not both")
    # Parameter values go to the worker as typed: it resolves names (labels, slugs) on the graph.
    given = {key[len("param."):]: _single(params, key) or "" for key in params if key.startswith("param.")}
    if name is not None:
        entry = catalogue.get(name)
        if entry is None:
            raise Refused(404, f"no catalogue query named {name!r}; GET /catalogue lists them")
        return QueryJob(entry.text, given, accept, entry)
    if not text or not text.strip():
        raise Refused(400, "give a SPARQL query (query=...) or a catalogue query name (name=...)")
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
