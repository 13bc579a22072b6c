"""The browser harness: Playwright drives the machine's Debian Chromium against a live server.

Nothing downloads a browser: Playwright is pointed at the binary the `chromium` package
installs. Without Chromium, `make test` skips these tests (CI installs it and fails without).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HOW_TO_ENABLE = "browser tests skipped: install Chromium (apt-get install chromium) to run them"

# Playwright's sync API runs an event loop in this thread; the Django test server and the
# ORM calls in the tests are ordinary synchronous code, so allow them here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def pytest_report_header(config):
    if not chromium_available():
        return HOW_TO_ENABLE
    return None


def pytest_collection_modifyitems(config, items):
    if chromium_available():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"Chromium is required in CI (looked for {CHROMIUM})")
    skip = pytest.mark.skip(reason=HOW_TO_ENABLE)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_browser():
    from playwright.sync_api import expect, sync_playwright

    # Auto-retrying assertions wait as long as actions do (the default 5 s is short for a
    # page built on a loaded 2-core machine); they return as soon as they pass.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(playwright_browser, live_server):
    context = playwright_browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def javascript_free_page(playwright_browser, live_server):
    """A page with JavaScript turned off: every journey must work without it."""
    context = playwright_browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()
