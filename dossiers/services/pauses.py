"""The statutory clock's doors: pause and resume with a reason (a `ClockPause` row each),
the apology letter with a new appointment (once, before the due moment), and recomputing
`due_at` after a pause was added from outside. Re-exported by `dossiers.services`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import clock, door
from ..models import ClockPause
from .perform import effect, perform


def pause(dossier, user, reason, kind=ClockPause.Kind.MANUAL):
    return perform("pause", dossier, user, reason=reason, kind=kind)


@effect("pause", validate=lambda data: door.require(data.get("reason"), "reason", _("Vui lòng nêu lý do tạm dừng.")))
def _pause(run):
    reason = run.note = run.data["reason"]
    kind = run.data.get("kind") or ClockPause.Kind.MANUAL
    ClockPause.objects.create(dossier=run.dossier, kind=kind, started_at=run.now, reason=reason, by=run.actor)
    clock.recompute(run.dossier, run.now)


def resume(dossier, user, note=""):
    return perform("resume", dossier, user, note=note)


@effect("resume")
def _resume(run):
    clock.close_pause(run.dossier, run.now)
    clock.recompute(run.dossier, run.now)
    run.event = {"due_at": run.dossier.due_at.isoformat()}


def apologize(dossier, user, new_due_at, reason):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: once, before the due moment, to a later one (the
    row's guards `apology_once`, `before_due`, `later_appointment`)."""
    return perform("apologize", dossier, user, new_due_at=new_due_at, reason=reason)


@effect(
    "apologize",
    after=lambda run: door.notify(run.dossier, "apology"),
    validate=lambda data: door.require(data.get("reason"), "reason", _("Vui lòng nêu lý do chậm trả kết quả.")),
)
def _apologize(run):
    dossier = run.dossier
    previous = dossier.due_at
    dossier.apologized_at = run.now
    dossier.apology_due_at = run.data["new_due_at"]
    clock.recompute(dossier, run.now)
    run.note = run.data["reason"]
    run.event = {"previous_due_at": previous.isoformat(), "new_due_at": dossier.due_at.isoformat()}


def recompute_clock(dossier):
    """Recompute and store due_at/warn_at (after a pause row was added from outside, e.g. a
    campaign's clock stop)."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        clock.recompute(dossier, timezone.now())
        door.save(dossier, update_fields=["due_at", "warn_at", "next_alert_at", "updated_at"])
    return dossier
