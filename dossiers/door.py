"""The one door's shared machinery, public and lowest: what every door shares, those of
`dossiers.services` and those of payments and uploads: the refusals (400 / 403 / 409), who is acting,
the transition check, the row lock, the event row, the domain events (sent at a transition's end inside its
transaction, else on commit), and saving a dossier with its next deadline alert. The doors call it as `door.lock`,
`door.check`, `door.record`…; it imports no door back. `dossiers.services` re-exports the refusals and `actor_kind`."""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from portal import catalog_cache
from portal.errors import Conflict, Forbidden, RuleError
from portal.models import Role
from portal.statements import Statement

from . import clock, process, workflow
from .models import OPEN_STATUSES, Dossier, DossierEvent, Status, visibility_scope

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


class Visible:
    """The dossier `code` within what `user` may see (`Dossier.objects.visible_to`), not read yet: `lock` reads and
    locks it in one statement compiled once per kind of scope (portal/statements.py), so the API's transitions check
    who may see it under the lock instead of by a look-up of their own (issue 18). `found` says whether `lock` found
    it (not found: Dossier.DoesNotExist)."""

    def __init__(self, user, code):
        self.code, self.found = code, False
        self.scope, self.value = visibility_scope(user)


# The row lock's two statements, compiled once per process (issue 18: building them cost more than the row to read).
_LOCK_BY_PK = Statement(lambda pk: Dossier.objects.filter(pk=pk).select_for_update(of=("self",)))
_LOCK_VISIBLE = Statement(
    lambda value, code, *, scope: Dossier.objects.within(scope, value).filter(code=code).select_for_update(of=("self",))
)


def lock(dossier):
    """The dossier's row locked (`FOR UPDATE` of its own row only) and read without a join (issue 18: the joins cost
    more to build than the row to read): its procedure, desk, agency and province come from the catalog cache
    (portal/catalog_cache.py); its current step, once it has one, is read when asked for. `dossier`: a Dossier, or
    a `Visible` one."""
    named = isinstance(dossier, Visible)
    rows = _LOCK_VISIBLE(dossier.value, dossier.code, scope=dossier.scope) if named else _LOCK_BY_PK(dossier.pk)
    if not rows:
        raise Dossier.DoesNotExist("Dossier matching query does not exist.")
    locked = rows[0]
    if named:
        dossier.found = True
    _remember(locked)
    return catalog_cache.attach(locked)


# `save` of a locked dossier writes the columns a door changed, not the 49 of the row (issue 18): what `lock` read is
# remembered, a JSON value as its JSON text (a door may change it in place; the text costs a tenth of a deep copy,
# and a value rebuilt with its keys in another order only writes its column once more), a file by its name
# (FieldFile.save renames the same object in place).
_KINDS = {"JSONField": "json", "FileField": "file"}
_COLUMNS = tuple(
    (f.attname, _KINDS.get(f.get_internal_type(), "")) for f in Dossier._meta.concrete_fields if not f.primary_key
)
_ALWAYS = tuple(f.attname for f in Dossier._meta.concrete_fields if getattr(f, "auto_now", False))


def _value(dossier, attname, kind):
    value = getattr(dossier, attname)
    if kind == "json":
        return json.dumps(value, default=repr)
    if kind == "file":
        return value.name if value else ""
    return value


def _remember(dossier):
    dossier._as_read = {attname: _value(dossier, attname, kind) for attname, kind in _COLUMNS}


def _changed(dossier):
    """The columns whose value differs from what was read or last saved, and the `auto_now` ones."""
    read = dossier._as_read
    changed = [
        attname
        for attname, kind in _COLUMNS
        if attname not in _ALWAYS
        and (getattr(dossier, attname) if not kind else _value(dossier, attname, kind)) != read[attname]
    ]
    return [*changed, *_ALWAYS]


def record(dossier, user, action, from_status, note="", **data):
    """The event row of a change; the events this object recorded are kept on it, in order (`recorded_events`), so
    that the answer to a create needs not read them back."""
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=timezone.now(),
        actor=user,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        note=note or "",
        data=data,
    )
    dossier.__dict__.setdefault("recorded_events", []).append(event)
    return event


def send_on_commit(signal, dossier, **data):
    """A domain event of `dossier` (dossiers/events.py), through the outbox (portal/outbox.py). Within a transition
    (`services.perform`, which holds the row locked) it is sent at the transition's end, in its transaction
    (`send_pending`); otherwise on commit. Either way the beat sweep sends it again if it failed."""
    from portal.outbox import enqueue_signal

    from . import events

    name = next(key for key, value in vars(events).items() if value is signal)
    pending = dossier.__dict__.get("pending_events")
    if pending is not None:
        pending.append((name, data))
    else:
        enqueue_signal(f"dossiers.events.{name}", "dossiers.Dossier", dossier_id=dossier.pk, **data)


def hold_events(dossier):
    """The domain events of the locked `dossier` wait for `send_pending` (the end of its transition)."""
    dossier.pending_events = []


def send_pending(dossier):
    """The domain events the transition of the locked `dossier` sent, in order, inside its transaction, after its
    row and event are saved: each receiver gets the dossier in hand (`dossier=`, already locked: no second read;
    issue 18), and a receiver's failure leaves the event to be sent after commit (portal/outbox.py)."""
    from portal.outbox import send_signal_in_transaction

    pending = dossier.__dict__.pop("pending_events", None) or []
    for name, data in pending:
        send_signal_in_transaction(
            f"dossiers.events.{name}", "dossiers.Dossier", in_hand={"dossier": dossier}, dossier_id=dossier.pk, **data
        )


def notify(dossier, kind, key=""):
    from .notifications import notify_applicant

    notify_applicant(dossier, kind, key=key)


def has_exception(dossier):
    """Whether an urgent exception (seed 003) was granted on this dossier."""
    return dossier.events.filter(action="grant_exception").exists()


def save(dossier, **kwargs):
    """Save the dossier with its next alert moment; one read by `lock` writes only the columns that changed."""
    dossier.next_alert_at = clock.next_alert_moment(dossier)
    remembered = getattr(dossier, "_as_read", None) is not None and "update_fields" not in kwargs
    if remembered:
        kwargs["update_fields"] = _changed(dossier)
    dossier.save(**kwargs)
    if remembered:
        _remember(dossier)
    process.schedule_alerts(dossier)  # the open step's alerts stop and resume with the dossier's clock
    if dossier.status in FINISHED_STATUSES:
        from .notifications import settle_deadline_alerts

        settle_deadline_alerts(dossier)


def require(value, field, message):
    if not (str(value).strip() if value is not None else ""):
        raise DossierError(message, field)
