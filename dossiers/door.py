"""The one door's shared machinery, public and lowest: what every door shares, those of
`dossiers.services` and those of payments and uploads: the refusals (400 / 403 / 409), who is acting,
the transition check, the row lock, the event row, the domain event sent on commit, and saving a
dossier with its next deadline alert. The doors call it as `door.lock`, `door.check`, `door.record`…;
it imports no door back. `dossiers.services` re-exports the refusals and `actor_kind`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import Conflict, Forbidden, RuleError
from portal.models import Role

from . import clock, process, workflow
from .models import OPEN_STATUSES, Dossier, DossierEvent, Status

# Finished: the result is ready, held or returned, or the dossier was refused or withdrawn.
FINISHED_STATUSES = frozenset(Status.values) - {Status.DRAFT, *OPEN_STATUSES}


class DossierError(RuleError):
    """A request the rules refuse; `field` names the input at fault (HTTP 400)."""


class FormDataError(DossierError):
    """The declaration (form_data) does not fit its form: HTTP 400 ``{"form_data": {"key" | "group[i].key":
    [messages]}}`` (api.md "Electronic declaration forms"); ``message`` sums it up for a page's banner."""

    def __init__(self, errors):
        self.errors = errors
        shown = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in list(errors.items())[:5])
        more = len(errors) - 5
        if more > 0:
            shown += " " + _("(và %(count)d lỗi khác)") % {"count": more}
        super().__init__(_("Tờ khai chưa hợp lệ: %(errors)s") % {"errors": shown}, "form_data")

    def as_dict(self):
        return {"form_data": self.errors}


class TransitionNotAllowed(Conflict):
    """The dossier's current status does not allow the action (HTTP 409)."""

    def __init__(self, action, status):
        label = workflow.TRANSITIONS[action].label
        super().__init__(
            _("Không thể thực hiện “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.")
            % {"action": label, "status": Status(status).label}
        )


class NotPermitted(Forbidden):
    """The actor may not take this action on this dossier (HTTP 403)."""


class ClaimTaken(Conflict):
    """Another officer holds a live claim on the dossier (HTTP 409)."""

    def __init__(self, dossier):
        super().__init__(
            _("Hồ sơ đang được %(name)s xử lý đến %(until)s.")
            % {"name": dossier.claimed_by, "until": timezone.localtime(dossier.claim_expires_at).strftime("%H:%M")}
        )


def no_permission():
    return _("Bạn không có quyền thực hiện thao tác này với hồ sơ.")


# --- who is acting --------------------------------------------------------------------------


def actor_kind(user, dossier):
    """How `user` stands towards `dossier`: citizen (its owner), officer (of its desk),
    head (of its agency), step (a specialist, or another agency's head, holding its current process
    step), or None."""
    if user is None:
        return workflow.SYSTEM
    if user.is_superuser:
        return workflow.OFFICER
    if user.role == Role.OFFICER and user.desk_id == dossier.desk_id:
        return workflow.OFFICER
    if user.role == Role.HEAD and user.agency_id == dossier.agency_id:
        return workflow.HEAD
    if dossier.owner_id is not None and dossier.owner_id == user.id:
        return workflow.CITIZEN
    if (
        dossier.current_step_id is not None
        and user.role in (Role.SPECIALIST, Role.HEAD)
        and process.holds(user, dossier, dossier.current_step)
    ):
        return workflow.STEP
    return None


def check(action, dossier, user, now=None):
    """The table's own checks of a row: the actor (403), the source status (409), and for an officer's or
    head's action a colleague's live claim (409). Returns the actor kind. `services.perform` and
    `services.can` ask it, and the doors that change no status (upload, edit)."""
    kind = actor_kind(user, dossier)
    transition = workflow.TRANSITIONS[action]
    if kind not in transition.actors:
        raise NotPermitted(no_permission())
    if dossier.status not in transition.sources:
        raise TransitionNotAllowed(action, dossier.status)
    if kind in (workflow.OFFICER, workflow.HEAD, workflow.STEP) and dossier.claimed_by_other(
        user, now or timezone.now()
    ):
        raise ClaimTaken(dossier)
    return kind


def lock(dossier):
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "desk", "agency", "province", "current_step", "owner")  # owner: the SMS rule
        .get(pk=dossier.pk)
    )


def record(dossier, user, action, from_status, note="", **data):
    return DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        actor=user,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        note=note or "",
        data=data,
    )


def send_on_commit(signal, dossier, **data):
    # Through the outbox (portal/outbox.py): sent on commit, and again by the beat sweep if it failed.
    from portal.outbox import enqueue_signal

    from . import events

    name = next(key for key, value in vars(events).items() if value is signal)
    enqueue_signal(f"dossiers.events.{name}", "dossiers.Dossier", dossier_id=dossier.pk, **data)


def notify(dossier, kind, key=""):
    from .notifications import notify_applicant

    notify_applicant(dossier, kind, key=key)


def has_exception(dossier):
    """Whether an urgent exception (seed 003) was granted on this dossier."""
    return dossier.events.filter(action="grant_exception").exists()


def save(dossier, **kwargs):
    dossier.next_alert_at = clock.next_alert_moment(dossier)
    dossier.save(**kwargs)
    process.schedule_alerts(dossier)  # the open step's alerts stop and resume with the dossier's clock
    if dossier.status in FINISHED_STATUSES:
        from .notifications import settle_deadline_alerts

        settle_deadline_alerts(dossier)


def require(value, field, message):
    if not (str(value).strip() if value is not None else ""):
        raise DossierError(message, field)
