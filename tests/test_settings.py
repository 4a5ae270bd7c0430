"""The settings a deployer relies on: production refuses to start unsafe, passes the
deploy checks, and every beat entry names a real task with arguments that fit it."""

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DJANGO_MODE", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DJANGO_MODE="production", ALLOWED_HOSTS="motcua.example.gov.vn")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "weak",
    [
        "short-but-random-Qx81",  # fewer than 50 characters
        "ab" * 40,  # long, but 2 distinct characters
        "django-insecure-" + "x7Qp9vL2mZ" * 6,  # Django's generated development key
        "dev-insecure-motcua-key-do-not-use-in-production-0123456789abcdef",  # motcua's development default
    ],
)
def test_production_refuses_to_start_with_a_weak_secret_key(weak):
    result = run_manage("check", DJANGO_MODE="production", SECRET_KEY=weak, ALLOWED_HOSTS="motcua.example.gov.vn")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for DJANGO_MODE=production" in result.stderr


def test_a_weak_secret_key_is_fine_in_development():
    result = run_manage("check", DJANGO_MODE="development", SECRET_KEY="short")
    assert result.returncode == 0, result.stderr


def test_production_passes_the_deploy_checks():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_MODE="production",
        SECRET_KEY="k3y-" + "x7Qp9vL2mZ" * 6,
        ALLOWED_HOSTS="motcua.example.gov.vn",
        SIGNING_KEY_PASSPHRASE="a-long-passphrase-of-the-agency-keys",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_the_signing_passphrase_is_warned():
    result = run_manage(
        "check",
        "--deploy",
        DJANGO_MODE="production",
        SECRET_KEY="k3y-" + "x7Qp9vL2mZ" * 6,
        ALLOWED_HOSTS="motcua.example.gov.vn",
    )
    assert "SIGNING_KEY_PASSPHRASE is not set" in result.stdout + result.stderr


def test_development_defaults_are_safe():
    assert settings.DEBUG is False
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh" and settings.USE_TZ


def test_every_beat_entry_names_a_real_task_and_binds_its_arguments():
    from portal.celery import app

    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE, "the beat schedule lives in code"
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: unknown task {entry['task']}"
        task = app.tasks[entry["task"]]
        inspect.signature(task.run).bind(*entry.get("args", ()), **entry.get("kwargs", {}))


@pytest.mark.django_db
def test_heartbeat_records_when_a_worker_last_ran(time_machine):
    from django.core.cache import cache

    from portal.tasks import HEARTBEAT_KEY, heartbeat

    time_machine.move_to("2026-11-23T08:00:00+07:00", tick=False)
    heartbeat.delay()
    assert cache.get(HEARTBEAT_KEY) == "2026-11-23T01:00:00+00:00"


@pytest.mark.django_db
def test_province_admin_manages_only_their_province_in_the_admin(client):
    from tests.factories import ProcedureFactory, ProvinceAdminFactory

    admin = ProvinceAdminFactory(is_staff=True)
    mine = ProcedureFactory(province=admin.province, name="Thủ tục của tỉnh mình")
    theirs = ProcedureFactory(name="Thủ tục của tỉnh khác")
    client.force_login(admin)
    listing = client.get("/admin/portal/procedure/")
    assert listing.status_code == 200
    assert mine.name in listing.content.decode() and theirs.name not in listing.content.decode()
    assert client.get(f"/admin/portal/procedure/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/portal/procedure/{theirs.pk}/change/").status_code == 404  # another province
    assert client.get("/admin/portal/province/").status_code == 403
