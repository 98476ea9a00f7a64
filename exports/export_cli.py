"""`sskg export` and `sskg push`: thin commands over sskg.exports (registered in sskg/cli.py)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from sskg.cli_support import SECONDS, handle_errors
from sskg.errors import OutputError

# The library is imported inside each command, as in sskg/cli.py, so `sskg --help` stays fast.
DEFAULT_BUILD = Path("build")
PASSWORD_ENV = "SSKG_PUSH_PASSWORD"


@click.command("export")
@click.option("--format", "formats", multiple=True, default=("all",), show_default=True, metavar="FORMAT",
              help="turtle, ntriples, rdfxml, jsonld, trig, nquads, nanopubs, graphml, gexf, csv, html or all; "
                   "repeat for several.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_BUILD,
              show_default=True, help="Folder to write to.")
@click.option("--graph", "build_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_BUILD,
              show_default=True, help="Build folder to export (sskg.ttl, ontology.ttl, inferred.ttl from 'sskg build').")
@handle_errors
def export(formats: tuple[str, ...], out_dir: Path, build_dir: Path) -> None:
    """Write the built graph as other knowledge bases and tools read it."""
    from sskg.output import claim, record

    from .formats import FORMATS, export_layers
    from .rdf_exports import read_layers

    claim(out_dir)
    chosen = FORMATS if "all" in formats else formats
    written = export_layers(read_layers(build_dir), out_dir, chosen)
    record(out_dir, written)
    for path in written:
        click.echo(str(path))


@click.command("push")
@click.option("--endpoint", required=True, help="Graph Store Protocol URL, e.g. http://localhost:8890/sparql-graph-crud-auth")
@click.option("--graph", "graph_iri", required=True, help="IRI of the named graph to replace.")
@click.option("--file", "graph_file", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_BUILD / "sskg.ttl",
              show_default=True, help="RDF file to upload (.ttl, .nt, .rdf).")
@click.option("--user", envvar="SSKG_PUSH_USER", help="User name (or set SSKG_PUSH_USER).")
@click.option("--password-env", default=PASSWORD_ENV, show_default=True, metavar="VAR",
              help="Environment variable holding the password (never pass a password on the command line).")
@click.option("--update-endpoint", help="SPARQL Update URL for the atomic swap (guessed for Virtuoso, Fuseki, Oxigraph).")
@click.option("--timeout", type=SECONDS, help="Seconds for the whole push: connecting, uploading and the final MOVE (default 120).")
@handle_errors
def push(endpoint: str, graph_iri: str, graph_file: Path, user: str | None, password_env: str,
         update_endpoint: str | None, timeout: float | None) -> None:
    """Replace a named graph in a triplestore with the built graph (SPARQL 1.1 Graph Store Protocol)."""
    from .push import DEFAULT_TIMEOUT, Credentials, push_file

    credentials = None
    if user:
        password = os.environ.get(password_env)
        if password is None:
            raise OutputError(f"--user is set but the environment variable {password_env} is not",
                              fix=f"export {password_env}=… (or name another variable with --password-env)")
        credentials = Credentials(user, password)
    click.echo(str(push_file(graph_file, endpoint, graph_iri, credentials, update_endpoint, timeout or DEFAULT_TIMEOUT)))
