import pytest
from django.core.cache import cache
from django.utils import translation

from tests import chromium
from tests.factories import AgencyFactory, ProcedureFactory, ProvinceFactory


@pytest.fixture(autouse=True)
def _isolated(settings):
    """Every test: tasks run inline, a clean cache, uploads in a temp dir, and the default language
    (a test client request in English leaves English active in the thread, LocaleMiddleware does not
    put it back: a later test formatting a date in-process would then read it in English)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # One process here: a local-memory cache of the test's own (the served default, the database cache, is
    # exercised by tests/served, which runs the real processes), so a test needs no database to use the cache.
    # With REDIS_URL (CI) the tests keep the Redis cache, the production path.
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
