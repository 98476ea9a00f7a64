"""`sskg serve`: the command that starts the read-only SPARQL endpoint (registered in sskg/cli.py)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import click

from sskg.cli_support import SECONDS, handle_errors


@click.command("serve")
@click.option("--graph", "graph_file", type=click.Path(path_type=Path), default=Path("build") / "sskg.ttl", show_default=True,
              help="Graph file to serve.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback lets other machines query the graph.")
@click.option("--port", type=click.IntRange(0, 65535), default=8890, show_default=True, help="Port (0: any free port).")
@click.option("--timeout", type=SECONDS, default=10.0, show_default=True,
              help="Seconds before a query is stopped.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Most result rows (or triples) returned per query.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Query worker processes, each holding the graph in memory.")
@click.option("--max-memory", "max_memory_mb", type=click.IntRange(min=256), default=2048, show_default=True,
              help="Memory limit of each worker in MB.")
@click.option("--allow-origin", "allow_origins", multiple=True, metavar="ORIGIN",
              help="Let pages from ORIGIN (e.g. http://localhost:3000) call the endpoint (CORS). Repeatable.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests for host NAME (besides loopback names and --host), e.g. behind a proxy. Repeatable.")
@handle_errors
def serve(graph_file: Path, host: str, port: int, timeout: float, max_rows: int, workers: int, max_memory_mb: int,
          allow_origins: tuple[str, ...], allow_hosts: tuple[str, ...]) -> None:
    """Serve the graph read-only: SPARQL 1.1 at /sparql and a query page at /."""
    from sskg.queries.server import ServerConfig, SparqlServer
    from sskg.queries.server import serve as run_server

    def announce(server: SparqlServer) -> None:
        click.echo(f"sskg serve: query page {server.url}/  SPARQL endpoint {server.url}/sparql")
        click.echo(f"  graph {graph_file}, {workers} worker(s), timeout {timeout:g} s, at most {max_rows} rows; Ctrl-C stops")
        if not _is_loopback(host):
            click.echo(f"warning: listening on {host}: other machines can query the graph (requests must name "
                       f"{host} or a name given with --allow-host)", err=True)
        sys.stdout.flush()

    config = ServerConfig(graph_file, host=host, port=port, timeout=timeout, max_rows=max_rows, workers=workers,
                          max_memory_mb=max_memory_mb, allow_origins=allow_origins, allow_hosts=allow_hosts)
    run_server(config, announce)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
