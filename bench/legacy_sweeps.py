"""The sweeps the set-based ones (dossiers/sweep.py, postal/sweep.py) replaced, kept only so that
``bench_scale.py --only due`` can measure before and after in one run; not the product's code.

- the per-row ORM loops as they were: a Celery worker loads them with ``--include legacy_sweeps`` (``bench/`` on
  PYTHONPATH); the tasks are named ``bench.legacy.*``;
- ``SET_BASED_SWEEP``, the one-statement SQL prototype of the deadline sweep (``--prototype``), in-process."""

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone


def _staff_for(dossier):
    from portal.models import Role, User

    return list(
        User.objects.filter(is_active=True).filter(
            Q(role=Role.OFFICER, desk_id=dossier.desk_id) | Q(role=Role.HEAD, agency_id=dossier.agency_id)
        )
    )


def _alert(dossier, kind, now):
    from dossiers.models import ClockAlert, DossierEvent
    from dossiers.notifications import notify_staff
    from dossiers.sweep import alert_texts

    try:
        with transaction.atomic():
            ClockAlert.objects.create(dossier=dossier, kind=kind, due_at=dossier.due_at, at=now)
    except IntegrityError:
        return False
    subject, body = alert_texts(dossier.code, dossier.due_at, kind)
    DossierEvent.objects.create(
        dossier=dossier, at=now, action=kind, from_status=dossier.status, to_status=dossier.status, note=subject
    )
    notify_staff(dossier, _staff_for(dossier), kind, dossier.due_at.isoformat(), subject, body)
    return True


@shared_task(name="bench.legacy.sweep_deadlines", acks_late=True, reject_on_worker_lost=True)
def sweep_deadlines(batch_size=500):
    from dossiers.clock import next_alert_moment
    from dossiers.models import ClockAlert, Dossier

    sent = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            batch = list(
                Dossier.objects.select_for_update(skip_locked=True)
                .filter(next_alert_at__isnull=False, next_alert_at__lte=now)
                .order_by("next_alert_at")[:batch_size]
            )
            for dossier in batch:
                if dossier.warn_at and dossier.warn_at <= now and dossier.warn_at < dossier.due_at:
                    sent += _alert(dossier, ClockAlert.Kind.DUE_SOON, now)
                if dossier.due_at <= now:
                    sent += _alert(dossier, ClockAlert.Kind.OVERDUE, now)
                dossier.next_alert_at = next_alert_moment(dossier)
                dossier.save(update_fields=["next_alert_at"])
        if len(batch) < batch_size:
            return sent


@shared_task(name="bench.legacy.sweep_postal_sla", acks_late=True, reject_on_worker_lost=True)
def sweep_postal_sla(batch_size=500):
    from postal import webhooks
    from postal.models import PostalOrder
    from postal.services import record_breach

    recorded = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            batch = list(
                PostalOrder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("dossier")
                .filter(sla_timer_at__isnull=False, sla_timer_at__lte=now)
                .order_by("sla_timer_at", "id")[:batch_size]
            )
            for order in batch:
                if record_breach(order, now):
                    recorded += 1
                    webhooks.enqueue(order, webhooks.ORDER_CHANGED)
                order.save(update_fields=["breached_at", "sla_timer_at", "updated_at"])
        if len(batch) < batch_size:
            return recorded


# The set-based SQL prototype that led to dossiers/sweep.py (--prototype): one statement per batch of 5,000 locks
# the batch, inserts its alerts (ON CONFLICT DO NOTHING: once), the events and the staff notifications of the alerts
# that were new (placeholder texts), and moves next_alert_at on.
SET_BASED_SWEEP = """
WITH batch AS (
    SELECT id, code, desk_id, agency_id, status, due_at, warn_at FROM dossiers_dossier
    WHERE next_alert_at IS NOT NULL AND next_alert_at <= %(now)s
    ORDER BY next_alert_at LIMIT %(size)s FOR UPDATE SKIP LOCKED
), wanted AS (
    SELECT b.*, k.kind FROM batch b CROSS JOIN (VALUES ('due_soon'), ('overdue')) AS k (kind)
    WHERE b.status IN ('accepted', 'processing') AND (
        (k.kind = 'due_soon' AND b.warn_at <= %(now)s AND b.warn_at < b.due_at)
        OR (k.kind = 'overdue' AND b.due_at <= %(now)s))
), alerted AS (
    INSERT INTO dossiers_clockalert (dossier_id, kind, due_at, at)
    SELECT id, kind, due_at, %(now)s FROM wanted
    ON CONFLICT (dossier_id, kind, due_at) DO NOTHING
    RETURNING dossier_id, kind
), fresh AS (
    SELECT w.* FROM wanted w JOIN alerted a ON a.dossier_id = w.id AND a.kind = w.kind
), events AS (
    INSERT INTO dossiers_dossierevent (dossier_id, at, action, from_status, to_status, note, data)
    SELECT id, %(now)s, kind, status, status, 'Hồ sơ ' || code || ' ' || kind, '{}' FROM fresh
), notes AS (
    INSERT INTO dossiers_notification (dossier_id, recipient, recipient_user_id, channel, kind, "key", subject,
        body, state, attempts, created_at, last_error)
    SELECT f.id, u.username, u.id, 'staff', f.kind, f.due_at::text, 'Hồ sơ ' || f.code, 'Hồ sơ ' || f.code,
        'pending', 0, %(now)s, ''
    FROM fresh f JOIN portal_user u ON u.is_active
        AND ((u.role = 'officer' AND u.desk_id = f.desk_id) OR (u.role = 'head' AND u.agency_id = f.agency_id))
    ON CONFLICT DO NOTHING
)
UPDATE dossiers_dossier d SET next_alert_at = CASE
    WHEN b.status NOT IN ('accepted', 'processing') THEN NULL
    WHEN b.warn_at > %(now)s AND b.warn_at < b.due_at THEN b.warn_at
    WHEN b.due_at > %(now)s THEN b.due_at END
FROM batch b WHERE d.id = b.id
"""


def set_based(count, setup, check, restore):
    """The same burst swept by SET_BASED_SWEEP in this process (one connection, batches of 5,000)."""
    import time
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        for sql in setup:
            cursor.execute(sql, {"count": count, "due": timezone.now() - timedelta(minutes=1)})
        cursor.execute("ANALYZE dossiers_dossier")
    t0 = timezone.now()
    started = time.perf_counter()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(SET_BASED_SWEEP, {"now": timezone.now(), "size": 5000})
            if cursor.rowcount < 5000:
                break
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(check, {"t0": t0})
        rows, distinct = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM dossiers_notification WHERE dossier_id IN (SELECT id FROM bench_due) "
            "AND created_at >= %(t0)s",
            {"t0": t0},
        )
        notes = cursor.fetchone()[0]
        for sql in restore:
            cursor.execute(sql, {"t0": t0})
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
    print(
        f"\n== Set-based sweep (a prototype, one process): {count:,} due swept in {elapsed:.1f} s "
        f"({count / elapsed:,.0f}/s); {rows:,} alerts for {distinct:,} dossiers, {notes:,} staff notifications"
    )
    return elapsed
