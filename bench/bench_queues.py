"""Benchmark of the officer queues (dossiers/queues.py) on PostgreSQL at 1M dossiers.

Run: ``.venv/bin/python bench/bench_queues.py [--rows 1000000] [--runs 50] [--keep]``

It creates its own database ``motcua_bench_queues`` on the server of ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/motcua``), migrates it, generates the dossiers with COPY
(psycopg), then for one desk measures, through the very querysets the queue page runs:

- the counts of every tab (one ``COUNT … FILTER`` aggregate),
- the first page of "đang xử lý" (accepted + processing) sorted by due date,
- a deep page of it (keyset cursor at the tab's last page), and the same depth with OFFSET for comparison,
- the first page of "quá hạn" and of "chờ tiếp nhận" (sorted by submission, the other index),

reporting p50/p95 wall time over ``--runs`` runs each (ORM included), the deep/first ratio, and the
EXPLAIN (ANALYZE, BUFFERS) plan of each. The database is dropped at the end unless ``--keep``.

Data (realistic shape): 4 provinces × 10 desks (one per agency), 25 procedures per agency, dossiers spread
evenly over the desks and over three years; ~95 % closed (returned, refused, withdrawn) and ~5 % open per desk,
the open ones with due dates around now (some overdue, some due soon).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "motcua_bench_queues"
PROVINCES = 4
DESKS_PER_PROVINCE = 10
PROCEDURES_PER_AGENCY = 25
# ~5 % of the dossiers are open (among the newest 7 %), in these proportions; the rest are closed.
OPEN_SHARE = 0.05
RECENT = 0.07
OPEN_SHARES = {
    "submitted": 10,
    "supplement_requested": 3,
    "accepted": 12,
    "processing": 18,
    "paused": 3,
    "completed": 3,
    "result_held": 1,
}
CLOSED_SHARES = {"returned": 95, "refused": 3, "withdrawn": 2}


def server_urls():
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua")
    parsed = urlparse(base)
    if not parsed.scheme.startswith("postgres"):
        raise SystemExit("bench_queues needs PostgreSQL: set DATABASE_URL=postgres://…")
    admin = urlunparse(parsed._replace(path="/postgres"))
    bench = urlunparse(parsed._replace(path=f"/{BENCH_DB}"))
    return admin, bench


def recreate_database(admin_url, drop_only=False):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def setup_django(bench_url):
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DB_POOL"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- data ----------------------------------------------------------------------------------------------------


def make_catalog():
    from portal.models import Agency, OneStopDesk, Procedure, Province

    desks = []
    for p in range(PROVINCES):
        province = Province.objects.create(code=f"B{p}", name=f"Tỉnh đo {p}")
        for a in range(DESKS_PER_PROVINCE):
            agency = Agency.objects.create(
                code=f"000.00.{a:02d}.B{p}", province=province, name=f"Cơ quan {p}-{a}", level="district"
            )
            desk = OneStopDesk.objects.create(
                code=f"MC-B{p}-{a}", province=province, agency=agency, name=f"BPMC {p}-{a}"
            )
            procedures = Procedure.objects.bulk_create(
                [
                    Procedure(
                        province=province,
                        agency=agency,
                        code=f"9.{p}{a:02d}{i:03d}",
                        name=f"Thủ tục {p}-{a}-{i}",
                        sector="Hộ tịch",
                        level=3 + i % 2,
                        processing_time_value=5,
                        processing_time_unit="working_days",
                    )
                    for i in range(PROCEDURES_PER_AGENCY)
                ]
            )
            desks.append((desk, [pr.pk for pr in procedures]))
    return desks


def _pick(rng, shares):
    x = rng.random() * sum(shares.values())
    for status, share in shares.items():
        if x < share:
            return status
        x -= share
    return status


def generate_rows(desks, total, now, seed=20240101):
    """Yield one dict per dossier (field name → value), in the order a real table fills: by creation
    time, the desks interleaved (so one desk's rows are spread over the whole heap, not clustered).

    The newest RECENT share of rows is mostly open (OPEN_SHARE of all rows in the end), the older ones
    closed; open dossiers that run have due dates around now (some overdue, some due soon)."""
    rng = random.Random(seed)
    span = timedelta(days=3 * 365).total_seconds()
    recent_from = int(total * (1 - RECENT))
    offsets = sorted(rng.uniform(0, span) for _ in range(total))
    start = now - timedelta(seconds=span)
    for sequence, offset in enumerate(offsets, start=1):
        desk, procedures = desks[rng.randrange(len(desks))]
        if sequence > recent_from and rng.random() < OPEN_SHARE / RECENT:
            status = _pick(rng, OPEN_SHARES)
        else:
            status = _pick(rng, CLOSED_SHARES)
        created = start + timedelta(seconds=offset)
        submitted = created + timedelta(minutes=rng.uniform(1, 90))
        row = {
            "code": f"{desk.agency.code}-{sequence:09d}",
            "procedure_id": rng.choice(procedures),
            "desk_id": desk.pk,
            "province_id": desk.province_id,
            "agency_id": desk.agency_id,
            "status": status,
            "intake_channel": rng.choices(("online", "postal", "walk_in"), (6, 1, 3))[0],
            "return_channel": rng.choices(("desk", "postal", "online"), (6, 3, 1))[0],
            "applicant_name": f"Người nộp {sequence}",
            "applicant_phone": f"09{sequence % 100000000:08d}",
            "created_at": created,
            "updated_at": created,
            "submitted_at": submitted,
        }
        unreceived = status in ("submitted", "refused") or (
            status in ("supplement_requested", "withdrawn") and rng.random() < 0.6
        )
        if not unreceived:
            received = submitted + timedelta(hours=rng.uniform(1, 30))
            if status in ("accepted", "processing", "paused", "supplement_requested"):
                due = now + timedelta(hours=rng.uniform(-48, 240))
            else:
                due = received + timedelta(days=7)
            row.update(received_at=received, due_at=due, warn_at=due - timedelta(days=1), original_due_at=due)
            row.update(snap_processing_value=5, snap_processing_unit="working_days", snap_fee=0)
            if status in ("accepted", "processing"):
                row["next_alert_at"] = row["warn_at"] if row["warn_at"] > now else due
            if status in ("completed", "result_held", "returned"):
                done = min(due + timedelta(hours=rng.uniform(-100, 20)), now - timedelta(hours=1))
                row.update(completed_at=max(done, received), outcome="approved")
                row["timeliness"] = "early" if done.date() < due.date() else ("on_time" if done <= due else "late")
                if status == "returned":
                    row["returned_at"] = row["completed_at"] + timedelta(hours=rng.uniform(1, 48))
        yield row


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def copy_dossiers(desks, total, now):
    """COPY the dossiers in, with the table's indexes dropped during the load and rebuilt after."""
    from django.db import connection

    from dossiers.models import Dossier

    fields = [f for f in Dossier._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        default = f.get_default() if f.has_default() else None
        if default is None and not f.null and f.get_internal_type() in ("CharField", "TextField", "FileField"):
            default = ""
        defaults[f.attname] = default
    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        # Constraints first (a unique constraint owns its index), then the plain indexes.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
            [table],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE '%%pkey'", [table]
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    started = time.perf_counter()
    raw = connection.connection  # the psycopg connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in generate_rows(desks, total, now):
            copy.write_row([_text(row.get(f.attname, defaults[f.attname])) for f in fields])
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    indexed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # every table: the catalog's statistics matter to the plans too
    return loaded, indexed


# --- measuring -------------------------------------------------------------------------------------------------


def measure(label, run, runs):
    run()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return {"label": label, "p50": statistics.median(times), "p95": p95, "max": times[-1]}


def short_sql(sql):
    """The query with its long select list elided (the plan is what matters)."""
    head, sep, tail = sql.partition(" FROM ")
    if head.startswith("SELECT ") and "COUNT(" not in head:
        head = "SELECT …"
    return f"{head}{sep}{tail}"


def explain_call(call):
    """The first SQL that `call()` sends (the page or the counts; the prefetches of a page's procedures and
    claimants follow it) and its EXPLAIN (ANALYZE, BUFFERS) plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    sql = captured.captured_queries[0]["sql"]
    assert not any("OFFSET" in q["sql"].upper() for q in captured.captured_queries)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return sql, plan


# Two partial indexes that would serve the open tabs only (5 % of the table); not in the models: measured
# with --proposed to show what they would buy.
_OPEN = "('submitted', 'supplement_requested', 'accepted', 'processing', 'paused', 'completed', 'result_held')"
PROPOSED_INDEXES = (
    "CREATE INDEX dossier_open_queue ON dossiers_dossier (desk_id, status, due_at, id) INCLUDE (warn_at) "
    f"WHERE status IN {_OPEN}",
    "CREATE INDEX dossier_running_due ON dossiers_dossier (desk_id, due_at, id) "
    "WHERE status IN ('accepted', 'processing')",
)


def suite(scope, now, runs):
    """Time the queue page's queries for one desk and print the figures and the plans."""
    from dossiers import queues

    rows = queues.tab_rows(scope, queues.BY_KEY["processing"], now)
    size = queues.PAGE_SIZE
    # The deep cursor: the tab's last page (keyset), found by walking it once.
    cursor_value, pages = None, 1
    while True:
        page = queues.keyset_page(rows, "due", after=cursor_value)
        if not page.has_next:
            break
        cursor_value, pages = page.next_cursor, pages + 1
    deep_cursor = cursor_value
    depth = (pages - 1) * size
    overdue = queues.tab_rows(scope, queues.BY_KEY["overdue"], now)
    intake = queues.tab_rows(scope, queues.BY_KEY["intake"], now)

    results = [
        measure("counts (8 tabs, one aggregate)", lambda: queues.counts(scope, now), runs),
        measure("đang xử lý, page 1 (due asc)", lambda: queues.keyset_page(rows, "due"), runs),
        measure(f"đang xử lý, page {pages} (keyset)", lambda: queues.keyset_page(rows, "due", after=deep_cursor), runs),
        measure(
            f"đang xử lý, page {pages} (OFFSET {depth}, reference)",
            lambda: list(rows.order_by("due_at", "id")[depth : depth + size + 1]),
            runs,
        ),
        measure("quá hạn, page 1", lambda: queues.keyset_page(overdue, "due"), runs),
        measure("chờ tiếp nhận, page 1 (submitted asc)", lambda: queues.keyset_page(intake, "submitted"), runs),
    ]
    print(f"\n{runs} runs each, wall time through the ORM (ms):")
    width = max(len(r["label"]) for r in results)
    for r in results:
        print(f"  {r['label']:<{width}}  p50 {r['p50']:7.2f}  p95 {r['p95']:7.2f}  max {r['max']:7.2f}")
    ratio = results[2]["p95"] / results[1]["p95"]
    print(f"deep/first p95 ratio (keyset): {ratio:.2f}")

    plans = {
        "counts": explain_call(lambda: queues.counts(scope, now)),
        "đang xử lý, page 1": explain_call(lambda: queues.keyset_page(rows, "due")),
        f"đang xử lý, page {pages} (keyset)": explain_call(lambda: queues.keyset_page(rows, "due", after=deep_cursor)),
        "quá hạn, page 1": explain_call(lambda: queues.keyset_page(overdue, "due")),
        "chờ tiếp nhận, page 1": explain_call(lambda: queues.keyset_page(intake, "submitted")),
    }
    for name, (sql, plan) in plans.items():
        print(f"\n--- {name}\n{short_sql(sql)}\n\nEXPLAIN (ANALYZE, BUFFERS):\n{plan}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database (skip generation)")
    parser.add_argument("--proposed", action="store_true", help="then measure again with PROPOSED_INDEXES")
    args = parser.parse_args()

    admin_url, bench_url = server_urls()
    if not args.reuse:
        recreate_database(admin_url)
    setup_django(bench_url)

    from django.db import connection
    from django.utils import timezone

    from dossiers import queues
    from dossiers.models import Dossier
    from portal.models import OneStopDesk

    now = timezone.now().astimezone(UTC).replace(microsecond=0)
    if not args.reuse:
        started = time.perf_counter()
        desks = make_catalog()
        loaded, indexed = copy_dossiers(desks, args.rows, now)
        elapsed = time.perf_counter() - started
        print(f"generated {args.rows:,} dossiers: COPY {loaded:.1f}s, indexes {indexed:.1f}s, total {elapsed:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier'))")
        size = cursor.fetchone()[0]
    total = Dossier.objects.count()
    desk = OneStopDesk.objects.order_by("pk")[PROVINCES * DESKS_PER_PROVINCE // 2]
    scope = Dossier.objects.filter(desk_id=desk.pk)
    per_desk = scope.count()
    print(f"{version}; {total:,} dossiers ({size}); desk {desk.code}: {per_desk:,} dossiers")

    print("tab counts:", queues.counts(scope, now))
    suite(scope, now, args.runs)
    if args.proposed:
        with connection.cursor() as cursor:
            for statement in PROPOSED_INDEXES:
                cursor.execute(statement)
            cursor.execute("VACUUM ANALYZE dossiers_dossier")
        print("\n=== with the proposed partial indexes ===")
        for statement in PROPOSED_INDEXES:
            print(f"  {statement}")
        suite(scope, now, args.runs)

    if not args.keep:
        connection.close()
        recreate_database(admin_url, drop_only=True)
        print(f"\ndropped {BENCH_DB}")


if __name__ == "__main__":
    main()
