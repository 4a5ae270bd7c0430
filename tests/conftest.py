import os
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.utils import translation

from dossiers.declarations import forget_definitions
from tests import chromium
from tests.factories import AgencyFactory, ProcedureFactory, ProvinceFactory

# pytest-xdist (`make test` runs two workers, `-n 2`): each worker has its own test database
# (pytest-django names it test_<name>_gw<N>) and, here, its own Redis db number (the configured number + N), so
# one worker's cache.clear() never empties the other's throttles and counters mid-test.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_redis(url):
    if not WORKER.startswith("gw"):
        return url
    parts = urlsplit(url)
    number = int(parts.path.lstrip("/") or 0) + int(WORKER[2:])
    return urlunsplit(parts._replace(path=f"/{number % 16}"))


def pytest_xdist_make_scheduler(config, log):
    """The served stacks (tests/served, session-scoped and costly to start) run on one worker, so that each stack
    starts once per run; every other test goes to whichever worker is free. (xdist's own `--dist loadgroup` names
    its groups by rewriting `item._nodeid`, which pytest 9 no longer reads: its groups are silently ignored.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ServedOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return "tests/served" if nodeid.startswith("tests/served/") else nodeid

    return ServedOnOneWorker(config, log)


@pytest.fixture(autouse=True)
def _isolated(settings):
    """Every test: tasks run inline, a clean cache, uploads in a temp dir, and the default language
    (a test client request in English leaves English active in the thread, LocaleMiddleware does not
    put it back: a later test formatting a date in-process would then read it in English).

    Passwords are hashed with MD5 here: PBKDF2 costs a quarter of a second a check by design, and the suite
    logs in through the password form hundreds of times. The served stacks (tests/served) keep the real hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # One process here: a local-memory cache of the test's own (the served default, the database cache, is
    # exercised by tests/served, which runs the real processes), so a test needs no database to use the cache.
    # With REDIS_URL (CI) the tests keep the Redis cache, the production path.
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    elif WORKER:
        default = dict(settings.CACHES["default"], LOCATION=_worker_redis(settings.CACHES["default"]["LOCATION"]))
        settings.CACHES = {"default": default}
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    cache.clear()
    forget_definitions()
    yield
    cache.clear()
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def signing_ca(tmp_path_factory):
    """A CA of the test session (EC P-256, fast) in a temp dir: the trusted root of every test."""
    from django.test import override_settings

    from portal.signing import keys

    folder = tmp_path_factory.mktemp("signing")
    since = datetime(2020, 1, 1, tzinfo=UTC)  # valid at any moment a test travels to (time-machine)
    with override_settings(SIGNING_DIR=folder, SIGNING_CA_CERT=folder / "ca.pem"):
        certificate, key = keys.ensure_demo_ca(now=since)
    return folder, certificate, key


@pytest.fixture(autouse=True)
def _signing(settings, signing_ca, monkeypatch):
    """The session CA is the trusted root, and an agency gets its certificate the first time it signs (as
    `setup_signing` gives one to every agency): a test need not set up keys to complete a dossier."""
    from portal.signing import keys

    folder, ca_certificate, ca_key = signing_ca
    settings.SIGNING_DIR = folder
    settings.SIGNING_CA_CERT = folder / "ca.pem"
    load = keys.load_agency_key

    def load_or_issue(agency):
        path = keys.agency_key_path(agency)
        if path.exists() and not _valid_now(path):  # issued by an earlier test at another (travelled) moment
            path.unlink()
        if not path.exists():
            keys.issue_agency_certificate(agency, ca_certificate, ca_key)
        return load(agency)

    monkeypatch.setattr(keys, "load_agency_key", load_or_issue)


def _valid_now(path):
    from cryptography.hazmat.primitives.serialization import pkcs12
    from django.conf import settings
    from django.utils import timezone

    try:
        certificate = pkcs12.load_key_and_certificates(path.read_bytes(), settings.SIGNING_KEY_PASSPHRASE.encode())[1]
    except ValueError:  # made under another passphrase (tests/test_signing_results.py's secret test)
        return False
    return certificate.not_valid_before_utc <= timezone.now() <= certificate.not_valid_after_utc


@pytest.fixture
def catalog():
    """A small public catalog for the page tests (tests/test_pages*.py)."""
    """Two provinces, a handful of procedures that differ on one attribute each."""
    tay_ninh = ProvinceFactory(code="72", name="Tây Ninh")
    dong_nai = ProvinceFactory(code="75", name="Đồng Nai")
    justice = AgencyFactory(province=tay_ninh, name="Sở Tư pháp Tây Ninh")
    ward = AgencyFactory(province=tay_ninh, commune=True, name="UBND phường 1")
    rows = {
        "birth": ProcedureFactory(
            province=tay_ninh,
            agency=ward,
            code="1.001193",
            name="Đăng ký khai sinh",
            sector="Hộ tịch",
            level=4,
            same_day=True,
            postal=True,
        ),
        "record": ProcedureFactory(
            province=tay_ninh,
            agency=justice,
            code="2.000488",
            name="Cấp Phiếu lý lịch tư pháp",
            sector="Lý lịch tư pháp",
            level=3,
            fee=200000,
            fee_note="100.000 đồng đối với sinh viên",
            postal_return=True,
        ),
        "certify": ProcedureFactory(
            province=tay_ninh,
            agency=ward,
            code="2.000815",
            name="Chứng thực bản sao từ bản chính",
            sector="Chứng thực",
            level=2,
            fee=2000,
            in_person_only=True,
        ),
        "residence": ProcedureFactory(
            province=dong_nai,
            code="1.004222",
            name="Đăng ký thường trú",
            sector="Đăng ký, quản lý cư trú",
            level=3,
            hours=True,
            field_verification=True,
        ),
        "retired": ProcedureFactory(province=dong_nai, code="9.999999", name="Thủ tục đã bãi bỏ", active=False),
    }
    rows.update(tay_ninh=tay_ninh, dong_nai=dong_nai, justice=justice, ward=ward)
    return rows


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright for the run, shared by tests/browser and tests/served (tests/chromium.py)."""
    yield from chromium.driver()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Debian's headless Chromium for the session."""
    browser = chromium.launch(playwright_driver)
    yield browser
    browser.close()
