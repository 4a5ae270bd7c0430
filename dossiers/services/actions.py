"""The one door for every change of a dossier.

Each function opens a transaction, locks the dossier row, checks the transition table
(workflow.py), writes the new state and an event row (who, when, from, to, note), and
sends the domain event on commit. Views, serializers and tasks call these; they hold
no rule of their own."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.policy import effective_policy
from campaigns.walk_in import take_place as take_walk_in_place
from portal.calendar import timeliness as classify
from portal.models import RequiredDocument, Role
from portal.working_time import calendar_for_desk

from .. import clock, door, events
from ..access import may_create_draft
from ..codes import next_code
from ..door import DossierError, NotPermitted, TransitionNotAllowed, has_exception
from ..models import ClockPause, Dossier, DossierDocument, IntakeChannel, Outcome, PaymentStatus, ReturnChannel, Status
from ..payments import service as payments
from .uploads import inspect_file

# --- creating and editing a draft ------------------------------------------------------------


def desk_serves(desk, procedure):
    if desk.province_id != procedure.province_id:
        return False
    if desk.agency_id is None:
        return True
    agency = procedure.agency
    return desk.agency_id in (agency.id, agency.parent_id)


def _check_addresses(intake_channel, return_channel, address):
    if (intake_channel == IntakeChannel.POSTAL or return_channel == ReturnChannel.POSTAL) and not (
        address or ""
    ).strip():
        raise DossierError(_("Vui lòng nhập địa chỉ để bưu điện nhận hồ sơ hoặc chuyển trả kết quả."), "address")


def create_draft(
    user,
    *,
    procedure,
    desk,
    intake_channel,
    return_channel,
    applicant,
    address="",
    address_zone="default",
    form_data=None,
    owner=None,
    ticket=None,
):
    """A new draft. Any channel may be saved on a draft (an urgent exception can be granted
    on it first); the effective policy is checked at submission and again at acceptance."""
    if not may_create_draft(user, desk, owner):
        raise NotPermitted(
            _("Chỉ người dân (cho chính mình) hoặc cán bộ của Bộ phận Một cửa này được lập hồ sơ tại đây.")
        )
    if not procedure.active:
        raise DossierError(_("Thủ tục này hiện không còn áp dụng."), "procedure")
    if not desk_serves(desk, procedure):
        raise DossierError(_("Bộ phận một cửa này không tiếp nhận thủ tục đã chọn."), "desk")
    if intake_channel not in IntakeChannel.values:
        raise DossierError(_("Kênh nộp hồ sơ không hợp lệ."), "intake_channel")
    if return_channel not in ReturnChannel.values:
        raise DossierError(_("Kênh nhận kết quả không hợp lệ."), "return_channel")
    _check_addresses(intake_channel, return_channel, address)
    if owner is None and user is not None and user.role == Role.CITIZEN:
        owner = user
    queue_ticket = _queue_ticket(desk, intake_channel, ticket)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            code=next_code(desk),
            procedure=procedure,
            desk=desk,
            province=procedure.province,
            agency_id=procedure.agency_id,
            owner=owner,
            created_by=user,
            status=Status.DRAFT,
            intake_channel=intake_channel,
            return_channel=return_channel,
            applicant_name=applicant["full_name"],
            applicant_phone=applicant["phone"],
            applicant_email=applicant.get("email") or "",
            applicant_national_id=applicant.get("national_id") or "",
            address=address or "",
            address_zone=address_zone or "default",
            form_data=form_data or {},
            ticket=queue_ticket,
        )
        door.record(dossier, user, "create", "", channel=intake_channel)
    return dossier


def _queue_ticket(desk, intake_channel, number):
    """The queue ticket of the desk's current session that a walk-in dossier is entered with (seed 004)."""
    if number in (None, ""):
        return None
    from campaigns.walk_in import find_ticket

    if intake_channel != IntakeChannel.WALK_IN:
        raise DossierError(_("Chỉ hồ sơ nộp trực tiếp mới ghi số thứ tự."), "ticket")
    ticket = find_ticket(desk, int(number))
    taken = Dossier.objects.filter(ticket=ticket).values_list("code", flat=True).first()
    if taken:
        raise DossierError(_("Số thứ tự này đã dùng cho hồ sơ %(code)s.") % {"code": taken}, "ticket")
    return ticket


def update_draft(dossier, user, **fields):
    editable = {
        "intake_channel",
        "return_channel",
        "address",
        "address_zone",
        "form_data",
        "applicant_name",
        "applicant_phone",
        "applicant_email",
        "applicant_national_id",
    }
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("edit", dossier, user)
        for name, value in fields.items():
            if name in editable and value is not None:
                setattr(dossier, name, value)
        _check_addresses(dossier.intake_channel, dossier.return_channel, dossier.address)
        door.save(dossier)
    return dossier


# --- the policy at the door -----------------------------------------------------------------


def check_channels(dossier, at=None):
    """The effective policy must allow the dossier's channels now (submission, acceptance).
    An urgent exception recorded on the dossier lets a walk-in intake or desk return through."""
    policy = effective_policy(dossier.procedure, dossier.desk, at or timezone.now())
    intake_open = policy.allows_intake(dossier.intake_channel)
    return_open = policy.allows_return(dossier.return_channel) or policy.hold_other_returns
    if intake_open and return_open:
        return policy  # the usual case: no need to look for an exception
    exception = has_exception(dossier)
    if not intake_open and not (exception and dossier.intake_channel == IntakeChannel.WALK_IN):
        raise DossierError(_channel_message(policy, dossier.intake_channel, intake=True), "intake_channel")
    if not return_open and not (exception and dossier.return_channel == ReturnChannel.DESK):
        raise DossierError(_channel_message(policy, dossier.return_channel, intake=False), "return_channel")
    return policy


def _channel_message(policy, channel, intake):
    label = IntakeChannel(channel).label if intake else ReturnChannel(channel).label
    if intake:
        text = _("Kênh nộp hồ sơ “%(channel)s” không áp dụng cho thủ tục này lúc này.") % {"channel": label}
    else:
        text = _("Kênh nhận kết quả “%(channel)s” không áp dụng cho thủ tục này lúc này.") % {"channel": label}
    reason = policy.closed_because.get(channel)
    if reason:
        text = f"{text} {reason}"
    return text


# --- the citizen's steps --------------------------------------------------------------------


def submit(dossier, user, note=""):
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("submit", dossier, user)
        require_documents(dossier)
        policy = check_channels(dossier)
        from_status = dossier.status
        dossier.status = Status.SUBMITTED
        dossier.submitted_at = timezone.now()
        if payments.fee_payable_online(dossier.procedure, policy, dossier.intake_channel):
            dossier.payment_status = PaymentStatus.UNPAID
        door.save(dossier)
        door.record(dossier, user, "submit", from_status, note)
        door.send_on_commit(events.dossier_submitted, dossier)
    return dossier


def missing_documents(dossier):
    have = set(dossier.documents.values_list("document_code", flat=True))
    return [d.name for d in dossier.procedure.documents.all() if d.required and d.code not in have]


def require_documents(dossier):
    """Online, every required document comes with the submission (and is there again when a
    supplement is sent); by post or at the desk the paper follows."""
    missing = missing_documents(dossier) if dossier.intake_channel == IntakeChannel.ONLINE else None
    if missing:
        raise DossierError(_("Còn thiếu giấy tờ bắt buộc: %(names)s.") % {"names": ", ".join(missing)}, "documents")


def lacks_documents(dossier):
    """Whether a required document of the procedure is not uploaded yet (one query; missing_documents names them)."""
    uploaded = DossierDocument.objects.filter(dossier_id=dossier.pk).values("document_code")
    required = RequiredDocument.objects.filter(procedure_id=dossier.procedure_id, required=True)
    return required.exclude(code__in=uploaded).exists()


def withdraw(dossier, user, note=""):
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("withdraw", dossier, user)
        from_status = dossier.status
        now = timezone.now()
        clock.close_pause(dossier, now)
        dossier.status = Status.WITHDRAWN
        door.save(dossier)
        door.record(dossier, user, "withdraw", from_status, note)
        door.send_on_commit(events.dossier_closed, dossier, reason="withdrawn")
    return dossier


def supplement(dossier, user, note=""):
    """The citizen has uploaded what was asked: back to intake, or back to processing with
    the clock running again. Every required document must be there, as at submission
    (`require_documents`)."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("supplement", dossier, user)
        require_documents(dossier)
        from_status = dossier.status
        now = timezone.now()
        if dossier.received_at is None:
            dossier.status = Status.SUBMITTED
        else:
            clock.close_pause(dossier, now)
            dossier.status = Status.PROCESSING
            clock.recompute(dossier, now)
        door.save(dossier)
        door.record(dossier, user, "supplement", from_status, note)
    return dossier


def rate(dossier, user, score, comment=""):
    if not (isinstance(score, int) and 1 <= score <= 5):
        raise DossierError(_("Điểm đánh giá từ 1 đến 5."), "score")
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("rate", dossier, user)
        if dossier.rating is not None:
            raise DossierError(_("Hồ sơ đã được đánh giá."), "score")
        dossier.rating = score
        dossier.rating_comment = comment or ""
        door.save(dossier)
        door.record(dossier, user, "rate", dossier.status, comment, score=score)
    return dossier


def switch_return(dossier, user, return_channel, address=None, note=""):
    if return_channel not in ReturnChannel.values:
        raise DossierError(_("Kênh nhận kết quả không hợp lệ."), "return_channel")
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("switch_return", dossier, user)
        if address is not None:
            dossier.address = address
        _check_addresses(dossier.intake_channel, return_channel, dossier.address)
        policy = effective_policy(dossier.procedure, dossier.desk, timezone.now())
        if not policy.allows_return(return_channel):
            raise DossierError(_channel_message(policy, return_channel, intake=False), "return_channel")
        previous = dossier.return_channel
        dossier.return_channel = return_channel
        door.save(dossier)
        door.record(dossier, user, "switch_return", dossier.status, note, previous=previous, to=return_channel)
        door.send_on_commit(events.dossier_return_switched, dossier, previous=previous)
        if dossier.status == Status.RESULT_HELD and policy.allows_return(return_channel):
            _release(dossier, user, _("Đã chuyển sang hình thức nhận kết quả được phép."))
    return dossier


# --- the officer's steps --------------------------------------------------------------------


def accept(dossier, user, note=""):
    """Tiếp nhận: snapshot the rule, start the clock, issue the receipt with the appointment."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("accept", dossier, user)
        payments.check_paid_for_acceptance(dossier)  # fee collected before acceptance (dossiers/payments/service.py)
        now = timezone.now()
        policy = check_channels(dossier, now)
        if dossier.intake_channel == IntakeChannel.WALK_IN:
            # The session's walk-in cap counts this dossier unless its ticket holds the place (seed 004).
            take_walk_in_place(dossier.desk, policy.walk_in_capacity_per_session, now, dossier.ticket)
        procedure = dossier.procedure
        from_status = dossier.status
        dossier.status = Status.ACCEPTED
        dossier.received_at = now
        dossier.snap_processing_value = procedure.processing_time_value
        dossier.snap_processing_unit = procedure.processing_time_unit
        dossier.snap_fee = procedure.fee
        dossier.snap_policy = policy.as_dict()
        clock.recompute(dossier, now)
        dossier.original_due_at = dossier.due_at
        door.save(dossier)
        door.record(dossier, user, "accept", from_status, note, due_at=dossier.due_at.isoformat())
        door.notify(dossier, "accepted")
        door.send_on_commit(events.dossier_accepted, dossier)
    return dossier


def refuse(dossier, user, reason):
    door.require(reason, "reason", _("Vui lòng nêu lý do từ chối."))
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("refuse", dossier, user)
        from_status = dossier.status
        dossier.status = Status.REFUSED
        door.save(dossier)
        door.record(dossier, user, "refuse", from_status, reason)
        payments.refund_if_paid(dossier, user, reason)  # a fee paid online is refunded (dossiers/payments/service.py)
        door.notify(dossier, "refused")
        door.send_on_commit(events.dossier_closed, dossier, reason="refused")
    return dossier


def request_supplement(dossier, user, reason, missing=None):
    """Yêu cầu bổ sung: at intake at most once, listing everything missing; during
    processing it stops the clock until the citizen supplements."""
    door.require(reason, "reason", _("Vui lòng nêu rõ các giấy tờ cần bổ sung."))
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("request_supplement", dossier, user)
        now = timezone.now()
        from_status = dossier.status
        if dossier.received_at is None:
            if dossier.supplement_requests >= 1:
                raise DossierError(
                    _("Chỉ được yêu cầu bổ sung một lần khi tiếp nhận; các thiếu sót phải nêu đầy đủ trong một lần."),
                    "reason",
                )
        else:
            ClockPause.objects.create(
                dossier=dossier, kind=ClockPause.Kind.SUPPLEMENT, started_at=now, reason=reason, by=user
            )
            clock.recompute(dossier, now)
        dossier.supplement_requests += 1
        dossier.status = Status.SUPPLEMENT_REQUESTED
        door.save(dossier)
        door.record(dossier, user, "request_supplement", from_status, reason, missing=list(missing or []))
        door.notify(dossier, "supplement_requested", key=str(dossier.supplement_requests))
    return dossier


def process(dossier, user, note="", handed_to=""):
    """Chuyển xử lý: a handover, one line of the processing control sheet."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("process", dossier, user)
        from_status = dossier.status
        dossier.status = Status.PROCESSING
        door.save(dossier)
        door.record(dossier, user, "process", from_status, note, handed_to=handed_to or dossier.agency.name)
    return dossier


def complete(dossier, user, outcome, reason="", result_file=None):
    if outcome not in Outcome.values:
        raise DossierError(_("Kết quả phải là giải quyết (approved) hoặc không giải quyết (denied)."), "outcome")
    if outcome == Outcome.DENIED:
        door.require(reason, "reason", _("Vui lòng nêu lý do không giải quyết."))
    if result_file is not None:
        _name_result_file(result_file)
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("complete", dossier, user)
        now = timezone.now()
        from_status = dossier.status
        clock.close_pause(dossier, now)
        clock.recompute(dossier, now)
        dossier.status = Status.COMPLETED
        dossier.outcome = outcome
        dossier.completed_at = now
        dossier.timeliness = classify(now, dossier.due_at, calendar_for_desk(dossier.desk).tz)
        if result_file is not None:
            dossier.result_file = result_file
        door.save(dossier)
        door.record(dossier, user, "complete", from_status, reason, outcome=outcome, timeliness=dossier.timeliness)
        policy = effective_policy(dossier.procedure, dossier.desk, now)
        if policy.hold_other_returns and not policy.allows_return(dossier.return_channel) and not _urgent_desk(dossier):
            _hold(dossier, None, _("Kết quả được lưu giữ theo đợt áp dụng biện pháp."))
        else:
            door.notify(dossier, "result_ready")
            door.send_on_commit(events.dossier_result_ready, dossier)
    return dossier


def _urgent_desk(dossier):
    """An urgent exception with a desk return is never held (seed 003)."""
    return dossier.return_channel == ReturnChannel.DESK and has_exception(dossier)


def hold_result(dossier, user=None, note=""):
    """Lưu giữ kết quả: a ready result whose return channel a campaign no longer allows is held
    until the campaign ends or the return is switched (campaign rules call this at the start)."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        if dossier.status != Status.COMPLETED:
            raise TransitionNotAllowed("hold", dossier.status)
        _hold(dossier, user, note or _("Kết quả được lưu giữ theo đợt áp dụng biện pháp."))
    return dossier


def _hold(dossier, user, note):
    dossier.status = Status.RESULT_HELD
    door.save(dossier)
    door.record(dossier, user, "hold", Status.COMPLETED, note)
    door.notify(dossier, "result_held")


def _name_result_file(upload):
    """The e-result passes the upload checks (PDF, JPEG or PNG by content, size) and is stored
    under a random name of ours, whatever name it came with."""
    _content_type, extension = inspect_file(upload)
    upload.name = f"{secrets.token_hex(16)}.{extension}"


def release_held(dossier, user=None, note=""):
    """A held result is released (the campaign ended, or the return was switched)."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        if dossier.status != Status.RESULT_HELD:
            raise TransitionNotAllowed("release", dossier.status)
        _release(dossier, user, note)
    return dossier


def _release(dossier, user, note):
    dossier.status = Status.COMPLETED
    door.save(dossier)
    door.record(dossier, user, "release", Status.RESULT_HELD, note)
    door.notify(dossier, "result_released")
    door.send_on_commit(events.dossier_result_ready, dossier)


def return_result(dossier, user, note="", channel=None):
    """Trả kết quả: at the desk, online, or (called by postal on delivery) by post. A hand-over at the
    desk asks the policy now: a campaign that suspends it (`walk_in_suspended`, seed 003) refuses it
    unless a head granted the dossier an urgent exception; the result waits (the post is offered)."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("return", dossier, user)
        _check_desk_return(dossier, channel or dossier.return_channel)
        from_status = dossier.status
        dossier.status = Status.RETURNED
        dossier.returned_at = timezone.now()
        door.save(dossier)
        door.record(dossier, user, "return", from_status, note, channel=channel or dossier.return_channel)
        door.notify(dossier, "returned")
        door.send_on_commit(events.dossier_returned, dossier)
    return dossier


def _check_desk_return(dossier, channel):
    if channel != ReturnChannel.DESK:
        return
    policy = effective_policy(dossier.procedure, dossier.desk, timezone.now())
    if policy.allows_return(ReturnChannel.DESK) or has_exception(dossier):
        return
    text = _("Đang tạm ngừng trả kết quả trực tiếp tại Bộ phận Một cửa; kết quả được giữ đến khi trả lại được.")
    text = _("%(text)s Người nộp có thể đăng ký nhận kết quả qua bưu chính công ích.") % {"text": text}
    reason = policy.closed_because.get(ReturnChannel.DESK)
    raise DossierError(f"{text} {reason}" if reason else text, "return_channel")


# --- notes from other apps ---------------------------------------------------------------------


def record_event(dossier, user, action, note="", *, locked=False, **data):
    """A line on the dossier's timeline that does not change its status, for higher apps
    (the post's handover record, a campaign's clock stop). `locked`: the caller read the dossier
    with select_for_update in the transaction it is still in, so the row is not read again."""
    # Inside the caller's transaction already when it holds the lock: no savepoint of its own.
    with transaction.atomic(savepoint=not locked):
        if not locked:
            dossier = door.lock(dossier)
        return door.record(dossier, user, action, dossier.status, note, **data)
