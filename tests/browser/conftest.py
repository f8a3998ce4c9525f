"""A real browser for the browser tests: Debian's Chromium driven by Playwright (no `playwright install`)."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "artifacts"  # screenshots, kept by CI


@pytest.fixture
def page(live_server, monkeypatch):
    """A Chromium page; page.requested lists every URL it asked for, page.errors console errors, uncaught
    exceptions, failed requests and 4xx/5xx answers."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(20_000)
        page.requested, page.errors = [], []
        page.on("request", lambda request: page.requested.append(request.url))
        page.on(
            "console",
            lambda message: (
                message.type == "error" and page.errors.append(f"{message.text} ({message.location.get('url')})")
            ),
        )
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("requestfailed", lambda request: page.errors.append(f"{request.url}: {request.failure}"))
        page.on(
            "requestfinished",
            lambda request: (
                (response := request.response())
                and response.status >= 400
                and page.errors.append(f"{request.url}: {response.status}")
            ),
        )
        try:
            yield page
        finally:
            browser.close()
