"""The working calendar: deadline arithmetic in working time (thời hạn giải quyết tính theo ngày/giờ làm việc).

A pure core: plain functions over a plain :class:`WorkingCalendar` value. No Django models, no settings, no
database. The shells (dossier services, postal SLA sweeps, reports) build a calendar from the province's
overrides and call these functions; they never do date arithmetic themselves.

The convention (pinned in ``docs/domain.md``, "motcua's clock convention"):

* Working time = the desk's sessions (default 07:00–11:30 and 13:30–17:00, 8 h) on working days. A working day
  is what the ``holidays`` package's Vietnam calendar says (Monday–Friday minus public holidays and substituted
  days off, plus the swapped working Saturdays in ``weekend_workdays``), minus the province's ``extra_days_off``,
  plus the province's ``extra_working_days`` (which keep the default sessions). A date in both province sets is
  a working day: the added working day is applied last.
* Sessions are half-open intervals ``[opening, closing)``: a moment exactly at a closing time is *not* working
  time (its next working moment is the next opening), but a duration that runs out exactly at a closing time is
  due at that closing time, not at the next opening.
* N working days = N × :meth:`WorkingCalendar.day_length` of working time (5 working days from 09:32 Friday
  27/10/2023 → 09:32 Friday 03/11/2023).
* Same day (trong ngày; sau 15 giờ thì trả vào ngày làm việc tiếp theo): see :meth:`WorkingCalendar.same_day_due`.
* A clock pause (tạm dừng tính thời hạn, e.g. chờ bổ sung hồ sơ) adds the working time it covers to the duration;
  :meth:`WorkingCalendar.due_at` recomputes the due moment from acceptance, duration and pauses.

Every datetime argument must be timezone-aware (``ValueError`` otherwise); results are in the calendar's zone.
Arithmetic is done in local wall-clock time, which is exact for Asia/Ho_Chi_Minh (no DST since 1975).

Cost: never minute by minute. Whole weeks that cannot hold the end are skipped in one step, other whole days one
calendar day per iteration; whether a date is a working day is memoised per date (and per calendar), and the
number of working days of a week per Monday. Adding 30 working days is a dozen cheap iterations.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_SESSIONS",
    "EARLY",
    "LATE",
    "ON_TIME",
    "UNITS",
    "VN_TZ",
    "WorkingCalendar",
    "timeliness",
    "vn",
]

DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(*args) -> datetime:
    """A wall-clock moment in Vietnam: `vn(2020, 4, 2, 9)` is 02/04/2020 09:00 in Asia/Ho_Chi_Minh
    (demo data, previews and tests write moments this way)."""
    return datetime(*args, tzinfo=VN_TZ)


#: Units of a procedure's processing time (thời hạn giải quyết).
WORKING_DAYS = "working_days"
WORKING_HOURS = "working_hours"
SAME_DAY = "same_day"
UNITS = (WORKING_DAYS, WORKING_HOURS, SAME_DAY)

#: Timeliness classes at completion: trước hạn, đúng hạn, quá hạn.
EARLY = "early"
ON_TIME = "on_time"
LATE = "late"

_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0, 0)
_MICROSECONDS_PER_HOUR = 3_600_000_000
# A calendar with no working day for ten years is a configuration error, not a reason to loop forever.
_MAX_SEARCH_DAYS = 3660
_MEMO_LIMIT = 20000
_ONE_WEEK = timedelta(days=7)

# One Vietnam calendar for the process: it expands years lazily. The expansion mutates the object, so misses of
# the memo below go through a lock; hits never touch it.
_VN_HOLIDAYS = holidays.country_holidays("VN")
_VN_LOCK = threading.Lock()


@lru_cache(maxsize=16384)
def _vn_is_working_day(d: date) -> bool:
    """Whether ``d`` is a working day in the national calendar (ngày làm việc theo lịch nghỉ lễ, Tết)."""
    with _VN_LOCK:
        return _VN_HOLIDAYS.is_working_day(d)


def _offset(t: time) -> timedelta:
    """A wall-clock time as the time elapsed since midnight."""
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _require_aware(moment: datetime, name: str = "moment") -> None:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")


def _scaled(value, unit_microseconds: int, what: str) -> timedelta:
    """``value`` × a unit given in microseconds, exactly for ``int`` and ``Decimal``; ``value`` must be >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if isinstance(value, numbers.Integral):
        microseconds = int(value) * unit_microseconds
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} must be finite, got {value!r}")
        microseconds = int((value * unit_microseconds).to_integral_value(rounding=ROUND_HALF_EVEN))
    elif isinstance(value, numbers.Real):
        as_float = float(value)
        if as_float != as_float or as_float in (float("inf"), float("-inf")):
            raise ValueError(f"{what} must be finite, got {value!r}")
        microseconds = round(as_float * unit_microseconds)
    else:
        raise TypeError(f"{what} must be a real number, got {value!r}")
    if microseconds < 0:
        raise ValueError(f"{what} must not be negative, got {value!r}")
    return timedelta(microseconds=microseconds)


def _to_duration(hours) -> timedelta:
    """A number of working hours (``int``, ``float``, ``Decimal``) or a ``timedelta`` of working time."""
    if isinstance(hours, timedelta):
        if hours < timedelta(0):
            raise ValueError(f"a duration must not be negative, got {hours!r}")
        return hours
    return _scaled(hours, _MICROSECONDS_PER_HOUR, "hours")


@dataclass(frozen=True)
class WorkingCalendar:
    """Lịch làm việc của một Bộ phận Một cửa: sessions, the province's overrides, the time zone, the same-day cutoff.

    A plain, hashable value. Build one per desk/province from the admin's overrides and pass it to the functions
    below; ``WorkingCalendar()`` is the national default.
    """

    sessions: tuple[tuple[time, time], ...] = DEFAULT_SESSIONS
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    tz: ZoneInfo = VN_TZ
    same_day_cutoff: time = time(15, 0)

    # Derived once in __post_init__ (offsets since midnight); not part of the value's identity.
    _spans: tuple[tuple[timedelta, timedelta], ...] = field(init=False, repr=False, compare=False, default=())
    _day_length: timedelta = field(init=False, repr=False, compare=False, default=timedelta(0))
    # Per-calendar memos: date → working day?, Monday → number of working days in that week. Plain dicts (values
    # are idempotent, so concurrent fills are harmless), emptied if they grow past _MEMO_LIMIT entries.
    _days: dict[date, bool] = field(init=False, repr=False, compare=False, default_factory=dict)
    _weeks: dict[date, int] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        sessions = tuple((opening, closing) for opening, closing in self.sessions)
        if not sessions:
            raise ValueError("a working calendar needs at least one session")
        previous_closing = None
        for opening, closing in sessions:
            if not (isinstance(opening, time) and isinstance(closing, time)):
                raise TypeError(f"sessions must be pairs of datetime.time, got {(opening, closing)!r}")
            if opening.tzinfo is not None or closing.tzinfo is not None:
                raise ValueError("session times are wall-clock times in the calendar's zone: no tzinfo")
            if opening >= closing:
                raise ValueError(f"a session must open before it closes, got {opening}–{closing}")
            if previous_closing is not None and opening < previous_closing:
                raise ValueError("sessions must be ordered and must not overlap")
            previous_closing = closing
        if not isinstance(self.same_day_cutoff, time) or self.same_day_cutoff.tzinfo is not None:
            raise ValueError("same_day_cutoff must be a naive datetime.time")
        spans = tuple((_offset(opening), _offset(closing)) for opening, closing in sessions)
        object.__setattr__(self, "sessions", sessions)
        object.__setattr__(self, "extra_days_off", frozenset(self.extra_days_off))
        object.__setattr__(self, "extra_working_days", frozenset(self.extra_working_days))
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_day_length", sum((closing - opening for opening, closing in spans), timedelta(0)))

    def __getstate__(self) -> dict:
        # Pickled (e.g. into the Django cache) without the memos: they are rebuilt cheaply on use.
        return {**self.__dict__, "_days": {}, "_weeks": {}}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    # -- days ---------------------------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day: the national calendar, minus extra days off, plus extra working days."""
        if isinstance(d, datetime):
            raise TypeError("is_working_day takes a date; convert a datetime to the local date first")
        return self._works(d)

    def _works(self, d: date) -> bool:
        try:
            return self._days[d]
        except KeyError:
            pass
        if d in self.extra_working_days:
            works = True
        elif d in self.extra_days_off:
            works = False
        else:
            works = _vn_is_working_day(d)
        if len(self._days) >= _MEMO_LIMIT:
            self._days.clear()
        self._days[d] = works
        return works

    def _working_days_in_week(self, monday: date) -> int:
        """How many working days there are from ``monday`` to the following Sunday."""
        try:
            return self._weeks[monday]
        except KeyError:
            pass
        count = sum(self._works(monday + timedelta(days=i)) for i in range(7))
        if len(self._weeks) >= _MEMO_LIMIT:
            self._weeks.clear()
        self._weeks[monday] = count
        return count

    def day_length(self) -> timedelta:
        """The working time of one working day (8 h with the default sessions); one "working day" of duration."""
        return self._day_length

    def _next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        for _ in range(_MAX_SEARCH_DAYS):
            d += _ONE_DAY
            if self._works(d):
                return d
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days after {d}: check the calendar")

    # -- moments ------------------------------------------------------------------------------------------------

    def _local(self, moment: datetime, name: str = "moment") -> datetime:
        _require_aware(moment, name)
        return moment.astimezone(self.tz)

    def _at(self, d: date, offset: timedelta) -> datetime:
        return datetime.combine(d, _MIDNIGHT, tzinfo=self.tz) + offset

    def _closing(self, d: date) -> datetime:
        """The last closing of day ``d`` (giờ kết thúc ngày làm việc)."""
        return self._at(d, self._spans[-1][1])

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the next opening. A closing instant is not working time."""
        local = self._local(moment)
        d = local.date()
        if self._works(d):
            offset = _offset(local.time())
            for opening, closing in self._spans:
                if offset < opening:
                    return self._at(d, opening)
                if offset < closing:
                    return local
        return self._at(self._next_working_day(d), self._spans[0][0])

    def add_working_hours(self, start: datetime, hours) -> datetime:
        """The instant at which ``hours`` of working time have elapsed from ``start``.

        ``hours``: ``int``, ``float``, ``Decimal`` (hours) or ``timedelta``. Counting starts at the next opening if
        ``start`` is outside working time. If the time runs out exactly at a closing time, that closing time is
        the result (not the next opening). Zero hours → :meth:`next_working_moment`.
        """
        remaining = _to_duration(hours)
        local = self._local(start, "start")
        if not remaining:
            return self.next_working_moment(local)
        day_length = self._day_length
        d = local.date()
        position = _offset(local.time())
        zero = timedelta(0)
        idle_days = 0  # consecutive calendar days without working time: a guard against an all-off calendar
        while True:
            if position == zero and d.weekday() == 0:
                count = self._working_days_in_week(d)
                if remaining > day_length * count:  # the whole week cannot hold the end: skip it in one step
                    remaining -= day_length * count
                    idle_days = 0 if count else idle_days + 7
                    d += _ONE_WEEK
                    self._check_idle(idle_days, d)
                    continue
            if self._works(d):
                idle_days = 0
                if position == zero and remaining > day_length:
                    remaining -= day_length  # a whole working day, skipped in one step
                else:
                    for opening, closing in self._spans:
                        if position >= closing:
                            continue
                        begin = opening if position < opening else position
                        available = closing - begin
                        if remaining <= available:
                            return self._at(d, begin + remaining)
                        remaining -= available
            else:
                idle_days += 1
                self._check_idle(idle_days, d)
            d += _ONE_DAY
            position = zero

    @staticmethod
    def _check_idle(idle_days: int, d: date) -> None:
        if idle_days > _MAX_SEARCH_DAYS:
            raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days before {d}: check the calendar")

    def add_working_days(self, start: datetime, days) -> datetime:
        """``days`` working days from ``start``: ``days`` × :meth:`day_length` of working time (int/Decimal/float)."""
        if isinstance(days, timedelta):
            raise TypeError("days must be a number of working days; pass a timedelta to add_working_hours")
        return self.add_working_hours(start, self._days_to_duration(days))

    def _days_to_duration(self, days) -> timedelta:
        return _scaled(days, self._day_length // timedelta(microseconds=1), "days")

    def same_day_due(self, start: datetime) -> datetime:
        """Due moment of a same-day procedure (giải quyết trong ngày).

        Move ``start`` to the next working moment; if that is at or before the cutoff (15:00) the result is due at
        that day's closing, otherwise at the closing of the following working day.
        """
        moment = self.next_working_moment(start)
        d = moment.date()
        if moment.time() <= self.same_day_cutoff:
            return self._closing(d)
        return self._closing(self._next_working_day(d))

    def _overlap(self, d: date, low: timedelta, high: timedelta) -> timedelta:
        """Working time of day ``d`` inside ``[low, high)`` (offsets since midnight)."""
        total = timedelta(0)
        if not self._works(d):
            return total
        for opening, closing in self._spans:
            begin = opening if opening > low else low
            end = closing if closing < high else high
            if end > begin:
                total += end - begin
        return total

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The working time elapsed from ``a`` to ``b``; zero if ``b <= a``."""
        la = self._local(a, "a")
        lb = self._local(b, "b")
        if lb <= la:
            return timedelta(0)
        da, db = la.date(), lb.date()
        low, high = _offset(la.time()), _offset(lb.time())
        if da == db:
            return self._overlap(da, low, high)
        total = self._overlap(da, low, _ONE_DAY) + self._overlap(db, timedelta(0), high)
        day_length = self._day_length
        d = da + _ONE_DAY
        while d < db:
            if d.weekday() == 0 and d + _ONE_WEEK <= db:
                total += day_length * self._working_days_in_week(d)  # a whole week inside (a, b)
                d += _ONE_WEEK
                continue
            if self._works(d):
                total += day_length
            d += _ONE_DAY
        return total

    # -- the dossier's clock ------------------------------------------------------------------------------------

    def paused_time(
        self,
        start: datetime,
        pauses: Iterable[tuple[datetime, datetime | None]] = (),
        as_of: datetime | None = None,
    ) -> timedelta:
        """Working time covered by clock pauses (tạm dừng tính thời hạn), overlaps counted once.

        Each pause is ``(paused_at, resumed_at)``; ``resumed_at=None`` means still paused and counts up to
        ``as_of`` (required then). Time before ``start`` (acceptance) is not counted: the clock was not running.
        """
        start_local = self._local(start, "start")
        intervals: list[tuple[datetime, datetime]] = []
        for paused_at, resumed_at in pauses:
            low = self._local(paused_at, "paused_at")
            if resumed_at is None:
                if as_of is None:
                    raise ValueError("an open pause (resumed_at=None) needs as_of")
                high = self._local(as_of, "as_of")
            else:
                high = self._local(resumed_at, "resumed_at")
                if high < low:
                    raise ValueError(f"a pause cannot resume ({resumed_at}) before it starts ({paused_at})")
            low = max(low, start_local)
            if high > low:
                intervals.append((low, high))
        intervals.sort()
        total = timedelta(0)
        current_low = current_high = None
        for low, high in intervals:
            if current_high is not None and low <= current_high:
                current_high = max(current_high, high)
                continue
            if current_high is not None:
                total += self.working_time_between(current_low, current_high)
            current_low, current_high = low, high
        if current_high is not None:
            total += self.working_time_between(current_low, current_high)
        return total

    def duration(self, start: datetime, value, unit: str) -> timedelta:
        """The working time a processing time (thời hạn giải quyết) stands for, counted from ``start``.

        ``working_days`` → ``value`` × day length; ``working_hours`` → ``value`` hours; ``same_day`` → the working
        time from ``start`` to :meth:`same_day_due` (``value`` is ignored).
        """
        if unit == WORKING_DAYS:
            if isinstance(value, timedelta):
                raise TypeError("a number of working days is a number, not a timedelta")
            return self._days_to_duration(value)
        if unit == WORKING_HOURS:
            return _to_duration(value)
        if unit == SAME_DAY:
            return self.working_time_between(start, self.same_day_due(start))
        raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")

    def due_at(
        self,
        start: datetime,
        value,
        unit: str,
        pauses: Iterable[tuple[datetime, datetime | None]] = (),
        as_of: datetime | None = None,
    ) -> datetime:
        """Ngày hẹn trả kết quả: the due moment from acceptance, processing time and clock pauses.

        Always recomputed from scratch: ``start`` + (duration + working time paused) in working time. With no
        pauses it equals :meth:`add_working_days`, :meth:`add_working_hours` or :meth:`same_day_due`.
        """
        base = self.duration(start, value, unit)
        return self.add_working_hours(start, base + self.paused_time(start, pauses, as_of))


def timeliness(completed_at: datetime, due_at: datetime, tz: ZoneInfo = VN_TZ) -> str:
    """Timeliness at completion: ``"early"`` (trước hạn), ``"on_time"`` (đúng hạn) or ``"late"`` (quá hạn).

    Completed before the due date's local day → early; on that day at or before the due moment → on time; after
    the due moment → late.
    """
    _require_aware(completed_at, "completed_at")
    _require_aware(due_at, "due_at")
    completed = completed_at.astimezone(tz)
    due = due_at.astimezone(tz)
    if completed.date() < due.date():
        return EARLY
    if completed <= due:
        return ON_TIME
    return LATE
