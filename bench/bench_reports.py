"""Benchmark of the service index (reports/): a province-year answered from the pre-aggregated tables.

Run against a PostgreSQL database of its own (it creates a province "BR" and replaces its dossiers):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_reports \\
        .venv/bin/python bench/bench_reports.py [--dossiers 100000] [--year 2025] [--repeat 5] [--keep]

Steps: migrate; create the province (10 agencies, 20 desks, 60 procedures); generate the dossiers of one year
inside PostgreSQL (INSERT … SELECT over generate_series: channels, clocks, completions with their `complete`
events, withdrawals, pauses, ratings, payments, and three process steps per dossier, issue 15); rebuild the
tables (day flows, day stocks, monthly roll-up) for the year and its eve (`reports.refresh.rebuild`, as
`manage.py rebuild_daily_stats` does, processing times included); then time, median of --repeat runs, on a warm cache:

* the reference: the service index of one desk for one day (a tiny window, a handful of indexed queries);
* the province-year service index (what the API answers for `?province=BR&from=2025-01-01&to=2026-01-01`),
  plus its `group_by=agency` (with each agency's `steps` block) and `group_by=month` variants, and the open
  steps overdue now that the `steps` block counts live;
* for comparison, the same province-year counted live from the dossier tables (no table; one cold run), whose
  answer must be identical, as must the by-agency one (and by-month with --check-months).

The machine is shared and noisy: the ratios to the reference say more than the absolute figures."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal.models import Agency, OneStopDesk, Procedure, Province  # noqa: E402

CODE = "BR"

GENERATE = """
INSERT INTO dossiers_dossier (
    code, procedure_id, desk_id, province_id, agency_id, status, intake_channel, return_channel,
    applicant_name, applicant_phone, applicant_email, applicant_national_id, address, address_zone, form_data,
    created_at, submitted_at, received_at, due_at, original_due_at, completed_at, returned_at, outcome, timeliness,
    supplement_requests, snap_processing_value, snap_processing_unit, snap_fee, snap_policy, payment_status,
    result_file, rating, rating_comment, updated_at, tracking_token, snap_process)
SELECT 'BR-' || g.n, p.id, d.id, %(province)s, p.agency_id,
    CASE WHEN g.done THEN (CASE WHEN g.r4 < 0.8 THEN 'returned' ELSE 'completed' END)
         WHEN g.r5 < 0.03 THEN 'withdrawn' WHEN g.r5 < 0.08 THEN 'paused' ELSE 'processing' END,
    CASE WHEN g.r1 < 0.55 THEN 'online' WHEN g.r1 < 0.75 THEN 'postal' ELSE 'walk_in' END,
    CASE WHEN g.r2 < 0.3 THEN 'postal' WHEN g.r2 < 0.5 THEN 'online' ELSE 'desk' END,
    'Người nộp ' || g.n, '0900000000', '', '', '', 'default', '{}',
    g.received, g.received, g.received, g.received + interval '7 days', g.received + interval '7 days',
    CASE WHEN g.done THEN g.completed END,
    CASE WHEN g.done AND g.r4 < 0.8 THEN g.completed + interval '1 day' END,
    CASE WHEN g.done THEN 'approved' ELSE '' END,
    CASE WHEN NOT g.done THEN ''
         WHEN g.completed::date < (g.received + interval '7 days')::date THEN 'early'
         WHEN g.completed <= g.received + interval '7 days' THEN 'on_time' ELSE 'late' END,
    0, 5, 'working_days', p.fee, '{}',
    CASE WHEN p.fee > 0 AND g.r3 < 0.4 THEN 'paid' ELSE 'not_required' END,
    '', CASE WHEN g.done AND g.r4 < 0.3 THEN 1 + floor(g.r3 * 5)::int END, '', g.received, md5(random()::text),
    '[]'::jsonb
FROM (
    SELECT n, r1, r2, r3, r4, r5, r6, received, received + (r4 * 9 + 0.2) * interval '1 day' AS completed,
           (received + (r4 * 9 + 0.2) * interval '1 day') < %(now)s AND r5 >= 0.12 AS done
    FROM (
        SELECT n, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
               %(start)s::timestamptz + random() * (%(end)s::timestamptz - %(start)s::timestamptz) AS received
        FROM generate_series(1, %(count)s) AS n
    ) AS raw
) AS g
JOIN portal_procedure AS p ON p.id = (%(first_procedure)s + (g.n %% %(procedures)s))
JOIN portal_onestopdesk AS d ON d.id = (%(first_desk)s + floor(g.r6 * %(desks)s)::int)
"""

EVENTS = """
INSERT INTO dossiers_dossierevent (dossier_id, at, action, from_status, to_status, note, data)
SELECT id, completed_at, 'complete', 'processing', 'completed', '', '{}'::jsonb FROM dossiers_dossier
WHERE province_id = %(province)s AND completed_at IS NOT NULL
UNION ALL
SELECT id, received_at + interval '2 days', 'withdraw', 'processing', 'withdrawn', '', '{}'::jsonb FROM dossiers_dossier
WHERE province_id = %(province)s AND status = 'withdrawn'
UNION ALL
SELECT id, completed_at + interval '2 days', 'rate', 'returned', 'returned', '', '{}'::jsonb FROM dossiers_dossier
WHERE province_id = %(province)s AND rating IS NOT NULL
"""

# The internal processes' control sheets (issue 15): three steps per dossier, examine at the dossier's agency,
# consult the next agency (liên thông), return at the desk (no agency). A done dossier's three rows are finished
# (the time from acceptance to result split in three, each step due one day after its start); an open one has
# its first step finished and the second open (overdue when its day has passed). Working seconds are a third of
# the wall time (a bench figure: the product stores the working time on the desk's calendar).
STEPS = """
INSERT INTO dossiers_dossierstep (dossier_id, seq, index, code, name, role, agency_id, hours, started_at, due_at,
    finished_at, outcome, timeliness, working_seconds, note)
SELECT s.id, s.seq, s.seq - 1, s.code, s.code, s.role, s.agency_id, 8, s.started, s.started + interval '1 day',
    s.finished, CASE WHEN s.finished IS NULL THEN '' WHEN s.last THEN 'completed' ELSE 'forwarded' END,
    CASE WHEN s.finished IS NULL THEN ''
         WHEN s.finished::date < (s.started + interval '1 day')::date THEN 'early'
         WHEN s.finished <= s.started + interval '1 day' THEN 'on_time' ELSE 'late' END,
    CASE WHEN s.finished IS NOT NULL THEN extract(epoch FROM s.finished - s.started)::bigint / 3 END, ''
FROM (
    SELECT d.id, k.seq, k.code, k.role,
        CASE k.seq WHEN 1 THEN d.agency_id WHEN 2 THEN %(first_agency)s + (d.agency_id - %(first_agency)s + 1) %% 10 END
            AS agency_id,
        CASE WHEN d.completed_at IS NOT NULL THEN d.received_at + (k.seq - 1) * (d.completed_at - d.received_at) / 3
             ELSE d.received_at + (k.seq - 1) * interval '1 day' END AS started,
        CASE WHEN d.completed_at IS NOT NULL THEN d.received_at + k.seq * (d.completed_at - d.received_at) / 3
             WHEN k.seq = 1 THEN d.received_at + interval '1 day' END AS finished,
        k.seq = 3 AS last
    FROM dossiers_dossier AS d
    CROSS JOIN (VALUES (1, 'XL', 'specialist'), (2, 'LT', 'specialist'), (3, 'VT', 'officer')) AS k (seq, code, role)
    WHERE d.province_id = %(province)s AND d.status <> 'withdrawn'
        AND (d.completed_at IS NOT NULL OR k.seq <= 2)
        AND (d.completed_at IS NOT NULL OR k.seq = 1 OR d.received_at + interval '1 day' < %(now)s)
) AS s
"""

PAUSES = """
INSERT INTO dossiers_clockpause (dossier_id, kind, started_at, ended_at, reason)
SELECT id, 'manual', received_at + interval '1 day', NULL, '' FROM dossiers_dossier
WHERE province_id = %(province)s AND status = 'paused'
"""


def setup_province(agencies=10, desks_per_agency=2, procedures_per_agency=6):
    province, _ = Province.objects.get_or_create(code=CODE, defaults={"name": "Tỉnh Đo Hiệu Năng"})
    desks, procedures = [], []
    for a in range(agencies):
        agency, _ = Agency.objects.get_or_create(
            code=f"000.00.{a:02d}.BR", defaults={"province": province, "name": f"Sở thử {a}", "level": "province"}
        )
        for k in range(desks_per_agency):
            desk, _ = OneStopDesk.objects.get_or_create(
                code=f"BR-{a}-{k}", defaults={"province": province, "agency": agency, "name": f"Một cửa {a}-{k}"}
            )
            desks.append(desk)
        for k in range(procedures_per_agency):
            procedure, _ = Procedure.objects.get_or_create(
                province=province,
                code=f"9.{a:03d}{k:03d}",
                defaults={
                    "agency": agency,
                    "name": f"Thủ tục thử {a}-{k}",
                    "sector": "Thử",
                    "level": 4 if k % 2 else 3,
                    "fee": 50000 if k % 3 == 0 else 0,
                    "postal_intake": k % 2 == 0,
                    "postal_return": k % 2 == 0,
                },
            )
            procedures.append(procedure)
    return province, sorted(desks, key=lambda d: d.pk), sorted(procedures, key=lambda p: p.pk)


def generate(province, desks, procedures, count, year, now):
    """Replace the province's dossiers with `count` generated ones; returns seconds taken."""
    from dossiers.models import Dossier
    from reports.models import DailyStat, DailyStock, MonthlyStat, ProcessingTime, StatDay, StatMonth

    began = time.perf_counter()
    ProcessingTime.objects.filter(dossier__province=province).delete()
    for model in (DailyStat, DailyStock, MonthlyStat, StatDay, StatMonth):
        model.objects.all().delete()
    with connection.cursor() as cursor:
        ids = list(Dossier.objects.filter(province=province).values_list("pk", flat=True)[:1])
        if ids:
            cursor.execute(
                "DELETE FROM dossiers_dossierevent WHERE dossier_id IN "
                "(SELECT id FROM dossiers_dossier WHERE province_id = %s)",
                [province.pk],
            )
            cursor.execute(
                "DELETE FROM dossiers_clockpause WHERE dossier_id IN "
                "(SELECT id FROM dossiers_dossier WHERE province_id = %s)",
                [province.pk],
            )
            cursor.execute(
                "DELETE FROM dossiers_dossierstep WHERE dossier_id IN "
                "(SELECT id FROM dossiers_dossier WHERE province_id = %s)",
                [province.pk],
            )
            cursor.execute("DELETE FROM dossiers_dossier WHERE province_id = %s", [province.pk])
        # Desks and procedures have contiguous ids here (created together): a procedure by n modulo, a desk at
        # random (so the daily table holds up to days × desks × procedures keys, more than a real province's).
        assert desks[-1].pk - desks[0].pk + 1 == len(desks) and procedures[-1].pk - procedures[0].pk + 1 == len(
            procedures
        ), "bench desks/procedures must have contiguous ids: use a fresh database"
        params = {
            "province": province.pk,
            "count": count,
            "start": f"{year}-01-01T00:00:00+07:00",
            "end": f"{year + 1}-01-01T00:00:00+07:00",
            "now": now,
            "first_procedure": procedures[0].pk,
            "procedures": len(procedures),
            "first_desk": desks[0].pk,
            "desks": len(desks),
        }
        cursor.execute(GENERATE, params)
        cursor.execute(EVENTS, params)
        cursor.execute(PAUSES, params)
        params["first_agency"] = min(p.agency_id for p in procedures)
        cursor.execute(STEPS, params)
        cursor.execute(
            "ANALYZE dossiers_dossier; ANALYZE dossiers_dossierevent; ANALYZE dossiers_clockpause; "
            "ANALYZE dossiers_dossierstep"
        )
    return time.perf_counter() - began


def timed(function, repeat):
    function()  # warm
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the dossiers and daily table already there")
    parser.add_argument("--skip-live", action="store_true", help="do not time the live (no daily table) path")
    parser.add_argument(
        "--check-months", action="store_true", help="also compare group_by=month with the live count (slow: 13 stocks)"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_reports needs PostgreSQL (DATABASE_URL=postgres://…/motcua_reports)")
    call_command("migrate", verbosity=0)
    from reports import engine
    from reports.api import service_index
    from reports.indicators import Scope
    from reports.models import StatDay
    from reports.params import resolve
    from reports.refresh import rebuild

    now = timezone.now()
    start, end = date(args.year, 1, 1), date(args.year + 1, 1, 1)
    # The tables cover the history up to the year, as in a portal rebuilt from its first day: the stock carried
    # over into the year is the snapshot of 31/12 (without it, that one stock is counted live).
    eve = start - timedelta(days=1)
    province, desks, procedures = setup_province()
    if not args.keep:
        seconds = generate(province, desks, procedures, args.dossiers, args.year, now)
        print(f"generated {args.dossiers:,} dossiers (+ events, pauses) in {seconds:.1f} s")
        began = time.perf_counter()
        rows = rebuild(eve, end, now=now)
        print(f"rebuilt the tables for {args.year}: {rows:,} day rows in {time.perf_counter() - began:.1f} s")
    elif not StatDay.objects.filter(day=eve, final=True).exists():
        rebuild(eve, start, now=now)  # tables kept from a run that did not cover the eve

    class Admin:  # a superuser-like caller for params.resolve
        is_authenticated = True
        is_superuser = True
        role = "province_admin"

    def question(**extra):
        return resolve(Admin(), {"province": CODE, "from": start.isoformat(), "to": end.isoformat(), **extra})

    year_query = question()
    by_agency, by_month = question(group_by="agency"), question(group_by="month")
    some_day = date(args.year, 6, 12)
    reference = Scope(desk_id=desks[0].pk)
    figures = {
        "reference: one desk, one day": timed(
            lambda: engine.totals(reference, some_day, some_day.replace(day=13)), args.repeat
        ),
        "province-year": timed(lambda: service_index(year_query), args.repeat),
        "province-year, group_by=agency": timed(lambda: service_index(by_agency), args.repeat),
        "province-year, group_by=month": timed(lambda: service_index(by_month), args.repeat),
        "open steps overdue now, by agency": timed(
            lambda: engine.with_open_steps(year_query.scope, [], timezone.now()), args.repeat
        ),
    }
    answers = {name: service_index(q) for name, q in (("year", year_query), ("agency", by_agency), ("month", by_month))}
    compared = {"year": year_query, "agency": by_agency, **({"month": by_month} if args.check_months else {})}
    same = {}
    if not args.skip_live:
        final = list(StatDay.objects.filter(final=True).values_list("pk", flat=True))
        StatDay.objects.filter(pk__in=final).update(final=False)  # force the live path
        try:
            # One cold run (the live path caches nothing), then the tables must not have changed any number.
            began = time.perf_counter()
            same["year"] = service_index(year_query) == answers["year"]
            figures["province-year, live (no daily table)"] = time.perf_counter() - began
            same.update({name: service_index(q) == answers[name] for name, q in compared.items() if name != "year"})
        finally:
            StatDay.objects.filter(pk__in=final).update(final=True)
    answer = answers["year"]
    # By month, cheaply at any size: the months' flows add up to the year's, each month's end is the next one's
    # carried-over stock, and the last month ends as the year does.
    months, flow_keys = answers["month"]["groups"], ("done_early", "done_on_time", "done_late")
    ends = [m["in_progress_within"] + m["in_progress_overdue"] + m["paused"] for m in months]
    same["month (consistency)"] = (
        all(sum(m[k] for m in months) == answer[k] for k in flow_keys)
        and all(sum(m["received"][c] for m in months) == answer["received"][c] for c in answer["received"])
        and [m["carried_over"] for m in months[1:]] == ends[:-1]
        and {k: months[-1][k] for k in ("in_progress_within", "in_progress_overdue", "paused")}
        == {k: answer[k] for k in ("in_progress_within", "in_progress_overdue", "paused")}
    )
    reference_time = figures["reference: one desk, one day"]
    print(f"\n{args.dossiers:,} dossiers, province-year {args.year}, median of {args.repeat}")
    print(f"{'query':42} {'ms':>9} {'× reference':>12}")
    for name, seconds in figures.items():
        print(f"{name:42} {seconds * 1000:9.1f} {seconds / reference_time:12.1f}")
    received = sum(answer["received"].values())
    print(f"\ncheck: received {received:,}, late_rate {answer['late_rate']}, postal_share {answer['postal_share']}")
    from dossiers.models import DossierStep

    print(f"steps: {DossierStep.objects.count():,} rows; by agency, all: {answers['agency']['steps']}")
    from reports.models import DailyStat, DailyStock, MonthlyStat

    print(
        f"tables: DailyStat {DailyStat.objects.count():,} rows (flows), DailyStock {DailyStock.objects.count():,} "
        f"(stock snapshots), MonthlyStat {MonthlyStat.objects.count():,} (monthly flows)"
    )
    if same:
        print(f"checks (year and by-agency identical to the live count, by month consistent): {same}")
        if not all(same.values()):
            sys.exit(1)


if __name__ == "__main__":
    main()
