"""Headless Chromium (Debian's, driven by Playwright) against the real ASGI server.

Tests here use django_db(transaction=True), as tests/live does: the server's connections
see only committed rows. GraphiQL's scripts come from the server itself (schema/graphiql,
installed from npm, see schema/views.py); requests to unpkg.com are refused, so a page
that still needed the internet would fail here.
"""

import os
import re
from pathlib import Path

import pytest

from tests.npm import npm_ci
from tests.servers import serving

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots of the browser tests; CI keeps this folder (it is ignored by git).
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = Path(os.environ.get("RANGEBOOK_SCREENSHOTS", ARTEFACTS / "screenshots"))
WINDOW = {"width": 1400, "height": 900}  # staff's usual window, in which pages must fit
_taken: list[Path] = []
GRAPHIQL_ASSETS = Path(__file__).resolve().parents[2] / "schema" / "graphiql"
TIMEOUT_MS = 10_000

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (make test does, as root)")
    # Playwright's sync API keeps an event loop running in this thread until it stops,
    # which makes Django refuse the tests' own synchronous queries; the browser's work
    # never overlaps with them. Only for this package: the browser stops after it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            yield chromium
            chromium.close()


@pytest.fixture
def server(django_db_setup, tmp_path):
    """The ASGI server (tests/live), one per test: after a transactional test Django
    re-creates the content types under new ids, and a server that outlived that would
    write admin log entries naming the old ones (its ContentType cache)."""
    with serving(tmp_path / "uvicorn.log") as server:
        yield server


@pytest.fixture
def page(browser, server):
    """A fresh browser profile (no cookies) with its `base_url` at the test server."""
    base_url = server.url.removesuffix("/graphql")
    context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="UTC",
                                  viewport=WINDOW)
    context.set_default_timeout(TIMEOUT_MS)
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    context.route("https://unpkg.com/**", lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    yield page
    context.close()


def log_in(page, username: str, password: str) -> None:
    """Sign in through the admin's login form; the session cookie then stays in `page`."""
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    index = page.get_by_role("heading", name="Venues, resources and bookings")
    sync_api.expect(index).to_be_visible()


@pytest.fixture(scope="session")
def graphiql_assets():
    """node_modules of schema/graphiql (`npm ci` once if `make test` has not). Session-scoped:
    installed before any test's server starts, whose settings look for it at start-up."""
    return npm_ci(GRAPHIQL_ASSETS, "graphiql", "--legacy-peer-deps", "--ignore-scripts")


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name") saves the whole page as SCREENSHOTS/<test>-<name>.png."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{name}.png")
        page.screenshot(path=path, full_page=True)
        _taken.append(path)
        return path

    return take


def pytest_terminal_summary(terminalreporter):
    if _taken:
        terminalreporter.write_line(f"{len(_taken)} screenshot(s) in {SCREENSHOTS}")
