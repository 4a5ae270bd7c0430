"""Answering a window: final days from the daily table, everything else live.

The daily table (`DailyStat`) holds each day's flows and the open stock at its end; a day is *final* once it has
been refreshed at or after its end (`StatDay.final`). For a window [start, end):

* flows: runs of final days are summed from the table; runs of other days (today, or a day not refreshed yet)
  are counted live (`indicators.live_flows`), up to *now*;
* carried over: the snapshot of the day before `start` if final, else counted live at `start`;
* the stock at the end: the snapshot of the window's last day if final, else counted live at min(end, now).

So a province-year is a handful of indexed queries whatever the number of dossiers, and today's numbers are
exact up to the second. Both paths count with the same definitions (`reports/indicators.py`); the tests check
that they agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from portal.models import Agency, OneStopDesk, Procedure

from . import periods
from .indicators import Scope, Totals, day_start, grouped, live_flows, live_stocks
from .models import FLOW_FIELDS, STOCK_FIELDS, DailyStat, StatDay

ONE_DAY = timedelta(days=1)
ENTITY_GROUPS = {"agency": "agency_id", "desk": "desk_id", "procedure": "procedure_id"}
TIME_GROUPS = ("day", "month", "quarter")
GROUP_BY = (*ENTITY_GROUPS, *TIME_GROUPS)


def final_days(first: date, end: date) -> set[date]:
    return set(StatDay.objects.filter(final=True, day__gte=first, day__lt=end).values_list("day", flat=True))


def _table(scope, keys, fields, out, **day_filter):
    rows = DailyStat.objects.filter(scope.q(), **day_filter)
    grouped(rows, keys, {name: Sum(name) for name in fields}, out)


def _add(target, source):
    for key, values in source.items():
        row = target[key]
        for name, value in values.items():
            row[name] += value or 0


def compute(scope: Scope, start: date, end: date, keys=(), now=None) -> dict[tuple, Totals]:
    """The counters of [start, end) for `scope`, grouped by `keys` (field names of `indicators.KEYS`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    final = final_days(start - ONE_DAY, end)
    flows = defaultdict(lambda: dict.fromkeys(FLOW_FIELDS, 0))
    last = min(end, today + ONE_DAY)
    cursor = start
    while cursor < last:
        is_final = cursor in final
        run_end = cursor
        while run_end < last and (run_end in final) == is_final:
            run_end += ONE_DAY
        if is_final:
            _table(scope, keys, FLOW_FIELDS, flows, day__gte=cursor, day__lt=run_end)
        else:
            _add(flows, live_flows(scope, day_start(cursor), min(day_start(run_end), now), keys))
        cursor = run_end

    def stock_at(moment, day):
        out = defaultdict(lambda: dict.fromkeys(STOCK_FIELDS, 0))
        if moment <= now and day in final:
            _table(scope, keys, STOCK_FIELDS, out, day=day)
        else:
            _add(out, live_stocks(scope, min(moment, now), keys, now))
        return out

    opening = stock_at(day_start(start), start - ONE_DAY)
    closing = stock_at(day_start(end), end - ONE_DAY)
    result = {}
    for key in set(flows) | set(opening) | set(closing):
        totals = Totals.empty()
        _add({0: totals.flows}, {0: flows.get(key, {})})
        _add({0: totals.start}, {0: opening.get(key, {})})
        _add({0: totals.end}, {0: closing.get(key, {})})
        result[key] = totals
    return result


def totals(scope: Scope, start: date, end: date, now=None) -> Totals:
    return compute(scope, start, end, (), now).get((), Totals.empty())


@dataclass
class Group:
    key: str
    label: str
    totals: Totals
    code: str = ""
    id: int | None = None
    start: date | None = None
    end: date | None = None


def _entity_groups(group_by, ids):
    if group_by == "agency":
        objects = Agency.objects.in_bulk(ids)
        return {pk: (o.code, o.name, o.code) for pk, o in objects.items()}
    if group_by == "desk":
        objects = OneStopDesk.objects.in_bulk(ids)
        return {pk: (str(pk), o.name, o.code) for pk, o in objects.items()}
    objects = Procedure.objects.in_bulk(ids)
    return {pk: (o.code, o.name, o.code) for pk, o in objects.items()}


def groups(scope: Scope, start: date, end: date, group_by: str, now=None) -> list[Group]:
    """One `Group` per agency, desk or procedure with any activity (by code), or per day, month or quarter."""
    now = now or timezone.now()
    if group_by in TIME_GROUPS:
        return [
            Group(piece.key, piece.label, totals(scope, piece.start, piece.end, now), start=piece.start, end=piece.end)
            for piece in periods.split(start, end, group_by)
        ]
    field = ENTITY_GROUPS[group_by]
    by_key = compute(scope, start, end, (field,), now)
    names = _entity_groups(group_by, [key[0] for key in by_key])
    result = []
    for (pk,), values in by_key.items():
        key, label, code = names.get(pk, (str(pk), str(pk), ""))
        result.append(Group(key, label, values, code=code, id=pk, start=start, end=end))
    result.sort(key=lambda g: (g.code or g.key, g.label))
    return result


def sum_groups(items: list[Group]) -> Totals:
    """The total of entity groups (each dossier is in exactly one group)."""
    total = Totals.empty()
    for item in items:
        for part in ("flows", "start", "end"):
            target = getattr(total, part)
            for name, value in getattr(item.totals, part).items():
                target[name] += value
    return total
