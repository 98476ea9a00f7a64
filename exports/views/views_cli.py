"""`sskg view` and `sskg stats`: thin commands over the views package.

Register in sskg/cli.py with `main.add_command(view)` and `main.add_command(stats)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from sskg.cli_support import handle_errors, split_param

DEFAULT_GRAPH = Path("build") / "sskg.ttl"
DEFAULT_OUT = Path("build") / "views"
DEFAULT_CAP = 2000  # the same as focus.DEFAULT_CAP; kept here so `--help` needs no heavy import


@dataclass(frozen=True)
class _Where:
    graph_file: Path
    out_dir: Path
    cap: int


def _place_options(defaults: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--graph, --out and --cap, on the group (with defaults) and on each subcommand (overriding it)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option("--cap", type=click.IntRange(min=1), default=DEFAULT_CAP if defaults else None,
                               show_default=defaults, help="Most nodes drawn in one graph view.")(command)
        command = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT if defaults else None,
                               show_default=defaults, help="Folder for the HTML files.")(command)
        return click.option("--graph", "graph_file", type=click.Path(path_type=Path), default=DEFAULT_GRAPH if defaults else None,
                            show_default=defaults, help="Built graph file (sskg build).")(command)

    return decorate


def _resolve(where: _Where, graph_file: Path | None, out_dir: Path | None, cap: int | None) -> _Where:
    return _Where(graph_file or where.graph_file, out_dir or where.out_dir, cap or where.cap)


def _write_into(out_dir: Path, write: Callable[[], Path | list[Path]]) -> None:
    """Write only into a folder that is sskg's to write (sskg.output.claim), and mark what was written there."""
    from sskg.output import claim, record

    claim(out_dir)
    written = write()
    paths = written if isinstance(written, list) else [written]
    record(out_dir, paths)
    for path in paths:
        click.echo(str(path))


def _graph(path: Path):  # type: ignore[no-untyped-def]
    from sskg.queries.runner import load_graph

    return load_graph(path)


@click.group(invoke_without_command=True)
@_place_options(defaults=True)
@click.pass_context
@handle_errors
def view(ctx: click.Context, graph_file: Path, out_dir: Path, cap: int) -> None:
    """Write the interactive views as HTML: all of them (the default) or one focused view.

    All: the evidence graph, the evidence-and-gap map, the search flow and index.html. Every file
    opens offline and makes no request.
    """
    ctx.obj = _Where(graph_file, out_dir, cap)
    if ctx.invoked_subcommand is None:
        from .write import write_all

        _write_into(out_dir, lambda: write_all(_graph(graph_file), out_dir, cap))


@view.command("study")
@click.argument("key")
@_place_options(defaults=False)
@click.pass_obj
@handle_errors
def study_command(where: _Where, key: str, graph_file: Path | None, out_dir: Path | None, cap: int | None) -> None:
    """A study, its findings and everything they link to (KEY as in bjornestad-2017)."""
    from .write import write_study

    chosen = _resolve(where, graph_file, out_dir, cap)
    _write_into(chosen.out_dir, lambda: write_study(_graph(chosen.graph_file), key, chosen.out_dir, chosen.cap))


@view.command("concept")
@click.argument("name")
@click.option("--depth", type=click.IntRange(min=0), default=2, show_default=True, help="Links to follow from the concept.")
@_place_options(defaults=False)
@click.pass_obj
@handle_errors
def concept_command(where: _Where, name: str, depth: int, graph_file: Path | None, out_dir: Path | None,
                    cap: int | None) -> None:
    """A concept and its neighbourhood (NAME: id such as peer-support, sskgc:peer-support, or label)."""
    from .write import write_concept

    chosen = _resolve(where, graph_file, out_dir, cap)
    _write_into(chosen.out_dir, lambda: write_concept(_graph(chosen.graph_file), name, chosen.out_dir, depth, chosen.cap))


@view.command("query")
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Set a catalogue query parameter.")
@_place_options(defaults=False)
@click.pass_obj
@handle_errors
def query_command(where: _Where, name: str, params: tuple[str, ...], graph_file: Path | None, out_dir: Path | None,
                  cap: int | None) -> None:
    """The nodes a catalogue query's rows name, and their neighbours (see `sskg query list`)."""

    from .write import write_query

    chosen = _resolve(where, graph_file, out_dir, cap)
    given = dict(split_param(param) for param in params)
    _write_into(chosen.out_dir, lambda: write_query(_graph(chosen.graph_file), name, given, chosen.out_dir, chosen.cap))


@click.command()
@click.option("--graph", "graph_file", type=click.Path(path_type=Path), default=DEFAULT_GRAPH, show_default=True,
              help="Built graph file (sskg build).")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True, help="Concepts to list (0: all).")
@handle_errors
def stats(graph_file: Path, top: int) -> None:
    """networkx measures: degree and betweenness of concepts, strategies bridging recovery-capital kinds."""
    from .metrics import compute_metrics, stats_table
    from .model import load_model

    click.echo(stats_table(compute_metrics(load_model(_graph(graph_file))), top), nl=False)
