"""Benchmark of the officer queues (dossiers/queues.py) on PostgreSQL at 1M dossiers.

Run: ``.venv/bin/python bench/bench_queues.py [--rows 1000000] [--runs 50] [--keep] [--reuse] [--baseline]``

It creates its own database ``motcua_bench_queues`` on the server of ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/motcua``), migrates it, generates the dossiers with COPY
(psycopg), then for one desk measures, through the very querysets the queue page runs:

- the counts of every tab (one ``COUNT … FILTER`` aggregate), for the desk and for its agency's head,
- the first page of "đang xử lý" (accepted + processing) sorted by due date,
- a deep page of it (keyset cursor at the tab's last page), and the same depth with OFFSET for comparison,
- the first page of "quá hạn", "sắp đến hạn", "tạm dừng" and "chờ tiếp nhận" (by submission),

for a typical desk and for the provincial centre (a fifth of all dossiers), reporting p50/p95 wall time
over ``--runs`` runs each (ORM included), the server's execution time (EXPLAIN ANALYZE), the deep/first
ratio, and the EXPLAIN (ANALYZE, BUFFERS) plan of each. ``--baseline`` then swaps the partial queue indexes
for the former full one and measures again. The database is dropped at the end unless ``--keep``.

Data (realistic shape): 4 provinces × 10 desks (one per agency), 25 procedures per agency, dossiers over
three years, a fifth at the first desk (a provincial centre) and the rest spread evenly over the desks;
~95 % closed (returned, refused, withdrawn) and ~5 % open per desk,
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
BIG_DESK_SHARE = 0.2
EXPLAIN_RUNS = 7
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
        # The first desk is a provincial public-administration centre: BIG_DESK_SHARE of all dossiers.
        desk, procedures = desks[0] if rng.random() < BIG_DESK_SHARE else desks[rng.randrange(len(desks))]
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
    from generate import columns_and_defaults, drop_indexes, rebuild  # bench/generate.py's COPY helpers

    from dossiers.models import Dossier

    fields, defaults = columns_and_defaults(Dossier)
    fields = [f for f in fields if not f.primary_key]
    columns = [f.column for f in fields]
    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        saved = drop_indexes(cursor, table)
    started = time.perf_counter()
    raw = connection.connection  # the psycopg connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in generate_rows(desks, total, now):
            copy.write_row([_text(row.get(f.attname, defaults[f.attname])) for f in fields])
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        rebuild(cursor, saved)
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


def explain_call(call, offset=False):
    """The first SQL that `call()` sends (the page or the counts; the prefetches of a page's procedures and
    claimants follow it), its EXPLAIN (ANALYZE, BUFFERS) plan and the median server execution time (ms)
    over EXPLAIN_RUNS runs: the database's share of the work, without the ORM and the network."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    sql = captured.captured_queries[0]["sql"]
    assert offset or not any("OFFSET" in q["sql"].upper() for q in captured.captured_queries)
    return explain_sql(sql)


def explain_sql(sql):
    """EXPLAIN (ANALYZE, BUFFERS) of a query: (sql, plan, median execution time in ms)."""
    from django.db import connection

    executions = []
    with connection.cursor() as cursor:
        for _ in range(EXPLAIN_RUNS):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            lines = [row[0] for row in cursor.fetchall()]
            executions.append(float(lines[-1].split(":")[1].split()[0]))
    plan = "\n".join(lines)
    return sql, plan, statistics.median(executions)


# The index set before the partial queue indexes (migration 0003): one full (desk, status, due_at, id) index.
# `--baseline` measures it again after the main run, for the comparison in docs/performance.md.
BASELINE_INDEXES = (
    "DROP INDEX dossier_open_queue",
    "DROP INDEX dossier_running_due",
    "CREATE INDEX dossier_queue ON dossiers_dossier (desk_id, status, due_at, id)",
)


def index_sizes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) FROM pg_stat_user_indexes"
            " WHERE relname = 'dossiers_dossier' ORDER BY indexrelname"
        )
        return cursor.fetchall()


def suite(title, scope, head_scope, now, runs):
    """Time the queue page's queries for one desk (and the counts of its agency's head) and print the
    figures and the plans."""
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
    tabs = {key: queues.tab_rows(scope, queues.BY_KEY[key], now) for key in ("overdue", "due_soon", "paused", "intake")}
    calls = {
        "counts (8 tabs, one aggregate)": lambda: queues.counts(scope, now),
        "đang xử lý, page 1 (due asc)": lambda: queues.keyset_page(rows, "due"),
        f"đang xử lý, page {pages} (keyset)": lambda: queues.keyset_page(rows, "due", after=deep_cursor),
        f"đang xử lý, page {pages} (OFFSET {depth}, reference)": lambda: list(
            rows.order_by("due_at", "id")[depth : depth + size + 1]
        ),
        "quá hạn, page 1": lambda: queues.keyset_page(tabs["overdue"], "due"),
        "sắp đến hạn, page 1": lambda: queues.keyset_page(tabs["due_soon"], "due"),
        "tạm dừng, page 1": lambda: queues.keyset_page(tabs["paused"], "due"),
        "chờ tiếp nhận, page 1 (submitted asc)": lambda: queues.keyset_page(tabs["intake"], "submitted"),
        "counts, the head's agency": lambda: queues.counts(head_scope, now),
    }
    results = [measure(label, call, runs) for label, call in calls.items()]
    plans = {}
    for label, call in calls.items():
        if "OFFSET" in label:
            plans[label] = explain_call(call, offset=True)
        else:
            plans[label] = explain_call(call)
    print(f"\n## {title}: {scope.count():,} dossiers, tab counts {queues.counts(scope, now)}")
    print(f"{runs} runs each: wall time through the ORM (ms, with the page's prefetches); server = EXPLAIN ANALYZE")
    print(f"execution time of the main query (median of {EXPLAIN_RUNS}, ms):")
    width = max(len(r["label"]) for r in results)
    for r in results:
        server = plans[r["label"]][2]
        times = f"p50 {r['p50']:7.2f}  p95 {r['p95']:7.2f}  max {r['max']:7.2f}"
        print(f"  {r['label']:<{width}}  {times}  server {server:7.3f}")
    first, deep = results[1]["label"], results[2]["label"]
    print(
        f"deep/first ratio (keyset): wall p95 {results[2]['p95'] / results[1]['p95']:.2f},"
        f" server {plans[deep][2] / plans[first][2]:.2f}"
    )
    for name, (sql, plan, _server) in plans.items():
        print(f"\n--- {name}\n{short_sql(sql)}\n\nEXPLAIN (ANALYZE, BUFFERS):\n{plan}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database (skip generation)")
    parser.add_argument("--baseline", action="store_true", help="then measure again with BASELINE_INDEXES")
    args = parser.parse_args()

    admin_url, bench_url = server_urls()
    if not args.reuse:
        recreate_database(admin_url)
    setup_django(bench_url)

    from django.db import connection
    from django.utils import timezone

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
    print(f"{version}; {total:,} dossiers ({size})")
    print("indexes:", ", ".join(f"{name} {size}" for name, size in index_sizes()))
    desks = OneStopDesk.objects.order_by("pk")
    typical, centre = desks[PROVINCES * DESKS_PER_PROVINCE // 2], desks[0]

    def run_all():
        for title, desk in (("A typical desk", typical), ("The provincial centre (a fifth of all dossiers)", centre)):
            scope = Dossier.objects.filter(desk_id=desk.pk)
            head_scope = Dossier.objects.filter(agency_id=desk.agency_id)
            suite(f"{title} {desk.code}", scope, head_scope, now, args.runs)

    run_all()
    if args.baseline:
        with connection.cursor() as cursor:
            for statement in BASELINE_INDEXES:
                cursor.execute(statement)
            cursor.execute("VACUUM ANALYZE dossiers_dossier")
        print("\n=== baseline: the full (desk, status, due_at, id) index instead of the partial ones ===")
        print("indexes:", ", ".join(f"{name} {size}" for name, size in index_sizes()))
        run_all()

    if not args.keep:
        connection.close()
        recreate_database(admin_url, drop_only=True)
        print(f"\ndropped {BENCH_DB}")


if __name__ == "__main__":
    main()
