"""Load N dossiers and N postal orders with realistic distributions into PostgreSQL, with COPY.

Run (after ``manage.py migrate`` and ``manage.py load_demo`` on the same database)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench .venv/bin/python bench/generate.py --truncate

Options: ``--dossiers N`` (default 1,000,000), ``--postal-orders P`` (default: N), ``--citizens C`` (default N/20),
``--seed``; ``--step-history DAYS`` (default 90), ``--running N``, ``--busy-agency CODE``, ``--busy-share S`` (below).
``--truncate`` empties the dossier, step and postal tables (and the clock and sequence tables that hang off them)
first: a run is idempotent. Without it the script refuses to load into a non-empty dossier table.

What it writes, on the demo catalog (4 provinces, 12 one-stop desks, 104 procedures):

- ``dossiers_dossier``: N dossiers created over the last 365 days, ids in creation order (a real heap's order).
  Provinces weighted by population (Đồng Nai 45 %, Khánh Hòa 20 %, Tây Ninh 20 %, Quảng Bình 15 %), in each the
  province's public-administration centre 50 % and its two district desks 25 % each; procedures by popularity
  (Zipf-like) among those the desk serves. Intake channels online 40 % / walk-in 45 % / postal 15 % (walk-in only
  for in-person-only procedures, postal only where the procedure allows it). Walk-in and postal intake happen in
  the desk's working hours (morning busier), online submissions at any hour (evenings too, weekends half as
  often) and are received in the next working hours. Every deadline comes from the desk's own working calendar
  (``portal.calendar``: holidays, the province's swapped days): ``due_at`` from the snapshotted processing time,
  ``warn_at`` 8 working hours before it (``clock.recompute``), ``next_alert_at`` as ``clock.next_alert_moment``
  would set it. Status follows from the simulated history against now: 2 % refused at intake, ~1 % withdrawn,
  results done early (70 %), on time (25 %) or late (5 %), returned at the desk, online or by post; what has not
  finished by now is open (submitted, accepted, processing, paused, supplement requested, completed). Codes,
  ``{unit}-{yymmdd}-{nnnn}``, follow ``dossiers.codes`` and the daily sequences are written too, so the API's next
  code never collides.
- ``dossiers_clockalert`` for the open dossiers whose warning or due moment has already passed (the sweep has
  alerted them: the generated database has nothing due), ``dossiers_clockpause`` for the paused ones.
- ``postal_postalorder``: a pickup leg for every postal-intake dossier and a return leg for every postal-return
  dossier that has a result; the SLA is 16 working hours from the trigger (submission for a pickup, the result
  for a return). Mostly delivered (~8 % of them after their due moment, with a ``postal_postalalert``); those still
  on the road are created / assigned / picked up with ``sla_timer_at`` running, or breached and alerted.
  The issue asks for as many postal orders as dossiers (P = N): with 15 % postal intake that needs a postal return
  on ~85 % of the dossiers with a result, far above the real ~25 %; the return channel is drawn to reach P, so pass
  ``--postal-orders`` ~0.35 N for a realistic share.
- ``dossiers_dossierstep`` (issue 15, the internal process): every dossier open after acceptance has its process
  (``dossiers.process.snapshot``; the default single step when the procedure has none) in ``snap_process``, the
  rows of the steps worked so far and ``current_step`` on the open one: the work from receipt to the result is
  split among the steps by their budgets, each step's ``due_at`` is its start plus its budget in working hours on
  the desk's calendar with the open pause counted (``process.due_moment``), 10 % of the later steps are named to
  one person. Finished dossiers have their finished rows only when received in the last ``--step-history`` days
  (-1: all); older ones are as if accepted before processes existed. ``--running N`` leaves about N dossiers with
  an open step: a backlog of dossiers older than 30 days held at one step, ``--busy-share`` (0.5) of it at a step
  of ``--busy-agency`` ("100k running, one busy agency").
- ``portal_user``: C citizen accounts (``bench.cd<n>``, unusable password) owning the online and half of the postal
  dossiers.

The dossier, step and postal tables' secondary indexes and unique/foreign-key constraints are dropped for the load and
rebuilt after (then VACUUM ANALYZE); the report gives rows/s for the COPY and for the whole load.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, timedelta

from generate_sim import CITIZEN_PREFIX, ROOT, Catalog, Generator, plan_backlog, setup_django  # noqa: F401

# --- loading ------------------------------------------------------------------------------------------------


def columns_and_defaults(model):
    """The concrete columns of a model (the primary key included) and each one's default value."""
    fields = list(model._meta.concrete_fields)
    defaults = {}
    for f in fields:
        default = f.get_default() if f.has_default() else None
        if default is None and not f.null and f.get_internal_type() in ("CharField", "TextField", "FileField"):
            default = ""
        if isinstance(default, dict | list):
            default = "{}" if isinstance(default, dict) else "[]"
        defaults[f.attname] = default
    return fields, defaults


def drop_indexes(cursor, table):
    """Drop a table's unique and foreign-key constraints and its secondary indexes; return how to rebuild."""
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
    return table, constraints, indexes


def rebuild(cursor, saved):
    table, constraints, indexes = saved
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def truncate(cursor):
    cursor.execute(
        "TRUNCATE dossiers_dossier, dossiers_dossierstep, dossiers_dossiersequence, postal_postalorder"
        " RESTART IDENTITY CASCADE"
    )


def ensure_citizens(cursor, count, now):
    """C bench citizens (unusable passwords), created once and reused; returns the first id."""
    cursor.execute("SELECT min(id), count(*) FROM portal_user WHERE username LIKE %s", [f"{CITIZEN_PREFIX}%"])
    first, existing = cursor.fetchone()
    if existing == count:
        cursor.execute("SELECT max(id) - min(id) + 1 FROM portal_user WHERE username LIKE %s", [f"{CITIZEN_PREFIX}%"])
        if cursor.fetchone()[0] == count:
            return first
    cursor.execute(
        "DELETE FROM authtoken_token WHERE user_id IN (SELECT id FROM portal_user WHERE username LIKE %s)",
        [f"{CITIZEN_PREFIX}%"],
    )
    cursor.execute("DELETE FROM portal_user WHERE username LIKE %s", [f"{CITIZEN_PREFIX}%"])
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM portal_user")
    first = cursor.fetchone()[0]
    rng = random.Random(7)
    columns = (
        "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined,"
        " role, full_name, phone, national_id, confirmed_phone"
    )
    with cursor.copy(f"COPY portal_user ({columns}) FROM STDIN") as copy:
        for n in range(count):
            joined = now - timedelta(days=rng.uniform(0, 900))
            copy.write_row(
                (
                    first + n,
                    "!",
                    False,
                    f"{CITIZEN_PREFIX}{n}",
                    "",
                    "",
                    "",
                    False,
                    True,
                    joined,
                    "citizen",
                    f"Công dân {n}",
                    f"09{rng.randrange(10**8):08d}",
                    "",
                    "",  # no phone confirmed (issue 17): what an account made before it has
                )
            )
    cursor.execute("SELECT setval(pg_get_serial_sequence('portal_user', 'id'), (SELECT max(id) FROM portal_user))")
    return first


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--postal-orders", type=int, default=None, help="default: as many as dossiers")
    parser.add_argument("--citizens", type=int, default=None, help="default: dossiers / 20")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--truncate", action="store_true", help="empty the dossier and postal tables first")
    parser.add_argument(
        "--step-history",
        type=int,
        default=90,
        metavar="DAYS",
        help="finished dossiers received in the last DAYS days get their finished step rows (default 90; -1: all)",
    )
    parser.add_argument(
        "--running", type=int, default=None, help="about this many dossiers with an open step (adds a backlog)"
    )
    parser.add_argument("--busy-agency", default=None, metavar="CODE", help="the agency the backlog piles up at")
    parser.add_argument(
        "--busy-share", type=float, default=0.5, help="the share of the backlog at the busy agency (default 0.5)"
    )
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.utils import timezone

    from dossiers.models import Dossier, DossierStep
    from portal.models import Agency
    from postal.models import PostalOrder

    total = args.dossiers
    postal_target = total if args.postal_orders is None else args.postal_orders
    citizens = args.citizens or max(total // 20, 1)
    now = timezone.now().astimezone(UTC).replace(microsecond=0)
    started_all = time.perf_counter()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT 1 FROM dossiers_dossier LIMIT 1) t")
        if cursor.fetchone()[0] and not args.truncate:
            raise SystemExit("dossiers_dossier is not empty: pass --truncate to replace its rows")
        if args.truncate:
            truncate(cursor)
        citizen_first = ensure_citizens(cursor.cursor, citizens, now)
        saved = [drop_indexes(cursor, model._meta.db_table) for model in (Dossier, DossierStep, PostalOrder)]

    busy_agency = Agency.objects.get(code=args.busy_agency).pk if args.busy_agency else None
    rng = random.Random(args.seed)
    catalog = Catalog(rng)
    catalog.desks_by_id = {info["desk"].pk: info for info in catalog.desks}
    history = timedelta(days=args.step_history if args.step_history >= 0 else 10 * 365)
    gen = Generator(
        catalog, total, postal_target, citizens, citizen_first, now, args.seed, step_history=history,
        busy_agency=busy_agency,
    )  # fmt: skip
    t0 = time.perf_counter()
    draws = gen.draws()
    if args.running is not None:
        gen.stuck = plan_backlog(draws, catalog, total, args.running, busy_agency, args.busy_share, now, args.seed)
    drawn = time.perf_counter() - t0

    d_fields, d_defaults = columns_and_defaults(Dossier)
    o_fields, o_defaults = columns_and_defaults(PostalOrder)
    s_fields, s_defaults = columns_and_defaults(DossierStep)
    d_attnames = [f.attname for f in d_fields]
    o_attnames = [f.attname for f in o_fields]
    s_attnames = [f.attname for f in s_fields]
    d_copy_sql = f"COPY {Dossier._meta.db_table} ({', '.join(f.column for f in d_fields)}) FROM STDIN"
    o_copy_sql = f"COPY {PostalOrder._meta.db_table} ({', '.join(f.column for f in o_fields)}) FROM STDIN"
    s_copy_sql = f"COPY {DossierStep._meta.db_table} ({', '.join(f.column for f in s_fields)}) FROM STDIN"

    import psycopg

    # Three connections: the dossiers, their postal orders and their step rows stream side by side in one pass.
    settings = connection.settings_dict

    def connect():
        return psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
            password=settings["PASSWORD"] or None,
            autocommit=False,
        )

    other, steps_conn = connect(), connect()
    t0 = time.perf_counter()
    raw = connection.connection
    statuses = {}
    order_id = 1
    from psycopg.copy import QueuedLibpqWriter  # sends from a thread: Python draws while the server parses

    with (
        raw.cursor() as dc,
        dc.copy(d_copy_sql, writer=QueuedLibpqWriter(dc)) as dcopy,
        other.cursor() as oc,
        oc.copy(o_copy_sql, writer=QueuedLibpqWriter(oc)) as ocopy,
        steps_conn.cursor() as sc,
        sc.copy(s_copy_sql, writer=QueuedLibpqWriter(sc)) as scopy,
    ):
        for dossier_id, (created, desk_index, channel, procedure) in enumerate(draws, start=1):
            row, legs, steps = gen.dossier(dossier_id, created, desk_index, channel, procedure)
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
            dcopy.write_row([row.get(a, d_defaults[a]) for a in d_attnames])
            for step in steps:
                scopy.write_row([step.get(a, s_defaults[a]) for a in s_attnames])
            if legs:
                for order in gen.orders_for(row, legs, order_id):
                    ocopy.write_row([order.get(a, o_defaults[a]) for a in o_attnames])
                order_id += len(legs)
    for conn in (other, steps_conn):
        conn.commit()
        conn.close()
    copied = time.perf_counter() - t0
    del draws

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        pg = cursor.cursor
        with pg.copy("COPY dossiers_dossiersequence (prefix, day, last) FROM STDIN") as copy:
            for (prefix, day), last in gen.sequences.items():
                copy.write_row((prefix, day, last))
        with pg.copy("COPY dossiers_clockalert (dossier_id, kind, due_at, at) FROM STDIN") as copy:
            for alert in gen.alerts:
                copy.write_row(alert)
        with pg.copy("COPY dossiers_clockpause (dossier_id, kind, started_at, reason) FROM STDIN") as copy:
            for pause in gen.pauses:
                copy.write_row(pause)
        with pg.copy("COPY postal_postalalert (order_id, kind, due_at, created_at) FROM STDIN") as copy:
            for order, due, at in gen.postal_alerts:
                copy.write_row((order, "breach", due, at))
        for table in ("dossiers_dossier", "dossiers_dossierstep", "postal_postalorder"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for item in saved:
            rebuild(cursor, item)
    indexed = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuumed = time.perf_counter() - t0
    elapsed = time.perf_counter() - started_all

    orders = order_id - 1
    rows = total + orders + gen.step_rows
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier')),"
            " pg_size_pretty(pg_total_relation_size('postal_postalorder'))"
        )
        d_size, o_size = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM dossiers_dossier WHERE next_alert_at IS NOT NULL")
        pending = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM postal_postalorder WHERE sla_timer_at IS NOT NULL")
        postal_pending = cursor.fetchone()[0]
        cursor.execute("SELECT intake_channel, count(*) FROM dossiers_dossier GROUP BY 1 ORDER BY 1")
        channels = dict(cursor.fetchall())
        cursor.execute("SELECT status, count(*) FROM postal_postalorder GROUP BY 1 ORDER BY 1")
        postal_statuses = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossierstep'))")
        s_size = cursor.fetchone()[0]
        cursor.execute(
            "SELECT a.code, s.role, count(*) FROM dossiers_dossierstep s"
            " LEFT JOIN portal_agency a ON a.id = s.agency_id WHERE s.finished_at IS NULL"
            " GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 6"
        )
        open_at = cursor.fetchall()
    print(f"generated at {now:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared machine)")
    print(f"dossiers: {total:,} ({d_size}); postal orders: {orders:,} ({o_size}); citizens: {citizens:,}")
    print("  status: " + ", ".join(f"{k} {v / total:.1%}" for k, v in sorted(statuses.items(), key=lambda kv: -kv[1])))
    print("  intake: " + ", ".join(f"{k} {v / total:.1%}" for k, v in channels.items()))
    print("  postal: " + ", ".join(f"{k} {v / max(orders, 1):.1%}" for k, v in postal_statuses.items()))
    print(
        f"  alerts recorded {len(gen.alerts):,}, clock pauses {len(gen.pauses):,},"
        f" postal breaches {len(gen.postal_alerts):,}"
    )
    print(f"  pending deadline alerts (next_alert_at set) {pending:,}; running postal SLA timers {postal_pending:,}")
    print(
        f"  process steps: {gen.step_rows:,} rows ({s_size}), {gen.open_steps:,} open (dossiers with an open step);"
        f" backlog planned {len(gen.stuck):,}"
    )
    print("  most open steps: " + ", ".join(f"{code or 'desk'}/{role or '-'} {n:,}" for code, role, n in open_at))
    print(
        f"draw {drawn:.1f}s; COPY {copied:.1f}s ({rows / copied:,.0f} rows/s);"
        f" indexes and constraints {indexed:.1f}s; VACUUM ANALYZE {vacuumed:.1f}s"
    )
    print(f"total {elapsed:.1f}s: {rows / elapsed:,.0f} rows/s end to end ({rows:,} rows)")
    cpu = time.process_time()
    print(
        f"this process used {cpu:.0f} s of CPU ({rows / cpu:,.0f} rows per CPU second: the Python side bounds the load)"
    )


if __name__ == "__main__":
    main()
