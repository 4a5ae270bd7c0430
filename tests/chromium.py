"""Debian's Chromium, driven by Playwright: one driver for the whole test run.

Playwright's sync API keeps an event loop running in the thread that started it, and a second
`sync_playwright()` in the same thread is refused ("Sync API inside the asyncio loop"). The browser
journeys (tests/browser) and the served-stack suite (tests/served) therefore share one driver, the
session fixtures `playwright_driver` and `browser` of tests/conftest.py; a test that needs Chromium
with other flags launches it from that driver."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def driver():
    """Yield a started Playwright (a generator for a session fixture); skips without Chromium."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # The ORM calls the tests make between browser steps are ordinary synchronous ones, run in the
    # thread where Playwright's loop runs, so Django is told to allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def launch(playwright, *extra_flags):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, *extra_flags], headless=True)


@contextmanager
def pages(browser, base, locale="vi-VN", viewport=None):
    """`open_page(viewport=…, javascript=True)` opens another person's page on `base` (a context of its
    own: cookies, session, language); every context is closed on leaving."""
    contexts = []
    default = viewport or {"width": 1280, "height": 900}

    def open_page(viewport=None, javascript=True):
        context = browser.new_context(locale=locale, viewport=viewport or default, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base = base
        return page

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
