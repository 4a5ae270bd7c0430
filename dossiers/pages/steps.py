"""The internal process on the staff pages (quy trình nội bộ, issue 15): the queue of what waits for a
specialist or a head ("Việc chờ tôi xử lý", in the due order of the open step), and the process as the staff
dossier page shows it (every step worked, the current one marked, the steps still to come). The buttons that
hand a step on or back are the dossier page's action forms (officer.py), decided by `services.can`."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Agency, Role
from portal.working_time import calendar_for_desk

from .. import process, queues
from ..access import visible_dossiers
from ..models import DossierStep, Status, StepOutcome, Timeliness

WAITING_ROLES = (Role.SPECIALIST, Role.HEAD)


def step_place(agency):
    """Where a step is worked: its agency, or the receiving desk (Bộ phận Một cửa) for a desk step."""
    return agency.name if agency is not None else _("Bộ phận Một cửa")


def time_left(step, dossier, now, calendar):
    """(left, overdue_by): the working time to the step's due moment, or past it; both None when paused
    (the step clock stops with the dossier's)."""
    if dossier.status == Status.PAUSED:
        return None, None
    if step.due_at >= now:
        return calendar.working_time_between(now, step.due_at), None
    return None, calendar.working_time_between(step.due_at, now)


@login_required
def waiting(request):
    """Việc chờ tôi xử lý: the dossiers whose open step the specialist or head holds, the overdue steps first,
    in keyset pages. An officer's step work is in the desk's queue."""
    user = request.user
    if user.role == Role.OFFICER:
        return redirect("dossiers:queue")
    if user.role not in WAITING_ROLES:
        raise PermissionDenied
    now = timezone.now()
    rows = queues.waiting_rows(visible_dossiers(user), user)
    after, before = request.GET.get("after"), request.GET.get("before")
    page = queues.keyset_page(rows, "step_due", after=after, before=before, size=queues.PAGE_SIZE)
    calendars = {}
    for dossier in page.rows:
        desk = dossier.desk
        calendar = calendars.get(desk.pk) or calendars.setdefault(desk.pk, calendar_for_desk(desk))
        step = dossier.current_step
        step.place = step_place(step.agency)
        dossier.left, dossier.overdue_by = time_left(step, dossier, now, calendar)
    return render(request, "dossiers/officer/waiting.html", {"page": page, "now": now})


def process_rows(dossier, now):
    """The process as the staff dossier page shows it: every step row worked (a step sent back and worked
    again is a row of its own), the open one marked `current` with its time left, then the steps of the
    snapshot still to come (`upcoming`, not started). Empty for a dossier with no step (before acceptance)."""
    worked = list(
        DossierStep.objects.filter(dossier=dossier).select_related("agency", "assignee", "given_by", "finished_by")
    )
    if not worked:
        return []
    calendar = calendar_for_desk(dossier.desk)
    rows = []
    for step in worked:
        current = step.pk == dossier.current_step_id and step.finished_at is None
        left = overdue_by = None
        if current:
            left, overdue_by = time_left(step, dossier, now, calendar)
        rows.append(
            {
                "step": step,
                "code": step.code,
                "name": step.name,
                "place": step_place(step.agency),
                "person": step.assignee or step.finished_by,
                "current": current,
                "left": left,
                "overdue_by": overdue_by,
                "paused": current and dossier.status == Status.PAUSED,
                "late": step.timeliness == Timeliness.LATE or overdue_by is not None,
                "outcome": StepOutcome(step.outcome).label if step.outcome else "",
                "upcoming": False,
            }
        )
    open_step = next((row["step"] for row in rows if row["current"]), None)
    if open_step is not None:
        to_come = process.steps_of(dossier)[open_step.index + 1 :]
        ids = {spec["agency"] for spec in to_come if spec["agency"]}
        agencies = Agency.objects.in_bulk(ids) if ids else {}
        for spec in to_come:
            rows.append(
                {
                    "code": spec["code"],
                    "name": spec["name"],
                    "place": step_place(agencies.get(spec["agency"])),
                    "hours": Decimal(spec["hours"]),
                    "current": False,
                    "late": False,
                    "upcoming": True,
                }
            )
    return rows
