"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser must use real force hosts (``<slug>.spmp.localhost:<port>``), which Chromium resolves
to loopback, so the live server listens on 127.0.0.1. Data the browser sees must be committed:
these tests use ``committed_forces``. Every page visited is checked with axe-core, with the
page's real CSP in force (axe is evaluated through the DevTools protocol, which CSP does not
govern, so no test needs ``bypass_csp``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The live server must listen where Chromium sends *.localhost: IPv4 loopback.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
# Playwright's sync API runs an event loop in this thread; the test's own ORM calls
# (creating users, reading the audit log) are ordinary synchronous code all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SPMP_CHROMIUM", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
APP_CSS = ROOT / "static" / "build" / "app.css"
# Set SPMP_SCREENSHOTS=<folder> to keep a full-page screenshot of every page checked.
SCREENSHOTS = os.environ.get("SPMP_SCREENSHOTS", "")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The flush after these committing tests cascades: tests/conftest.py makes every flush do so.
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make chromium` installs Debian's package.")
    if not AXE_JS.exists() or not APP_CSS.exists():
        pytest.fail("Front-end assets missing: run `make ui` (npm ci and the CSS build).")
    yield shared_browser()


_SHARED: dict[str, Any] = {}


def shared_browser() -> Any:
    """One Playwright and one Chromium per test process.

    Playwright's sync API runs an event loop in the main thread; a second ``sync_playwright()``
    (e.g. a test module that imports the ``browser`` fixture, which registers a second copy of
    it) fails inside the first one's loop. Every copy of the fixture therefore shares this one.
    """
    if "browser" not in _SHARED:
        import atexit

        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _SHARED["playwright"] = playwright
        _SHARED["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        atexit.register(_stop_shared_browser)
    return _SHARED["browser"]


def _stop_shared_browser() -> None:
    browser = _SHARED.pop("browser", None)
    playwright = _SHARED.pop("playwright", None)
    if browser is not None:
        browser.close()
    if playwright is not None:
        playwright.stop()


def pytest_sessionfinish() -> None:
    _stop_shared_browser()


@dataclass
class Site:
    """URLs of the live server on the regional host and on each force's host."""

    port: int
    domain: str = "spmp.localhost"

    def regional(self, path: str = "/") -> str:
        return f"http://{self.domain}:{self.port}{path}"

    def force(self, force: Any, path: str = "/") -> str:
        return f"http://{force.slug}.{self.domain}:{self.port}{path}"


@pytest.fixture
def site(live_server: Any, committed_forces: Any) -> Site:
    port = int(live_server.url.rsplit(":", 1)[1])
    return Site(port=port)


class PageProblems:
    """What the browser reported while a test ran: CSP violations, script errors, failed loads."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed_requests: list[str] = []

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" in m]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # SPMP_E2E_MOBILE=1 runs the same journeys on a phone-sized screen.
    size = (
        {"width": 375, "height": 800} if os.environ.get("SPMP_E2E_MOBILE") else {"width": 1280, "height": 900}
    )
    context = browser.new_context(viewport=size, locale="en-GB")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    problems = PageProblems()
    pg.on("console", lambda m: problems.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.page_errors.append(str(e)))
    pg.on("requestfailed", lambda r: problems.failed_requests.append(r.url))
    pg.problems = problems
    yield pg
    context.close()


_AXE_SOURCE: str | None = None


def check_accessibility(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is; fail on any serious or critical violation.

    Returns every violation (minor and moderate ones too) for the caller to look at.
    """
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_JS.read_text(encoding="utf-8")
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE_SOURCE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = result["violations"]
    if SCREENSHOTS:
        with (Path(SCREENSHOTS) / "axe.txt").open("a", encoding="utf-8") as log:
            for v in violations:
                log.write(f"{name}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}\n")
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert not bad, f"axe-core on {name} ({page.url}):\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in bad
    )
    return violations
