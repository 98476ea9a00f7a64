"""Every export format, and writing the chosen ones: checked first, rendered in forked workers, published at once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, partial
from pathlib import Path

from sskg.errors import OutputError
from sskg.forked import run_jobs
from sskg.layers import Layers, canonical_layers
from sskg.output import staging_folder
from sskg.rdf_io import atomic_write

from .graph_exports import gexf_lines, graphml_lines
from .jsonld import CONTEXT_FILE, jsonld_lines
from .nanopubs import nanopubs_trig
from .network import network as network_of
from .rdf_exports import check_exportable, nquads, ntriples, rdfxml, trig, turtle
from .reference_html import reference_page
from .tables import datapackage, estimates_table, findings_table, prisma_table, studies_table

BUILD_WRITES = {"turtle"}  # the pipeline writes sskg.ttl itself


def writers() -> dict[str, Callable[[Layers], dict[str, Text]]]:
    """Each format's files by name."""
    network = lru_cache(maxsize=1)(lambda layers: network_of(layers.sorted_triples))  # GraphML and GEXF share it
    return {
        "turtle": lambda layers: {"sskg.ttl": turtle(layers)},
        "ntriples": lambda layers: {"sskg.nt": ntriples(layers)},
        "rdfxml": lambda layers: {"sskg.rdf": rdfxml(layers)},
        "jsonld": lambda layers: {"sskg.jsonld": jsonld_lines(layers), CONTEXT_FILE.name: CONTEXT_FILE.read_text(encoding="utf-8")},
        "trig": lambda layers: {"sskg.trig": trig(layers)},
        "nquads": lambda layers: {"sskg.nq": nquads(layers)},
        "nanopubs": lambda layers: {"nanopubs.trig": nanopubs_trig(layers)},
        "graphml": lambda layers: {"sskg.graphml": graphml_lines(network(layers))},
        "gexf": lambda layers: {"sskg.gexf": gexf_lines(network(layers))},
        "csv": lambda layers: {
            "studies.csv": studies_table(layers.whole()),
            "findings.csv": findings_table(layers.whole()),
            "effect-estimates.csv": estimates_table(layers.whole()),
            "prisma-flow.csv": prisma_table(layers.whole()),
            "datapackage.json": datapackage(layers.whole()),
        },
        "html": lambda layers: {"ontology.html": reference_page(layers)},
    }


FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld", "trig", "nquads", "nanopubs", "graphml", "gexf", "csv", "html")
# Formats that share an intermediate result render in one worker; the slowest groups start first.
RENDER_GROUPS = (("graphml", "gexf"), ("jsonld",), ("nanopubs",), ("trig", "nquads"), ("csv",), ("html",),
                 ("rdfxml",), ("ntriples",), ("turtle",))
Text = str | Iterable[str]  # a whole text, or its lines made as they are written
Renderer = Callable[[], Iterable[tuple[str, Text]]]  # (file name, text) pairs, made one after another


def renderers(layers: Layers, formats: Iterable[str]) -> list[Renderer]:
    """One job per group of the chosen formats; each yields its files' names and text, format by format."""
    chosen = set(formats)

    def render(group: tuple[str, ...]) -> Iterator[tuple[str, Text]]:
        every = writers()  # per job: what its formats share (the network) goes when the job ends
        for fmt in group:
            yield from every[fmt](layers).items()

    groups = [tuple(fmt for fmt in group if fmt in chosen) for group in RENDER_GROUPS]
    return [lambda group=group: render(group) for group in groups if group]


def export_layers(layers: Layers, out_dir: Path, formats: Iterable[str] = FORMATS, also: Iterable[Renderer] = ()) -> list[Path]:
    """Write the chosen exports, and the files of `also` (more renderers, e.g. the views).

    Everything is checked first. Each worker writes its files into a staging folder inside `out_dir`
    (the text never travels back, nor piles up in this process: at scale it is gigabytes); only when
    every job has succeeded are the files moved into place, each complete or not at all.
    """
    chosen = sorted(set(formats))
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown:
        raise OutputError(f"unknown export format {', '.join(unknown)}", fix=f"choose from {', '.join(FORMATS)}")
    check_exportable(layers.sorted_triples, chosen)
    canonical = canonical_layers(layers)
    canonical.ox_triples  # computed once, before the workers fork  # noqa: B018
    with staging_folder(out_dir) as staging:
        jobs = [partial(_write_rendered, job, staging) for job in [*also, *renderers(canonical, chosen)]]
        names = sorted(name for written in run_jobs(jobs) for name in written)  # the views take longest: they start first
        for name in names:
            try:
                (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / name, out_dir / name)
            except OSError as error:
                raise OutputError(f"could not write: {error.strerror}", file=str(out_dir / name),
                                  fix="check that nothing else holds that path and that you may write there") from None
    return [out_dir / name for name in names]


def _write_rendered(render: Renderer, folder: Path) -> list[str]:
    """Write each file as soon as it is made: a worker holds one output's text at a time."""
    names = []
    for name, text in render():
        with atomic_write(folder / name) as stream:
            if isinstance(text, str):
                stream.write(text)
            else:
                stream.writelines(text)
        names.append(name)
        del text  # before the next one is made
    return names


def write_exports(layers: Layers, out_dir: Path, also: Iterable[Renderer] = ()) -> list[Path]:
    """The exports `sskg build` writes beside sskg.ttl (every format except the Turtle it writes itself)."""
    return export_layers(layers, out_dir, [name for name in FORMATS if name not in BUILD_WRITES], also)
