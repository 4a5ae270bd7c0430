"""The one door for every change of a postal order (bưu chính công ích).

Each function opens a transaction, locks the order row (`select_for_update`), checks who
acts and the transition table (workflow.py), writes the new state and a PostalOrderEvent
(a user or an integration client), stores the outbound webhooks in the same transaction
(webhooks.py sends them on commit), and returns the order as saved. Pages, the API, the
dossier-event receivers and the tasks call these; they hold no rule of their own.

Decisions where the issue is silent (see also workflow.py):
- The SLA is met when the post *picks up* the order in time, for both legs (the dossier
  at the citizen's address; the result at the desk). Picking up clears `sla_timer_at` in
  the same transaction; a pickup after `due_at` that the sweep has not yet seen records the
  breach there and then (one alert, as the sweep would).
- The fee is the tariff on the local date of `triggered_at`; the waiver is the effective
  policy's `postal_fee_waived_percent` at `triggered_at`; both are snapshotted.
- Delivering a return order tells dossiers the result was returned (`return_result`, as
  the system, channel `postal`) when the dossier is still `completed`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.policy import effective_policy
from dossiers import services as dossier_services
from dossiers.models import Dossier
from dossiers.models import Status as DossierStatus
from portal import catalog_cache
from portal.calendar import VN_TZ
from portal.errors import Conflict, Forbidden, RuleError
from portal.formatting import format_vnd
from portal.models import Role, User
from portal.working_time import calendar_for_desk

from . import fees, waivers, webhooks, workflow
from .models import PostalAlert, PostalOrder, PostalOrderEvent, SubsidyEntry

Kind = PostalOrder.Kind
S = PostalOrder.Status


# --- errors -----------------------------------------------------------------------------------


class PostalError(Exception):
    """Every refusal of the postal door."""


class TransitionNotAllowed(PostalError, Conflict):
    """The order's status does not allow the action (HTTP 409, nothing changed)."""

    def __init__(self, action, status, message=None):
        self.action = action
        self.status = status
        if message is None:
            message = _("Không thể thực hiện “%(action)s” khi đơn bưu chính đang ở trạng thái “%(status)s”.") % {
                "action": workflow.TRANSITIONS[action].label,
                "status": S(status).label,
            }
        super().__init__(message)


class InvalidInput(PostalError, RuleError):
    """Bad input; `field` names it (HTTP 400 {field: [message]})."""


class NotPermitted(PostalError, Forbidden):
    """The user or client may not act on this order (HTTP 403)."""

    def __init__(self, message=None):
        super().__init__(message or _("Bạn không có quyền thực hiện thao tác này với đơn bưu chính."))


# --- who is acting ------------------------------------------------------------------------------

POST = "post"  # the post office: a postal clerk of the province, an integration client, a superuser
DESK = "desk"  # the desk's side: its officers, the agency's heads, the province admin
SYSTEM = "system"  # the dossier-event receivers and the tasks

# Who may take each action.
ACTORS = {
    "assign": {POST},
    "pick_up": {POST},
    "deliver": {POST},
    "fail": {POST},
    "cancel": {POST, DESK, SYSTEM},
    "handover": {DESK},
}


def actor_kind(order, actor=None, client=None):
    """How the caller stands towards `order`: POST, DESK, SYSTEM or None."""
    if client is not None:
        return POST if client.active and client.province_id == order.province_id else None
    if actor is None:
        return SYSTEM
    if actor.is_superuser:
        return POST
    if actor.role == Role.POSTAL_CLERK and actor.province_id == order.province_id:
        return POST
    if (
        (actor.role == Role.OFFICER and actor.desk_id == order.desk_id)
        or (actor.role == Role.HEAD and actor.agency_id == order.agency_id)
        or (actor.role == Role.PROVINCE_ADMIN and actor.province_id == order.province_id)
    ):
        return DESK
    return None


def may(action, order, actor=None, client=None):
    """Whether the caller may take `action` now (for buttons): who and status."""
    kind = actor_kind(order, actor, client)
    if action == "handover" and actor is not None and actor.is_superuser:
        kind = DESK
    return kind in ACTORS[action] and workflow.allowed(action, order.status)


def _check(action, order, actor, client):
    kind = actor_kind(order, actor, client)
    if action == "handover" and actor is not None and actor.is_superuser:
        kind = DESK
    if kind not in ACTORS[action]:
        raise NotPermitted()
    if not workflow.allowed(action, order.status):
        raise TransitionNotAllowed(action, order.status)
    return kind


def _locked(order):
    pk = order.pk if isinstance(order, PostalOrder) else order
    return PostalOrder.objects.select_for_update().get(pk=pk)


def _event(order, action, from_status, actor=None, client=None, note="", at=None):
    return PostalOrderEvent.objects.create(
        order=order,
        at=at or timezone.now(),
        action=action,
        from_status=from_status,
        to_status=order.status,
        actor=actor,
        client=client,
        note=(note or "")[:300],
    )


def _require(value, field, message):
    if not (str(value).strip() if value is not None else ""):
        raise InvalidInput(message, field)


# --- creating an order ----------------------------------------------------------------------------


def new_tracking_code(kind, province_code, at):
    """NH (nhận hồ sơ) / TR (trả kết quả), the province, the local date, 8 random characters."""
    prefix = "NH" if kind == Kind.PICKUP else "TR"
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    tail = "".join(secrets.choice(alphabet) for _i in range(8))
    return f"{prefix}{province_code}{timezone.localtime(at, VN_TZ):%y%m%d}{tail}"[:32]


def sla_hours_for(policy, kind):
    hours = policy.pickup_sla_hours if kind == Kind.PICKUP else policy.return_sla_hours
    if not hours:
        hours = settings.POSTAL_PICKUP_SLA_HOURS if kind == Kind.PICKUP else settings.POSTAL_RETURN_SLA_HOURS
    return Decimal(str(hours))


def due_moment(desk, province, triggered_at, hours):
    """(due_at, clock): `hours` counted in the desk's working time (default) or in clock
    hours when the province chose so (Province.postal_sla_clock_hours)."""
    if province.postal_sla_clock_hours:
        return triggered_at + timedelta(hours=float(hours)), PostalOrder.SlaClock.CLOCK
    return calendar_for_desk(desk).add_working_hours(triggered_at, hours), PostalOrder.SlaClock.WORKING


def open_order(dossier, kind):
    dossier_id = dossier.pk if isinstance(dossier, Dossier) else dossier
    return (
        PostalOrder.objects.filter(dossier_id=dossier_id, kind=kind)
        .exclude(status__in=[S.DELIVERED, S.CANCELLED])
        .first()
    )


def _matches(dossier, conditions):
    """Whether `dossier` meets `conditions`, lookups of equality or `__in` as the queryset below takes them."""
    for lookup, value in conditions.items():
        name, _sep, operator = lookup.partition("__")
        have = getattr(dossier, name)
        if not (have in value if operator == "in" else have == value):
            return False
    return True


def lock_dossier(dossier_id, in_hand=None, **conditions):
    """The dossier with the catalog rows create_order reads (procedure, desk, province), its own row
    locked (`select_for_update`) in the caller's transaction; None when no dossier matches `conditions`.
    A receiver decides on the locked row and passes it to create_order(locked=True): one statement for both.
    `in_hand`: the dossier as the transition that sent the event holds it, locked and saved in this transaction
    (dossiers.door.send_pending): no statement at all."""
    if in_hand is not None:
        return in_hand if _matches(in_hand, conditions) else None
    dossier = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier_id, **conditions).first()
    # The catalog rows from the shared cache (portal/catalog_cache.py), not joined: no statement of their own.
    return dossier and catalog_cache.attach(dossier)


def _no_address(dossier, kind):
    # The open order when there is one (nothing to create), else the refusal.
    existing = open_order(dossier, kind)
    if existing is not None:
        return existing
    raise InvalidInput(_("Hồ sơ chưa có địa chỉ để bưu điện nhận hoặc chuyển trả."), "address")


def create_order(dossier, kind, triggered_at=None, actor=None, *, locked=False) -> PostalOrder:
    """A pickup or return order for `dossier`, or the open one it already has (idempotent).

    Snapshots the recipient, address and zone from the dossier, the fee from the tariff,
    the waiver from the effective policy (with a subsidy-ledger entry when > 0), and the
    SLA: due_at = triggered_at + the policy's SLA hours (working or clock hours).

    `locked`: the caller read `dossier` with `lock_dossier` in the transaction it is still in, so the row
    is neither read nor locked again, and no savepoint of its own is taken. The partial unique constraint
    `one_open_postal_order_per_leg` is the idempotency check: a second order of the leg fails its insert
    (under the dossier's row lock, which serialises two triggers of the same leg) and the open one is
    returned."""
    if kind not in Kind.values:
        raise InvalidInput(_("Loại đơn bưu chính không hợp lệ."), "kind")
    if locked and not dossier.address.strip():
        return _no_address(dossier, kind)  # before any write: the caller's transaction stays usable
    with transaction.atomic(savepoint=not locked):
        if not locked:
            # The dossier's row lock serialises two triggers of the same leg (e.g. a switch and a release).
            dossier = lock_dossier(dossier.pk)
            if dossier is None:
                raise Dossier.DoesNotExist("Dossier matching query does not exist.")
            if not dossier.address.strip():
                return _no_address(dossier, kind)
        now = timezone.now()
        triggered_at = triggered_at or now
        policy = effective_policy(dossier.procedure, dossier.desk, triggered_at)
        hours = sla_hours_for(policy, kind)
        due_at, sla_clock = due_moment(dossier.desk, dossier.province, triggered_at, hours)
        zone = dossier.address_zone or fees.DEFAULT_ZONE
        fee = fees.tariff_amount(dossier.province_id, kind, zone, timezone.localtime(triggered_at, VN_TZ).date())
        # The campaign's waiver scope decides which legs it covers (postal/waivers.py, seed 001 `switched`).
        percent, waiving_campaign = waivers.for_order(dossier, kind, triggered_at)
        waived = fees.waiver(fee, percent)
        try:
            with transaction.atomic():
                order = PostalOrder.objects.create(
                    dossier=dossier,
                    province=dossier.province,  # the webhooks' payload names it: not read again
                    agency_id=dossier.agency_id,
                    desk_id=dossier.desk_id,
                    kind=kind,
                    tracking_code=new_tracking_code(kind, dossier.province.code, triggered_at),
                    recipient_name=dossier.applicant_name,
                    recipient_phone=dossier.applicant_phone,
                    address=dossier.address,
                    zone=zone,
                    fee=fee,
                    fee_waived=waived,
                    waived_percent=percent if waived else 0,
                    subsidy_budget=policy.subsidy_budget if waived else "",
                    campaign_ids=list(policy.campaigns),
                    triggered_at=triggered_at,
                    sla_hours=hours,
                    sla_clock=sla_clock,
                    due_at=due_at,
                    sla_timer_at=due_at,
                )
        except IntegrityError:
            existing = open_order(dossier, kind)
            if existing is not None:
                return existing
            raise
        _event(order, "create", "", actor=actor, at=now)
        if waived:
            SubsidyEntry.objects.create(
                order=order,
                province_id=order.province_id,
                agency_id=order.agency_id,
                amount=waived,
                percent=percent,
                budget=policy.subsidy_budget,
                campaign_id=waiving_campaign,
                created_at=now,
            )
        dossier_services.record_event(
            dossier,
            actor,
            "postal_order",
            _("Tạo đơn bưu chính %(kind)s, mã %(code)s, hạn nhận %(due)s.")
            % {"kind": order.get_kind_display(), "code": order.tracking_code, "due": _fmt(due_at)},
            locked=True,  # read with select_for_update at the top of this transaction
            tracking_code=order.tracking_code,
            kind=kind,
        )
        webhooks.enqueue(order, webhooks.ORDER_CREATED)
    return order


def _fmt(moment):
    return date_format(timezone.localtime(moment, VN_TZ), "H:i d/m/Y")


# --- the post's steps ------------------------------------------------------------------------------


def _stop_timer(order, now):
    """The SLA is met (or no longer applies): clear the timer; a late pickup the sweep has
    not yet seen is recorded as a breach now."""
    if order.sla_timer_at is None:
        return
    if now > order.due_at and order.breached_at is None:
        record_breach(order, now)
    order.sla_timer_at = None


def _finish(order, action, from_status, actor, client, note, now):
    order.save()
    _event(order, action, from_status, actor=actor, client=client, note=note, at=now)
    webhooks.enqueue(order, webhooks.ORDER_CHANGED)
    return order


def assign(order, actor, assignee=None, client=None, note=""):
    """Phân công: a clerk takes the order (or a supervisor gives it to one). From `failed`
    it is a new attempt (attempts + 1)."""
    with transaction.atomic():
        order = _locked(order)
        _check("assign", order, actor, client)
        if assignee is None and actor is not None and client is None and actor.role == Role.POSTAL_CLERK:
            assignee = actor
        if assignee is not None and not (
            assignee.is_active and assignee.role == Role.POSTAL_CLERK and assignee.province_id == order.province_id
        ):
            raise InvalidInput(_("Chỉ phân công cho nhân viên bưu chính của tỉnh."), "assignee")
        now = timezone.now()
        from_status = order.status
        if from_status != S.ASSIGNED:
            order.attempts += 1
        order.status = S.ASSIGNED
        order.assigned_to = assignee
        order.assigned_at = now
        return _finish(order, "assign", from_status, actor, client, note, now)


def pick_up(order, actor, client=None, note=""):
    """Nhận hàng: the clerk has the paper dossier (pickup) or the result (return) in hand.
    Meets the SLA when in time: the timer is cleared in the same transaction."""
    with transaction.atomic():
        order = _locked(order)
        _check("pick_up", order, actor, client)
        now = timezone.now()
        from_status = order.status
        if from_status == S.CREATED:
            order.attempts += 1
            order.assigned_at = now
            if actor is not None and actor.role == Role.POSTAL_CLERK:
                order.assigned_to = actor
        order.status = S.PICKED_UP
        order.picked_up_at = now
        _stop_timer(order, now)
        return _finish(order, "pick_up", from_status, actor, client, note, now)


def _delivery_record(order, receiver_name, fee_collected):
    """(receiver, amount) as recorded: the name trimmed, the amount a whole number of đồng from 0 to
    what the citizen owes for this leg (fee - fee_waived); InvalidInput names the field otherwise."""
    receiver = (receiver_name or "").strip()
    if len(receiver) > PostalOrder._meta.get_field("received_by").max_length:
        raise InvalidInput(_("Tên người nhận quá dài (tối đa 200 ký tự)."), "receiver_name")
    if fee_collected is None:
        return receiver, None
    amount = fee_collected
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidInput(_("Số tiền đã thu phải là số đồng, không âm."), "fee_collected")
    if amount > order.fee_charged:
        raise InvalidInput(
            _("Số tiền đã thu (%(amount)s) vượt quá cước người dân phải trả (%(due)s).")
            % {"amount": format_vnd(amount), "due": format_vnd(order.fee_charged)},
            "fee_collected",
        )
    return receiver, amount


def deliver(order, actor, client=None, note="", receiver_name="", fee_collected=None):
    """Phát thành công: the dossier reached the desk (pickup) or the result the citizen (return).
    Records who received it and any fee collected (both optional; see _delivery_record), on the
    order, its event and the dossier's timeline."""
    with transaction.atomic():
        order = _locked(order)
        _check("deliver", order, actor, client)
        receiver, amount = _delivery_record(order, receiver_name, fee_collected)
        now = timezone.now()
        from_status = order.status
        order.status = S.DELIVERED
        order.delivered_at = now
        order.received_by = receiver
        order.fee_collected = amount
        record = []
        if receiver:
            record.append(_("Người nhận: %(name)s.") % {"name": receiver})
        if amount is not None:
            record.append(_("Đã thu: %(amount)s.") % {"amount": format_vnd(amount)})
        _finish(order, "deliver", from_status, actor, client, " ".join([note, *record]).strip(), now)
        dossier = Dossier.objects.get(pk=order.dossier_id)
        code = {"code": order.tracking_code}
        if order.kind == Kind.RETURN and dossier.status == DossierStatus.COMPLETED:
            text = _("Bưu điện đã phát kết quả cho người nhận (mã %(code)s).") % code
            dossier_services.return_result(dossier, None, " ".join([text, *record]), channel="postal")
        else:
            text = _("Bưu điện đã phát đơn %(code)s.") % code
            dossier_services.record_event(
                dossier,
                None,
                "postal_delivered",
                " ".join([text, *record]),
                tracking_code=order.tracking_code,
                received_by=receiver,
                fee_collected=amount,
            )
    return order


def fail(order, actor, reason, client=None):
    """Không thành công (citizen absent, wrong address…): may be re-attempted by `assign`."""
    _require(reason, "reason", _("Vui lòng nêu lý do không thành công."))
    with transaction.atomic():
        order = _locked(order)
        _check("fail", order, actor, client)
        now = timezone.now()
        from_status = order.status
        order.status = S.FAILED
        order.failure_reason = str(reason)[:300]
        return _finish(order, "fail", from_status, actor, client, reason, now)


def cancel(order, actor, reason, client=None):
    """Huỷ đơn (the dossier was refused or withdrawn, the return moved away from the post…)."""
    _require(reason, "reason", _("Vui lòng nêu lý do huỷ."))
    with transaction.atomic():
        order = _locked(order)
        _check("cancel", order, actor, client)
        now = timezone.now()
        from_status = order.status
        order.status = S.CANCELLED
        order.cancelled_at = now
        order.failure_reason = str(reason)[:300]
        order.sla_timer_at = None
        return _finish(order, "cancel", from_status, actor, client, reason, now)


def record_handover(order, officer, note=""):
    """Biên bản giao nhận: the desk receives a picked-up (or delivered) pickup from the post.
    A picked-up order becomes delivered; the handover is recorded once."""
    with transaction.atomic():
        order = _locked(order)
        if order.kind != Kind.PICKUP:
            raise InvalidInput(_("Chỉ lập biên bản giao nhận cho đơn nhận hồ sơ."), "kind")
        _check("handover", order, officer, None)
        if order.handed_over_at is not None:
            raise TransitionNotAllowed("handover", order.status, _("Đơn này đã có biên bản giao nhận."))
        now = timezone.now()
        from_status = order.status
        order.status = S.DELIVERED
        order.delivered_at = order.delivered_at or now
        order.handed_over_at = now
        order.handed_over_to = officer
        order.handover_note = (note or "")[:300]
        _finish(order, "handover", from_status, officer, None, note, now)
        dossier_services.record_event(
            Dossier(pk=order.dossier_id),
            officer,
            "postal_handover",
            _("Biên bản giao nhận hồ sơ với bưu điện (mã %(code)s).") % {"code": order.tracking_code},
            tracking_code=order.tracking_code,
            handover_note=note or "",
        )
    return order


# --- breaches -----------------------------------------------------------------------------------


def alert_recipients(order):
    """The province's postal clerks (the post-office supervisors) and the desk's officers."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.POSTAL_CLERK, province_id=order.province_id) | Q(role=Role.OFFICER, desk_id=order.desk_id))
        .order_by("id")
    )


def breach_texts(kind, tracking_code, dossier_code, due_at):
    """The (subject, body) of a breach alert, in Vietnamese (also used by the sweep, postal/sweep.py)."""
    values = {"code": tracking_code, "dossier": dossier_code, "due": _fmt(due_at)}
    if kind == Kind.PICKUP:
        subject = _("Đơn bưu chính %(code)s quá hạn nhận hồ sơ (%(due)s)") % values
        body = _("Bưu điện chưa nhận hồ sơ %(dossier)s tại địa chỉ người nộp (đơn %(code)s, hạn %(due)s).") % values
    else:
        subject = _("Đơn bưu chính %(code)s quá hạn nhận kết quả (%(due)s)") % values
        body = (
            _("Bưu điện chưa nhận kết quả hồ sơ %(dossier)s tại Bộ phận Một cửa (đơn %(code)s, hạn %(due)s).") % values
        )
    return subject, body


def record_breach(order, now):
    """Record that `order` missed its SLA, once (PostalAlert is unique per order): the
    breach time, an event, and a message to every recipient. Call with the order locked.
    Returns whether this call recorded it."""
    from dossiers.notifications import notify_staff

    try:
        with transaction.atomic():
            PostalAlert.objects.create(order=order, kind=PostalAlert.Kind.BREACH, due_at=order.due_at, created_at=now)
    except IntegrityError:
        order.sla_timer_at = None
        return False
    order.breached_at = now
    order.sla_timer_at = None
    subject, body = breach_texts(order.kind, order.tracking_code, order.dossier.code, order.due_at)
    PostalOrderEvent.objects.create(
        order=order, at=now, action="breach", from_status=order.status, to_status=order.status, note=subject[:300]
    )
    notify_staff(order.dossier, alert_recipients(order), "postal_breach", f"postal-{order.pk}", subject, body)
    return True
