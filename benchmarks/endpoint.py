"""Endpoint throughput: `sskg serve` against Oxigraph's own server on the same graph and the same query.

    python -m benchmarks.endpoint --graph /tmp/build-x100/sskg.ttl

Each server is started as its own command (`sskg serve`, and `oxigraph serve` from the `oxigraph` package with an
in-memory store, as sskg's workers have, given the same file over HTTP, untimed), warmed up, then CLIENTS threads each send REQUESTS GET requests of
the catalogue query one after another on one keep-alive connection, asking for SPARQL JSON. Every answer is checked:
status 200 and the same rows from both servers. The servers take turns for ROUNDS rounds; the machine's load average
is recorded before each run. Results: benchmarks/results/endpoint/benchmark.{json,md}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sskg.rdf_io import atomic_write
from sskg.queries.catalogue import get_query

from .report import machine

ACCEPT = "application/sparql-results+json"


@dataclass(frozen=True)
class Endpoint:
    name: str
    port: int
    path: str  # where SPARQL queries go


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    text = get_query(args.query).text
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(oxigraph).is_file():
        print("benchmarks.endpoint: needs Oxigraph's server: pip install oxigraph", file=sys.stderr)
        return 2
    runs: list[dict[str, object]] = []
    expected: list[object] | None = None
    with _sskg_serve(args) as sskg, _oxigraph_serve(oxigraph, args.graph) as ox:
        for endpoint in (sskg, ox):  # warm-up, and both must give the same answer
            rows = _rows(_get(endpoint, text))
            expected = rows if expected is None else expected
            if rows != expected:
                raise SystemExit(f"{endpoint.name} answers differently from the other server")
        for round_number in range(1, args.rounds + 1):
            for endpoint in (sskg, ox):
                run = _load(endpoint, text, args.clients, args.requests, len(expected or ()))
                run["round"] = round_number
                runs.append(run)
                print(f"round {round_number} {endpoint.name}: {run['requests_per_s']:.1f} req/s, p50 {run['p50_ms']:.0f} ms, "
                      f"load average {run['load_average_before']}", flush=True)
    summary = {name: statistics.median(float(run["requests_per_s"]) for run in runs if run["server"] == name)  # type: ignore[arg-type]
               for name in ("sskg serve", "oxigraph serve")}
    data = {
        "machine": machine(),
        "command": "python -m benchmarks.endpoint " + " ".join(argv if argv is not None else sys.argv[1:]),
        "settings": {"graph": str(args.graph), "triples": _triples(args.graph), "query": args.query, "rows": len(expected or ()),
                     "clients": args.clients, "requests_per_client": args.requests, "sskg_workers": args.workers, "rounds": args.rounds},
        "runs": runs,
        "median_requests_per_s": summary,
        "oxigraph_over_sskg": round(summary["oxigraph serve"] / summary["sskg serve"], 2),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.out / "benchmark.json") as stream:
        stream.write(json.dumps(data, indent=2) + "\n")
    with atomic_write(args.out / "benchmark.md") as stream:
        stream.write(_markdown(data))
    print(f"median: sskg {summary['sskg serve']:.1f} req/s, Oxigraph {summary['oxigraph serve']:.1f} req/s "
          f"(Oxigraph {data['oxigraph_over_sskg']}x)")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.endpoint", description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, required=True, help="a built graph (sskg build's sskg.ttl)")
    parser.add_argument("--query", default="included-studies", help="catalogue query to send (default included-studies)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--requests", type=int, default=100, help="requests per client (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="sskg serve --workers (default 2, its default)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server, taking turns (default 3)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/endpoint"), help="results folder")
    return parser.parse_args(argv)


def _load(endpoint: Endpoint, text: str, clients: int, requests: int, rows: int) -> dict[str, object]:
    def client(_: int) -> list[float]:
        connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=120)
        latencies = []
        try:
            for _ in range(requests):
                started = time.perf_counter()
                body = _get(endpoint, text, connection)
                latencies.append(time.perf_counter() - started)
                if len(_rows(body)) != rows:
                    raise SystemExit(f"{endpoint.name} returned a different number of rows")
        finally:
            connection.close()
        return latencies

    load_before = [round(value, 2) for value in os.getloadavg()]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = sorted(latency for per_client in pool.map(client, range(clients)) for latency in per_client)
    elapsed = time.perf_counter() - started
    return {
        "server": endpoint.name,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p90_ms": round(1000 * latencies[int(len(latencies) * 0.9)], 1),
        "max_ms": round(1000 * latencies[-1], 1),
        "load_average_before": load_before,
    }


def _get(endpoint: Endpoint, text: str, connection: http.client.HTTPConnection | None = None) -> bytes:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=120)
    try:
        connection.request("GET", f"{endpoint.path}?{urlencode({'query': text})}", headers={"Accept": ACCEPT})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{endpoint.name} answered {response.status}: {body[:300]!r}")
        return body
    finally:
        if own:
            connection.close()


def _rows(body: bytes) -> list[object]:
    return sorted(json.dumps(row, sort_keys=True) for row in json.loads(body)["results"]["bindings"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _running(command: list[str], endpoint: Endpoint, ready_timeout: float = 600) -> Iterator[Endpoint]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{endpoint.name} exited with {process.returncode}: {' '.join(command)}")
            try:
                _get(endpoint, "ASK {}")
                break
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise SystemExit(f"{endpoint.name} did not answer within {ready_timeout:g} s") from None
                time.sleep(0.5)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _sskg_serve(args: argparse.Namespace) -> Iterator[Endpoint]:
    port = _free_port()
    command = [sys.executable, "-m", "sskg.cli", "serve", "--graph", str(args.graph), "--port", str(port),
               "--workers", str(args.workers), "--timeout", "60"]
    with _running(command, Endpoint("sskg serve", port, "/sparql")) as endpoint:
        yield endpoint


@contextmanager
def _oxigraph_serve(oxigraph: str, graph: Path) -> Iterator[Endpoint]:
    """Oxigraph's server with an in-memory store, as sskg's workers hold the graph; loaded over HTTP, untimed."""
    port = _free_port()
    command = [oxigraph, "serve", "--bind", f"127.0.0.1:{port}"]
    with _running(command, Endpoint("oxigraph serve", port, "/query")) as endpoint:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            connection.request("POST", "/store?default", body=graph.read_bytes(), headers={"Content-Type": "text/turtle"})
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                raise SystemExit(f"Oxigraph's server refused the graph: HTTP {response.status}")
        finally:
            connection.close()
        yield endpoint


def _triples(graph: Path) -> int:
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(graph), format=ox.RdfFormat.TURTLE)
    return len(store)


def _markdown(data: dict[str, object]) -> str:
    about, settings = data["machine"], data["settings"]
    assert isinstance(about, dict) and isinstance(settings, dict)
    lines = [
        "# Endpoint throughput: sskg serve and Oxigraph's server", "",
        f"Run {about['date']} with `{data['command']}`.", "",
        f"Machine: {about['cpu_model']}, {about['cpus_usable']} of {about['cpus']} CPUs usable, {about['memory_gib']} GiB; "
        f"{about['os']}; Python {about['python']}; pyoxigraph {about['packages']['pyoxigraph']}.",  # type: ignore[index]
        "",
        f"Graph: `{settings['graph']}` ({settings['triples']:,} triples). Query: catalogue `{settings['query']}` "
        f"({settings['rows']:,} rows), GET, SPARQL JSON. {settings['clients']} clients × {settings['requests_per_client']} "
        f"requests, each client on one keep-alive connection; sskg serve with {settings['sskg_workers']} workers; "
        f"{settings['rounds']} rounds, the servers taking turns.", "",
        "| round | server | req/s | p50 ms | p90 ms | max ms | load average before (1, 5, 15 min) |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in data["runs"]:  # type: ignore[attr-defined]
        lines.append(f"| {run['round']} | {run['server']} | {run['requests_per_s']} | {run['p50_ms']} | {run['p90_ms']} | "
                     f"{run['max_ms']} | {', '.join(map(str, run['load_average_before']))} |")
    medians = data["median_requests_per_s"]
    assert isinstance(medians, dict)
    lines += ["", f"Median: sskg serve {medians['sskg serve']:.1f} req/s, oxigraph serve {medians['oxigraph serve']:.1f} req/s: "
                  f"Oxigraph's server is {data['oxigraph_over_sskg']}× sskg's (below 1: sskg is faster).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
