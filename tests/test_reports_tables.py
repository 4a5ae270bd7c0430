"""The pre-aggregated tables (reports/models.py): flows only where something happened, the open stock per day,
the monthly roll-up; and that answering from them changes no number (tests/reports_world.py, counted by hand)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from dossiers.models import Dossier
from reports import engine
from reports.indicators import Scope
from reports.models import FLOW_FIELDS, DailyStat, DailyStock, MonthlyStat, StatDay, StatMonth
from reports.refresh import rebuild, refresh_day
from tests.reports_world import build_world
from tests.test_reports_indicators import APRIL_PROVINCE, MARCH, MARCH_PROVINCE, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _key(world, desk=None, procedure=None):
    return {"desk": desk or world.desk, "procedure": procedure or world.p1}


def _live(function):
    """Run `function` with every day non-final, so that the engine counts everything live."""
    final = list(StatDay.objects.filter(final=True).values_list("pk", flat=True))
    StatDay.objects.filter(pk__in=final).update(final=False)
    try:
        return function()
    finally:
        StatDay.objects.filter(pk__in=final).update(final=True)


def test_flow_rows_only_where_something_happened_and_stock_rows_per_day(world):
    rebuild(date(2024, 3, 1), date(2024, 5, 1), now=NOW)
    # Wed 13/03: nothing received, done, withdrawn, refused or rated anywhere: no flow row at all.
    assert not DailyStat.objects.filter(day=date(2024, 3, 13)).exists()
    # Its stock at the end of the day (desk 1, P1): G N R within their deadline, E overdue (due 12/03 09:00).
    stock = DailyStock.objects.get(day=date(2024, 3, 13), **_key(world))
    assert (stock.open_within, stock.open_overdue, stock.open_paused) == (3, 1, 0)
    # Fri 22/03: F paused since 21/03; E overdue; D, I not received yet; G withdrawn, N R done.
    stock = DailyStock.objects.get(day=date(2024, 3, 22), **_key(world))
    assert (stock.open_within, stock.open_overdue, stock.open_paused) == (0, 1, 1)
    # Desk 2 has nothing open after K (done 05/03): no stock row after that day.
    assert not DailyStock.objects.filter(desk=world.desk2, day__gte=date(2024, 3, 5)).exists()
    assert StatMonth.objects.filter(month__in=[date(2024, 3, 1), date(2024, 4, 1)]).count() == 2


def test_the_monthly_rollup_is_the_sum_of_its_days(world):
    rebuild(date(2024, 3, 1), date(2024, 5, 1), now=NOW)
    march = MonthlyStat.objects.get(month=date(2024, 3, 1), **_key(world))
    # Desk 1, P1, March: online A E G N R F D I, walk-in B; done early A R, on time B N; G withdrawn, H refused.
    assert (march.received_online, march.received_walk_in, march.received_postal) == (8, 1, 0)
    assert (march.done_early, march.done_on_time, march.done_late) == (2, 2, 0)
    assert (march.withdrawn, march.refused, march.rated_3) == (1, 1, 1)
    # A 3.125 + R 4 + B 4.9375 + N 7.125 working days.
    assert (march.processing_count, march.processing_milli_days) == (4, 19188)
    for month in (date(2024, 3, 1), date(2024, 4, 1)):
        days = DailyStat.objects.filter(day__gte=month, day__lt=date(2024, month.month + 1, 1))
        sums = {name: Sum(name) for name in FLOW_FIELDS}
        assert days.aggregate(**sums) == MonthlyStat.objects.filter(month=month).aggregate(**sums)


def test_whole_months_come_from_the_tables_without_touching_the_dossiers(world):
    rebuild(date(2024, 2, 1), date(2024, 5, 6), now=NOW)
    province = Scope(province_id=world.province.pk)
    with CaptureQueriesContext(connection) as queries:
        march = engine.totals(province, *MARCH, now=NOW).api()
        by_month = engine.groups(province, date(2024, 3, 1), date(2024, 5, 1), "month", now=NOW)
    assert march == MARCH_PROVINCE
    assert [g.totals.api() for g in by_month] == [MARCH_PROVINCE, APRIL_PROVINCE]
    assert not [q["sql"] for q in queries if "dossiers_" in q["sql"]]
    # The whole months are read from MonthlyStat alone: with March's day rows gone, March is unchanged.
    DailyStat.objects.filter(day__gte=date(2024, 3, 1), day__lt=date(2024, 4, 1)).delete()
    assert engine.totals(province, *MARCH, now=NOW).api() == MARCH_PROVINCE


def test_every_grouping_and_cut_window_agrees_with_the_live_count(world):
    rebuild(date(2024, 2, 1), date(2024, 5, 6), now=NOW)
    province = Scope(province_id=world.province.pk)
    windows = [
        (date(2024, 3, 1), date(2024, 5, 1)),  # two whole months
        (date(2024, 3, 11), date(2024, 4, 21)),  # days of March, days of April
        (date(2024, 1, 15), date(2024, 3, 12)),  # January not computed (live), February whole, days of March
        (date(2024, 4, 29), date(2024, 5, 9)),  # up to and past now (06/05 10:00): the last days live
    ]
    for start, end in windows:
        for group_by in engine.GROUP_BY:

            def answer(start=start, end=end, group_by=group_by):
                return [(g.key, g.totals.api()) for g in engine.groups(province, start, end, group_by, now=NOW)]

            assert answer() == _live(answer), (start, end, group_by)
        desk = Scope(desk_id=world.desk.pk)

        def row(desk=desk, start=start, end=end):
            return engine.totals(desk, start, end, now=NOW).row()

        assert row() == _live(row)


def test_refreshing_a_day_rolls_its_month_up_again(world):
    rebuild(date(2024, 3, 1), date(2024, 5, 1), now=NOW)
    province = Scope(province_id=world.province.pk)
    # C (P2, 50.000 đ) is paid later, online: once 04/03 is refreshed, March has both fee dossiers paid online.
    Dossier.objects.filter(pk=world.dossiers["C"].pk).update(payment_status="paid")
    assert engine.totals(province, *MARCH, now=NOW).api()["online_payment_rate"] == 0.5
    refresh_day(date(2024, 3, 4), now=NOW)
    assert engine.totals(province, *MARCH, now=NOW).api() == {**MARCH_PROVINCE, "online_payment_rate": 1.0}
    march = MonthlyStat.objects.get(month=date(2024, 3, 1), **_key(world, procedure=world.p2))
    assert (march.fee_dossiers, march.paid_online) == (2, 2)


def test_the_rebuild_command_with_chunks_across_months(world):
    out = StringIO()
    call_command("rebuild_daily_stats", "--from", "2024-03-01", "--to", "2024-05-01", "--chunk-days", "10", stdout=out)
    assert "rows written" in out.getvalue()
    province = Scope(province_id=world.province.pk)
    assert StatDay.objects.filter(final=True).count() == 61
    assert engine.totals(province, *MARCH, now=NOW).api() == MARCH_PROVINCE
    by_month = engine.groups(province, date(2024, 3, 1), date(2024, 5, 1), "month", now=NOW)
    assert [g.totals.api() for g in by_month] == [MARCH_PROVINCE, APRIL_PROVINCE]
