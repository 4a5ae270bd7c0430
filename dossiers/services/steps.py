"""The internal process's actions (quy trình nội bộ, liên thông): `forward` finishes the current step and
starts the next, `send_back` returns the dossier to an earlier step with a reason. Both are rows of the
transition table (workflow.py) run by `perform`; their guards (holds_step, has_next_step, has_earlier_step,
assignee) are in guards.py and the step rows themselves in dossiers/process.py. Acceptance starts the first
step and `complete` finishes the last (actions.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import door, process
from ..models import StepOutcome
from .perform import effect, perform


def forward(dossier, user, note="", assignee=""):
    """Chuyển bước: hand the dossier to the next step of its process (optionally to one named person there)."""
    return perform("forward", dossier, user, note=note, assignee=assignee)


def send_back(dossier, user, reason, to_step=""):
    """Trả lại: back to an earlier step (`to_step`, its code; the previous one by default), with the reason."""
    return perform("send_back", dossier, user, reason=reason, to_step=to_step)


def _step_event(given, started):
    data = {"from_step": given.code, "to_step": started.code, "step_due_at": started.due_at.isoformat()}
    if started.assignee_id:
        data["assignee"] = started.assignee.username
    return data


@effect("forward")
def _forward(run):
    dossier, now = run.dossier, run.now
    index = process.next_index(dossier)
    given = process.finish(dossier, now, run.actor, StepOutcome.FORWARDED, run.note)
    started = process.start(dossier, index, given.seq + 1, now, run.actor, assignee=run.facts.get("assignee"))
    run.event = _step_event(given, started)


def _valid_send_back(data):
    door.require(data.get("reason"), "reason", _("Vui lòng nêu lý do trả lại bước trước."))


@effect("send_back", validate=_valid_send_back)
def _send_back(run):
    dossier, now = run.dossier, run.now
    index = process.earlier_index(dossier, run.data.get("to_step") or "")
    run.note = run.data["reason"]
    given = process.finish(dossier, now, run.actor, StepOutcome.SENT_BACK, run.note)
    started = process.start(dossier, index, given.seq + 1, now, run.actor)
    run.event = _step_event(given, started)
