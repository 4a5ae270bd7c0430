"""Filling the daily table (`DailyStat`) from the live tables.

* `refresh_day(day)`: the beat task's step (today and yesterday, every few minutes): that day's flows and its
  stock at its end (or now, for today), per province, counted live with indexed filters.
* `rebuild(first, end)`: a range in one pass per province (the management command): flows grouped by day, and
  the stock at every day's end as running sums over the history (`indicators.stocks_by_day`).

Both replace the day's rows in one transaction, under a row lock on its `StatDay`, and mark the day final when
computed at or after its end. Days in the future are skipped."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import Province

from .indicators import KEYS, Scope, day_start, live_flows, live_stocks, stocks_by_day, zero
from .models import DailyStat, StatDay

log = logging.getLogger("motcua.reports")
ONE_DAY = timedelta(days=1)


def _provinces():
    return list(Province.objects.order_by("pk").values_list("pk", flat=True))


def _write(day, rows, now):
    """Replace the rows of `day` (key → counters) and stamp its StatDay."""
    StatDay.objects.get_or_create(day=day, defaults={"refreshed_at": now})
    with transaction.atomic():
        marker = StatDay.objects.select_for_update().get(day=day)
        DailyStat.objects.filter(day=day).delete()
        DailyStat.objects.bulk_create(
            [
                DailyStat(day=day, **dict(zip(KEYS, key, strict=True)), **values)
                for key, values in rows.items()
                if any(values.values())
            ],
            batch_size=2000,
        )
        marker.refreshed_at = now
        marker.final = now >= day_start(day + ONE_DAY)
        marker.rows = len(rows)
        marker.save(update_fields=["refreshed_at", "final", "rows"])


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
    rows = {key: values for key, values in rows.items() if any(values.values())}
    _write(day, rows, now)
    return len(rows)


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
    day = first
    while day < end:
        rows = {key: values for key, values in by_day.get(day, {}).items() if any(values.values())}
        _write(day, rows, now)
        written += len(rows)
        if progress:
            progress(day, len(rows))
        day += ONE_DAY
    return written


def refresh_recent(days=2, now=None) -> dict:
    """The beat task's work: today and the `days - 1` days before it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {(today - timedelta(days=n)).isoformat(): refresh_day(today - timedelta(days=n), now) for n in range(days)}
