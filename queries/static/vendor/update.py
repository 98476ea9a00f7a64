"""Vendor YASGUI's published browser build into this folder (run by hand; needs npm and the network).

    python queries/static/vendor/update.py 4.6.2

npm installs `@zazuko/yasgui` at that exact version into a temporary folder (integrity checked by npm
against the registry; install scripts off). Its own minified build (`build/yasgui.min.js` and `.css`) is
copied unchanged except that the source-map comment is dropped (the map is not shipped). The packages
bundled inside it are read from its source map; their licence texts go to THIRD-PARTY-LICENSES.txt.
VERSION.json records the version, npm's integrity and the SHA-256 of each vendored file (a test checks them).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "@zazuko/yasgui"
FILES = ("yasgui.min.js", "yasgui.min.css")
_BUNDLED = re.compile(r"node_modules/((?:@[^/]+/)?[^/]+)/")
_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying)(\.\w+)?$", re.IGNORECASE)


def main(version: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        subprocess.run(["npm", "install", "--prefix", str(work), "--ignore-scripts", "--no-audit", "--no-fund",
                        "--save-exact", f"{PACKAGE}@{version}"], check=True)
        modules = work / "node_modules"
        build = modules / PACKAGE / "build"
        lock = json.loads((work / "package-lock.json").read_text(encoding="utf-8"))
        integrity = lock["packages"][f"node_modules/{PACKAGE}"]["integrity"]
        script = (build / "yasgui.min.js").read_text(encoding="utf-8")
        (HERE / "yasgui.min.js").write_text(re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", script), encoding="utf-8")
        (HERE / "yasgui.min.css").write_bytes((build / "yasgui.min.css").read_bytes())
        source_map = json.loads((build / "yasgui.min.js.map").read_text(encoding="utf-8"))
        bundled = sorted({match[1] for source in source_map["sources"] if (match := _BUNDLED.search(source))})
        (HERE / "THIRD-PARTY-LICENSES.txt").write_text(_notices(modules, bundled), encoding="utf-8")
    record = {
        "package": PACKAGE,
        "version": version,
        "npm_integrity": integrity,
        "bundled_packages": bundled,
        "sha256": {name: hashlib.sha256((HERE / name).read_bytes()).hexdigest() for name in FILES},
    }
    (HERE / "VERSION.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"vendored {PACKAGE} {version}: {', '.join(FILES)}; {len(bundled)} bundled packages")


def _notices(modules: Path, bundled: list[str]) -> str:
    parts = [f"Packages bundled in {PACKAGE}'s yasgui.min.js (named by its source map), with their licences.\n"
             "Versions are those npm resolved when this folder was made; the bundle may hold an earlier release of each.\n"
             "YASGUI's own parts (yasgui, yasqe, yasr, yasgui-utils) are under the MIT licence in LICENSE.\n"]
    for name in bundled:
        folder = modules / name
        manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        texts = [path.read_text(encoding="utf-8", errors="replace").strip()
                 for path in sorted(folder.iterdir()) if _LICENCE_FILE.match(path.name)]
        licence = str(manifest.get("license") or "see the licence text").strip("()")
        parts.append("=" * 78 + f"\n{name} {manifest.get('version', '')} ({licence})\n" + "=" * 78)
        parts.append("\n\n".join(texts) if texts else "(the package ships no licence file)")
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: update.py VERSION  (e.g. 4.6.2)")
    main(sys.argv[1])
