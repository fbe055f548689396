"""Browser tests: Debian's Chromium driven by Playwright against a live server of the portal.

`make test` runs them (.ci/run installs Chromium): they are not optional. The live server
is pytest-django's (a thread of the test process, on the test database), so tests may
prepare data with the ORM and move the clock with time_machine for both sides at once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test body are
# still synchronous and on their own connection.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), f"{CHROMIUM} is needed (Debian package chromium)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """`new_page(language="ar", viewport="phone")`: a page in a fresh browser context (its
    own cookies), asking for `language`, with `page.base` the live server's address."""
    contexts: list[Any] = []

    def make(language: str = "en", viewport: str = "desktop") -> Any:
        context = browser.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport=VIEWPORTS[viewport],
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.base = live_server.url
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Save the page, desktop and phone, as docs/screenshots/<name>-<viewport>.png when
    SCREENSHOTS=1 (the files in docs/ come from such a run); otherwise only render it."""
    size = page.viewport_size
    for viewport, dimensions in VIEWPORTS.items():
        page.set_viewport_size(dimensions)
        if os.environ.get("SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{name}-{viewport}.png", full_page=True)
        # At 390 px nothing scrolls sideways (a SHA-256 wraps, tables fit or scroll inside).
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= dimensions["width"], f"{name} scrolls sideways at {viewport}: {width}px"
    page.set_viewport_size(size)
