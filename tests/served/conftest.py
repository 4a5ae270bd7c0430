"""The served-stack journeys (marker `served`): the real stack of `make run` (tests/served/stack.py), once on
the embedded default and once on PostgreSQL + Redis, driven by Playwright in Debian's Chromium (the session
browser of tests/browser/conftest.py). Screenshots land in test-output/served/<variant>/."""

import json
import os
import tempfile
from pathlib import Path

import pytest

from tests.browser.conftest import browser  # noqa: F401  (one Chromium for the session, Debian's)
from tests.faults.conftest import free_port

from .stack import (
    PASSWORD,
    ServedStack,
    flush_redis,
    recreate_database,
    served_database,
    served_redis,
)

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "served"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/served/" in str(item.fspath):
            item.add_marker(pytest.mark.served)


def _postgres_urls():
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the PostgreSQL + Redis variant needs DATABASE_URL=postgres://… (none is configured)")
    return database_url, os.environ.get("REDIS_URL", "")


@pytest.fixture(scope="session", params=["embedded", "postgres"])
def stack(request):
    """The running stack of one variant, for every test of that variant; stopped (every process it
    started, by process group) at the end, whatever happened."""
    variant = request.param
    database_url = redis_url = admin_url = name = None
    if variant == "postgres":
        base_database, base_redis = _postgres_urls()
        database_url, admin_url, name = served_database(base_database)
        try:
            redis_url = served_redis(base_redis)
        except Exception as exc:  # a configured PostgreSQL but no reachable Redis
            pytest.skip(f"the PostgreSQL + Redis variant needs a reachable Redis ({exc})")
        recreate_database(admin_url, name)
    folder = tempfile.mkdtemp(prefix=f"motcua-served-{variant}-")
    served = ServedStack(variant, folder, free_port(), database_url=database_url, redis_url=redis_url)
    try:
        served.start()
        yield served
    finally:
        served.stop()
        (SHOTS / variant).mkdir(parents=True, exist_ok=True)
        (SHOTS / variant / "timings.json").write_text(json.dumps(served.timings, indent=1))
        if redis_url:
            flush_redis(redis_url)
        if admin_url:
            recreate_database(admin_url, name, drop_only=True)
    # Kept on failure for the log; removed when everything passed.
    if not request.session.testsfailed:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def people(browser, stack):  # noqa: F811  (the imported session browser)
    """people(viewport=PHONE) opens another person's browser on the stack (cookies of its own)."""
    contexts = []

    def open_page(viewport=PHONE):
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base = stack.url
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request, stack):
    """shot(page, "step") saves test-output/served/<variant>/<test>/<n>-<step>-<width>.png."""
    test = request.node.name.replace("[", "-").replace("]", "").replace(f"{stack.variant}-", "")
    folder = SHOTS / stack.variant / test.replace(f"-{stack.variant}", "")
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, name):
        counter["n"] += 1
        width = page.viewport_size["width"]
        path = folder / f"{counter['n']:02d}-{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, username, password=PASSWORD):
    page.goto(page.base + "/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.locator("form[action='/dang-nhap/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "/dang-nhap/" not in page.url, f"{username} could not log in: {page.url}"
