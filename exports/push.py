"""Upload a graph to a triplestore with the SPARQL 1.1 Graph Store HTTP Protocol.

Replacing a named graph is atomic from the store's point of view when its SPARQL Update endpoint
accepts `MOVE`: the data goes into a temporary graph `<IRI>-tmp-<hash>` first and one update swaps
it in. Where no update endpoint is known, or it refuses, the graph is PUT directly (the report says
which). Credentials come from flags or the environment and never reach files, logs or messages.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sskg.errors import OutputError
from sskg.forked import Overtime, Vanished, within
from sskg.rdf_io import iri_problem

CONTENT_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".rdf": "application/rdf+xml",
                 ".owl": "application/rdf+xml"}
# Graph Store endpoint path → SPARQL Update endpoint path: Virtuoso (digest auth and anonymous),
# Apache Jena Fuseki, Oxigraph server.
_UPDATE_PATHS = (("/sparql-graph-crud-auth", "/sparql-auth"), ("/sparql-graph-crud", "/sparql"), ("/data", "/update"),
                 ("/store", "/update"))
DEFAULT_TIMEOUT = 120.0
T = TypeVar("T")


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class PushReport:
    graph: str
    method: str  # "move": uploaded to `temporary`, then swapped in; "put": replaced directly
    size: int
    temporary: str | None = None
    note: str = ""

    def __str__(self) -> str:
        how = (f"uploaded to <{self.temporary}>, then moved into place with SPARQL MOVE" if self.method == "move"
               else "replaced directly with HTTP PUT")
        return f"pushed {self.size} bytes to <{self.graph}>: {how}" + (f" ({self.note})" if self.note else "")


@dataclass
class EndpointError(OutputError):
    """The endpoint answered with an HTTP error."""

    status: int = 0


def update_endpoint_for(endpoint: str) -> str | None:
    """The SPARQL Update endpoint beside a Graph Store endpoint of a known store, if any."""
    parts = urllib.parse.urlsplit(endpoint)
    for store_path, update_path in _UPDATE_PATHS:
        if parts.path.endswith(store_path):
            return urllib.parse.urlunsplit(parts._replace(path=parts.path[: -len(store_path)] + update_path, query=""))
    return None


def check_endpoint(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutputError(f"endpoint {parts.scheme}://{parts.hostname or ''}… is not an http(s) URL", fix="give e.g. http://localhost:8890/sparql-graph-crud-auth")
    if parts.username or parts.password:
        raise OutputError("endpoint URL contains credentials", fix="pass --user and --password-env instead (the URL would leak into logs)")
    return url


def _basic_allowed(url: str) -> bool:
    """Basic authentication sends the password in clear: only over https or to this machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        return False


SOCKET_GRACE = 2.0  # seconds a socket wait may outlast the total deadline


class Session:
    """HTTP requests with optional credentials (digest; basic only where `_basic_allowed`).

    Authentication is settled with bodiless HEAD requests before the real one, because Virtuoso answers
    a 401 and closes the connection before reading an upload, which the client sees as a broken pipe.
    """

    def __init__(self, credentials: Credentials | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.credentials = credentials
        # Callers bound the whole exchange by `by_deadline`; each socket wait gets a little longer, so that on a
        # busy machine the deadline (whose message names the operation and the flag) fires, not a read timeout.
        self.timeout = timeout + SOCKET_GRACE
        self.opener = urllib.request.build_opener()
        self.passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        self.digest = urllib.request.HTTPDigestAuthHandler(self.passwords)

    def send(self, method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
        """One request; HTTP errors and connection failures become short, credential-free errors."""
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if self.credentials is not None:
            authorize = self._authorizer(url)
            if authorize is not None:
                request.add_unredirected_header("Authorization", authorize(request))
        status, reason, _, body = self._exchange(request)
        if status >= 400:
            detail = " ".join(body[:400].decode("utf-8", "replace").split())[:200]
            fix = ("check --user and the password variable" if status in (401, 403)
                   else "check the endpoint URL and that the store accepts this request")
            raise EndpointError(f"{method} {_shown(url)} failed: HTTP {status} {reason}" + (f": {detail}" if detail else ""),
                                fix=fix, status=status)
        return body

    def _authorizer(self, url: str) -> Callable[[urllib.request.Request], str] | None:
        """How to sign requests to `url`, or None if it asks for no authentication; checks the credentials."""
        assert self.credentials is not None
        status, _, challenge, _ = self._exchange(urllib.request.Request(url, method="HEAD"))
        if status != 401:
            return None
        scheme, _, parameters = challenge.partition(" ")
        user, password = self.credentials.user, self.credentials.password
        if scheme.lower() == "digest":
            self.passwords.add_password(None, url, user, password)
            fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(parameters))

            def authorize(request: urllib.request.Request) -> str:
                return "Digest " + str(self.digest.get_authorization(request, fields))
        elif scheme.lower() == "basic" and _basic_allowed(url):
            token = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

            def authorize(request: urllib.request.Request) -> str:
                return token
        else:
            raise OutputError(f"{_shown(url)} asks for {scheme or 'unknown'} authentication",
                              fix="sskg sends digest authentication, and basic only over https or to localhost")
        check = urllib.request.Request(url, method="HEAD")
        check.add_unredirected_header("Authorization", authorize(check))
        if self._exchange(check)[0] == 401:
            raise EndpointError(f"{_shown(url)} refused the credentials of user {user!r}", status=401,
                                fix="check --user and the password variable")
        return authorize

    def _exchange(self, request: urllib.request.Request) -> tuple[int, str, str, bytes]:
        """Status, reason, WWW-Authenticate challenge and body; raises only when the store cannot be reached."""
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.reason, "", response.read()
        except urllib.error.HTTPError as error:
            return error.code, str(error.reason), error.headers.get("WWW-Authenticate", ""), error.read()
        except (urllib.error.URLError, OSError) as error:
            raise OutputError(f"cannot connect to {_shown(request.full_url)}: {getattr(error, 'reason', error)}",
                              fix="check the endpoint URL and that the store is running") from None


def _shown(url: str) -> str:
    return urllib.parse.urlsplit(url)._replace(query="").geturl()


def _graph_url(endpoint: str, graph: str) -> str:
    separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    return endpoint + separator + urllib.parse.urlencode({"graph": graph})


def by_deadline(work: Callable[[], T], timeout: float, endpoint: str, what: str, unfinished: str = "") -> T:
    """`work()`, HTTP exchanges with `endpoint`, within `timeout` seconds in all (connecting, sending, reading)."""
    try:
        return within(timeout, work)
    except Overtime:
        raise OutputError(f"{what} at {_shown(endpoint)} did not finish within --timeout {timeout:g} s (connecting, "
                          f"sending and every answer count){unfinished}",
                          fix="raise --timeout, or check that the store is up and answering") from None
    except Vanished:
        raise OutputError(f"{what} at {_shown(endpoint)} stopped without an answer{unfinished}", fix="try again") from None


def push_graph(data: bytes, content_type: str, endpoint: str, graph: str, credentials: Credentials | None = None,
               update_endpoint: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> PushReport:
    """Replace named graph `graph` in the store at Graph Store endpoint `endpoint` with `data`.

    `timeout` bounds the whole push: the work runs in a process that is killed at the deadline.
    """
    problem = iri_problem(graph)
    if problem:
        raise OutputError(f"graph IRI {graph!r} {problem}", fix="give an absolute IRI such as https://w3id.org/sskg/graph/main")
    update = check_endpoint(update_endpoint) if update_endpoint else update_endpoint_for(check_endpoint(endpoint))
    unfinished = f"; <{graph}> is unchanged unless the final MOVE got through, and a temporary <{graph}-tmp-…> may be left"
    return by_deadline(lambda: _push(data, content_type, endpoint, graph, Session(credentials, timeout), update),
                       timeout, endpoint, "the push", unfinished)


def _push(data: bytes, content_type: str, endpoint: str, graph: str, session: Session, update: str | None) -> PushReport:

    def put(target: str) -> None:
        session.send("PUT", _graph_url(endpoint, target), data, {"Content-Type": content_type})

    note = "no SPARQL Update endpoint known for this store; pass --update-endpoint for an atomic swap"
    if update:
        temporary = f"{graph}-tmp-{hashlib.sha256(data).hexdigest()[:16]}"
        put(temporary)
        try:
            form = urllib.parse.urlencode({"update": f"MOVE GRAPH <{temporary}> TO GRAPH <{graph}>"}).encode()
            session.send("POST", update, form, {"Content-Type": "application/x-www-form-urlencoded"})
            return PushReport(graph, "move", len(data), temporary)
        except EndpointError as refused:
            with contextlib.suppress(EndpointError):  # already gone is fine: the direct PUT below replaces the graph
                session.send("DELETE", _graph_url(endpoint, temporary))
            note = f"the update endpoint refused MOVE (HTTP {refused.status})"
    put(graph)
    return PushReport(graph, "put", len(data), note=note)


def push_file(path: Path, endpoint: str, graph: str, credentials: Credentials | None = None,
              update_endpoint: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> PushReport:
    content_type = CONTENT_TYPES.get(path.suffix.lower())
    if content_type is None:
        raise OutputError(f"cannot push a {path.suffix or 'suffix-less'} file", file=str(path),
                          fix=f"push one of: {', '.join(sorted(CONTENT_TYPES))}")
    if not path.is_file():
        raise OutputError("file not found", file=str(path), fix="run 'sskg build' first, or pass --file")
    return push_graph(path.read_bytes(), content_type, endpoint, graph, credentials, update_endpoint, timeout)
