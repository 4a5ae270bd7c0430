"""Chỉ số đánh giá chất lượng phục vụ (Decision 766/QĐ-TTg, 2022): what every number means.

A *window* is a half-open interval of local time [start, end) (Asia/Ho_Chi_Minh); the pages and the API give it
in whole days ([from, to), `to` exclusive) or as a period (day, week, month, quarter, half-year, year). A window
that reaches into the future ends *now*. Every moment used below is a stored field of the dossier (or the time of
its audit event, where the dossier keeps none), so the numbers follow the dossiers' stored clocks.

A dossier is *received* (tiếp nhận) at `received_at`. It is *closed* at `completed_at` (result ready, approved or
denied), or at the time of its `withdraw` event (rút hồ sơ after acceptance). It is *open at* a moment t when it
was received before t and not closed before t. It is *paused at* t when one of its `ClockPause` rows covers t
(started before t, not ended before t).

Flows (events inside the window):

* ``received {online, postal, walk_in}``: dossiers received in the window, by `intake_channel`.
* ``done_early / done_on_time / done_late``: dossiers completed in the window, by the `timeliness` stored at
  completion (trước hạn / đúng hạn / quá hạn). Denied results (không giải quyết) are done too.
* ``withdrawn``: received dossiers withdrawn in the window (they leave the open stock without being done; they
  stay in the late-rate denominator, since they were received). ``refused``: dossiers refused at intake in the
  window (từ chối tiếp nhận); never received, so in no denominator. Drafts and submissions withdrawn before
  acceptance are not counted.
* ``fee_dossiers``: dossiers received in the window whose fee snapshot (`snap_fee`) is above zero;
  ``paid_online``: those of them whose `payment_status` is paid (or refunded after an online payment).
* Postal (bưu chính công ích), on dossiers received in the window: ``postal_eligible`` = of a procedure announced
  for the post (`postal_intake` or `postal_return`: plan 1106/KH-UBND counts "số TTHC được công bố thực hiện qua
  dịch vụ bưu chính công ích"); ``postal_used`` = those of them with intake by post or result returned by post
  (`return_channel`); ``postal_intake``, ``postal_return``, ``door_to_door`` (trọn gói tại địa chỉ: both legs
  by post) count every dossier, eligible or not (a campaign may open the post to other procedures).
* ``processing``: for dossiers done in the window, the statutory clock's working time from `received_at` to
  `completed_at` on the desk's calendar, minus the working time covered by its `ClockPause` rows (the same
  arithmetic that moves `due_at`), in working days of that desk (8 h by default).
* ``rated_1 .. rated_5``: satisfaction ratings given in the window (the time of the `rate` event).

Stocks (open dossiers at an instant, by the stored `due_at`):

* ``carried_over``: open at the window's start (received before it, still open).
* ``in_progress_within`` / ``in_progress_overdue``: open and not paused at the window's end, with
  `due_at` ≥ end / `due_at` < end; ``paused``: open and paused at the window's end.
  Balance: received + carried_over = done + withdrawn + in_progress_within + in_progress_overdue + paused.

Rates (null when the denominator is zero; fractions 0..1 rounded to 4 places):

* ``late_rate`` = (in_progress_overdue + done_late) ÷ (received + carried_over)  (the Gia Lai formula).
* ``on_time_rate`` = 1 − late_rate, on the same denominator (domain.md defines the on-time rate through the late
  rate: every dossier handled in the window that is not late is on time or still within its deadline). The
  share of done dossiers done early or on time is ``done_on_time_share`` in the tables and exports.
* ``online_rate`` = received online ÷ received.   ``online_payment_rate`` = paid_online ÷ fee_dossiers.
* ``postal_share`` = postal_used ÷ postal_eligible, against REPORTS_POSTAL_SHARE_TARGET (30 %, plan 1106/KH-UBND).
* ``avg_processing_working_days`` = Σ processing ÷ done with a processing time (2 places).
* ``satisfaction_avg`` = Σ score ÷ ratings (2 places), with the distribution 1..5.

Steps (the internal processes' control sheet, `DossierStep` rows; issue 15), for `group_by=agency`:

* A step row counts for the agency that worked it: its `agency`, or for a step at the receiving desk (no agency)
  the dossier's agency (the competent agency, whose officers staff the desk). The scope's province, desk and
  procedure are the dossier's; the scope's agency is the step's: an agency's steps are all the steps it worked,
  on its own dossiers and on others' (liên thông).
* ``steps_early / steps_on_time / steps_late``: step rows finished in the window (`finished_at`) and worked:
  forwarded, sent back (sent back is worked: the row was received, examined and handed on) or completed; not
  the rows closed by a withdrawal. By the `timeliness` judged at the finish against the step's own due moment.
* ``steps_timed`` / ``steps_working_seconds``: those of them with a working time (`working_seconds`, the
  working time from `started_at` to `finished_at` on the desk's calendar, stored at the finish; a step
  finished before it was stored has none) and Σ of it. ``avg_working_hours`` = Σ ÷ steps_timed ÷ 3600.
* ``open_overdue``: open steps (not finished) of running dossiers whose due moment is past *now* (whatever the
  window: it is the state of the queues now), as the queues show them (a paused dossier's step waits).

Everything is counted in SQL (`Count(..., filter=Q(...))`, `Sum`), grouped by any of province, agency, desk,
procedure (and by day when the daily table is rebuilt); Python only merges the few grouped rows. Completions,
withdrawals, refusals and ratings are found through their audit events (`DossierEvent.at` is indexed), then
counted by the dossier's own fields; receipts through the (province, received_at) index; the open stock *now*
through the status indexes. The processing time of each completed dossier is computed once, on its desk's
calendar, into `reports.ProcessingTime` (a derived value no SQL can compute; aggregated in SQL afterwards).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dossiers.models import (
    CLOCK_STATUSES,
    RUNNING_STATUSES,
    ClockPause,
    Dossier,
    DossierEvent,
    DossierStep,
    IntakeChannel,
    PaymentStatus,
    ReturnChannel,
    StepOutcome,
    Timeliness,
)

from .models import COUNTER_FIELDS, FLOW_FIELDS, STOCK_FIELDS, ProcessingTime

# The audit event and the stored moment may differ by the microseconds between two clock reads.
EVENT_MARGIN = timedelta(minutes=1)
PAID = (PaymentStatus.PAID, PaymentStatus.REFUNDED)
KEYS = ("province_id", "agency_id", "desk_id", "procedure_id")
DAY = "day"


@dataclass(frozen=True)
class Scope:
    """Which dossiers count: any of province, agency, desk, procedure (ids); None = no restriction."""

    province_id: int | None = None
    agency_id: int | None = None
    desk_id: int | None = None
    procedure_id: int | None = None

    def q(self, prefix=""):
        return Q(**{f"{prefix}{f.name}": getattr(self, f.name) for f in fields(self) if getattr(self, f.name)})


def tz():
    return timezone.get_default_timezone()


def day_start(d: date) -> datetime:
    """The local midnight that starts day `d`."""
    return datetime.combine(d, time.min, tzinfo=tz())


def zero():
    return dict.fromkeys(COUNTER_FIELDS, 0)


def _merge(out, key, values):
    row = out[key]
    for name, value in values.items():
        row[name] += value or 0


def grouped(queryset, keys, aggregates, out, prefix="", extra=None):
    """Run one aggregate query grouped by `keys` (and an optional day expression) and add it into `out`."""
    group = [f"{prefix}{k}" for k in keys]
    if extra is None and not group:
        _merge(out, (), queryset.aggregate(**aggregates))
        return
    names = {**({DAY: extra} if extra is not None else {})}
    rows = queryset.order_by().values(*group, **names).annotate(**aggregates)
    for row in rows:
        key = tuple(row[g] for g in group)
        if extra is not None:
            key += (row[DAY],)
        _merge(out, key, {name: row[name] for name in aggregates})


def _events(action, a, b, margin=timedelta(0)):
    return DossierEvent.objects.filter(action=action, at__gte=a - margin, at__lt=b + margin).values("dossier_id")


def withdrawn_before(t):
    return Exists(DossierEvent.objects.filter(dossier=OuterRef("pk"), action="withdraw", at__lt=t))


POSTAL_ELIGIBLE = Q(procedure__postal_intake=True) | Q(procedure__postal_return=True)
POSTAL_USED = POSTAL_ELIGIBLE & (Q(intake_channel=IntakeChannel.POSTAL) | Q(return_channel=ReturnChannel.POSTAL))


def _c(condition=None):
    return Count("pk", filter=condition) if condition is not None else Count("pk")


RECEIVED_AGGREGATES = {
    "received_online": _c(Q(intake_channel=IntakeChannel.ONLINE)),
    "received_postal": _c(Q(intake_channel=IntakeChannel.POSTAL)),
    "received_walk_in": _c(Q(intake_channel=IntakeChannel.WALK_IN)),
    "fee_dossiers": _c(Q(snap_fee__gt=0)),
    "paid_online": _c(Q(snap_fee__gt=0, payment_status__in=PAID)),
    "postal_eligible": _c(POSTAL_ELIGIBLE),
    "postal_used": _c(POSTAL_USED),
    "postal_intake": _c(Q(intake_channel=IntakeChannel.POSTAL)),
    "postal_return": _c(Q(return_channel=ReturnChannel.POSTAL)),
    "door_to_door": _c(Q(intake_channel=IntakeChannel.POSTAL, return_channel=ReturnChannel.POSTAL)),
}
DONE_AGGREGATES = {
    "done_early": _c(Q(timeliness=Timeliness.EARLY)),
    "done_on_time": _c(Q(timeliness=Timeliness.ON_TIME)),
    "done_late": _c(Q(timeliness=Timeliness.LATE)),
    "processing_count": Count("report_processing"),
    "processing_milli_days": Sum("report_processing__milli_days"),
}
RATING_AGGREGATES = {f"rated_{score}": _c(Q(dossier__rating=score)) for score in range(1, 6)}


STEP_AGGREGATES = {
    "steps_early": _c(Q(timeliness=Timeliness.EARLY)),
    "steps_on_time": _c(Q(timeliness=Timeliness.ON_TIME)),
    "steps_late": _c(Q(timeliness=Timeliness.LATE)),
    "steps_timed": Count("working_seconds"),
    "steps_working_seconds": Sum("working_seconds"),
}
WORKED = (StepOutcome.FORWARDED, StepOutcome.SENT_BACK, StepOutcome.COMPLETED)
# A step row's key: the dossier's province, desk and procedure, and the agency that worked the step.
STEP_KEYS = {
    "province_id": F("dossier__province_id"),
    "agency_id": Coalesce("agency_id", "dossier__agency_id"),
    "desk_id": F("dossier__desk_id"),
    "procedure_id": F("dossier__procedure_id"),
}


def steps_in(scope: Scope):
    """The step rows of `scope` (see "Steps" above), annotated with their key as `k_<key>`."""
    steps = DossierStep.objects.annotate(**{f"k_{key}": expression for key, expression in STEP_KEYS.items()})
    return steps.filter(**{f"k_{f.name}": getattr(scope, f.name) for f in fields(scope) if getattr(scope, f.name)})


def live_step_flows(scope: Scope, a: datetime, b: datetime, keys, out, bucket=None):
    """Add the step counters of [a, b) into `out`, grouped by `keys` (and `bucket`, a day expression)."""
    steps = steps_in(scope).filter(finished_at__gte=a, finished_at__lt=b, outcome__in=WORKED)
    group = [f"k_{key}" for key in keys]
    if bucket is None and not group:
        _merge(out, (), steps.aggregate(**STEP_AGGREGATES))
        return
    rows = steps.order_by().values(*group, **({DAY: bucket} if bucket is not None else {}))
    for row in rows.annotate(**STEP_AGGREGATES):
        key = tuple(row[g] for g in group) + ((row[DAY],) if bucket is not None else ())
        _merge(out, key, {name: row[name] for name in STEP_AGGREGATES})


def open_steps_overdue(scope: Scope, now: datetime, keys=("agency_id",)):
    """{key: open steps of running dossiers past their due moment at `now`} (the agency's by default)."""
    steps = steps_in(scope).filter(finished_at__isnull=True, due_at__lt=now, dossier__status__in=RUNNING_STATUSES)
    group = [f"k_{key}" for key in keys]
    rows = steps.order_by().values(*group).annotate(n=Count("pk"))
    return {tuple(row[g] for g in group): row["n"] for row in rows}


def live_flows(scope: Scope, a: datetime, b: datetime, keys=(), by_day=False):
    """The flow counters of [a, b), grouped by `keys` (and by local day if `by_day`), from the live tables."""
    out = defaultdict(lambda: dict.fromkeys(FLOW_FIELDS, 0))
    if a >= b:
        return out
    dossiers = Dossier.objects.filter(scope.q())
    local = tz()

    def bucket(field):
        return TruncDate(field, tzinfo=local) if by_day else None

    received = dossiers.filter(received_at__gte=a, received_at__lt=b)
    grouped(received, keys, RECEIVED_AGGREGATES, out, extra=bucket("received_at"))

    done = dossiers.filter(pk__in=_events("complete", a, b, EVENT_MARGIN), completed_at__gte=a, completed_at__lt=b)
    ensure_processing_times(done)
    grouped(done, keys, DONE_AGGREGATES, out, extra=bucket("completed_at"))

    events = DossierEvent.objects.filter(scope.q("dossier__"), at__gte=a, at__lt=b)
    withdrawn = events.filter(action="withdraw", dossier__received_at__isnull=False)
    grouped(withdrawn, keys, {"withdrawn": _c()}, out, prefix="dossier__", extra=bucket("at"))
    refused = events.filter(action="refuse")
    grouped(refused, keys, {"refused": _c()}, out, prefix="dossier__", extra=bucket("at"))
    rated = events.filter(action="rate", dossier__rating__isnull=False)
    grouped(rated, keys, RATING_AGGREGATES, out, prefix="dossier__", extra=bucket("at"))
    live_step_flows(scope, a, b, keys, out, bucket("finished_at"))
    return out


def _open_now(queryset, scope):
    """Open dossiers now, filtered so that PostgreSQL can use the status indexes of the dossier table."""
    queryset = queryset.filter(status__in=CLOCK_STATUSES, received_at__isnull=False)
    if scope.province_id and not (scope.agency_id or scope.desk_id):
        from portal.models import OneStopDesk

        desks = OneStopDesk.objects.filter(province_id=scope.province_id).values_list("pk", flat=True)
        queryset = queryset.filter(desk_id__in=list(desks))
    return queryset


def live_stocks(scope: Scope, t: datetime, keys=(), now=None):
    """The open stock at instant `t` (within / overdue / paused), grouped by `keys`."""
    now = now or timezone.now()
    out = defaultdict(lambda: dict.fromkeys(STOCK_FIELDS, 0))
    dossiers = Dossier.objects.filter(scope.q())
    if t >= now:
        candidates = _open_now(dossiers, scope)
    else:
        # Open at t = open now, or closed since t (each closing left an audit event at or after t).
        closed_since = DossierEvent.objects.filter(action__in=("complete", "withdraw"), at__gte=t - EVENT_MARGIN)
        candidates = dossiers.filter(
            Q(status__in=CLOCK_STATUSES) | Q(pk__in=closed_since.values("dossier_id")), received_at__lt=t
        )
    paused = Exists(
        ClockPause.objects.filter(dossier=OuterRef("pk"), started_at__lt=t).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=t)
        )
    )
    open_at_t = (
        candidates.filter(received_at__lt=t)
        .exclude(completed_at__lt=t)
        .exclude(withdrawn_before(t))
        .alias(paused=paused)
    )
    running = Q(paused=False)
    aggregates = {
        "open_paused": _c(Q(paused=True)),
        "open_overdue": _c(running & Q(due_at__lt=t)),
        "open_within": _c(running & (Q(due_at__gte=t) | Q(due_at__isnull=True))),
    }
    grouped(open_at_t, keys, aggregates, out)
    return out


def stocks_by_day(scope: Scope, first: date, last: date, keys=()):
    """The open stock at the end of every day in [first, last] in one pass over the history (for rebuilds).

    Same definitions as `live_stocks` at each day's end t: open ⇔ received on or before the day and not closed on
    or before it; overdue ⇔ due_at's local day ≤ the day; paused ⇔ a pause started on or before the day and not
    ended on or before it. Each quantity is a running sum of per-day entries minus per-day exits."""
    local = tz()
    received = Dossier.objects.filter(scope.q(), received_at__isnull=False)
    withdrawn_at = Subquery(
        DossierEvent.objects.filter(dossier=OuterRef("pk"), action="withdraw").order_by("at").values("at")[:1]
    )
    closed = received.annotate(withdrawn_at=withdrawn_at).filter(
        Q(completed_at__isnull=False) | Q(withdrawn_at__isnull=False)
    )
    r_day = TruncDate("received_at", tzinfo=local)
    d_day = TruncDate("due_at", tzinfo=local)
    c_day = TruncDate("completed_at", tzinfo=local)
    w_day = TruncDate("withdrawn_at", tzinfo=local)
    pauses = ClockPause.objects.filter(scope.q("dossier__"), dossier__received_at__isnull=False)
    p_start = TruncDate("started_at", tzinfo=local)
    p_end = TruncDate("ended_at", tzinfo=local)
    p_received = TruncDate("dossier__received_at", tzinfo=local)
    p_due = TruncDate("dossier__due_at", tzinfo=local)

    deltas = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))  # key → day → quantity → change

    def add(queryset, quantity, sign, expression, prefix=""):
        group = [f"{prefix}{k}" for k in keys]
        for row in queryset.order_by().values(*group, day=expression).annotate(n=Count("pk")):
            if row["day"] is not None:
                deltas[tuple(row[g] for g in group)][row["day"]][quantity] += sign * row["n"]

    from django.db.models.functions import Greatest

    has_due = received.filter(due_at__isnull=False)
    closed_due = closed.filter(due_at__isnull=False)
    add(received, "open", 1, r_day)
    add(closed.filter(completed_at__isnull=False), "open", -1, c_day)
    add(closed.filter(completed_at__isnull=True), "open", -1, w_day)
    add(has_due, "overdue", 1, Greatest(r_day, d_day))
    add(closed_due.filter(completed_at__isnull=False), "overdue", -1, Greatest(r_day, d_day, c_day))
    add(closed_due.filter(completed_at__isnull=True), "overdue", -1, Greatest(r_day, d_day, w_day))
    add(pauses, "paused", 1, Greatest(p_start, p_received), prefix="dossier__")
    ended = pauses.filter(ended_at__isnull=False)
    add(ended, "paused", -1, Greatest(p_start, p_received, p_end), prefix="dossier__")
    paused_due = pauses.filter(dossier__due_at__isnull=False)
    add(paused_due, "paused_overdue", 1, Greatest(p_start, p_received, p_due), prefix="dossier__")
    add(
        paused_due.filter(ended_at__isnull=False),
        "paused_overdue",
        -1,
        Greatest(p_start, p_received, p_due, p_end),
        prefix="dossier__",
    )

    out = {}
    for key, by_day in deltas.items():
        running = defaultdict(int)
        days = sorted(by_day)
        i = 0
        while i < len(days) and days[i] < first:  # the history before the range folds into the start
            for quantity, change in by_day[days[i]].items():
                running[quantity] += change
            i += 1
        d = first
        while d <= last:
            if i < len(days) and days[i] == d:
                for quantity, change in by_day[d].items():
                    running[quantity] += change
                i += 1
            if running["open"]:
                overdue = running["overdue"] - running["paused_overdue"]
                out[key + (d,)] = {
                    "open_paused": running["paused"],
                    "open_overdue": overdue,
                    "open_within": running["open"] - running["paused"] - overdue,
                }
            d += timedelta(days=1)
    return out


def ensure_processing_times(done_queryset):
    """Compute and store the processing time of the completed dossiers of `done_queryset` that have none yet."""
    from portal.models import OneStopDesk
    from portal.working_time import calendar_for_desk

    missing = list(
        done_queryset.filter(report_processing__isnull=True, received_at__isnull=False, completed_at__isnull=False)
        .order_by()
        .values_list("pk", "received_at", "completed_at", "desk_id")
    )
    if not missing:
        return 0
    desks = OneStopDesk.objects.in_bulk({desk_id for *_, desk_id in missing})
    pauses = defaultdict(list)
    for dossier_id, started_at, ended_at in ClockPause.objects.filter(
        dossier_id__in=[row[0] for row in missing]
    ).values_list("dossier_id", "started_at", "ended_at"):
        pauses[dossier_id].append((started_at, ended_at))
    calendars = {}
    rows = []
    for pk, received_at, completed_at, desk_id in missing:
        calendar = calendars.get(desk_id) or calendars.setdefault(desk_id, calendar_for_desk(desks[desk_id]))
        # Pauses end at completion at the latest (services.complete closes an open one).
        paused = [(a, min(b or completed_at, completed_at)) for a, b in pauses.get(pk, ()) if a < completed_at]
        worked = calendar.working_time_between(received_at, completed_at)
        if paused:
            worked -= calendar.paused_time(received_at, paused)
        seconds = max(0, int(worked.total_seconds()))
        day_seconds = int(calendar.day_length().total_seconds()) or 1
        rows.append(
            ProcessingTime(dossier_id=pk, working_seconds=seconds, milli_days=round(seconds * 1000 / day_seconds))
        )
    ProcessingTime.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


# --- from counters to indicators -------------------------------------------------------------------------------


def _rate(numerator, denominator, places=4):
    return round(numerator / denominator, places) if denominator else None


@dataclass
class Totals:
    """The counters of one window (and one group): flows inside it, the stock at its start and at its end."""

    flows: dict
    start: dict
    end: dict

    @classmethod
    def empty(cls):
        return cls(dict.fromkeys(FLOW_FIELDS, 0), dict.fromkeys(STOCK_FIELDS, 0), dict.fromkeys(STOCK_FIELDS, 0))

    @property
    def received_total(self):
        f = self.flows
        return f["received_online"] + f["received_postal"] + f["received_walk_in"]

    @property
    def carried_over(self):
        return sum(self.start.values())

    @property
    def done_total(self):
        f = self.flows
        return f["done_early"] + f["done_on_time"] + f["done_late"]

    @property
    def ratings(self):
        return [self.flows[f"rated_{score}"] for score in range(1, 6)]

    def api(self):
        """Exactly the keys that docs/api.md promises for `GET /api/v1/reports/service-index/`."""
        f, end = self.flows, self.end
        received = self.received_total
        ratings = self.ratings
        rated = sum(ratings)
        processing = f["processing_count"]
        handled = received + self.carried_over
        late = end["open_overdue"] + f["done_late"]
        return {
            "received": {
                "online": f["received_online"],
                "postal": f["received_postal"],
                "walk_in": f["received_walk_in"],
            },
            "carried_over": self.carried_over,
            "done_early": f["done_early"],
            "done_on_time": f["done_on_time"],
            "done_late": f["done_late"],
            "in_progress_within": end["open_within"],
            "in_progress_overdue": end["open_overdue"],
            "paused": end["open_paused"],
            "on_time_rate": _rate(handled - late, handled),
            "late_rate": _rate(late, handled),
            "online_rate": _rate(f["received_online"], received),
            "online_payment_rate": _rate(f["paid_online"], f["fee_dossiers"]),
            "postal_share": _rate(f["postal_used"], f["postal_eligible"]),
            "avg_processing_working_days": _rate(f["processing_milli_days"], processing * 1000, 2),
            "satisfaction_avg": _rate(sum(s * n for s, n in zip(range(1, 6), ratings, strict=True)), rated, 2),
        }

    def steps(self, open_overdue=0):
        """The `steps` block of an agency (or of the whole answer) with `group_by=agency` ("Steps" above)."""
        f = self.flows
        return {
            "done_early": f["steps_early"],
            "done_on_time": f["steps_on_time"],
            "done_late": f["steps_late"],
            "avg_working_hours": _rate(f["steps_working_seconds"], f["steps_timed"] * 3600, 2),
            "open_overdue": open_overdue,
        }

    def row(self):
        """Every number of the window, flat: the API's keys plus the extra counters (tables and exports)."""
        data = self.api()
        received = data.pop("received")
        f = self.flows
        return {
            "received_online": received["online"],
            "received_postal": received["postal"],
            "received_walk_in": received["walk_in"],
            "received_total": self.received_total,
            **data,
            "done_total": self.done_total,
            "done_on_time_share": _rate(f["done_early"] + f["done_on_time"], self.done_total),
            "withdrawn": f["withdrawn"],
            "refused": f["refused"],
            "fee_dossiers": f["fee_dossiers"],
            "paid_online": f["paid_online"],
            "postal_eligible": f["postal_eligible"],
            "postal_used": f["postal_used"],
            "postal_intake": f["postal_intake"],
            "postal_return": f["postal_return"],
            "door_to_door": f["door_to_door"],
            **{f"rated_{score}": f[f"rated_{score}"] for score in range(1, 6)},
        }
