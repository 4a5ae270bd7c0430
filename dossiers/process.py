"""The internal electronic process (quy trình nội bộ, Decree 61/2018 art. 3; Circular 01/2018/TT-VPCP) a
dossier follows between acceptance and the result: the steps taken from the catalog at acceptance (the
snapshot, like the deadline: a later catalog edit changes no running dossier), the step rows worked
(`DossierStep`: the processing control sheet), each step's due moment (its start plus its budget in
working time, with the dossier's clock pauses counted as the dossier's are) and who holds a step now.

The transition table's rows `forward`, `send_back` and `complete` use this through their guards and effects
(dossiers/services/steps.py); the dossier's statutory `due_at` never moves with a step."""

from __future__ import annotations

from decimal import Decimal

from portal.calendar import WORKING_HOURS
from portal.calendar import timeliness as classify
from portal.models import Role, processing_hours
from portal.working_time import calendar_for_desk

from .models import DossierStep, StepOutcome

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


def start(dossier, index, seq, now, given_by, assignee=None, note=""):
    """Open row `seq` (1 for the first step worked) for step `index` of the snapshot and point the dossier
    at it (the caller saves the dossier)."""
    spec = steps_of(dossier)[index]
    step = DossierStep.objects.create(
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
        due_at=due_moment(dossier, now, spec["hours"], now, pauses=[]),
        given_by=given_by,
        note=note or "",
    )
    dossier.current_step = step
    return step


def finish(dossier, now, by, outcome, note=""):
    """Close the current step (timeliness judged like a dossier's) and clear the pointer; returns it or None."""
    step = dossier.current_step
    if step is None:
        return None
    step.due_at = due_moment(dossier, step.started_at, step.hours, now)
    step.finished_at = now
    step.finished_by = by
    step.outcome = outcome
    step.timeliness = classify(now, step.due_at, calendar_for_desk(dossier.desk).tz)
    if note:
        step.note = note
    step.save(update_fields=["due_at", "finished_at", "finished_by", "outcome", "timeliness", "note"])
    dossier.current_step = None
    return step


def recompute(dossier, now, pauses):
    """The open step's due moment after the dossier's pauses changed (clock.recompute calls it)."""
    step = dossier.current_step
    if step is None:
        return
    due = due_moment(dossier, step.started_at, step.hours, now, pauses=pauses)
    if due != step.due_at:
        step.due_at = due
        DossierStep.objects.filter(pk=step.pk).update(due_at=due)


def close(dossier, now, by):
    """The dossier leaves processing another way (withdrawn): its open step ends without a judgement."""
    step = dossier.current_step
    if step is None:
        return
    DossierStep.objects.filter(pk=step.pk).update(finished_at=now, finished_by=by, outcome=StepOutcome.CLOSED)
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
