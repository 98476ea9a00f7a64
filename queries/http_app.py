"""The endpoint's HTTP layer: a WSGI application dispatching on a route table, served by waitress.

waitress, a maintained pure-Python HTTP/1.1 server, does the framing: it reads each request whole (by its one
Content-Length or its chunked encoding, within the size limits) before the application sees it, and answers 400 to
malformed or conflicting framing itself (two Content-Length values, an unknown Transfer-Encoding, a bare CR or LF,
a header name with a space before the colon). On top of it, what a proxy in front could frame differently is
refused, and the connection closed: Content-Length together with Transfer-Encoding, Transfer-Encoding in HTTP/1.0,
an HTTP version other than 1.0 and 1.1, a body on GET, HEAD or OPTIONS, and a target that is not a path.
Every request must name a Host the server was started for (a web page that rebinds its own domain to 127.0.0.1
names that domain), and a POST from a browser must come from this server's own pages or an allowed origin.

To add a route, add a `Route` to the table the server is built with: a path (or, ending in "/", a prefix), and a
handler per method, each taking a `Request` and returning a `Reply` (see `static_route` for files).
"""

from __future__ import annotations

import socket
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from waitress import create_server
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError

from sskg.errors import QueryError

MAX_BODY_BYTES = 1024 * 1024
MAX_URL_BYTES = 8 * 1024
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Pages served here load nothing from elsewhere, and a browser enforces that even if a bug inserted markup.
HTML_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
)
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_KNOWN_METHODS = (*_SAFE_METHODS, "POST")


@dataclass(frozen=True)
class Reply:
    """An HTTP answer; the worker processes make them too."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    retire_worker: bool = False  # from a worker: it may be unhealthy (e.g. after MemoryError), replace it


def error_reply(status: int, message: str, retire_worker: bool = False) -> Reply:
    return Reply(status, (message.rstrip() + "\n").encode(), retire_worker=retire_worker)


class Refused(Exception):
    """Raised by a handler: answer with this HTTP status and short message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, still percent-encoded
    query: str  # the raw query string
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").partition(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        for param in (self.header("content-type") or "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip('"')
        return "utf-8"


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Route:
    path: str  # exact, or a prefix when it ends in "/" (and is not "/")
    methods: Mapping[str, Handler]

    def matches(self, path: str) -> bool:
        return path == self.path or (self.path.endswith("/") and self.path != "/" and path.startswith(self.path))


def static_route(prefix: str, files: Mapping[str, tuple[bytes, str]]) -> Route:
    """GET prefix + name for each file of a table read once at start: name -> (bytes, content type)."""

    def serve(request: Request) -> Reply:
        found = files.get(request.path[len(prefix):])
        if found is None:
            raise Refused(404, "not found")
        body, content_type = found
        return Reply(200, body, content_type, HTML_HEADERS if content_type.startswith("text/html") else ())

    return Route(prefix, {"GET": serve})


@dataclass
class App:
    """The WSGI application: checks every request, then calls the handler its route names for its method."""

    routes: tuple[Route, ...]
    allowed_hosts: frozenset[str]  # lower-case host names, with [ ] around IPv6 addresses
    allowed_origins: tuple[str, ...] = ()
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _request(environ)
        try:
            self._check(request)
            reply = self._dispatch(request)
        except Refused as refused:
            reply = error_reply(refused.status, refused.message)
        except QueryError as error:
            reply = error_reply(400, str(error))
        except Exception:  # noqa: BLE001 - short message for the client, traceback for the log
            traceback.print_exc(file=sys.stderr)
            reply = error_reply(500, "internal server error (details are in the server log)")
        if reply.status >= 400:
            first_line = (reply.body.decode(errors="replace").strip().splitlines() or [""])[0]
            self.log(f"sskg serve: {environ.get('REMOTE_ADDR')} {request.method} {request.path[:200]} -> {reply.status} {first_line}")
        start_response(f"{reply.status} {HTTPStatus(reply.status).phrase}", self._headers(request, reply))
        return [reply.body]

    def _check(self, request: Request) -> None:
        """Refuse what must not reach a handler."""
        host = (request.header("host") or "").lower()
        name = host.rpartition(":")[0] if host.rpartition(":")[2].isdigit() else host
        if name not in self.allowed_hosts:
            raise Refused(421, f"this server does not answer for host {host!r}; if that name is yours, "
                               "start sskg serve with --allow-host NAME")
        if request.method not in _SAFE_METHODS and not self._same_origin(request, host):
            raise Refused(403, "cross-origin requests are refused: send the query from this server's own page, or "
                               "start sskg serve with --allow-origin ORIGIN")

    def _same_origin(self, request: Request, host: str) -> bool:
        """A browser's request from this server's pages or an allowed origin; any request a browser did not make."""
        origin = request.header("origin")
        if origin is not None and origin in self.allowed_origins:
            return True
        fetch_site = request.header("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site.lower() in ("same-origin", "none")
        if origin is None:
            return True  # not a browser (curl, SPARQLWrapper), or one too old to send either header
        scheme, _, rest = origin.partition("://")
        return scheme.lower() == "http" and rest.lower() == host

    def _dispatch(self, request: Request) -> Reply:
        if request.method not in _KNOWN_METHODS:
            raise Refused(501, f"{request.method} is not supported here; use GET or POST")
        for route in self.routes:
            if route.matches(request.path):
                handler = route.methods.get("GET" if request.method == "HEAD" else request.method)
                if request.method == "OPTIONS" and handler is None:
                    return Reply(204, b"", headers=(("Allow", _allow(route)),))
                if handler is None:
                    return Reply(405, f"use {_allow(route)}\n".encode(), headers=(("Allow", _allow(route)),))
                return handler(request)
        raise Refused(404, "not found; the query page is at /, the SPARQL endpoint at /sparql")

    def _headers(self, request: Request, reply: Reply) -> list[tuple[str, str]]:
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body))),
                   ("X-Content-Type-Options", "nosniff"), ("Vary", "Accept, Origin")]
        origin = request.header("origin")
        if origin and origin in self.allowed_origins:  # exact allow-list; never "*", never credentials
            headers.append(("Access-Control-Allow-Origin", origin))
        headers.extend(reply.headers)
        return headers


def _allow(route: Route) -> str:
    methods = set(route.methods) | ({"HEAD"} if "GET" in route.methods else set()) | {"OPTIONS"}
    return ", ".join(sorted(methods))


def _request(environ: dict[str, Any]) -> Request:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    target = environ.get("REQUEST_URI", "")
    path = target.split("?", 1)[0]
    return Request(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""), headers, environ["wsgi.input"].read())


# --- serving with waitress -------------------------------------------------------------------------

class _StrictParser(HTTPRequestParser):
    """waitress's parser, refusing requests that a proxy in front might frame or route another way.

    A ParsingError becomes a 400 from waitress, which then closes the connection: what follows is not to be trusted.
    """

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.version not in ("1.0", "1.1"):
            raise ParsingError("only HTTP/1.0 and HTTP/1.1 are served")
        # waitress takes a chunked body and drops the Transfer-Encoding header (HTTP/1.1) or ignores it (1.0).
        if (self.chunked and "CONTENT_LENGTH" in self.headers) or "TRANSFER_ENCODING" in self.headers:
            raise ParsingError("send either Content-Length or Transfer-Encoding: chunked (HTTP/1.1), not both")
        if self.command in _SAFE_METHODS and (self.chunked or self.content_length):
            raise ParsingError(f"a {self.command} request has no body")
        if not self.request_uri.startswith("/"):
            raise ParsingError("the request target must be a path such as /sparql (this is not a proxy)")


class _StrictChannel(HTTPChannel):
    parser_class = _StrictParser


class HttpServer:
    """An App served by waitress on one listening socket: `serve_forever` in one thread, `shutdown` from another."""

    def __init__(self, app: App, host: str, port: int, threads: int) -> None:
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
        except OSError as error:
            listener.close()
            raise QueryError(f"cannot listen on {host} port {port}: {error.strerror}",
                             fix="choose another --port or --host") from None
        self.server_name, self.server_port = str(listener.getsockname()[0]), int(listener.getsockname()[1])
        self._map: dict[int, Any] = {}
        self._waitress = create_server(
            app, map=self._map, sockets=[listener], threads=threads, ident="sskg", asyncore_use_poll=True,
            max_request_body_size=MAX_BODY_BYTES, inbuf_overflow=MAX_BODY_BYTES, outbuf_overflow=64 * 1024 * 1024,
            connection_limit=512, channel_timeout=60, expose_tracebacks=False, clear_untrusted_proxy_headers=True)
        self._waitress.channel_class = _StrictChannel
        self._stop = threading.Event()
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host = f"[{self.server_name}]" if ":" in self.server_name else self.server_name
        return f"http://{host}:{self.server_port}"

    def serve_forever(self) -> None:
        self._stopped.clear()
        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=1.0, map=self._map, use_poll=True, count=1)
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serve_forever (running in another thread) and wait until it has returned."""
        self._stop.set()
        self._waitress.pull_trigger()
        self._stopped.wait(10)

    def server_close(self) -> None:
        """Close the listening socket and every connection, and stop the request threads."""
        wasyncore.close_all(self._map)
        self._waitress.task_dispatcher.shutdown()
