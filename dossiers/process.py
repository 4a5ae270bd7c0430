"""The internal electronic process (quy trình nội bộ, Decree 61/2018 art. 3; Circular 01/2018/TT-VPCP) a
dossier follows between acceptance and the result: the steps taken from the catalog at acceptance (the
snapshot, like the deadline: a later catalog edit changes no running dossier), the step rows worked
(`DossierStep`: the processing control sheet), each step's due moment (its start plus its budget in
working time, with the dossier's clock pauses counted as the dossier's are) and who holds a step now.

The transition table's rows `forward`, `send_back` and `complete` use this through their guards and effects
(dossiers/services/steps.py); the dossier's statutory `due_at` never moves with a step."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from portal.calendar import WORKING_HOURS
from portal.calendar import timeliness as classify
from portal.models import Role, processing_hours
from portal.working_time import calendar_for_desk

from .models import RUNNING_STATUSES, DossierStep, Notification, StepAlert, StepOutcome

DEFAULT_STEP_CODE = "XL"
# Stored as catalog data is (in Vietnamese, whatever the language of the request that accepted the dossier).
DEFAULT_STEP_NAME = "Xử lý hồ sơ"


def snapshot(procedure):
    """The process of `procedure` as the dossier keeps it: its steps in order, or, for a procedure without
    one, a single processing step at its agency with the whole processing time (any role of that agency,
    the receiving desk's officers included, may work it: the behaviour before processes existed)."""
    steps = list(procedure.process_steps.order_by("order", "id"))
    if not steps:
        hours = processing_hours(procedure.processing_time_value, procedure.processing_time_unit)
        return [
            {
                "code": DEFAULT_STEP_CODE,
                "name": DEFAULT_STEP_NAME,
                "role": "",
                "agency": procedure.agency_id,
                "hours": f"{hours:g}",
            }
        ]
    return [
        {
            "code": step.code,
            "name": step.name,
            "role": step.role,
            "agency": step.agency_id,
            "hours": f"{step.hours.normalize():f}",
        }
        for step in steps
    ]


def steps_of(dossier):
    """The snapshot's steps (an empty list for a dossier accepted before processes existed)."""
    return dossier.snap_process or []


def holds(user, dossier, step):
    """Whether `user` works `step` (an open DossierStep) of `dossier` now: a person of the step's role at its
    agency (the receiving desk's officers for a desk step), or its assignee when one was named. A step of no
    particular role (the default single step) is held by the desk's officers and by the agency's specialists
    and heads. A superuser holds every step."""
    if user is None or step is None:
        return False
    if user.is_superuser:
        return True
    if step.assignee_id is not None:
        return step.assignee_id == user.pk
    if step.agency_id is None:  # the receiving desk
        return user.role == Role.OFFICER and user.desk_id == dossier.desk_id
    if not step.role:
        if user.role == Role.OFFICER:
            return user.desk_id == dossier.desk_id
        return user.role in (Role.SPECIALIST, Role.HEAD) and user.agency_id == step.agency_id
    return user.role == step.role and user.agency_id == step.agency_id


def due_moment(dossier, started_at, hours, now, pauses=None):
    """A step's due moment: its start plus its hours in working time on the desk's calendar, the dossier's
    clock pauses since the start added (open ones up to `now`), as the dossier's own due moment is counted."""
    calendar = calendar_for_desk(dossier.desk)
    if pauses is None:
        pauses = list(dossier.pauses.values_list("started_at", "ended_at"))
    return calendar.due_at(started_at, Decimal(str(hours)), WORKING_HOURS, pauses=pauses, as_of=now)


# --- the step's alerts (dossiers/sweep.py sends them) ----------------------------------------------------------
# "sắp hết thời gian của bước" at warn_at, "quá hạn" at due_at: one StepAlert per row, kind and due moment. The
# row's next_alert_at tells the sweep when to look: set here when a step starts or its due moment moves, null
# while the dossier's clock is stopped and once the step is finished; the sweep moves it on as it alerts.

STEP_ALERTS = ("step_due_soon", "step_overdue")  # the staff notifications' kinds


def alerts_apply(step):
    """Whether `step` has alerts of its own: every step of a procedure's process, not the single default step
    of a procedure without one (its budget is the dossier's whole time, which the dossier's alerts cover)."""
    return bool(step.role)


def warn_moment(calendar, started_at, due_at):
    """When "sắp hết thời gian của bước" fires: STEP_WARN_WORKING_HOURS of working time before the step's due
    moment or, for a step whose budget is not longer than that, half way through it (the dossier's rule,
    clock.warn_moment, on the step's own budget)."""
    total = calendar.working_time_between(started_at, due_at)
    warn = timedelta(hours=settings.STEP_WARN_WORKING_HOURS)
    if total <= warn:
        warn = total / 2
    return calendar.add_working_hours(started_at, total - warn) if total > warn else due_at


def first_alert_moment(dossier, step):
    """The first alert moment of a due moment no alert was sent for yet (None while the clock is stopped)."""
    if not alerts_apply(step) or dossier.status not in RUNNING_STATUSES:
        return None
    return step.warn_at if step.warn_at and step.warn_at < step.due_at else step.due_at


def next_alert_moment(step):
    """The step's next alert still to come for its current due moment, from the alerts recorded (one query)."""
    sent = set(StepAlert.objects.filter(step=step, due_at=step.due_at).values_list("kind", flat=True))
    if StepAlert.Kind.DUE_SOON not in sent and step.warn_at and step.warn_at < step.due_at:
        return step.warn_at
    if StepAlert.Kind.OVERDUE not in sent:
        return step.due_at
    return None


def schedule_alerts(dossier):
    """Keep the open step's next alert moment in step with the dossier's clock (door.save calls it after every
    change): none while the clock is stopped (paused, waiting for a supplement), back when it runs again. No
    statement unless the moment changes; while the clock runs, the sweep owns the moment."""
    if dossier.current_step_id is None:
        return
    step = dossier.current_step
    if not alerts_apply(step) or step.finished_at is not None:
        return
    if dossier.status not in RUNNING_STATUSES:
        wanted = None
    elif step.next_alert_at is not None:
        return
    else:  # running again (or every alert of this due moment sent)
        wanted = next_alert_moment(step)
    if wanted != step.next_alert_at:
        step.next_alert_at = wanted
        DossierStep.objects.filter(pk=step.pk).update(next_alert_at=wanted)


def alert_key(seq, due_at):
    """A step alert's notification key: the row of the control sheet and the due moment it was sent for (UTC)."""
    return f"{seq}:{due_at.astimezone(UTC).isoformat()}"


def holders_many(rows):
    """Who hears of each step row of a batch (rows with id, assignee_id, agency_id, role, desk_id): its
    assignee when one is named (and active), else the accounts `staff_of` gives. {row id: [(user id,
    username)] by id}, in one query for the batch."""
    from portal.models import User

    desks = {row.desk_id for row in rows if row.agency_id is None}
    agencies = {row.agency_id for row in rows if row.agency_id is not None}
    roles = {role for row in rows if row.agency_id is not None for role in _roles(row.role)}
    wanted = Q(pk__in={row.assignee_id for row in rows if row.assignee_id})
    if desks:
        wanted |= Q(role=Role.OFFICER, desk_id__in=desks)
    if agencies:
        wanted |= Q(role__in=roles, agency_id__in=agencies)
    by_id, officers, at_agency = {}, defaultdict(list), defaultdict(list)
    users = User.objects.filter(is_active=True).filter(wanted).order_by("id")
    for user_id, username, role, desk_id, agency_id in users.values_list("id", "username", "role", "desk", "agency"):
        by_id[user_id] = (user_id, username)
        if role == Role.OFFICER:
            officers[desk_id].append((user_id, username))
        at_agency[role, agency_id].append((user_id, username))
    found = {}
    for row in rows:
        if row.assignee_id in by_id:
            found[row.id] = [by_id[row.assignee_id]]
        elif row.agency_id is None:
            found[row.id] = officers[row.desk_id]
        else:
            found[row.id] = sorted(user for role in _roles(row.role) for user in at_agency[role, row.agency_id])
    return found


def _roles(role):
    return [role] if role else [Role.SPECIALIST, Role.HEAD]


def start(dossier, index, seq, now, given_by, assignee=None, note=""):
    """Open row `seq` (1 for the first step worked) for step `index` of the snapshot and point the dossier
    at it (the caller saves the dossier)."""
    spec = steps_of(dossier)[index]
    due = due_moment(dossier, now, spec["hours"], now, pauses=[])
    step = DossierStep(
        dossier=dossier,
        seq=seq,
        index=index,
        code=spec["code"],
        name=spec["name"],
        role=spec["role"],
        agency_id=spec["agency"],
        assignee=assignee,
        hours=Decimal(spec["hours"]),
        started_at=now,
        due_at=due,
        given_by=given_by,
        note=note or "",
    )
    if alerts_apply(step):
        step.warn_at = warn_moment(calendar_for_desk(dossier.desk), now, due)
        step.next_alert_at = first_alert_moment(dossier, step)
    step.save(force_insert=True)
    dossier.current_step = step
    return step


def finish(dossier, now, by, outcome, note=""):
    """Close the current step (timeliness judged like a dossier's) and clear the pointer; returns it or None."""
    step = dossier.current_step
    if step is None:
        return None
    calendar = calendar_for_desk(dossier.desk)
    step.due_at = due_moment(dossier, step.started_at, step.hours, now)
    step.finished_at = now
    step.finished_by = by
    step.outcome = outcome
    step.timeliness = classify(now, step.due_at, calendar.tz)
    step.working_seconds = int(calendar.working_time_between(step.started_at, now).total_seconds())
    if note:
        step.note = note
    step.next_alert_at = None  # a finished step alerts no more
    step.save(
        update_fields=[
            "due_at",
            "finished_at",
            "finished_by",
            "outcome",
            "timeliness",
            "working_seconds",
            "note",
            "next_alert_at",
        ]
    )
    _settle_alerts(step, now)
    dossier.current_step = None
    return step


def _settle_alerts(step, now):
    """A finished step's alerts stop showing as unread in its people's bell (as a finished dossier's do:
    notifications.settle_deadline_alerts); no statement for a step finished before its first alert moment."""
    first = step.warn_at or step.due_at
    if not alerts_apply(step) or first > now:
        return
    Notification.objects.filter(
        dossier_id=step.dossier_id,
        channel=Notification.Channel.STAFF,
        kind__in=STEP_ALERTS,
        key__startswith=f"{step.seq}:",
        read_at__isnull=True,
    ).update(read_at=now)


def recompute(dossier, now, pauses):
    """The open step's due moment after the dossier's pauses changed (clock.recompute calls it)."""
    step = dossier.current_step
    if step is None:
        return
    due = due_moment(dossier, step.started_at, step.hours, now, pauses=pauses)
    if due != step.due_at:
        # A new due moment: its alerts are still to come (keyed on the moment, as the dossier's are).
        step.due_at = due
        if alerts_apply(step):
            step.warn_at = warn_moment(calendar_for_desk(dossier.desk), step.started_at, due)
            step.next_alert_at = first_alert_moment(dossier, step)
        DossierStep.objects.filter(pk=step.pk).update(
            due_at=due, warn_at=step.warn_at, next_alert_at=step.next_alert_at
        )


def close(dossier, now, by):
    """The dossier leaves processing another way (withdrawn): its open step ends without a judgement."""
    step = dossier.current_step
    if step is None:
        return
    DossierStep.objects.filter(pk=step.pk).update(
        finished_at=now, finished_by=by, outcome=StepOutcome.CLOSED, next_alert_at=None
    )
    dossier.current_step = None


def next_index(dossier):
    step = dossier.current_step
    if step is None:
        return None
    following = step.index + 1
    return following if following < len(steps_of(dossier)) else None


def is_last(dossier):
    step = dossier.current_step
    return step is not None and step.index == len(steps_of(dossier)) - 1


def earlier_index(dossier, code=None):
    """The step a send-back returns to: the one with `code` before the current step, or the previous one;
    None when there is no such earlier step."""
    step = dossier.current_step
    if step is None or step.index == 0:
        return None
    if not code:
        return step.index - 1
    for index, spec in enumerate(steps_of(dossier)[: step.index]):
        if spec["code"] == code:
            return index
    return None


def staff_of(dossier, index):
    """Who works step `index`: a queryset of the accounts that hold it when nobody is named."""
    from portal.models import User

    spec = steps_of(dossier)[index]
    if spec["agency"] is None:
        return User.objects.filter(role=Role.OFFICER, desk_id=dossier.desk_id, is_active=True)
    roles = [spec["role"]] if spec["role"] else [Role.SPECIALIST, Role.HEAD]
    return User.objects.filter(role__in=roles, agency_id=spec["agency"], is_active=True)
