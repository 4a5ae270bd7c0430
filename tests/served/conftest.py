"""The served-stack journeys (marker `served`): the real stack of `make run` (tests/served/stack.py), once on
the embedded default and once on PostgreSQL + Redis, driven by Playwright in Debian's Chromium (the session
browser of tests/conftest.py). Screenshots land in test-output/served/<variant>/."""

import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from tests import chromium
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


VARIANTS = ["embedded", "postgres"]


class _Variant:
    """One variant's stack, made and prepared (migrate, load_demo) by the preparing thread (_prepare_all)."""

    def __init__(self, variant):
        self.variant, self.served, self.skip, self.error = variant, None, None, None
        self.admin_url = self.name = self.redis_url = None
        self.done = threading.Event()

    def prepare(self):
        try:
            self._prepare()
        finally:
            self.done.set()

    def _prepare(self):
        try:
            database_url = None
            if self.variant == "postgres":
                database_url = os.environ.get("DATABASE_URL", "")
                if not database_url.startswith(("postgres://", "postgresql://")):
                    self.skip = "the PostgreSQL + Redis variant needs DATABASE_URL=postgres://… (none is configured)"
                    return
                try:
                    self.redis_url = served_redis(os.environ.get("REDIS_URL", ""))
                except Exception as exc:  # a configured PostgreSQL but no reachable Redis
                    self.skip = f"the PostgreSQL + Redis variant needs a reachable Redis ({exc})"
                    return
                database_url, self.admin_url, self.name = served_database(database_url)
                recreate_database(self.admin_url, self.name)
            folder = tempfile.mkdtemp(prefix=f"motcua-served-{self.variant}-")
            self.served = ServedStack(
                self.variant, folder, free_port(), database_url=database_url, redis_url=self.redis_url
            )
            self.served.prepare()
        except BaseException as exc:  # re-raised in the test session by ready()
            self.error = exc

    def ready(self):
        self.done.wait()
        if self.skip:
            pytest.skip(self.skip)
        if self.error is not None:
            raise self.error
        return self.served

    def clean(self):
        if self.redis_url:
            flush_redis(self.redis_url)
        if self.admin_url:
            recreate_database(self.admin_url, self.name, drop_only=True)


_VARIANTS = {}  # variant → _Variant, made when collection ends
_PREPARING = False  # the preparing thread was started


def pytest_collection_finish(session):
    """Prepare the stacks of the selected variants, one after the other, in a thread started as soon as the
    tests are collected: under `make test` the preparation (migrate, load_demo: CPU in another process) runs
    on the second core while the tests before tests/served run on the first; run alone, the next variant is
    prepared while the tests of the one before use its stack."""
    wanted = {
        item.callspec.params.get("stack")
        for item in session.items
        if "tests/served/" in str(item.fspath) and hasattr(item, "callspec")
    }
    for variant in VARIANTS:
        if variant in wanted and variant not in _VARIANTS:
            _VARIANTS[variant] = _Variant(variant)
    # Under pytest-xdist every worker collects every test, but only the one that runs the "served" group (the
    # root conftest's scheduler) needs the stacks: there they are prepared when its first served test asks.
    if _VARIANTS and not os.environ.get("PYTEST_XDIST_WORKER"):
        _start_preparing()


def _start_preparing():
    global _PREPARING
    if not _PREPARING:
        _PREPARING = True
        threading.Thread(target=_prepare_all, args=list(_VARIANTS.values()), name="served-prepare", daemon=True).start()


def _prepare_all(*variants):
    for variant in variants:
        variant.prepare()


@pytest.fixture(scope="session")
def _variants():
    yield _VARIANTS
    for variant in _VARIANTS.values():  # a variant prepared but never served (its tests failed to start)
        if not _PREPARING:
            break
        variant.done.wait()
        if variant.served is not None:
            variant.served.stop()
        variant.clean()


@pytest.fixture(scope="session", params=VARIANTS)
def stack(request, _variants):
    """The running stack of one variant, for every test of that variant; stopped (every process it
    started, by process group) at the end, whatever happened."""
    variant = request.param
    if variant in _variants:
        _start_preparing()
    else:  # not selected at collection (should not happen): prepared here
        _variants[variant] = _Variant(variant)
        _variants[variant].prepare()
    current = _variants[variant]
    served = current.ready()
    try:
        served.start()
        yield served
    finally:
        served.stop()
        current.clean()
        (SHOTS / variant).mkdir(parents=True, exist_ok=True)
        (SHOTS / variant / "timings.json").write_text(json.dumps(served.timings, indent=1))
        # Kept on failure for the logs; removed when everything passed.
        if not request.session.testsfailed:
            shutil.rmtree(served.folder, ignore_errors=True)
        current.served = None
        current.admin_url = current.redis_url = None


@pytest.fixture
def people(browser, stack):
    """people(viewport=PHONE) opens another person's browser on the stack (cookies of its own)."""
    with chromium.pages(browser, stack.url, viewport=PHONE) as open_page:
        yield open_page


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
