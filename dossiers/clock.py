"""The dossier's statutory clock: `due_at` recomputed by one function from acceptance,
the snapshotted processing time and every pause; after an apology, from the promised
moment plus the pauses that began after it. Also when the deadline sweep must look next."""

from datetime import timedelta

from django.conf import settings

from portal.working_time import calendar_for_desk

from . import process
from .models import ClockAlert, ClockPause


def close_pause(dossier, now):
    ClockPause.objects.filter(dossier=dossier, ended_at__isnull=True).update(ended_at=now)


def recompute(dossier, now):
    """Set due_at and warn_at (open pauses count up to `now`). The caller saves."""
    if dossier.received_at is None:
        return
    calendar = calendar_for_desk(dossier.desk)
    pauses = list(dossier.pauses.values_list("started_at", "ended_at"))
    if dossier.apology_due_at:
        later = [(start, end) for start, end in pauses if start >= dossier.apologized_at]
        extra = calendar.paused_time(dossier.apologized_at, later, as_of=now) if later else timedelta(0)
        dossier.due_at = calendar.add_working_hours(dossier.apology_due_at, extra) if extra else dossier.apology_due_at
    else:
        dossier.due_at = calendar.due_at(
            dossier.received_at,
            dossier.snap_processing_value,
            dossier.snap_processing_unit,
            pauses=pauses,
            as_of=now,
        )
    dossier.warn_at = warn_moment(calendar, dossier.received_at, dossier.due_at)
    if dossier.current_step_id is not None:  # the step's budget stops and resumes with the dossier's clock
        process.recompute(dossier, now, pauses)


def warn_moment(calendar, received_at, due_at):
    """When "sắp đến hạn" fires: DOSSIER_WARN_WORKING_HOURS of working time before the due moment,
    or, when the whole duration is not longer than that (a same-day or few-hours procedure), half
    way through it; never at the moment of acceptance."""
    total = calendar.working_time_between(received_at, due_at)
    warn = timedelta(hours=settings.DOSSIER_WARN_WORKING_HOURS)
    if total <= warn:
        warn = total / 2
    return calendar.add_working_hours(received_at, total - warn) if total > warn else due_at


def next_alert_moment(dossier):
    """The next deadline alert still to come for this dossier, or None."""
    if not dossier.is_running or dossier.due_at is None:
        return None
    sent = set(ClockAlert.objects.filter(dossier=dossier, due_at=dossier.due_at).values_list("kind", flat=True))
    if ClockAlert.Kind.DUE_SOON not in sent and dossier.warn_at and dossier.warn_at < dossier.due_at:
        return dossier.warn_at
    if ClockAlert.Kind.OVERDUE not in sent:
        return dossier.due_at
    return None
