"""Headless Chromium (Debian's, driven by Playwright) against the real ASGI server.

Tests here use django_db(transaction=True), as tests/live does: the server's connections
see only committed rows. Strawberry's GraphiQL page loads its scripts from unpkg.com, which
this machine cannot reach: the browser gets the same files (their SRI hashes pinned by
strawberry's page) from tests/browser/graphiql/node_modules, installed from npm.
"""

import mimetypes
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.live.conftest import serving

CHROMIUM = Path("/usr/bin/chromium")
GRAPHIQL_ASSETS = Path(__file__).resolve().parent / "graphiql"
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--legacy-peer-deps", "--ignore-scripts"]
TIMEOUT_MS = 10_000
# https://unpkg.com/<package, maybe @scoped>@<version>/<file>
UNPKG_FILE = re.compile(r"https://unpkg\.com/((?:@[^/]+/)?[^/@]+)@[^/]+/(.+)")

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
    context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    context.route("https://unpkg.com/**", _serve_unpkg_from_npm)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, username: str, password: str) -> None:
    """Sign in through the admin's login form; the session cookie then stays in `page`."""
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    sync_api.expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


@pytest.fixture(scope="session")
def graphiql_assets():
    """node_modules of tests/browser/graphiql (`npm ci` once if `make test` has not)."""
    modules = GRAPHIQL_ASSETS / "node_modules"
    if not (modules / "graphiql").is_dir():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: GraphiQL's scripts come from the npm registry")
        done = subprocess.run([*NPM_CI, "--prefix", str(GRAPHIQL_ASSETS)], capture_output=True,
                              timeout=300)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(NPM_CI)}` in {GRAPHIQL_ASSETS} failed:\n{done.stderr}")
    return modules


def _serve_unpkg_from_npm(route):
    match = UNPKG_FILE.fullmatch(route.request.url)
    local = GRAPHIQL_ASSETS / "node_modules" / match[1] / match[2] if match else None
    if local is None or not local.is_file():
        return route.fulfill(status=404, body=f"not in node_modules: {route.request.url}")
    content_type = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
    # The page loads them with `crossorigin`, and checks their SRI hashes.
    return route.fulfill(path=local, content_type=content_type,
                         headers={"Access-Control-Allow-Origin": "*"})
