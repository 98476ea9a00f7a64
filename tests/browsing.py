"""Headless Chromium for page tests, with what a page requests kept apart from what the browser does itself.

Two capture servers on 127.0.0.1 stand in for the network. Each page's browser context gets its own
proxy (`page_proxy`): a request that a page makes and that escapes page routing lands there and fails
the test. The browser is launched with another proxy (`background`): Chromium's own traffic, which no
page or frame makes (component updater, sign-in probes; Debian's build sends some despite
`--disable-background-networking --disable-component-update`), lands there and is reported in
`tests/artifacts/chromium-background.txt` and as a warning, not as a page's failure.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import CaptureServer

CHROMIUM = Path("/usr/bin/chromium")
# Chromium reads only the last --disable-features, and Playwright passes its own list first: ours repeats
# Playwright's (1.65) so none of them comes back on, and adds autofill, which asks content-autofill.googleapis.com
# about a page's form fields through that page's own proxy.
PLAYWRIGHT_DISABLED_FEATURES = [
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding", "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect", "TcpPortRandomizationWin", "OptimizationHints",
    "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch", "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion"]
# Playwright adds its own switches against background networking; these are the ones it leaves out.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-features=" + ",".join([*PLAYWRIGHT_DISABLED_FEATURES, "AutofillServerCommunication"])]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# axe-core, pinned in tests/js/package-lock.json and installed by `make test` (npm ci).
AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                    reason="Chromium is not installed (apt-get install chromium); CI must have it")
needs_axe = pytest.mark.skipif(not AXE.exists() and not os.environ.get("CI"),
                               reason="axe-core is not installed (npm ci --prefix tests/js); CI must have it")


@dataclass
class Chromium:
    browser: Any
    background: CaptureServer  # the browser's own requests: no page or frame made them


@dataclass
class Opened:
    page: Any
    url: str
    page_proxy: CaptureServer  # requests of this page's context that got past routing
    allowed: Callable[[str], bool]
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No console error, no request the page was not allowed, none past routing, no injected script ran."""
        assert self.errors == [], self.errors
        refused = [url for url in self.requests if not self.allowed(url)]
        assert refused == [], f"the page requested {refused}"
        assert self.page_proxy.requests == [], f"requests escaped page routing: {self.page_proxy.requests}"
        assert self.page.evaluate("window.__pwned") is None, "injected script ran"

    def axe(self) -> list[str]:
        """axe-core's WCAG 2.1 A and AA violations on the page as it is now, one line each."""
        self.page.evaluate(AXE.read_text(encoding="utf-8"))  # by the devtools protocol: the page's CSP does not apply
        found = self.page.evaluate("""async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"]})).violations.map((v) => v.id + ": " + v.help + " at " +
            v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "))""", WCAG_21_AA)
        return list(found)

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / ".gitignore").write_text("*\n", encoding="utf-8")
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@contextmanager
def chromium() -> Iterator[Chromium]:
    """Headless Chromium; on closing, its own background requests are reported apart from any page's."""
    from playwright.sync_api import sync_playwright

    background = CaptureServer(refuse=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                                 proxy={"server": background.url, "bypass": ""})
            try:
                yield Chromium(browser, background)
            finally:
                browser.close()
    finally:
        background.close()
        report_background(background.requests)


def report_background(requests: list[str]) -> None:
    if not requests:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n", encoding="utf-8")
    with (ARTIFACTS / "chromium-background.txt").open("a", encoding="utf-8") as log:
        log.writelines(f"{request}\n" for request in requests)
    hosts = sorted({host_of(request.split(" ", 1)[1]) for request in requests})
    warnings.warn(f"Chromium itself (no page) tried {len(requests)} requests, all refused: {', '.join(hosts)}",
                  stacklevel=2)


def host_of(target: str) -> str:
    """The host of a proxied request's target: an absolute URL, or `host:port` for CONNECT."""
    if "//" in target:
        return urlsplit(target).hostname or target
    return target.rsplit(":", 1)[0]


@contextmanager
def opened(browser: Chromium, url: str, allowed: Callable[[str], bool], routable: Callable[[str], bool] | None = None,
           viewport: tuple[int, int] = (1440, 900), direct: str = "") -> Iterator[Opened]:
    """`url` in a fresh context whose requests are logged; `assert_clean` accepts only `allowed` ones.

    A request goes through if `routable` (by default `allowed`) and is aborted otherwise; one that
    escapes routing reaches the context's own capture proxy. `direct` (`host:port`, for a page a local
    server serves) is the one address routed requests reach without that proxy.
    """
    routable = routable or allowed
    page_proxy = CaptureServer()
    context = browser.browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                          proxy={"server": page_proxy.url, "bypass": direct})
    try:
        page = context.new_page()
        result = Opened(page, url, page_proxy, allowed)

        def route(request_route: Any) -> None:
            if routable(request_route.request.url):
                request_route.continue_()
            else:
                request_route.abort()

        context.route("**/*", route)
        page.on("request", lambda request: result.requests.append(request.url))
        page.on("console", lambda message: result.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: result.errors.append(str(error)))
        page.goto(url)
        yield result
    finally:
        context.close()
        page_proxy.close()


def served_by(url: str) -> tuple[Callable[[str], bool], str]:
    """For a page a local server serves: requests allowed (its own origin) and the address they reach directly."""
    origin = url.rstrip("/") + "/"
    return (lambda request: request.startswith(origin)), urlsplit(url).netloc


def only_itself(path: Path) -> Callable[[str], bool]:
    """The one request a self-contained page opened from disk may make: itself."""
    own = path.resolve().as_uri()
    return lambda url: url.split("#")[0] == own


def in_folder(path: Path) -> Callable[[str], bool]:
    """Files of the page's own folder (where its links to other views lead)."""
    folder = path.resolve().parent.as_uri() + "/"
    return lambda url: url.startswith(folder)
