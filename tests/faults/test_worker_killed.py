"""kill -9 a Celery worker in the middle of a deadline sweep: the batch it was writing rolls
back, the message it held (acks_late) goes back to the queue, another worker finishes the
sweep, and every alert exists exactly once.

A real worker process (solo pool) runs against our own Redis and the test database; the
test kills it once some alerts are committed (polled in the database, so the kill lands
mid-run on any machine), then starts a second worker. Redis gives an unacknowledged
message back after the visibility timeout (2 s here; 1 h by default, when the beat's next
sweep a minute later does the work instead)."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count

from dossiers.models import ClockAlert, Dossier, DossierEvent, Notification
from dossiers.tasks import sweep_deadlines
from tests.dossier_helpers import make_dossier
from tests.factories import HeadFactory, OfficerFactory

ROOT = Path(__file__).resolve().parents[2]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DOSSIERS = 150  # each gets two alerts (due soon, overdue), each alert an event and three staff messages
BATCH = 5
STAFF = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process shares only a PostgreSQL database"),
]

WORKER = """
from portal.celery import app
app.conf.broker_transport_options = {
    "visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-mingle", "--without-gossip",
                 "--without-heartbeat", "--hostname=faults-%(n)s@localhost"])
"""


def database_url():
    s = connection.settings_dict
    user = f"{s['USER']}:{s['PASSWORD']}" if s["PASSWORD"] else s["USER"]
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(broker_url, n, log_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=database_url(),
        REDIS_URL=broker_url,
        CELERY_BROKER_URL=broker_url,
        DB_POOL="false",
    )
    log = open(log_path, "ab")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER % {"n": n}], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    process.log = log
    return process


def stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    process.log.close()


def wait_for(condition, timeout, what, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{Path(log_path).read_text(errors='replace')[-3000:]}")


@pytest.fixture
def due_dossiers():
    """DOSSIERS accepted dossiers whose due-soon and overdue moments have both passed."""
    officer = OfficerFactory()
    OfficerFactory(desk=officer.desk)
    HeadFactory(agency=officer.desk.agency)
    seed = make_dossier("accepted", officer=officer, at=datetime(2023, 10, 27, 9, 32, tzinfo=VN))
    fields = [f for f in Dossier._meta.concrete_fields if not f.primary_key and f.name != "code"]
    Dossier.objects.bulk_create(
        [
            Dossier(code=f"{seed.code}-K{i:04d}", **{f.attname: getattr(seed, f.attname) for f in fields})
            for i in range(DOSSIERS - 1)
        ]
    )
    assert Dossier.objects.filter(next_alert_at__isnull=False).count() == DOSSIERS
    return officer


def test_a_worker_killed_mid_sweep_loses_and_doubles_no_alert(private_redis, celery_on, due_dossiers, tmp_path):
    celery_on(private_redis.url)
    log_path = tmp_path / "worker.log"
    total = 2 * DOSSIERS
    first = start_worker(private_redis.url, 1, log_path)
    try:
        sweep_deadlines.apply_async(kwargs={"batch_size": BATCH})
        # Kill once a few batches are committed: the sweep is under way, far from done.
        committed = wait_for(
            lambda: (n := ClockAlert.objects.count()) >= 8 * BATCH and n, 60, "the first alerts", log_path
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = ClockAlert.objects.count()
        assert committed <= at_kill < total, "the sweep must be killed mid-run"
    finally:
        stop(first, signal.SIGKILL)

    second = start_worker(private_redis.url, 2, log_path)
    try:
        wait_for(
            lambda: ClockAlert.objects.count() == total and not Dossier.objects.filter(next_alert_at__isnull=False),
            60,
            "the redelivered sweep to finish",
            log_path,
        )
        # Let it settle: nothing more may appear once the queue is empty.
        wait_for(
            lambda: private_redis.client().llen("celery") == 0 and not private_redis.client().hlen("unacked"),
            20,
            "an empty queue",
            log_path,
        )
    finally:
        stop(second)

    per_dossier = Dossier.objects.annotate(n=Count("alerts")).values_list("n", flat=True)
    assert set(per_dossier) == {2}
    events = DossierEvent.objects.filter(action__in=["due_soon", "overdue"])
    assert events.count() == total
    assert not events.values("dossier", "action").annotate(n=Count("id")).filter(n__gt=1).exists()
    notes = Notification.objects.filter(channel="staff")
    assert notes.count() == total * STAFF
    assert not notes.values("dossier", "kind", "recipient").annotate(n=Count("id")).filter(n__gt=1).exists()
