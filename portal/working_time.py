"""The working calendar of a desk, as a plain value for the pure functions in
portal/calendar.py: the desk's opening hours plus its province's extra days off and
extra working days. Built once per desk and cached until a calendar override changes: in the shared cache under
the calendar's version, and in each process under the version it read it with (a WorkingCalendar is a frozen,
hashable value, so every caller may hold the same one; issue 18: the pair read and unpickled it from Redis on every
deadline it counted)."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .calendar import DEFAULT_SESSIONS, WorkingCalendar
from .models import CalendarOverride, OneStopDesk
from .versions import SharedVersion

VERSION = SharedVersion("motcua:calendar-version")

# (version, {key: calendar}): replaced whole when the version changes, so that a thread still filling the memo of an
# older version never writes into the new one. Bounded by the provinces × the desks' distinct opening hours.
_memo = (None, {})


@receiver([post_save, post_delete], sender=CalendarOverride)
@receiver([post_save, post_delete], sender=OneStopDesk)
def _bump_version(**kwargs):
    VERSION.bump_with_commit()


def calendar_for_province(province_id, sessions=DEFAULT_SESSIONS) -> WorkingCalendar:
    hours = "-".join(f"{opens:%H%M}{closes:%H%M}" for opens, closes in sessions)
    version = VERSION.current()
    memo = _memo
    if memo[0] != version:
        memo = _set_memo(version)
    key = f"motcua:calendar:{version}:{province_id}:{hours}"
    calendar = memo[1].get(key)
    if calendar is not None:
        return calendar
    calendar = cache.get(key)
    if calendar is None:
        overrides = list(CalendarOverride.objects.filter(province_id=province_id).values_list("date", "kind"))
        calendar = WorkingCalendar(
            sessions=tuple(sessions),
            extra_days_off=frozenset(d for d, kind in overrides if kind == CalendarOverride.Kind.DAY_OFF),
            extra_working_days=frozenset(d for d, kind in overrides if kind == CalendarOverride.Kind.WORKING_DAY),
        )
        cache.set(key, calendar, timeout=3600)
    memo[1][key] = calendar
    return calendar


def _set_memo(version):
    global _memo
    _memo = (version, {})
    return _memo


def calendar_for_desk(desk) -> WorkingCalendar:
    return calendar_for_province(desk.province_id, desk.sessions)
