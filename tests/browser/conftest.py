"""Real headless Chromium (Debian's package) driven by Playwright against a live server.
No browser is ever downloaded: the executable is /usr/bin/chromium, installed by `make test`.
Screenshots of each step go to test-output/screenshots/."""

import os
from pathlib import Path

import pytest

from tests import chromium

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    yield page
    context.close()


@pytest.fixture
def shot(request):
    """shot(page, "step-name") saves test-output/screenshots/<test>/<n>-<step>.png."""
    folder = SHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, name):
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    take.folder = folder
    return take


@pytest.fixture
def new_page(browser, live_server):
    """new_page() opens another person's browser (its own context: cookies, session) on the live
    server; all are closed at the end of the test."""
    with chromium.pages(browser, live_server.url) as open_page:
        yield open_page


@pytest.fixture
def live_celery(settings):
    """A real Celery worker (a thread, solo pool) consuming an in-memory broker while the test
    runs: tasks are published (through the outbox, after commit), not run inline as
    tests/conftest.py has them; the configuration is restored afterwards. Yields the worker.

    The worker thread opens its own database connection. On PostgreSQL (CI sets DATABASE_URL)
    that is an ordinary connection to the test database. On SQLite the test database is
    in memory, but in shared-cache mode ("file:memorydb_default?mode=memory&cache=shared"),
    so the worker's connection sees what the test and the live server thread committed; the
    journeys pass there with the worker too. (Shared-cache SQLite reports a conflicting write
    at once, "database table is locked", instead of waiting: the tasks here are a few short
    writes, but set JOURNEYS_EAGER=1 to run the tasks inline should that ever bite.)"""
    from portal.celery import app

    if os.environ.get("JOURNEYS_EAGER"):
        yield None
        return
    from celery.contrib.testing.worker import start_worker

    names = ("broker_url", "broker_transport_options", "task_always_eager", "task_eager_propagates")
    saved = {name: app.conf[name] for name in names}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url="memory://", broker_transport_options={}, task_always_eager=False)
    _reset_connections(app)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _reset_connections(app)


def _reset_connections(app):
    """Forget the connection pools made for the previous broker (not app.close(): that also
    unregisters the app, and shared tasks imported later would never be bound to it)."""
    app._pool = None
    app.amqp._producer_pool = None
