"""Browser tests: Playwright (from PyPI) driving Debian's Chromium against a live
server. No browser is downloaded: ``make test`` installs /usr/bin/chromium with
apt-get when it is missing.

Screenshots of every page a test visits go under ``test-output/screenshots/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.media_pipeline.conftest import Clips
from tests.services import in_ci

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Clips:
    """Tiny real media files for one module's players."""
    return Clips(tmp_path_factory.mktemp("player-clips"))


@pytest.fixture(scope="session")
def chromium(django_db_setup):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not installed (make test installs Debian's chromium)"
        if in_ci():
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread. The tests'
    # own database calls stay synchronous and safe, so Django's guard against
    # blocking calls in async code is lifted while the browser runs (subprocesses
    # started by other tests drop the variable).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # With a loop running, Django hands out connection objects of their own; keep
    # the snapshot of the migrations' data that serialized rollbacks restore.
    saved = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    try:
        with sync_playwright() as playwright:
            for alias, contents in saved.items():
                if contents is not None and not hasattr(
                    connections[alias], "_test_serialized_contents"
                ):
                    connections[alias]._test_serialized_contents = contents
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture
def page(browser_context, live_server):
    page = browser_context.new_page()
    page.set_default_timeout(15_000)
    page.base = live_server.url
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    yield page


def sign_in(page, username: str, password: str = "pass-12345") -> None:
    page.goto(f"{page.base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    follow(page, "form.signin button[type=submit]")
    if password == "pass-12345":
        main = page.inner_text("main") if "/login/" in page.url else ""
        assert "/login/" not in page.url, f"sign-in as {username} failed: {main}"


def follow(page, target) -> None:
    """Click ``target`` (a selector or a locator) that navigates, and wait until the
    new page has loaded. ``wait_for_load_state`` alone returns at once (the old page
    is loaded), so the next step could read the old page or, by navigating on, abort
    the click's request: the sign-in POST then never sets its cookie, a race that a
    loaded machine loses."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> list[Path]:
    """Save ``name`` at phone and desktop width; returns the files."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    files = []
    original = page.viewport_size
    for label, size in (("375", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        files.append(path)
    page.set_viewport_size(original)
    return files


AXE_SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core (from npm, served as a static file) on the page; the serious and
    critical violations."""
    from django.conf import settings

    axe = Path(settings.BASE_DIR) / "themes/static/themes/vendor/axe.min.js"
    if not axe.exists():
        pytest.fail(f"{axe} missing: make setup copies it from npm (axe-core)")
    # by URL, so the page's Content-Security-Policy (scripts from 'self') allows it
    page.add_script_tag(url=f"{page.base}/static/themes/vendor/axe.min.js")
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    return [v for v in result if v["impact"] in AXE_SERIOUS]
