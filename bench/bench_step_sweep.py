"""Benchmark of the steps' alerts in the deadline sweep (dossiers/sweep.py, `sweep_step_batch`), issue 15.

Run: ``DATABASE_URL=postgres://…/motcua_bench_steps REDIS_URL=… .venv/bin/python bench/bench_step_sweep.py``
(a throw-away test database, ``test_<name>``, created and dropped; PostgreSQL only: the step rows are made by
INSERT … SELECT over generate_series).

One province, 10 agencies with 3 specialists each, 40 running dossiers at one desk, and ``--rows`` step rows
(1,000,000 by default) spread over them, every one with an alert to come (``next_alert_at`` in a year): the
worst case for the claim, like the "1M pending" run of the dossier sweep in docs/performance.md. Reported:
- a tick with nothing due (``sweep_deadlines``, dossiers then steps), p50 / p95 / CPU over ``--runs`` calls,
  against the dossier half alone (``in_batches(sweep_batch)``), so the steps' share is the difference;
- the step claim's ``EXPLAIN (ANALYZE, BUFFERS)``;
- a burst: ``--due`` step rows due at once (their warning), swept by one process in batches of 500 as the beat
  sends them, then a second sweep (must alert nothing), with the alerts and notifications counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def build(rows):
    from datetime import timedelta

    from django.utils import timezone

    from dossiers.models import Dossier
    from portal.models import Agency, OneStopDesk, Procedure, Province, Role, User

    province = Province.objects.create(code="99", name="Tỉnh đo")
    agencies = [
        Agency.objects.create(code=f"A{i}", province=province, name=f"Sở {i}", level="province") for i in range(10)
    ]
    desk = OneStopDesk.objects.create(code="D0", province=province, name="Quầy 0")
    for agency in agencies:
        for n in range(3):
            User.objects.create(username=f"cv{agency.code}-{n}", role=Role.SPECIALIST, agency=agency, province=province)
    procedure = Procedure.objects.create(
        province=province,
        code="1.000001",
        name="Thủ tục đo",
        sector="Xây dựng",
        agency=agencies[0],
        level=4,
        processing_time_unit="working_days",
        processing_time_value=5,
    )
    now = timezone.now()
    dossiers = [
        Dossier.objects.create(
            code=f"BENCH-{i:04d}",
            procedure=procedure,
            desk=desk,
            province=province,
            agency=agencies[0],
            status="processing",
            intake_channel="online",
            return_channel="desk",
            applicant_name="Nguyễn Văn A",
            applicant_phone="0900000000",
            received_at=now,
            due_at=now + timedelta(days=400),
        ).pk
        for i in range(40)
    ]
    agency_ids = [a.pk for a in agencies]
    with connection.cursor() as cursor:
        # Finished rows (one open step per dossier is the rule) that still carry an alert a year away: what
        # matters to the claim is how many rows its partial index holds.
        cursor.execute(
            """
            INSERT INTO dossiers_dossierstep (dossier_id, seq, index, code, name, role, agency_id, hours, started_at,
                due_at, warn_at, next_alert_at, finished_at, outcome, timeliness, note)
            SELECT (%(dossiers)s::bigint[])[1 + i %% 40], 1 + i / 40, 0, 'XL', 'Thẩm định', 'specialist',
                (%(agencies)s::bigint[])[1 + i %% 10], 8, %(now)s, %(later)s, %(later)s - interval '4 hours',
                %(later)s - interval '4 hours', %(now)s, 'forwarded', '', ''
            FROM generate_series(0, %(rows)s - 1) AS i
            """,
            {
                "dossiers": dossiers,
                "agencies": agency_ids,
                "now": now,
                "later": now + timedelta(days=365),
                "rows": rows,
            },
        )
        cursor.execute("ANALYZE dossiers_dossierstep")
    return now


def tick_times(functions, runs):
    """p50 and p95 wall time and p50 CPU time (ms) of each function, called in turn (A, B, A, B…) so that the
    machine's load falls on both alike."""
    walls, cpus = [[] for _ in functions], [[] for _ in functions]
    for _ in range(runs):
        for index, function in enumerate(functions):
            wall, cpu = time.perf_counter(), time.process_time()
            function()
            walls[index].append((time.perf_counter() - wall) * 1000)
            cpus[index].append((time.process_time() - cpu) * 1000)
    results = []
    for wall, cpu in zip(walls, cpus, strict=True):
        wall.sort()
        results.append((statistics.median(wall), wall[int(len(wall) * 0.95) - 1], statistics.median(cpu)))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--due", type=int, default=20_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL")

    from datetime import timedelta

    from django.utils import timezone

    from dossiers.models import Notification, StepAlert
    from dossiers.sweep import sweep_batch
    from dossiers.tasks import sweep_deadlines
    from portal.batches import in_batches

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        now = build(args.rows)
        print(f"{args.rows:,} step rows pending, built in {time.perf_counter() - started:.1f} s")

        dossier_half, whole = tick_times(
            [lambda: in_batches(sweep_batch, 500), lambda: sweep_deadlines(batch_size=500)], args.runs
        )
        print("tick, nothing due          p50 ms   p95 ms   CPU p50 ms")
        print("dossiers only (before)   {:7.2f}  {:7.2f}  {:7.2f}".format(*dossier_half))
        print("dossiers + steps (after) {:7.2f}  {:7.2f}  {:7.2f}".format(*whole))

        from dossiers.sweep import claim_steps, step_claim_sql

        with transaction.atomic():
            sql, params = step_claim_sql(), [timezone.now(), 500]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join(row[0] for row in cursor.fetchall()))
            assert claim_steps(timezone.now(), 500) == []

        # The burst: the first `due` rows (standing for open steps of running dossiers) warn a minute ago.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE dossiers_dossierstep SET next_alert_at = %s, warn_at = %s, due_at = %s "
                "WHERE id IN (SELECT id FROM dossiers_dossierstep ORDER BY id LIMIT %s)",
                [
                    now - timedelta(minutes=1),
                    now - timedelta(minutes=1),
                    now + timedelta(hours=4),
                    args.due,
                ],
            )
        started = time.perf_counter()
        alerted = sweep_deadlines(batch_size=500)
        first = time.perf_counter() - started
        again = sweep_deadlines(batch_size=500)
        notes = Notification.objects.filter(kind="step_due_soon").count()
        print(
            f"burst: {alerted:,} step alerts in {first:.1f} s ({alerted / first:,.0f}/s), second sweep {again}, "
            f"StepAlert rows {StepAlert.objects.count():,}, notifications {notes:,}"
        )
        assert alerted == args.due and again == 0 and StepAlert.objects.count() == args.due
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
