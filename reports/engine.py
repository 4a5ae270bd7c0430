"""Answering windows: final days from the pre-aggregated tables, everything else live.

A day is *final* once it has been refreshed at or after its end (`StatDay.final`). For a window [start, end):

* flows: whole calendar months of final days are summed from `MonthlyStat` (12 × keys rows for a year), the
  other runs of final days from `DailyStat` (rows only where something happened), and runs of other days
  (today, or a day not refreshed yet) are counted live (`indicators.live_flows`), up to *now*;
* carried over: the `DailyStock` snapshot of the day before `start` if final, else counted live at `start`;
* the stock at the end: the snapshot of the window's last day if final, else counted live at min(end, now).

`compute_many` answers several windows (the months of a year, say) with one query per table: the flows grouped
by month or day and the stocks of every boundary day at once. So a province-year, grouped or not, is a handful
of indexed queries over at most months × keys and 2 × keys rows, whatever the number of dossiers, and today's
numbers are exact up to the second. Both paths count with the same definitions (`reports/indicators.py`); the
tests check that they agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from portal.models import Agency, OneStopDesk, Procedure

from . import periods
from .indicators import Scope, Totals, day_start, live_flows, live_stocks, open_steps_overdue
from .models import FLOW_FIELDS, STOCK_FIELDS, DailyStat, DailyStock, MonthlyStat, StatDay

ONE_DAY = timedelta(days=1)
ENTITY_GROUPS = {"agency": "agency_id", "desk": "desk_id", "procedure": "procedure_id"}
TIME_GROUPS = ("day", "month", "quarter")
GROUP_BY = (*ENTITY_GROUPS, *TIME_GROUPS)


def final_days(first: date, end: date) -> set[date]:
    return set(StatDay.objects.filter(final=True, day__gte=first, day__lt=end).values_list("day", flat=True))


def _add(target, source):
    for key, values in source.items():
        row = target[key]
        for name, value in values.items():
            row[name] += value or 0


def _ranges(days):
    """Sorted (first, end) pairs covering the (start, end) ranges given, adjacent ones merged."""
    merged = []
    for a, b in sorted(days):
        if merged and merged[-1][1] >= a:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _table(model, scope, keys, fields, bucket, where, targets, outs):
    """Σ `fields` of `model` rows matching `where`, grouped by `keys` and the `bucket` field (a day or month);
    each row is added into the `outs` of the windows that `targets[bucket value]` lists."""
    rows = (
        model.objects.filter(scope.q())
        .filter(where)
        .order_by()
        .values(*keys, bucket)
        .annotate(**{f"sum_{name}": Sum(name) for name in fields})
    )
    for row in rows:
        key = tuple(row[k] for k in keys)
        for index in targets.get(row[bucket], ()):
            _add(outs[index], {key: {name: row[f"sum_{name}"] for name in fields}})


def _pieces(start, last, final):
    """[start, last) split into ("month", first day), ("days", a, b) runs of final days and ("live", a, b)."""
    pieces = []
    cursor = start
    while cursor < last:
        is_final = cursor in final
        run_end = cursor + ONE_DAY
        while run_end < last and (run_end in final) == is_final:
            run_end += ONE_DAY
        if not is_final:
            pieces.append(("live", cursor, run_end))
            cursor = run_end
            continue
        while cursor < run_end:  # whole months of the final run from the monthly roll-up
            month_end = periods.add_months(cursor, 1)
            if cursor.day == 1 and month_end <= run_end:
                pieces.append(("month", cursor, month_end))
                cursor = month_end
            else:
                piece_end = min(month_end, run_end)
                pieces.append(("days", cursor, piece_end))
                cursor = piece_end
    return pieces


def compute_many(scope: Scope, windows, keys=(), now=None) -> list[dict[tuple, Totals]]:
    """The counters of each window [start, end) of `windows` for `scope`, grouped by `keys`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not windows:
        return []
    final = final_days(min(s for s, _ in windows) - ONE_DAY, max(e for _, e in windows))
    flows = [defaultdict(lambda: dict.fromkeys(FLOW_FIELDS, 0)) for _ in windows]
    months, days, day_ranges = defaultdict(list), defaultdict(list), []
    for index, (start, end) in enumerate(windows):
        for kind, a, b in _pieces(start, min(end, today + ONE_DAY), final):
            if kind == "month":
                months[a].append(index)
            elif kind == "days":
                day_ranges.append((a, b))
                while a < b:
                    days[a].append(index)
                    a += ONE_DAY
            else:
                _add(flows[index], live_flows(scope, day_start(a), min(day_start(b), now), keys))
    if months:
        _table(MonthlyStat, scope, keys, FLOW_FIELDS, "month", Q(month__in=list(months)), months, flows)
    if day_ranges:
        where = Q()
        for a, b in _ranges(day_ranges):
            where |= Q(day__gte=a, day__lt=b)
        _table(DailyStat, scope, keys, FLOW_FIELDS, "day", where, days, flows)

    # The stock at each window's start (the end of the day before) and at its end.
    stocks = [[defaultdict(lambda: dict.fromkeys(STOCK_FIELDS, 0)) for _ in (0, 1)] for _ in windows]
    snapshot_days, live_at = defaultdict(list), {}
    for index, (start, end) in enumerate(windows):
        for side, (moment, day) in enumerate(((day_start(start), start - ONE_DAY), (day_start(end), end - ONE_DAY))):
            if moment <= now and day in final:
                snapshot_days[day].append((index, side))
            else:
                moment = min(moment, now)
                if moment not in live_at:
                    live_at[moment] = live_stocks(scope, moment, keys, now)
                _add(stocks[index][side], live_at[moment])
    if snapshot_days:
        targets, outs = {}, []
        for day, spots in snapshot_days.items():
            targets[day] = list(range(len(outs), len(outs) + len(spots)))
            outs.extend(stocks[index][side] for index, side in spots)
        _table(DailyStock, scope, keys, STOCK_FIELDS, "day", Q(day__in=list(snapshot_days)), targets, outs)

    results = []
    for index in range(len(windows)):
        opening, closing = stocks[index]
        result = {}
        for key in set(flows[index]) | set(opening) | set(closing):
            totals = Totals.empty()
            _add({0: totals.flows}, {0: flows[index].get(key, {})})
            _add({0: totals.start}, {0: opening.get(key, {})})
            _add({0: totals.end}, {0: closing.get(key, {})})
            result[key] = totals
        results.append(result)
    return results


def compute(scope: Scope, start: date, end: date, keys=(), now=None) -> dict[tuple, Totals]:
    """The counters of [start, end) for `scope`, grouped by `keys` (field names of `indicators.KEYS`)."""
    return compute_many(scope, [(start, end)], keys, now)[0]


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
        pieces = periods.split(start, end, group_by)
        answers = compute_many(scope, [(piece.start, piece.end) for piece in pieces], (), now)
        return [
            Group(piece.key, piece.label, answer.get((), Totals.empty()), start=piece.start, end=piece.end)
            for piece, answer in zip(pieces, answers, strict=True)
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


def with_open_steps(scope: Scope, items: list[Group], now=None) -> tuple[list[Group], dict]:
    """Agency groups and their open steps overdue now: ({agency id: count}), with a group added for an agency
    that has overdue steps and nothing else in the window (a slow agency must show, active or not)."""
    now = now or timezone.now()
    overdue = {agency_id: n for (agency_id,), n in open_steps_overdue(scope, now).items()}
    missing = set(overdue) - {item.id for item in items}
    if missing:
        names = _entity_groups("agency", missing)
        for pk in missing:
            key, label, code = names.get(pk, (str(pk), str(pk), ""))
            items = [*items, Group(key, label, Totals.empty(), code=code, id=pk)]
        items.sort(key=lambda g: (g.code or g.key, g.label))
    return items, overdue


def sum_groups(items: list[Group]) -> Totals:
    """The total of entity groups (each dossier is in exactly one group)."""
    total = Totals.empty()
    for item in items:
        for part in ("flows", "start", "end"):
            target = getattr(total, part)
            for name, value in getattr(item.totals, part).items():
                target[name] += value
    return total
