"""The `sskg` command line: one thin command per job; library functions do the work."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sskg.cli_support import SECONDS, handle_errors, split_param

if TYPE_CHECKING:
    from rdflib.term import Node

    from sskg.queries.runner import QueryResult

DEFAULT_OUT = Path("build")
DEFAULT_EVIDENCE = Path("evidence")


@click.group()
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short messages.")
@click.version_option(package_name="sskg")
def main(debug: bool) -> None:
    """sskg: the Social Support Knowledge Graph."""


@main.command()
@click.option("--evidence", "evidence_dir", type=click.Path(path_type=Path), default=DEFAULT_EVIDENCE, show_default=True,
              help="Folder of curated evidence files.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Output folder.")
@click.option("--reasoner", type=click.Choice(["auto", "hermit", "rules", "none"]), default="auto", show_default=True,
              help="auto and rules: HermiT classifies the ontology, rules materialise the evidence (scales); hermit: HermiT on the whole graph.")
@click.option("--reasoner-timeout", type=SECONDS, default=300.0, show_default=True, help="Seconds before HermiT is stopped.")
@handle_errors
def build(evidence_dir: Path, out_dir: Path, reasoner: str, reasoner_timeout: float) -> None:
    """Evidence → validated, reasoned graph (exit 0 clean, 1 validation findings, 2 bad input)."""
    from sskg.graphbuild.build import summary
    from sskg.pipeline import build_and_write

    result = build_and_write(evidence_dir, out_dir, reasoner=reasoner, reasoner_timeout=reasoner_timeout)
    click.echo(summary(result))
    click.echo("outputs:")
    for path in result.outputs:
        click.echo(f"  {path}")
    sys.exit(0 if result.clean else 1)


@main.command()
@click.argument("name", required=False)
@click.option("--file", "query_file", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="Run a query file.")
@click.option("--sparql", "sparql_text", help="Run this query text.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a parameter of a catalogue query (or one a query file declares): a label, id, prefixed name or IRI.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "csv", "tsv", "json", "md", "turtle", "json-ld"]))
@click.option("--ids", is_flag=True, help="Ids only, as the query returns them: no label columns beside them.")
@click.option("--graph", "graph_file", type=click.Path(path_type=Path), default=DEFAULT_OUT / "sskg.ttl", show_default=True,
              help="Graph file to query.")
@click.option("--timeout", type=SECONDS, default=30.0, show_default=True,
              help="Seconds before the query is stopped (with --endpoint: the whole exchange).")
@click.option("--store", type=click.Choice(["oxigraph", "memory"]), default="oxigraph", show_default=True,
              help="Oxigraph (fast) or rdflib's in-memory store; both give the same answers.")
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL 1.1 endpoint instead of the local graph (SELECT and ASK).")
@click.option("--default-graph", metavar="IRI", help="With --endpoint: the named graph to query as the default graph.")
@handle_errors
def query(name: str | None, query_file: Path | None, sparql_text: str | None, params: tuple[str, ...], fmt: str, ids: bool,
          graph_file: Path, timeout: float, store: str, endpoint: str | None, default_graph: str | None) -> None:
    """Run a catalogue query by NAME (or 'list'), a --file, or --sparql text, locally or at an --endpoint.

    Warnings about sskg: and sskgc: terms the ontology does not define go to stderr.
    """
    from sskg.queries.catalogue import get_query, load_catalogue, parse_text, read_query_file
    from sskg.queries.formats import LABELLED_FORMATS, render
    from sskg.queries.labels import with_labels
    from sskg.queries.lint import lint, zero_rows_note
    from sskg.queries.parameters import GraphTerms, Select

    if name == "list":
        for entry in load_catalogue().values():
            parameters = ", ".join(f"{p.name} ({p.type}, default {p.default})" for p in entry.parameters) or "-"
            click.echo(f"{entry.name}\n    {entry.title}\n    parameters: {parameters}")
        return
    sources = [value for value in (name, query_file, sparql_text) if value]
    if len(sources) != 1:
        raise click.UsageError("give exactly one of NAME, --file or --sparql")
    if name:
        entry = get_query(name)
    else:
        text = read_query_file(query_file) if query_file else str(sparql_text)
        entry = parse_text("query", text, query_file, strict=False)
    warnings = lint(entry.text)
    for warning in warnings:
        click.echo(f"warning: {warning.message}", err=True)
    select: Select
    if endpoint:
        from sskg.exports.remote_query import run_remote_query
        from sskg.queries.runner import inline_bindings

        def select(text: str, bindings: Mapping[str, Node]) -> QueryResult:
            return run_remote_query(str(endpoint), inline_bindings(text, bindings), default_graph, timeout=timeout)
    else:
        from sskg.queries.runner import load_graph, run_query

        graph = load_graph(graph_file, store=store)

        def select(text: str, bindings: Mapping[str, Node]) -> QueryResult:
            return run_query(graph, text, bindings, timeout=timeout)
    result = select(entry.text, entry.bindings(dict(split_param(param) for param in params), GraphTerms(select)))
    if warnings and result.kind == "SELECT" and not result.rows:
        click.echo(f"note: {zero_rows_note(warnings)}", err=True)
    if fmt in LABELLED_FORMATS and not ids:
        result = with_labels(result, select, entry.id_columns)
    click.echo(render(result, fmt), nl=False)


def _register_commands() -> None:
    """Commands that live beside the library code they drive."""
    from sskg.exports.export_cli import export, push
    from sskg.exports.views.views_cli import stats, view
    from sskg.queries.server_cli import serve

    for command in (serve, export, push, view, stats):
        main.add_command(command)


_register_commands()


if __name__ == "__main__":
    main()
