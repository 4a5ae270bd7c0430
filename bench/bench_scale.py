"""Officer queues, deadline and postal SLA sweeps, and worker memory, on the data of bench/generate.py (1M rows).

Run (after ``bench/generate.py`` on the same database)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/bench_scale.py [--runs 200] [--due 100000] [--only queues,ticks,due]

Parts (``--only`` picks some):

- ``queues``: the officer queue of the desk with the most running dossiers, through ``dossiers.queues``' own
  functions on the officer's scope (``access.visible_dossiers``): the tab counts (one aggregate), "đang xử lý" page 1
  and its last page by keyset cursor, the same depth with OFFSET for reference, "chờ tiếp nhận" page 1; p50/p95 over
  ``--runs`` runs (ORM included) and the deep/first ratio; the EXPLAIN (ANALYZE, BUFFERS) of page 1 and of the deep
  page. Goal: p95 ≤ 50 ms, deep/first ≤ 1.5.
- ``steps``: the specialist's queue (``Dossier.objects.waiting_for``, in the due order of the current process step)
  of the specialist with the most open steps waiting, and of the head of that agency, in the same run as the officer
  queue: page 1 and the last page by keyset cursor on (step due_at, id), through the ORM and through
  ``GET /api/v1/dossiers/?assigned_to=me`` (page 1, and a cursor at the last page); p50/p95, deep/first, the ratio to
  the officer queue's p95, and each page's EXPLAIN (ANALYZE, BUFFERS) checked for no sequential scan, no sort of
  more than a few pages of rows, and the partial step index read. Goal as the officer's: p95 ≤ 50 ms, deep ≈ first.
- ``ticks``: one tick of ``dossiers.tasks.sweep_deadlines`` and of ``postal.tasks.sweep_postal_sla`` with nothing
  due, called in-process ``--runs`` times: first on the generated data (the open dossiers' alerts and the orders on
  the road are pending), then with every one of the 1M rows pending (an UPDATE in a transaction that is rolled back
  afterwards; the table is vacuumed after). Goal ≤ 5 ms a tick.
- ``due``: ``--due`` dossiers (then as many postal orders) made due at once — closed ones reopened with their due
  moment a minute ago — and swept by a real Celery worker (``--concurrency 2``, Redis) fed two sweep tasks at once
  (a tick and the next one overlapping it, ``batch_size=500`` as the beat sends them): the time until every one is
  alerted, then the check that each was alerted exactly once (ClockAlert / PostalAlert rows per dossier / order),
  the staff notifications made, and the worker processes' RSS. Every row is put back afterwards (saved in an
  unlogged table first; the alerts, events, notifications and webhooks made are deleted). Goal: all alerted
  within 60 s, each once. "Before" in the same run: the per-row sweeps the set-based ones replaced
  (``bench/legacy_sweeps.py``, loaded by the same worker) on the same burst for ``--before-seconds`` (rate and
  projection), and ``--prototype`` the set-based SQL prototype (``SET_BASED_SWEEP``) in this process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_throughput import children, percentile, rss_mb, setup_django, stop  # noqa: E402


def timed(run, runs):
    """Wall time per call (p50, p95, max) and this process's CPU time per call (p50): on a loaded machine the wall
    time is mostly waiting for a core, the CPU time is what the call costs."""
    run()  # warm
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "max": times[-1],
        "cpu": statistics.median(cpu),
    }


def show(label, result, width=44):
    print(
        f"  {label:<{width}} p50 {result['p50']:7.2f} ms  p95 {result['p95']:7.2f} ms  max {result['max']:7.2f} ms"
        f"  (CPU p50 {result['cpu']:.2f} ms)"
    )


def explain(sql, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def first_query(call):
    """The first SQL statement `call()` sends (the page, before its prefetches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return captured.captured_queries[0]["sql"]


# --- queues --------------------------------------------------------------------------------------------------


def queues_part(runs):
    from django.db.models import Count
    from django.utils import timezone

    from dossiers import queues
    from dossiers.access import visible_dossiers
    from dossiers.models import Dossier
    from portal.models import Role, User

    now = timezone.now()
    busiest = (
        Dossier.objects.filter(status__in=queues.RUNNING)
        .values("desk_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    desk_id = busiest["desk_id"]
    officer = User.objects.filter(role=Role.OFFICER, desk_id=desk_id).first()
    scope = visible_dossiers(officer) if officer else Dossier.objects.filter(desk_id=desk_id)
    total, at_desk = Dossier.objects.count(), scope.count()
    rows = queues.tab_rows(scope, queues.BY_KEY["processing"], now)
    intake = queues.tab_rows(scope, queues.BY_KEY["intake"], now)
    cursor, pages = None, 1
    while True:
        page = queues.keyset_page(rows, "due", after=cursor)
        if not page.has_next:
            break
        cursor, pages = page.next_cursor, pages + 1
    depth = (pages - 1) * queues.PAGE_SIZE
    counts = queues.counts(scope, now)
    print(
        f"\n== Officer queue at {total:,} dossiers: desk {desk_id} "
        f"({'officer ' + officer.username if officer else 'no officer'}), {at_desk:,} dossiers at the desk"
    )
    print("  tab counts: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"  {runs} runs each, wall time through the ORM:")
    results = {
        "counts": timed(lambda: queues.counts(scope, now), runs),
        "first": timed(lambda: queues.keyset_page(rows, "due"), runs),
        "deep": timed(lambda: queues.keyset_page(rows, "due", after=cursor), runs),
        "offset": timed(lambda: list(rows.order_by("due_at", "id")[depth : depth + queues.PAGE_SIZE + 1]), runs),
        "intake": timed(lambda: queues.keyset_page(intake, "submitted"), runs),
    }
    show("tab counts (one aggregate)", results["counts"])
    show("đang xử lý, page 1 (due asc)", results["first"])
    show(f"đang xử lý, page {pages} (keyset cursor)", results["deep"])
    show(f"đang xử lý, page {pages} (OFFSET {depth}, reference)", results["offset"])
    show("chờ tiếp nhận, page 1 (submitted asc)", results["intake"])
    ratio = results["deep"]["p95"] / results["first"]["p95"]
    worst = max(r["p95"] for k, r in results.items() if k != "offset")
    print(
        f"  worst p95 (keyset pages and counts) {worst:.2f} ms (goal ≤ 50 ms); deep/first p95 {ratio:.2f} (goal ≤ 1.5)"
    )
    for label, call in (
        ("page 1", lambda: queues.keyset_page(rows, "due")),
        (f"page {pages}", lambda: queues.keyset_page(rows, "due", after=cursor)),
        ("counts", lambda: queues.counts(scope, now)),
    ):
        print(f"  plan of {label}:\n{explain(first_query(call))}")
    return results


# --- the specialist's queue (internal process steps) ----------------------------------------------------------

STEP_PAGE = 25  # as the officer's queue page


def plan_check(plan, wanted_index, bound=1000):
    """What to verify in a queue page's plan: no sequential scan of the dossier or step table, no node of them
    reading and no sort taking more than `bound` rows (a few pages: an incremental sort of rows already in due
    order is fine), and the index it should read."""
    import re

    lines = plan.splitlines()
    seq = [line for line in lines if re.search(r"Seq Scan on dossiers_(dossier|dossierstep) ", line)]
    scanned = sorted_rows = 0
    for n, line in enumerate(lines):
        if re.search(r"Scan .*on dossiers_(dossier|dossierstep) ", line):
            match = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line)
            if match:
                scanned = max(scanned, int(match[1]) * int(match[2]))
        if re.match(r"(->\s*)?Sort\s+\(", line.strip()):  # a full or top-N sort (not an incremental one)
            depth = len(line) - len(line.lstrip())
            for child in lines[n + 1 :]:
                if "->" in child and len(child) - len(child.lstrip()) > depth:
                    match = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", child)
                    if match:
                        sorted_rows = max(sorted_rows, int(match[1]) * int(match[2]))
                    break
    reads = wanted_index in plan
    ok = not seq and scanned <= bound and sorted_rows <= bound and reads
    return ok, f"seq scans {len(seq)}, most rows a node read {scanned:,}, sorted {sorted_rows:,}, index read {reads}"


def steps_part(runs, officer_results=None):
    """The specialist's queue (`Dossier.objects.waiting_for`, the current step's due order) of the specialist with
    the most open steps waiting, and the head of that agency, beside the officer queue measured in the same run."""
    from base64 import b64encode
    from urllib.parse import urlencode

    from django.db.models import Count, F, Q
    from rest_framework.test import APIClient

    from dossiers.models import Dossier, DossierStep
    from portal.models import Role, User

    open_steps = DossierStep.objects.filter(finished_at__isnull=True)
    busiest = (
        open_steps.filter(role__in=["specialist", ""], agency__isnull=False, assignee__isnull=True)
        .values("agency_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        print("\n== Specialist queue: no open step (run bench/generate.py on this database first)")
        return None
    agency = busiest["agency_id"]
    people = {
        role: User.objects.filter(role=role, agency_id=agency, is_active=True).order_by("pk").first()
        for role in (Role.SPECIALIST, Role.HEAD)
    }
    total = Dossier.objects.count()
    print(
        f"\n== Specialist queue at {total:,} dossiers, {open_steps.count():,} open steps: agency {agency}, "
        f"{open_steps.filter(agency_id=agency).count():,} open steps there"
    )
    results = {}
    # The same API pipeline (DRF, the list serializer, 50 rows) on the officer's list of that agency's desk: what
    # any page of GET /api/v1/dossiers/ costs here, for the ratio.
    desk_officer = User.objects.filter(role=Role.OFFICER, desk__agency_id=agency, is_active=True).order_by("pk").first()
    if desk_officer is not None:
        client = APIClient()
        client.force_authenticate(desk_officer)
        results["officer_api"] = timed(lambda: client.get("/api/v1/dossiers/?status=processing"), runs)
        show(f"reference: {desk_officer.username} GET ?status=processing, page 1 (50)", results["officer_api"], 60)
    for role, person in people.items():
        if person is None:
            continue
        mine = Dossier.objects.waiting_for(person).annotate(step_due_at=F("current_step__due_at"))
        ordered = mine.order_by("step_due_at", "id")
        waiting = mine.count()
        depth = (waiting - 1) // STEP_PAGE * STEP_PAGE  # the last page
        deep_due, deep_id = ordered.values_list("step_due_at", "id")[depth - 1] if depth else (None, None)
        after = Q(step_due_at__gte=deep_due) & (Q(step_due_at__gt=deep_due) | Q(id__gt=deep_id))

        def page(after=None, ordered=ordered):
            rows = ordered if after is None else ordered.filter(after)
            return list(rows.select_related(None).prefetch_related("procedure")[: STEP_PAGE + 1])

        client = APIClient()
        client.force_authenticate(person)
        cursor = b64encode(urlencode({"p": str(deep_due)}).encode()).decode()

        def api(cursor=None, client=client):
            url = "/api/v1/dossiers/?assigned_to=me" + (f"&cursor={cursor}" if cursor else "")
            answer = client.get(url)
            assert answer.status_code == 200, answer.content[:300]
            return answer

        api_deep = len(api(cursor).json()["results"])
        label = f"{role} {person.username}"
        pages = depth // STEP_PAGE + 1
        print(f"  {label}: {waiting:,} dossiers waiting, {pages} pages of {STEP_PAGE}; {runs} runs each")
        timings = {
            "first": timed(lambda page=page: page(), runs),
            "deep": timed(lambda page=page, after=after: page(after), runs),
            "api_first": timed(lambda api=api: api(), runs),
            "api_deep": timed(lambda api=api, cursor=cursor: api(cursor), runs),
        }
        show("page 1 (step due asc)", timings["first"])
        show(f"page {pages} (keyset cursor)", timings["deep"])
        show("GET ?assigned_to=me, page 1 (50)", timings["api_first"])
        show(f"GET ?assigned_to=me, cursor at row {depth:,} ({api_deep})", timings["api_deep"])
        ratio = timings["deep"]["p95"] / timings["first"]["p95"]
        worst = max(t["p95"] for t in timings.values())
        print(f"  worst p95 {worst:.2f} ms (goal ≤ 50 ms); deep/first p95 {ratio:.2f} (goal ≤ 1.5)")
        for what, call in (
            ("page 1", lambda page=page: page()),
            ("deep page", lambda page=page, after=after: page(after)),
            ("API page 1", lambda api=api: api()),
            ("API deep page", lambda api=api, cursor=cursor: api(cursor)),
        ):
            sql = first_query(call) if "API" not in what else api_query(call)
            plan = explain(sql)
            ok, verdict = plan_check(plan, "step_open_")
            print(f"  plan of {what} ({'ok' if ok else 'CHECK'}: {verdict}):\n{plan}")
            timings[f"plan {what}"] = ok
        results[role] = timings
    if officer_results and Role.SPECIALIST in results:
        mine = results[Role.SPECIALIST]
        print(
            "  specialist / officer p95 (same run): page 1 "
            f"{mine['first']['p95'] / officer_results['first']['p95']:.2f}, deep page "
            f"{mine['deep']['p95'] / officer_results['deep']['p95']:.2f}"
        )
    if "officer_api" in results and Role.SPECIALIST in results:
        mine, reference = results[Role.SPECIALIST], results["officer_api"]
        print(
            "  ?assigned_to=me / the officer's API list p95 (same run): page 1 "
            f"{mine['api_first']['p95'] / reference['p95']:.2f}, deep {mine['api_deep']['p95'] / reference['p95']:.2f}"
        )
    return results


def api_query(call):
    """The page query of an API list call: the statement that reads the current step's due order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return next(q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"])


# --- sweep ticks ---------------------------------------------------------------------------------------------


class Rollback(Exception):
    pass


def ticks_part(runs, full_pending=True):
    from django.db import connection, transaction
    from django.utils import timezone

    from dossiers.tasks import sweep_deadlines

    try:
        from postal.tasks import sweep_postal_sla
    except ImportError:
        sweep_postal_sla = None

    def pending():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM dossiers_dossier WHERE next_alert_at IS NOT NULL")
            dossiers = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM postal_postalorder WHERE sla_timer_at IS NOT NULL")
            orders = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM dossiers_dossier WHERE next_alert_at <= %s", [timezone.now()])
            due = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM postal_postalorder WHERE sla_timer_at <= %s", [timezone.now()])
            due += cursor.fetchone()[0]
        return dossiers, orders, due

    def floor():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def measure(label):
        dossiers, orders, due = pending()
        print(f"\n== Sweep ticks, {label}: {dossiers:,} dossier alerts and {orders:,} postal timers pending, {due} due")
        results = {"floor": timed(floor, runs), "deadline": timed(lambda: sweep_deadlines(batch_size=500), runs)}
        show("floor: atomic() + SELECT 1 (the machine's round trip)", results["floor"], 52)
        show("dossiers.tasks.sweep_deadlines", results["deadline"], 52)
        if sweep_postal_sla is not None:
            results["postal"] = timed(lambda: sweep_postal_sla(batch_size=500), runs)
            show("postal.tasks.sweep_postal_sla", results["postal"], 52)
        for name in ("deadline", "postal"):
            if name in results:
                print(f"  {name} tick / floor (p50): {results[name]['p50'] / results['floor']['p50']:.2f}")
        with connection.cursor() as cursor:
            now = timezone.now()
            print(
                "  plan of the deadline sweep's batch query:\n"
                + explain(
                    "SELECT id FROM dossiers_dossier WHERE next_alert_at IS NOT NULL AND next_alert_at <= %s "
                    "ORDER BY next_alert_at LIMIT 500 FOR UPDATE SKIP LOCKED",
                    [now],
                )
            )
            if sweep_postal_sla is not None:
                print(
                    "  plan of the postal sweep's batch query:\n"
                    + explain(
                        "SELECT id FROM postal_postalorder WHERE sla_timer_at IS NOT NULL AND sla_timer_at <= %s "
                        "ORDER BY sla_timer_at LIMIT 500 FOR UPDATE SKIP LOCKED",  # as postal/sweep.py claims
                        [now],
                    )
                )
            cursor.close()
        return results

    realistic = measure("generated data")
    if sweep_postal_sla is None:
        print("  postal/tasks.py has no sweep_postal_sla yet: the postal sweep is not measured")
    if not full_pending:
        return realistic, None
    started = time.perf_counter()
    worst = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Every row pending, none due: alerts spread over the next 30 days.
                now = timezone.now()
                cursor.execute(
                    "UPDATE dossiers_dossier SET next_alert_at = %s + (id %% 43200) * interval '1 minute' "
                    "WHERE next_alert_at IS NULL",
                    [now + timedelta(hours=1)],
                )
                cursor.execute(
                    "UPDATE postal_postalorder SET sla_timer_at = %s + (id %% 43200) * interval '1 minute' "
                    "WHERE sla_timer_at IS NULL",
                    [now + timedelta(hours=1)],
                )
            print(f"\n  (made every row pending in {time.perf_counter() - started:.0f} s, inside a transaction)")
            worst = measure("every row pending")
            raise Rollback
    except Rollback:
        pass
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
        cursor.execute("VACUUM ANALYZE postal_postalorder")
    print(f"  (rolled back and vacuumed in {time.perf_counter() - started:.0f} s)")
    for name in ("deadline", "postal"):
        if name not in realistic:
            continue
        ratio = worst[name]["p95"] / realistic[name]["p95"]
        print(
            f"  {name}: p95 {realistic[name]['p95']:.2f} ms → {worst[name]['p95']:.2f} ms with 1M pending "
            f"(×{ratio:.2f}); goal ≤ 5 ms"
        )
    return realistic, worst


# --- a burst of due rows swept by a real worker -------------------------------------------------------------


def start_worker():
    # bench/ on the path so that `--include legacy_sweeps` finds the per-row sweeps measured as "before".
    env = {**os.environ, "DB_POOL": "0", "PYTHONPATH": str(ROOT / "bench")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tempfile.NamedTemporaryFile(prefix="motcua-celery-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "portal",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--include",
            "legacy_sweeps",
            "-n",
            f"bench-scale-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"celery exited: see {log.name}")
        if " ready." in Path(log.name).read_text(errors="replace"):
            process.log_path = log.name
            return process
        time.sleep(0.5)
    stop(process)
    raise SystemExit(f"celery did not get ready within 90 s: see {log.name}")


def worker_rss(process):
    pids = [process.pid, *children(process.pid)]
    return {pid: rss_mb(pid) for pid in pids}


def purge_queue():
    from portal.celery import app

    with app.connection_for_write() as conn:
        return app.control.purge(connection=conn)


def burst(label, setup_sql, count_sql, check_sql, restore_sqls, task, count, timeout, notes_sql=None):
    """Make `count` rows due, sweep them with a worker fed two tasks at once, check, restore."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        started = time.perf_counter()
        for sql in setup_sql:
            cursor.execute(sql, {"count": count, "due": timezone.now() - timedelta(minutes=1)})
        cursor.execute("ANALYZE")
    print(f"\n== {label}: {count:,} made due at once (set up in {time.perf_counter() - started:.0f} s)")
    purge_queue()
    worker = start_worker()
    try:
        t0 = timezone.now()
        started = time.perf_counter()
        task.delay(batch_size=500)
        task.delay(batch_size=500)
        done_at, alerted, samples = None, 0, []
        while time.perf_counter() - started < timeout:
            time.sleep(1)
            with connection.cursor() as cursor:
                cursor.execute(count_sql, {"t0": t0})
                alerted = cursor.fetchone()[0]
            samples.append((time.perf_counter() - started, alerted))
            if alerted >= count:
                done_at = time.perf_counter() - started
                break
        memory = worker_rss(worker)
    finally:
        stop(worker)
        purge_queue()
    with connection.cursor() as cursor:
        cursor.execute(check_sql, {"t0": t0})
        rows, distinct = cursor.fetchone()
        notes = None
        if notes_sql:
            cursor.execute(notes_sql, {"t0": t0})
            notes = cursor.fetchone()[0]
    rate = count / done_at if done_at else alerted / (time.perf_counter() - started)
    if done_at is None:
        print(
            f"  NOT DONE within {timeout} s: {alerted:,} of {count:,} alerted ({rate:,.0f}/s → all in "
            f"~{count / max(rate, 1e-9):,.0f} s)"
        )
    else:
        print(f"  all {count:,} alerted in {done_at:.1f} s ({count / done_at:,.0f}/s); goal ≤ 60 s")
    print(f"  alert rows {rows:,} for {distinct:,} distinct rows (exactly once: {rows == distinct == alerted})")
    if notes is not None:
        print(f"  staff notifications {notes:,} ({notes / max(rows, 1):.2f} per alert)")
    print(
        "  celery RSS after the sweep: "
        + ", ".join(f"{'main' if i == 0 else 'child'} {mb:.0f} MiB" for i, mb in enumerate(memory.values()))
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in restore_sqls:
            cursor.execute(sql, {"t0": t0})
        vacuum(cursor)
    print(f"  (restored in {time.perf_counter() - started:.0f} s)")
    return {
        "done": done_at,
        "alerted": alerted,
        "rate": rate,
        "rows": rows,
        "distinct": distinct,
        "notes": notes,
        "memory": memory,
    }


SWEPT_TABLES = (
    "dossiers_dossier",
    "dossiers_clockalert",
    "dossiers_dossierevent",
    "dossiers_notification",
    "postal_postalorder",
    "postal_postalalert",
    "postal_postalorderevent",
    "postal_webhookdelivery",
)


def vacuum(cursor):
    """VACUUM ANALYZE the tables a burst writes (not the whole database: minutes at 1M rows)."""
    for table in SWEPT_TABLES:
        cursor.execute(f"VACUUM ANALYZE {table}")


DOSSIER_SETUP = [
    "DROP TABLE IF EXISTS bench_due",
    # Closed dossiers with no alert yet, spread over the desks, reopened and due a minute ago.
    "CREATE UNLOGGED TABLE bench_due AS SELECT id, status, due_at, warn_at, next_alert_at, updated_at "
    "FROM dossiers_dossier WHERE status = 'returned' ORDER BY md5(id::text) LIMIT %(count)s",
    "CREATE UNIQUE INDEX ON bench_due (id)",
    "UPDATE dossiers_dossier d SET status = 'processing', due_at = %(due)s, warn_at = %(due)s, "
    "next_alert_at = %(due)s FROM bench_due b WHERE d.id = b.id",
]
DOSSIER_COUNT = (
    "SELECT count(*) FROM dossiers_clockalert WHERE dossier_id IN (SELECT id FROM bench_due) AND at >= %(t0)s"
)
DOSSIER_NOTES = (
    "SELECT count(*) FROM dossiers_notification WHERE dossier_id IN (SELECT id FROM bench_due) AND created_at >= %(t0)s"
)
DOSSIER_CHECK = (
    "SELECT count(*), count(DISTINCT (dossier_id, kind)) FROM dossiers_clockalert "
    "WHERE dossier_id IN (SELECT id FROM bench_due)"
)
DOSSIER_RESTORE = [
    "DELETE FROM dossiers_notification WHERE dossier_id IN (SELECT id FROM bench_due) AND created_at >= %(t0)s",
    "DELETE FROM dossiers_dossierevent WHERE dossier_id IN (SELECT id FROM bench_due) AND at >= %(t0)s",
    "DELETE FROM dossiers_clockalert WHERE dossier_id IN (SELECT id FROM bench_due)",
    "UPDATE dossiers_dossier d SET status = b.status, due_at = b.due_at, warn_at = b.warn_at, "
    "next_alert_at = b.next_alert_at, updated_at = b.updated_at FROM bench_due b WHERE d.id = b.id",
    "DROP TABLE bench_due",
]
POSTAL_SETUP = [
    "DROP TABLE IF EXISTS bench_due_orders",
    "CREATE UNLOGGED TABLE bench_due_orders AS SELECT id, status, due_at, sla_timer_at, breached_at, delivered_at, "
    "updated_at FROM postal_postalorder WHERE status = 'delivered' AND breached_at IS NULL "
    "ORDER BY md5(id::text) LIMIT %(count)s",
    "CREATE UNIQUE INDEX ON bench_due_orders (id)",
    "UPDATE postal_postalorder o SET status = 'picked_up', delivered_at = NULL, due_at = %(due)s, "
    "sla_timer_at = %(due)s FROM bench_due_orders b WHERE o.id = b.id",
]
POSTAL_COUNT = (
    "SELECT count(*) FROM postal_postalalert WHERE order_id IN (SELECT id FROM bench_due_orders) "
    "AND created_at >= %(t0)s"
)
POSTAL_NOTES = "SELECT count(*) FROM dossiers_notification WHERE kind = 'postal_breach' AND created_at >= %(t0)s"
POSTAL_CHECK = (
    "SELECT count(*), count(DISTINCT (order_id, kind)) FROM postal_postalalert "
    "WHERE order_id IN (SELECT id FROM bench_due_orders)"
)
POSTAL_RESTORE = [
    "DELETE FROM dossiers_notification WHERE kind = 'postal_breach' AND created_at >= %(t0)s",
    "DELETE FROM postal_postalorderevent WHERE order_id IN (SELECT id FROM bench_due_orders) AND at >= %(t0)s",
    "DELETE FROM postal_webhookdelivery WHERE order_id IN (SELECT id FROM bench_due_orders) AND created_at >= %(t0)s",
    "DELETE FROM postal_postalalert WHERE order_id IN (SELECT id FROM bench_due_orders)",
    "UPDATE postal_postalorder o SET status = b.status, due_at = b.due_at, sla_timer_at = b.sla_timer_at, "
    "breached_at = b.breached_at, delivered_at = b.delivered_at, updated_at = b.updated_at "
    "FROM bench_due_orders b WHERE o.id = b.id",
    "DROP TABLE bench_due_orders",
]


def due_part(count, timeout, postal=True, prototype=False, before_seconds=60):
    """Each sweep on the same burst: the per-row one it replaced for `before_seconds` (0: skip), then the
    set-based one until done (at most `timeout` s); the SQL prototype in-process if asked."""
    import legacy_sweeps

    from dossiers.tasks import sweep_deadlines
    from postal.tasks import sweep_postal_sla

    legs = [("deadline", "Deadline sweep", DOSSIER_SETUP, DOSSIER_COUNT, DOSSIER_CHECK, DOSSIER_RESTORE, DOSSIER_NOTES)]
    if postal:
        postal_sqls = (POSTAL_SETUP, POSTAL_COUNT, POSTAL_CHECK, POSTAL_RESTORE, POSTAL_NOTES)
        legs.append(("postal", "Postal SLA sweep", *postal_sqls))
    tasks = {
        "deadline": (legacy_sweeps.sweep_deadlines, sweep_deadlines),
        "postal": (legacy_sweeps.sweep_postal_sla, sweep_postal_sla),
    }
    results = {}
    for name, label, setup, count_sql, check, restore, notes in legs:
        legacy, current = tasks[name]
        if before_seconds:
            results[f"{name}_before"] = burst(
                f"{label}, before: per-row ORM loop (bench/legacy_sweeps.py), {before_seconds} s allowed",
                setup, count_sql, check, restore, legacy, count, before_seconds, notes,
            )  # fmt: skip
        after = burst(f"{label}, after: set-based", setup, count_sql, check, restore, current, count, timeout, notes)
        results[name] = after
        before = results.get(f"{name}_before")
        if before and before["rate"] and after["done"]:
            print(
                f"  {label}: before {before['rate']:,.0f}/s (all {count:,} in ~{count / before['rate'] / 60:,.0f} min),"
                " "
                f"after {after['rate']:,.0f}/s ({after['done']:.1f} s): ×{after['rate'] / before['rate']:,.0f}"
            )
        if name == "deadline" and prototype:
            results["set_based"] = legacy_sweeps.set_based(count, DOSSIER_SETUP, DOSSIER_CHECK, DOSSIER_RESTORE)
            if after["done"]:
                print(f"  SQL prototype / set-based sweep time: {results['set_based'] / after['done']:.2f}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--due", type=int, default=100_000, help="rows made due at once")
    parser.add_argument("--timeout", type=int, default=600, help="the most seconds a burst may take")
    parser.add_argument("--only", default="queues,steps,ticks,due", help="comma-separated parts")
    parser.add_argument("--no-postal", action="store_true", help="skip the postal burst")
    parser.add_argument("--prototype", action="store_true", help="also run the set-based SQL prototype")
    parser.add_argument(
        "--before-seconds", type=int, default=60, help="how long the per-row sweeps (before) run on each burst; 0: skip"
    )
    parser.add_argument(
        "--no-full-pending", action="store_true", help="ticks on the generated data only (skip the 1M-row UPDATE)"
    )
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        dossiers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM postal_postalorder")
        orders = cursor.fetchone()[0]
    print(f"{version}; {dossiers:,} dossiers, {orders:,} postal orders; {os.cpu_count()} CPUs (shared machine)")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    parts = set(args.only.split(","))
    officer = queues_part(args.runs) if "queues" in parts else None
    if "steps" in parts:
        steps_part(args.runs, officer)
    if "ticks" in parts:
        ticks_part(args.runs, full_pending=not args.no_full_pending)
    if "due" in parts:
        options = {"postal": not args.no_postal, "prototype": args.prototype, "before_seconds": args.before_seconds}
        due_part(args.due, args.timeout, **options)


if __name__ == "__main__":
    main()
