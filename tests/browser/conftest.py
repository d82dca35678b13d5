"""A live server and Debian's Chromium driven by Playwright, with axe-core checking every page."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from organiser.extensions import db as _db
from tests.conftest import make_app, skip_or_fail

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def read_whole(app):
    """The app with each response read into memory, and closed, before werkzeug's development server writes it.
    When the browser drops a connection (a favicon it no longer wants), that server's clean-up reads the dropped
    socket before it closes the response and raises: a static file's handle was left open, a ResourceWarning that
    failed whichever test was running (seen in CI: favicon.svg)."""

    def whole(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return whole


@pytest.fixture
def live_server(database_url):
    """The app served on a free loopback port in a thread, for the length of one test."""
    app = make_app(database_url)
    server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.port}", "app": app}
    server.shutdown()
    thread.join(5)
    # Close the live app's pooled connections now: left to the garbage collector, psycopg warns
    # (ResourceWarning) in whichever later test happens to be running, and that test fails.
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def log_in(page, live_server):
    """Factory: log in through the login page, as a person would (default: the `organiser` account)."""

    def factory(email: str = "organiser@example.org", password: str = "correct horse battery") -> None:
        base = live_server["url"]
        page.goto(f"{base}/login")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(f"{base}/events")

    return factory


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        skip_or_fail("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class AccessibleBrowsing:
    """Every page visited is checked with axe-core for WCAG 2.1 A/AA violations."""

    def __init__(self, page):
        self.page = page
        self.checked: list[str] = []

    def check(self) -> None:
        from playwright.sync_api import Error

        # A click that follows a link returns once the navigation has started; axe must run on the new page when
        # it has loaded, not on a document being replaced (seen on a busy machine: "reading 'documentElement'").
        for attempt in range(3):
            self.page.wait_for_load_state("load")
            try:
                result = self.page.evaluate(
                    """async () => await axe.run(document, {runOnly: {type: 'tag',
                        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
                )
                break
            except Error as error:
                navigating = "documentElement" in str(error) or "context was destroyed" in str(error)
                if not navigating or attempt == 2:
                    raise
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        assert not problems, f"axe found WCAG problems on {self.page.url}:\n" + "\n".join(problems)
        self.checked.append(self.page.url)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    # An init script runs through the DevTools protocol, so our strict CSP (no inline script) stays on.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"console errors (a Content-Security-Policy violation shows here too): {errors}"


@pytest.fixture
def a11y(page):
    return AccessibleBrowsing(page)
