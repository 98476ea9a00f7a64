"""The whole of `sskg build`: graphbuild's stages, then every output (graph files, exports, views).

This module sits above the stages so that none of them reaches back: graphbuild never imports the
exports or the views.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from sskg.exports.formats import write_exports
from sskg.exports.views.write import render_all
from sskg.gc_pause import gc_paused
from sskg.graphbuild.build import BuildResult, build, report_data
from sskg.graphbuild.reasoner import DEFAULT_TIMEOUT
from sskg.output import claim, published
from sskg.rdf_io import ox_sorted, rdfxml_text, turtle_text

GRAPH_FILE = "sskg.ttl"
VIEWS_DIR = "views"


def build_and_write(evidence_dir: Path, out_dir: Path, reasoner: str = "auto",
                    reasoner_timeout: float = DEFAULT_TIMEOUT) -> BuildResult:
    """`sskg build`: every stage, then every output (the output folder is checked first: see sskg.output.claim)."""
    claim(out_dir, inputs={"evidence folder": evidence_dir})
    result = build(evidence_dir, reasoner=reasoner, reasoner_timeout=reasoner_timeout)
    write_outputs(result, out_dir)
    return result


@gc_paused()  # also in the forked workers: a collection would walk, and so copy, every page of the graph
def write_outputs(result: BuildResult, out_dir: Path) -> list[Path]:
    """Write the graph, report, exports and views; the output folder changes all at once, or not at all."""
    layers = result.layers
    files: dict[str, Callable[[], str]] = {  # each text is made when its file is written: at scale they are large
        GRAPH_FILE: lambda: turtle_text(layers.ox_triples),
        "inferred.ttl": lambda: turtle_text(ox_sorted(layers.inferred)),
        "ontology.ttl": lambda: turtle_text(ox_sorted(layers.ontology)),
        "ontology.owl": lambda: rdfxml_text(ox_sorted(layers.ontology)),
        "report.json": lambda: json.dumps(report_data(result), indent=2, sort_keys=True) + "\n",
    }

    def views() -> Iterator[tuple[str, str]]:
        return ((f"{VIEWS_DIR}/{name}", html) for name, html in render_all(layers.whole()).items())

    def graph_files() -> Iterator[tuple[str, str]]:
        return ((name, text()) for name, text in sorted(files.items()))

    with published(out_dir) as staging:  # the graph files are one more job beside the exports and views
        exported = write_exports(layers, staging, also=[views, graph_files])
    result.outputs = sorted({out_dir / name for name in files} | {out_dir / path.relative_to(staging) for path in exported})
    return result.outputs
