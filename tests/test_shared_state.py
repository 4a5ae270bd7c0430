"""State that must agree across processes lives in the shared cache or the database, never in one
process's memory (issue 11, point 1). The served stack itself is checked in tests/served; these are the
in-process halves: the settings' defaults, and the calendar's version key."""

import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from portal import working_time
from portal.models import CalendarOverride
from tests.factories import ProvinceFactory

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "from django.conf import settings; print(settings.CACHES['default']['BACKEND']); "
    "print(settings.SITE_URL); print(settings.DATABASES['default']['NAME'])"
)


def settings_with(tmp_path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SITE_URL", "HOST", "PORT", "VAR_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(VAR_DIR=str(tmp_path), **env)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-3:]


def test_with_no_settings_every_process_shares_the_database_cache_and_links_to_the_port_served(tmp_path):
    backend, site_url, database = settings_with(tmp_path, PORT="8765")
    assert backend == "portal.cache.SharedDatabaseCache"
    assert site_url == "http://127.0.0.1:8765"
    assert database == str(tmp_path / "motcua.sqlite3")


def test_redis_stays_the_cache_when_configured_and_site_url_wins_when_set(tmp_path):
    backend, site_url, _ = settings_with(
        tmp_path, REDIS_URL="redis://127.0.0.1:6379/9", SITE_URL="https://dichvucong.example.gov.vn", PORT="8765"
    )
    assert backend == "portal.cache.ResilientRedisCache"
    assert site_url == "https://dichvucong.example.gov.vn"


@pytest.mark.django_db(transaction=True)
def test_a_calendar_change_gets_a_new_version_again_at_commit():
    """A process that rebuilt a calendar between the change and its commit read the old rows under the
    new version (a Redis cache is not part of the transaction); the version changes again at commit."""
    province = ProvinceFactory()
    before = working_time.VERSION.current()
    with transaction.atomic():
        CalendarOverride.objects.create(province=province, date=date(2026, 12, 26), kind="working_day")
        during = working_time.VERSION.current()
        assert during != before
    assert working_time.VERSION.current() not in (before, during)
    calendar = working_time.calendar_for_province(province.pk)
    assert date(2026, 12, 26) in calendar.extra_working_days


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL here")
def test_counts_in_the_database_cache_lose_no_increment_when_processes_count_at_once(settings):
    """Four clients counting at once (each its own database connection, as processes have): every count
    is kept, and the key keeps its expiry. Django's own DatabaseCache.incr (get, then set) loses some."""
    settings.CACHES = {"default": {"BACKEND": "portal.cache.SharedDatabaseCache", "LOCATION": "motcua_cache"}}
    call_command("createcachetable", verbosity=0)
    from django.core.cache import cache

    cache.set("motcua:test-count", 0, timeout=600)
    barrier = threading.Barrier(4)
    errors = []

    def count():
        try:
            barrier.wait(timeout=10)
            for _ in range(25):
                cache.incr("motcua:test-count")
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert cache.get("motcua:test-count") == 100
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM motcua_cache WHERE cache_key LIKE %s", ["%motcua:test-count"])
        (expires,) = cursor.fetchone()
    assert expires.year < 9999  # still expiring, not made permanent by the counting


@pytest.mark.django_db
def test_a_calendar_is_kept_by_the_process_until_another_process_changes_its_version(monkeypatch):
    """Each process keeps the calendars it built under the version it read (no shared-cache read a deadline); a new
    version, which another process's change gives, makes it read the overrides again."""
    from django.core.cache import cache, caches

    province = ProvinceFactory()
    CalendarOverride.objects.create(province=province, date=date(2026, 12, 26), kind="working_day")
    first = working_time.calendar_for_province(province.pk)
    backend = caches["default"]
    reads = []
    real_get = backend.get
    monkeypatch.setattr(backend, "get", lambda key, *a, **k: reads.append(key) or real_get(key, *a, **k))
    assert working_time.calendar_for_province(province.pk) is first
    assert not [key for key in reads if key.startswith("motcua:calendar:")]
    # Another process added a day off and gave a new version; its row is committed, its bump is all we see.
    CalendarOverride.objects.bulk_create([CalendarOverride(province=province, date=date(2026, 12, 28), kind="day_off")])
    cache.set(working_time.VERSION.key, "another-process", timeout=None)
    assert date(2026, 12, 28) in working_time.calendar_for_province(province.pk).extra_days_off
