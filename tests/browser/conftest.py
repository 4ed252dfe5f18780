"""Browser tests: Debian's Chromium driven by Playwright against the whole local stack over HTTP.

One Chromium per session; each test gets a fresh context (its own cookies) and one page, reused for
both screen widths. `bash tests/browser/setup.sh` installs Chromium and Playwright (`make test` runs
it); Playwright never downloads a browser here.

Helpers for page tests (check_page, shoot, ...) are in tests/support/pages.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support import live as stack
from tests.support.pages import DESKTOP, TIMEOUT_MS

# The e2e fixtures (tests/support/live.py), offered here too: `live` (the whole stack over HTTP) and
# `make_issuer`. Fixtures are scoped by directory, so a run of both folders starts a second stack for the
# browser tests (~2 s).
live = stack.live
make_issuer = stack.make_issuer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = "/usr/bin/chromium"
# As checked on this kind of machine (DESIGN.md, "Facts checked"): without the background-networking
# flags Chromium keeps trying Google's hosts through a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole session. Playwright's launch() gives it a new, empty
    user-data-dir (a temporary profile, deleted on close); --user-data-dir cannot be passed to launch()."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `bash tests/browser/setup.sh` (make test does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run `bash tests/browser/setup.sh` (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser, live) -> Iterator[BrowserContext]:
    """A fresh context per test (no cookies carried over), at desktop size, relative URLs on the stack."""
    ctx = browser.new_context(viewport=DESKTOP, base_url=live.base_url, locale="en-GB")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any uncaught JavaScript error or Content-Security-Policy violation."""
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(f"{tab.url}: {error}"))
    tab.on("console", lambda message: _csp_violation(message) and errors.append(f"{tab.url}: {message.text}"))
    yield tab
    assert not errors, f"JavaScript errors: {errors}"


def _csp_violation(message) -> bool:
    """Chromium reports a blocked script, style or image as a console error naming the policy."""
    return message.type == "error" and "Content Security Policy" in message.text
