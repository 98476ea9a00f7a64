"""The query page's weight and time to first interaction, in headless Chromium at 1440×900.

    python -m benchmarks.query_page --graph build/sskg.ttl

`sskg serve`'s server runs in this process (2 workers); each of RUNS visits opens `/` in a fresh browser context
(empty cache and storage, as a first visit). Weight: every response the page loads, from the browser's Resource
Timing (bytes on the wire with headers, and decoded bodies). Times are the page's own clock: from the start of
navigation, DOMContentLoaded, `load` and ready, the time to first interaction (YASGUI built, catalogue listed,
completion registered: `sskgWorkbench.readyAt`); then, from event timestamps, a keystroke to the editor's change
and Ctrl+Enter to the default query's table drawn. Results: benchmarks/results/query-page/benchmark.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
from pathlib import Path
from typing import Any

from sskg.queries.server import ServerConfig, SparqlServer
from sskg.rdf_io import atomic_write

from .report import machine

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1440, "height": 900}
MEASURES = ("dom_content_loaded_ms", "load_ms", "ready_ms", "keystroke_to_editor_ms", "run_to_table_ms")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    server = SparqlServer(ServerConfig(args.graph, port=0, workers=2))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    load = os.getloadavg()[0]  # the machine is shared: how busy it was when the visits began
    try:
        visits = _visits(server.url, args.runs)
    finally:
        server.shutdown()
        server.server_close()
    data = {"machine": machine(), "settings": {"graph": str(args.graph), "runs": args.runs, "viewport": VIEWPORT,
                                              "load_average": round(load, 2)},
            "weight": visits[0]["weight"], "visits": visits,
            "median": {name: statistics.median(visit[name] for visit in visits) for name in MEASURES}}
    args.out.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.out / "benchmark.json") as stream:
        stream.write(json.dumps(data, indent=1) + "\n")
    with atomic_write(args.out / "benchmark.md") as stream:
        stream.write(_markdown(data))
    print(_markdown(data))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=Path("build") / "sskg.ttl", help="graph file to serve")
    parser.add_argument("--runs", type=int, default=5, help="visits, each in a fresh browser context")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/query-page"), help="results folder")
    return parser.parse_args(argv)


def _visits(url: str, runs: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    visits = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            for _ in range(runs):
                context = browser.new_context(viewport=VIEWPORT)
                try:
                    visits.append(_visit(context.new_page(), url))
                finally:
                    context.close()
        finally:
            browser.close()
    return visits


def _visit(page: Any, url: str) -> dict[str, Any]:
    page.goto(url)
    page.wait_for_function("() => window.sskgWorkbench && window.sskgWorkbench.ready", timeout=30_000)
    ready = page.evaluate("window.sskgWorkbench.readyAt")
    # The page's own clock: when a key went down, when the editor changed, when the table had rows.
    page.evaluate("""() => {
        const marks = window.benchmarkMarks = {};
        document.addEventListener('keydown', (event) => { marks[event.key] = marks[event.key] || event.timeStamp; }, true);
        window.sskgWorkbench.yasgui.getTab().getYasqe().on('change', () => { marks.changed = marks.changed || performance.now(); });
        new MutationObserver(() => {
            if (!marks.drawn && document.querySelectorAll('.yasr .dataTable tbody tr td').length > 1) marks.drawn = performance.now();
        }).observe(document.body, {childList: true, subtree: true});
    }""")
    page.locator(".yasqe .CodeMirror:visible").click()
    page.keyboard.press("End")
    page.keyboard.type("#")
    page.wait_for_function("() => window.benchmarkMarks.changed")
    page.keyboard.press("Backspace")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => window.benchmarkMarks.drawn", timeout=30_000)
    marks = page.evaluate("window.benchmarkMarks")
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const loaded = [nav, ...performance.getEntriesByType('resource')];
        return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                files: loaded.map(e => ({name: e.name.replace(location.origin, ''), transfer: e.transferSize,
                                         body: e.decodedBodySize}))};
    }""")
    on_load = [entry for entry in timing["files"] if entry["name"] not in ("/check", "/sparql", "/labels")]
    weight = {"files": len(on_load), "transfer_bytes": sum(entry["transfer"] for entry in on_load),
              "decoded_bytes": sum(entry["body"] for entry in on_load),
              "largest": sorted(on_load, key=lambda entry: -entry["body"])[:4]}
    return {"dom_content_loaded_ms": round(timing["dcl"]), "load_ms": round(timing["load"]), "ready_ms": round(ready),
            "keystroke_to_editor_ms": round(marks["changed"] - marks["#"], 1),
            "run_to_table_ms": round(marks["drawn"] - marks["Enter"]), "weight": weight}


def _markdown(data: dict[str, Any]) -> str:
    about, weight, median = data["machine"], data["weight"], data["median"]
    lines = [
        "# Query page: weight and time to first interaction",
        "",
        f"{about['cpu_model']}, {about['cpus_usable']} usable cores, {about['memory_gib']} GiB; {about['date']}; "
        f"headless Chromium {VIEWPORT['width']}×{VIEWPORT['height']}, {data['settings']['runs']} first visits (fresh context each), "
        f"graph {data['settings']['graph']}; load average {data['settings']['load_average']} when the visits began.",
        "",
        f"Weight on load: {weight['files']} files, {weight['transfer_bytes'] / 1024:.0f} KiB on the wire "
        f"({weight['decoded_bytes'] / 1024:.0f} KiB decoded; no compression).",
        "",
        "| file | KiB |",
        "| --- | ---: |",
        *[f"| `{entry['name']}` | {entry['body'] / 1024:.0f} |" for entry in weight["largest"]],
        "",
        "| from the start of navigation (median) | ms |",
        "| --- | ---: |",
        f"| DOMContentLoaded | {median['dom_content_loaded_ms']:.0f} |",
        f"| load | {median['load_ms']:.0f} |",
        f"| **ready** (first interaction): editor, catalogue and completion usable | {median['ready_ms']:.0f} |",
        "",
        "| then (median) | ms |",
        "| --- | ---: |",
        f"| a keystroke to the editor's change | {median['keystroke_to_editor_ms']:.1f} |",
        f"| Ctrl+Enter to the first run's table drawn (query, labels, table) | {median['run_to_table_ms']:.0f} |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
