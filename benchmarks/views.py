"""How fast the views are made and become ready in a browser, on the curated graph and on synthetic ones.

    python -m benchmarks.views --scales 1,10 [--seed 1] [--runs 5] [--cache DIR] [--out benchmarks/results/views]

For each scale: the evidence is generated (benchmarks.generate, cached) and built with `sskg build`; then, in
this process, the graph is loaded and every view rendered (`render_all`, timed), and headless Chromium opens the
overview and the gap map from disk at 1440×900 and at 390×844, each in a fresh browser context with every request
but the page itself refused, `--runs` times. "Ready" is the page's own clock (performance.now(), from the start
of navigation) when it has drawn: the overview at vis-network's first drawing, the gap map when its table and
totals are filled. Medians are reported, with the slowest run, and the machine's load average when they began
(other work on the machine slows the browser). The cache keeps built graphs: empty it after the evidence or
its format changes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import CURATED, generate
from benchmarks.report import machine

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
PAGES = (("overview.html", "() => window.sskg && window.sskg.state.ready", "window.sskg.state.readyAt"),
         ("gap-map.html", "() => window.sskgGap && window.sskgGap.state.ready", "window.sskgGap.state.readyAt"))
SIZES = ((1440, 900), (390, 844))


def built_graph(scale: int, seed: int, cache: Path) -> Path:
    """The graph file of the evidence at this scale, built once and kept in the cache."""
    build = cache / f"build-x{scale}-seed{seed}"
    graph = build / "sskg.ttl"
    if graph.exists():
        return graph
    evidence = CURATED if scale == 1 else cache / f"evidence-x{scale}-seed{seed}"
    if scale > 1 and not evidence.exists():
        generate(evidence, scale, seed)
    subprocess.run([sys.executable, "-m", "sskg.cli", "build", "--evidence", str(evidence), "--out", str(build)],
                   check=True, stdout=subprocess.DEVNULL)
    return graph


def render(graph_file: Path, out: Path) -> dict[str, float]:
    from sskg.exports.views.write import render_all, write_page
    from sskg.queries.runner import load_graph

    started = time.perf_counter()
    graph = load_graph(graph_file)
    loaded = time.perf_counter()
    pages = render_all(graph)
    rendered = time.perf_counter()
    for name, html in pages.items():
        write_page(out / name, html)
    return {"load_s": round(loaded - started, 3), "render_s": round(rendered - loaded, 3),
            "bytes": {name: len(html.encode("utf-8")) for name, html in pages.items()}}  # type: ignore[dict-item]


def ready_times(folder: Path, runs: int) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, dict[str, float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            for name, ready, clock in PAGES:
                page_file = (folder / name).resolve().as_uri()
                for width, height in SIZES:
                    seen = []
                    for _ in range(runs):
                        context = browser.new_context(viewport={"width": width, "height": height})
                        context.route("**/*", lambda route: route.continue_() if route.request.url.split("#")[0] == page_file
                                      else route.abort())
                        page = context.new_page()
                        page.goto(page_file)
                        page.wait_for_function(ready, timeout=60_000)
                        seen.append(page.evaluate(clock))
                        context.close()
                    times[f"{name} {width}×{height}"] = {"median_ms": round(statistics.median(seen)), "max_ms": round(max(seen))}
        finally:
            browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "sskg-benchmark")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "views")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "load_average": round(os.getloadavg()[0], 1), "runs": args.runs, "seed": args.seed,
               "scales": {}}
    for scale in (int(part) for part in args.scales.split(",")):
        graph_file = built_graph(scale, args.seed, args.cache)
        folder = args.cache / f"views-x{scale}-seed{args.seed}"
        folder.mkdir(exist_ok=True)
        made = render(graph_file, folder)
        made["ready"] = ready_times(folder, args.runs)  # type: ignore[assignment]
        results["scales"][str(scale)] = made  # type: ignore[index]
        print(f"×{scale}: {json.dumps(made)}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "views.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (args.out / "views.md").write_text(table(results), encoding="utf-8")
    return 0


def table(results: dict) -> str:  # type: ignore[type-arg]
    scales = list(results["scales"])
    lines = ["# Views: rendering and time to ready", "",
             f"`python -m benchmarks.views --scales {','.join(scales)} --seed {results['seed']} --runs {results['runs']}` "
             f"on {results['machine']['cpu_model']} ({results['machine']['cpus_usable']} CPUs, load average {results['load_average']} "
             f"at the start); medians of {results['runs']} runs (slowest in brackets).", "",
             "| | " + " | ".join(f"×{scale}" for scale in scales) + " |", "|---|" + "---|" * len(scales)]
    first = results["scales"][scales[0]]
    lines.append("| load the graph (Python) | " + " | ".join(f"{results['scales'][s]['load_s']} s" for s in scales) + " |")
    lines.append("| render every view (Python) | " + " | ".join(f"{results['scales'][s]['render_s']} s" for s in scales) + " |")
    for page in first["bytes"]:
        lines.append(f"| size of {page} | " + " | ".join(f"{results['scales'][s]['bytes'][page] / 1024:.0f} KiB" for s in scales) + " |")
    for key in first["ready"]:
        lines.append(f"| {key} ready in Chromium | " + " | ".join(
            f"{results['scales'][s]['ready'][key]['median_ms']} ms ({results['scales'][s]['ready'][key]['max_ms']})" for s in scales) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
