"""Thanh toán trực tuyến phí, lệ phí (online payment of fees and charges): the registry of
providers and the one door for every change of a payment.

Who may pay. `services.submit` marks a fee-bearing online dossier `unpaid` when the
effective policy allows online payment (level 4, or a campaign that opens it); that mark is
the promise, snapshotted at submission: a campaign ending later does not take it back. Only
the dossier's owner pays, while the dossier is open (or its result waits to be returned).

When. `collect_at(procedure)`: "before_acceptance" (the officer cannot accept an online
dossier whose fee is unpaid: `check_paid_for_acceptance`, called by `services.accept`) or
"at_return" (the fee may be paid online any time before the result is returned, or at the
desk). The catalog says which, per procedure (`Procedure.fee_collected_at`).

The life of a payment (`Payment.Status`):
    start_payment → pending ─callback paid→ paid ─refund_if_paid→ refunded
                            └callback failed→ failed (the citizen may start again)
A pending payment older than `PAYMENT_PENDING_MINUTES` is given up (failed) when the citizen
starts again; a younger one is resumed (same redirect). A success that arrives for a payment
already failed (cancelled, or given up) still counts, since the money was taken, unless the
dossier was paid by another payment meanwhile: then the callback is logged as a conflict for
reconciliation and changes nothing. Money that arrives for a dossier already refused or
withdrawn is refunded at once.

Callbacks (`handle_callback`) are verified by the provider first; a verified one is logged
(`PaymentCallback`, its payload in full), then applied under the dossier's row lock,
idempotently; a refused one is logged as a bounded summary, rate-limited per address: a forged
signature, an unknown reference or a wrong amount changes nothing; a replay is recorded as a
duplicate and changes nothing.

Every change writes a dossier event (payment_start, payment_paid, payment_failed,
payment_refunded) through `dossiers.door`, the machinery of the dossier's one door."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import fees
from portal.errors import Conflict
from portal.formatting import amount_in_words, format_vnd  # noqa: F401  (amount_in_words: payments.amount_in_words)

from .. import door
from ..models import DossierSequence, IntakeChannel, Payment, PaymentCallback, PaymentStatus, Status
from .callbacks import THROTTLED, refusal_allowed, refused_summary, text
from .providers import PAID, InvalidSignature, PaymentProvider, ProviderError, Verified, payment_providers

log = logging.getLogger("motcua.payments")

BEFORE_ACCEPTANCE = "before_acceptance"
AT_RETURN = "at_return"
COLLECT_CHOICES = (BEFORE_ACCEPTANCE, AT_RETURN)

# A dossier may be paid while it is open, or while its result waits to be returned.
PAYABLE_STATUSES = (
    Status.SUBMITTED,
    Status.SUPPLEMENT_REQUESTED,
    Status.ACCEPTED,
    Status.PROCESSING,
    Status.PAUSED,
    Status.COMPLETED,
    Status.RESULT_HELD,
)
# Money arriving for a dossier closed before it arrived is given back.
CLOSED_STATUSES = (Status.REFUSED, Status.WITHDRAWN)

# The dossier events written here (payment_start, payment_paid, payment_failed, payment_refunded) are
# named, as every page shows them, in dossiers/event_labels.py.


class PaymentConflict(Conflict):
    """The payment's or the dossier's state does not allow the action (HTTP 409)."""


class UnknownProvider(LookupError):
    """No provider of that name in the payment_providers registry (HTTP 404)."""


class PaymentUnavailable(Exception):
    """The provider failed (HTTP 502); nothing was changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- the registry -------------------------------------------------------------------------------


def get_provider(name=None) -> PaymentProvider:
    """The provider registered under `name` (default: settings.PAYMENT_DEFAULT_PROVIDER)."""
    name = name or settings.PAYMENT_DEFAULT_PROVIDER
    provider_class = payment_providers.get(name)
    if provider_class is None:
        raise UnknownProvider(name)
    return provider_class(name)


def provider_label(name):
    try:
        return str(get_provider(name).label)
    except UnknownProvider:
        return name


# --- rules as plain functions -----------------------------------------------------------------


def collect_at(procedure):
    """When the fee is collected: the catalog's `fee_collected_at` of the procedure."""
    value = procedure.fee_collected_at
    return value if value in COLLECT_CHOICES else BEFORE_ACCEPTANCE


def fee_group_of(dossier):
    """The dossier's applicant group (portal/fees.py FeeGroup: amount, proof document), None when the procedure
    no longer has it. The default group is read without a query; another one once per dossier object."""
    cached = getattr(dossier, "_fee_group_cache", None)
    if cached is not None and cached[0] == dossier.fee_group:
        return cached[1]
    found = fees.group_of(dossier.procedure, dossier.fee_group)
    dossier._fee_group_cache = (dossier.fee_group, found)
    return found


def proof_document_of(dossier):
    """The code of the document proving the dossier's applicant group ("" for none): required with the others."""
    if dossier.fee_group == fees.DEFAULT_FEE_GROUP:
        return ""
    group = fee_group_of(dossier)
    return group.proof_document if group is not None else ""


def fee_group_label(dossier):
    """The name of the dossier's applicant group for the receipt and the pages ("" for a procedure that has only
    the default group: nothing to name)."""
    row = dossier.procedure.fee_groups.filter(group=dossier.fee_group).values_list("label", flat=True).first()
    return row or ""


def amount_due(dossier):
    """In đồng: the fee snapshotted at submission (the applicant group's), else the group's current fee (the
    procedure's fee for the default group)."""
    if dossier.snap_fee is not None:
        return dossier.snap_fee
    group = fee_group_of(dossier)
    return group.amount if group is not None else (dossier.procedure.fee or 0)


def fee_payable_online(procedure, policy, intake_channel, amount=None):
    """Whether a dossier submitted now through `intake_channel` is to be paid online: there is a fee
    (`amount`, the applicant group's; the procedure's fee by default), the effective policy opens online
    payment (level 4, or a campaign), and the dossier comes in online. `services.submit` marks such a dossier
    `unpaid`; the citizen's draft pages say so before submission."""
    amount = procedure.fee if amount is None else amount
    return bool(amount) and bool(policy.online_payment) and intake_channel == IntakeChannel.ONLINE


def blocks_acceptance(dossier):
    """Whether the unpaid fee stops the officer from accepting (`check_paid_for_acceptance`)."""
    return (
        dossier.status == Status.SUBMITTED
        and collect_at(dossier.procedure) == BEFORE_ACCEPTANCE
        and dossier.payment_status in (PaymentStatus.UNPAID, PaymentStatus.PENDING, PaymentStatus.FAILED)
    )


def payable(dossier):
    """Whether the owner may start (or resume) an online payment now: for the buttons."""
    return (
        dossier.status in PAYABLE_STATUSES
        and dossier.payment_status in (PaymentStatus.UNPAID, PaymentStatus.FAILED, PaymentStatus.PENDING)
        and amount_due(dossier) > 0
    )


def new_reference(at=None):
    """Our order reference: MC + local date + 16 random hex digits (unguessable: the demo
    gateway's page is reached by it)."""
    local = timezone.localtime(at or timezone.now())
    return f"MC{local:%y%m%d}{secrets.token_hex(8).upper()}"


def next_receipt_number(at=None):
    """Biên lai điện tử: BL-{yyyymmdd}-{nnnnnn}, a daily sequence (local date) kept in the
    dossiers' sequence table under the prefix "BL". Incremented inside the caller's
    transaction, as dossier codes are: unique and gap-free under concurrency."""
    local = timezone.localtime(at or timezone.now())
    table = DossierSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            ["BL", local.date()],
        )
        number = cursor.fetchone()[0]
    return f"BL-{local:%Y%m%d}-{number:06d}"


# --- the citizen starts a payment -----------------------------------------------------------


def start_payment(dossier, user, return_url="", provider=None):
    """Open an online payment for the dossier's fee; the returned Payment's `redirect_url`
    is where to send the citizen. Only the owner; only while payment is `unpaid` or `failed`
    (a recent `pending` one is resumed, not duplicated)."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        if user is None or dossier.owner_id is None or dossier.owner_id != user.id:
            raise door.NotPermitted(_("Chỉ người nộp hồ sơ được thanh toán trực tuyến cho hồ sơ này."))
        if dossier.payment_status == PaymentStatus.PAID:
            raise PaymentConflict(_("Hồ sơ %(code)s đã được thanh toán.") % {"code": dossier.code})
        if dossier.payment_status not in (PaymentStatus.UNPAID, PaymentStatus.FAILED, PaymentStatus.PENDING):
            raise door.DossierError(_("Hồ sơ này không thanh toán phí, lệ phí trực tuyến."), "payment")
        if dossier.status not in PAYABLE_STATUSES:
            raise PaymentConflict(
                _("Không thể thanh toán khi hồ sơ đang ở trạng thái “%(status)s”.")
                % {"status": Status(dossier.status).label}
            )
        now = timezone.now()
        if dossier.payment_status == PaymentStatus.PENDING:
            pending = dossier.payments.select_for_update().filter(status=Payment.Status.PENDING).first()
            if pending is not None:
                age_minutes = (now - pending.created_at).total_seconds() / 60
                if age_minutes < settings.PAYMENT_PENDING_MINUTES and pending.redirect_url:
                    return pending
                pending.status = Payment.Status.FAILED
                pending.failed_at = now
                pending.failure_reason = "expired"
                pending.save(update_fields=["status", "failed_at", "failure_reason"])
        amount = amount_due(dossier)
        if amount <= 0:
            raise door.DossierError(_("Hồ sơ này không phải nộp phí, lệ phí."), "payment")
        chosen = get_provider(provider)
        payment = Payment.objects.create(
            dossier=dossier,
            provider=chosen.name,
            reference=new_reference(now),
            amount=amount,
            status=Payment.Status.PENDING,
            created_by=user,
            created_at=now,
            return_url=return_url or "",
        )
        try:
            payment.redirect_url = chosen.start(payment, return_url or "")
        except ProviderError as exc:
            raise PaymentUnavailable(
                _("Không kết nối được %(provider)s: %(error)s") % {"provider": chosen.label, "error": exc}
            )
        payment.save(update_fields=["redirect_url"])
        previous = dossier.payment_status
        dossier.payment_status = PaymentStatus.PENDING
        door.save(dossier)
        door.record(
            dossier,
            user,
            "payment_start",
            dossier.status,
            _("Bắt đầu thanh toán %(amount)s qua %(provider)s.")
            % {"amount": format_vnd(amount), "provider": chosen.label},
            reference=payment.reference,
            amount=amount,
            provider=chosen.name,
            previous=previous,
        )
    return payment


# --- the provider calls back ----------------------------------------------------------------


def handle_callback(provider, data, remote_addr=None, raw=None):
    """Verify, log and apply one callback; returns its PaymentCallback row, whose `outcome`
    says what happened (the API answers with `provider.acknowledge(row)`).

    Verified first: a verified callback is logged in full; a refused one (bad signature, the
    provider switched off) only as a bounded summary (`refused_summary`), and at most
    PAYMENT_CALLBACK_REFUSALS_PER_MINUTE of those per client address (the shared cache counts;
    when it cannot, nothing is logged): beyond that the row is not saved and its outcome is
    `throttled`. `raw` is the body as received (default: `data` as JSON)."""
    chosen = get_provider(provider) if isinstance(provider, str) else provider
    now = timezone.now()
    try:
        verified = chosen.verify_callback(data)
    except InvalidSignature as exc:
        callback = PaymentCallback(
            provider=chosen.name,
            received_at=now,
            payload=refused_summary(data, raw),
            remote_addr=remote_addr,
            reference=text(data.get("reference") if isinstance(data, dict) else "")[:64],
        )
        if not refusal_allowed(chosen.name, remote_addr):  # nothing written, not even a log line
            callback.outcome = THROTTLED
            return callback
        log.warning("payment callback from %s refused (%s): %s", chosen.name, remote_addr, exc)
        return _close(callback, PaymentCallback.Outcome.BAD_SIGNATURE, error=text(exc)[:300])
    callback = PaymentCallback.objects.create(
        provider=chosen.name, received_at=now, payload=data, remote_addr=remote_addr
    )
    callback.signature_ok = True
    callback.reference = verified.reference[:64]
    callback.reported_status = verified.status
    callback.reported_amount = verified.amount
    with transaction.atomic():
        found = Payment.objects.filter(provider=chosen.name, reference=verified.reference).first()
        if found is None:
            return _close(callback, PaymentCallback.Outcome.UNKNOWN_PAYMENT, error=_("Không tìm thấy giao dịch."))
        # Lock order as everywhere: the dossier first, then its payment.
        dossier = door.lock(found.dossier)
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        callback.payment = payment
        if verified.amount != payment.amount:
            log.warning("payment %s: amount %s, expected %s", payment.reference, verified.amount, payment.amount)
            return _close(
                callback,
                PaymentCallback.Outcome.AMOUNT_MISMATCH,
                error=_("Số tiền %(got)s khác số tiền phải nộp %(due)s.")
                % {"got": verified.amount, "due": payment.amount},
            )
        return _apply(dossier, payment, verified, callback)


def _close(callback, outcome, *, processed=False, duplicate=False, error=""):
    callback.outcome = outcome
    callback.processed = processed
    callback.duplicate = duplicate
    callback.error = error
    callback.save()
    return callback


def _apply(dossier, payment, verified: Verified, callback):
    Outcome = PaymentCallback.Outcome
    if verified.status == PAID:
        if payment.status in (Payment.Status.PAID, Payment.Status.REFUNDED):
            return _close(callback, Outcome.DUPLICATE, duplicate=True)
        if payment.status == Payment.Status.FAILED:
            paid_elsewhere = (
                dossier.payment_status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
                or dossier.payments.filter(status__in=[Payment.Status.PAID, Payment.Status.REFUNDED]).exists()
            )
            if paid_elsewhere:
                log.error("payment %s: paid after failing, dossier %s paid otherwise", payment.reference, dossier.code)
                return _close(
                    callback,
                    Outcome.CONFLICT,
                    error=_("Hồ sơ đã được thanh toán bằng giao dịch khác; cần đối soát và hoàn tiền."),
                )
            # A late success: the money was taken, so it counts; any newer attempt is dropped.
            dossier.payments.filter(status=Payment.Status.PENDING).update(
                status=Payment.Status.FAILED, failed_at=timezone.now(), failure_reason="superseded"
            )
        _mark_paid(dossier, payment, verified)
        return _close(callback, Outcome.APPLIED, processed=True)
    # verified.status == FAILED
    if payment.status == Payment.Status.FAILED:
        return _close(callback, Outcome.DUPLICATE, duplicate=True)
    if payment.status != Payment.Status.PENDING:
        return _close(callback, Outcome.IGNORED, error=_("Giao dịch đã kết thúc trước đó."))
    _mark_failed(dossier, payment, verified)
    return _close(callback, Outcome.APPLIED, processed=True)


def _mark_paid(dossier, payment, verified):
    now = timezone.now()
    payment.status = Payment.Status.PAID
    payment.paid_at = now
    payment.transaction_id = verified.transaction_id[:100]
    payment.receipt_number = next_receipt_number(now)
    payment.save()
    previous = dossier.payment_status
    dossier.payment_status = PaymentStatus.PAID
    door.save(dossier)
    door.record(
        dossier,
        None,
        "payment_paid",
        dossier.status,
        _("Đã thanh toán %(amount)s qua %(provider)s; biên lai điện tử số %(receipt)s.")
        % {
            "amount": format_vnd(payment.amount),
            "provider": provider_label(payment.provider),
            "receipt": payment.receipt_number,
        },
        reference=payment.reference,
        amount=payment.amount,
        receipt_number=payment.receipt_number,
        transaction_id=payment.transaction_id,
        previous=previous,
    )
    _notify(dossier, payment, "payment_paid")
    if dossier.status in CLOSED_STATUSES:
        _refund(dossier, payment, None, _("Hồ sơ đã kết thúc (từ chối tiếp nhận hoặc rút hồ sơ) trước khi nhận tiền."))


def _mark_failed(dossier, payment, verified):
    payment.status = Payment.Status.FAILED
    payment.failed_at = timezone.now()
    payment.transaction_id = verified.transaction_id[:100]
    payment.failure_reason = "declined"
    payment.save()
    previous = dossier.payment_status
    dossier.payment_status = PaymentStatus.FAILED
    door.save(dossier)
    door.record(
        dossier,
        None,
        "payment_failed",
        dossier.status,
        _("Thanh toán không thành công hoặc đã bị huỷ."),
        reference=payment.reference,
        amount=payment.amount,
        previous=previous,
    )


# --- refunds ----------------------------------------------------------------------------------


def refund_if_paid(dossier, user, reason=""):
    """Give back the fee of a dossier refused after payment (called by `services.refuse`, in
    its transaction). Returns the refunded Payment, or None when nothing was paid. A provider
    that cannot refund raises PaymentConflict, so the refusal is not recorded either."""
    with transaction.atomic():
        locked = door.lock(dossier)
        payment = locked.payments.select_for_update().filter(status=Payment.Status.PAID).first()
        if payment is None:
            return None
        _refund(locked, payment, user, reason or _("Hồ sơ bị từ chối tiếp nhận."))
    dossier.payment_status = locked.payment_status
    return payment


def _refund(dossier, payment, user, reason):
    provider = get_provider(payment.provider)
    try:
        reference = provider.refund(payment)
    except ProviderError as exc:
        raise PaymentConflict(
            _("Chưa hoàn được tiền qua %(provider)s (%(error)s); vui lòng thử lại sau.")
            % {"provider": provider.label, "error": exc}
        )
    now = timezone.now()
    payment.status = Payment.Status.REFUNDED
    payment.refunded_at = now
    payment.refunded_by = user
    payment.refund_reference = (reference or "")[:100]
    payment.refund_reason = reason or ""
    payment.save()
    previous = dossier.payment_status
    dossier.payment_status = PaymentStatus.REFUNDED
    door.save(dossier)
    door.record(
        dossier,
        user,
        "payment_refunded",
        dossier.status,
        reason,
        reference=payment.reference,
        amount=payment.amount,
        receipt_number=payment.receipt_number,
        refund_reference=payment.refund_reference,
        previous=previous,
    )
    _notify(dossier, payment, "payment_refunded")


# --- acceptance -------------------------------------------------------------------------------


def check_paid_for_acceptance(dossier):
    """Called by `services.accept`: when the fee is collected before acceptance, an online
    dossier whose fee is still unpaid (or pending, or failed) cannot be accepted."""
    if collect_at(dossier.procedure) != BEFORE_ACCEPTANCE:
        return
    if dossier.payment_status in (PaymentStatus.UNPAID, PaymentStatus.PENDING, PaymentStatus.FAILED):
        raise door.DossierError(
            _("Thủ tục này thu phí, lệ phí trước khi tiếp nhận; hồ sơ chưa được thanh toán (%(status)s).")
            % {"status": PaymentStatus(dossier.payment_status).label},
            "payment",
        )


# --- the e-receipt (biên lai điện tử) ----------------------------------------------------------


def receipt_payment(dossier):
    """The payment whose e-receipt the dossier shows (the latest one issued), or None."""
    return dossier.payments.filter(receipt_number__isnull=False).order_by("-paid_at", "-id").first()


def receipt_data(payment):
    """The e-receipt as plain values (the API's JSON and the printable page)."""
    dossier = payment.dossier
    return {
        "receipt_number": payment.receipt_number,
        "dossier": dossier.code,
        "procedure": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "agency": dossier.agency.name,
        "desk": dossier.desk.name,
        "payer_name": dossier.applicant_name,
        "payer_address": dossier.address,
        "content": _("Phí, lệ phí giải quyết thủ tục hành chính “%(name)s”, hồ sơ %(code)s")
        % {"name": dossier.procedure.name, "code": dossier.code},
        "fee_group": dossier.fee_group,
        "fee_group_label": fee_group_label(dossier),
        "amount": payment.amount,
        "amount_in_words": amount_in_words(payment.amount),
        "currency": "VND",
        "provider": payment.provider,
        "provider_label": provider_label(payment.provider),
        "reference": payment.reference,
        "transaction_id": payment.transaction_id,
        "paid_at": payment.paid_at,
        "status": payment.status,
        "status_label": str(Payment.Status(payment.status).label),
        "refunded_at": payment.refunded_at,
    }


# --- notifications ------------------------------------------------------------------------------


def _notify(dossier, payment, kind):
    from ..notifications import notify_applicant

    values = {
        "code": dossier.code,
        "amount": format_vnd(payment.amount),
        "receipt": payment.receipt_number or "",
    }
    if kind == "payment_paid":
        text = (
            _("Hồ sơ %(code)s đã được thanh toán") % values,
            _("Đã nhận %(amount)s phí, lệ phí của hồ sơ %(code)s. Biên lai điện tử số %(receipt)s.") % values,
        )
    else:
        text = (
            _("Hoàn tiền phí, lệ phí hồ sơ %(code)s") % values,
            _("Hồ sơ %(code)s: %(amount)s đã nộp trực tuyến được hoàn trả về tài khoản thanh toán.") % values,
        )
    notify_applicant(dossier, kind, key=payment.reference, text=text)
