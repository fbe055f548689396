"""Screenshots of the portal in Arabic and Chinese (and English), desktop and 390 px phone.

Against a running `make run` (PORT, default 8000): logs in as the demo signatory of
Switzerland with the demo authenticator code and saves PNGs beside this file.

    .venv/bin/python docs/screenshots/take_screenshots.py [base-url]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.e2e.conftest import CHROMIUM_ARGS, VIEWPORTS  # noqa: E402 - one list of flags

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BASE = sys.argv[1] if len(sys.argv) > 1 else f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
SIGNATORY = "signatory.che@example.org"


def demo_code() -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "demo_code", SIGNATORY],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().split()[-1]


def log_in(page) -> None:
    page.goto(f"{BASE}/accounts/login/")
    page.fill("input[name=login]", SIGNATORY)
    page.fill("input[name=password]", "demo-portal-2026")
    page.locator("main form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url("**/2fa/authenticate/**")
    page.fill("input[name=code]", demo_code())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{BASE}/")


def shoot(page, name: str) -> None:
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=HERE / f"{name}-{viewport}.png", full_page=True)


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        # One login (a TOTP code is accepted once); the language follows the browser's header.
        context = browser.new_context(viewport=VIEWPORTS["desktop"])
        page = context.new_page()
        log_in(page)
        for locale, accept in (("ar", "ar"), ("zh", "zh-CN,zh"), ("en", "en-GB,en")):
            context.set_extra_http_headers({"Accept-Language": accept})
            page.goto(f"{BASE}/")
            shoot(page, f"home-{locale}")
            page.locator("a[href$='/reply/']").first.click()
            page.wait_for_load_state()
            shoot(page, f"reply-form-{locale}")
            page.goto(f"{BASE}/")
            page.locator("ul.closed a").first.click()
            page.wait_for_load_state()
            shoot(page, f"circular-205-{locale}")
        browser.close()


if __name__ == "__main__":
    main()
