"""Filling the pre-aggregated tables (`DailyStat`, `DailyStock`, `MonthlyStat`) from the live tables.

* `refresh_day(day)`: the beat task's step (today and yesterday, every few minutes): that day's flows and its
  stock at its end (or now, for today), per province, counted live with indexed filters.
* `rebuild(first, end)`: a range in one pass per province (the management command): flows grouped by day, and
  the stock at every day's end as running sums over the history (`indicators.stocks_by_day`).

Writing is done a month at a time, in one transaction under a row lock on the month's `StatMonth` (then on each
day's `StatDay`): the days' rows are replaced, then the month's `MonthlyStat` rows are summed again from its
`DailyStat` rows (one INSERT … SELECT), so the roll-up never disagrees with the days a reader may see. A day is
marked final when computed at or after its end. Days in the future are skipped."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from portal.models import Province

from .indicators import KEYS, Scope, day_start, live_flows, live_stocks, stocks_by_day, zero
from .models import FLOW_FIELDS, STOCK_FIELDS, DailyStat, DailyStock, MonthlyStat, StatDay, StatMonth

log = logging.getLogger("motcua.reports")
ONE_DAY = timedelta(days=1)
BATCH = 5000


def _provinces():
    return list(Province.objects.order_by("pk").values_list("pk", flat=True))


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _rows(model, day, rows, names):
    """Model instances for the keys of `rows` (key → counters) with any of `names` non-zero."""
    return [
        model(day=day, **dict(zip(KEYS, key, strict=True)), **{name: values[name] for name in names})
        for key, values in rows.items()
        if any(values[name] for name in names)
    ]


def _roll_up(month: date) -> int:
    """Replace the `MonthlyStat` rows of `month` by the sums of its `DailyStat` rows; returns the rows written."""
    MonthlyStat.objects.filter(month=month).delete()
    quote = connection.ops.quote_name
    keys = [MonthlyStat._meta.get_field(k.removesuffix("_id")).column for k in KEYS]
    columns = ", ".join(quote(c) for c in [*keys, *FLOW_FIELDS])
    sums = ", ".join(f"SUM({quote(name)})" for name in FLOW_FIELDS)
    group = ", ".join(quote(c) for c in keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(MonthlyStat._meta.db_table)} ({quote('month')}, {columns}) "
            f"SELECT %s, {group}, {sums} FROM {quote(DailyStat._meta.db_table)} "
            f"WHERE {quote('day')} >= %s AND {quote('day')} < %s GROUP BY {group}",
            [month.isoformat(), month.isoformat(), next_month(month).isoformat()],
        )
        return max(cursor.rowcount, 0)


def _write(days: dict, now) -> int:
    """Replace the rows of each day of `days` (day → key → counters, flows and stock) and roll their months up.

    One transaction per month; returns the number of day rows written (flows + stock)."""
    by_month = defaultdict(list)
    for day in sorted(days):
        by_month[month_of(day)].append(day)
    written = 0
    for month, month_days in by_month.items():
        StatMonth.objects.get_or_create(month=month, defaults={"refreshed_at": now})
        for day in month_days:
            StatDay.objects.get_or_create(day=day, defaults={"refreshed_at": now})
        with transaction.atomic():
            marker = StatMonth.objects.select_for_update().get(month=month)
            for day in month_days:
                day_marker = StatDay.objects.select_for_update().get(day=day)
                rows = days[day]
                DailyStat.objects.filter(day=day).delete()
                DailyStock.objects.filter(day=day).delete()
                flows = _rows(DailyStat, day, rows, FLOW_FIELDS)
                stocks = _rows(DailyStock, day, rows, STOCK_FIELDS)
                DailyStat.objects.bulk_create(flows, batch_size=BATCH)
                DailyStock.objects.bulk_create(stocks, batch_size=BATCH)
                day_marker.refreshed_at = now
                day_marker.final = now >= day_start(day + ONE_DAY)
                day_marker.rows = len(flows) + len(stocks)
                day_marker.save(update_fields=["refreshed_at", "final", "rows"])
                written += day_marker.rows
            marker.rows = _roll_up(month)
            marker.refreshed_at = now
            marker.save(update_fields=["refreshed_at", "rows"])
    return written


def refresh_day(day: date, now=None) -> int:
    """Recompute one day from the live tables; returns the number of rows written."""
    now = now or timezone.now()
    start = day_start(day)
    if start >= now:
        return 0
    moment = min(day_start(day + ONE_DAY), now)
    rows = defaultdict(zero)
    for province_id in _provinces():
        scope = Scope(province_id=province_id)
        for key, values in live_flows(scope, start, moment, KEYS).items():
            rows[key].update(values)
        for key, values in live_stocks(scope, moment, KEYS, now).items():
            rows[key].update(values)
    return _write({day: rows}, now)


def rebuild(first: date, end: date, now=None, progress=None) -> int:
    """Recompute the days of [first, end) in one pass per province; returns the number of rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    end = min(end, today + ONE_DAY)
    if first >= end:
        return 0
    last = end - ONE_DAY
    by_day = defaultdict(lambda: defaultdict(zero))  # day → key → counters
    for province_id in _provinces():
        scope = Scope(province_id=province_id)
        flows = live_flows(scope, day_start(first), min(day_start(end), now), KEYS, by_day=True)
        for (*key, day), values in flows.items():
            by_day[day][tuple(key)].update(values)
        if last == today:
            # Today's stock is the stock now, not at midnight to come.
            for key, values in stocks_by_day(scope, first, last - ONE_DAY, KEYS).items():
                by_day[key[-1]][key[:-1]].update(values)
            for key, values in live_stocks(scope, now, KEYS, now).items():
                by_day[today][key].update(values)
        else:
            for key, values in stocks_by_day(scope, first, last, KEYS).items():
                by_day[key[-1]][key[:-1]].update(values)
    written = 0
    month = month_of(first)
    while month < end:
        days = {}
        day = max(first, month)
        while day < min(end, next_month(month)):
            days[day] = by_day.pop(day, {})
            day += ONE_DAY
        count = _write(days, now)
        written += count
        if progress:
            progress(month, count)
        month = next_month(month)
    return written


def refresh_recent(days=2, now=None) -> dict:
    """The beat task's work: today and the `days - 1` days before it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {(today - timedelta(days=n)).isoformat(): refresh_day(today - timedelta(days=n), now) for n in range(days)}
