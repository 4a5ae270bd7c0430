"""The one door for every change of a dossier.

Each public step (`accept(dossier, user, note)` …) is a thin call of `perform` (perform.py), which
locks the row, checks the transition table (workflow.py) and its guards (guards.py), applies the
row's target, writes the event row and sends the domain event on commit; what is left here is what is
particular to each action (its effect). Views, serializers and tasks call these; they hold no rule."""

from __future__ import annotations

import json
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.policy import effective_policy
from campaigns.walk_in import take_place as take_walk_in_place
from portal import eform, fees
from portal.calendar import timeliness as classify
from portal.models import DEFAULT_FEE_GROUP, RequiredDocument, Role
from portal.statements import Statement
from portal.working_time import calendar_for_desk

from .. import clock, door, events
from .. import process as internal_process
from ..access import may_create_draft
from ..codes import next_code
from ..declarations import definition_of as form_definition
from ..door import DossierError, FormDataError, NotPermitted, has_exception
from ..models import (
    ClockPause,
    Dossier,
    DossierDocument,
    IntakeChannel,
    Outcome,
    PaymentStatus,
    ReturnChannel,
    Status,
    StepOutcome,
)
from ..payments import service as payments
from . import results, store
from .perform import effect, follow, perform
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


def check_form_data(procedure_id, version, form_data, *, complete):
    """The declaration against the form version it is made with (api.md "Electronic declaration forms"): a
    draft's typed values (``complete=False``, on create and edit), every required field too at submission
    (``complete=True``, the ``form_complete`` guard of the submit row). A dossier without a form keeps the
    free ``form_data`` of before: any object without NUL characters (PostgreSQL cannot store them)."""
    if version is None:
        if "\\u0000" in json.dumps(form_data):
            raise DossierError(_("form_data không được chứa ký tự NUL (\\u0000)."), "form_data")
        return
    definition = form_definition(procedure_id, version, shared=True)  # the validator only reads it
    errors = eform.validate(definition or {}, form_data, complete=complete)
    if errors:
        raise FormDataError(errors)


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
    fee_group=DEFAULT_FEE_GROUP,
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
    form_data = form_data or {}
    check_form_data(procedure.pk, procedure.form_version, form_data, complete=False)
    fee_group = fee_group or DEFAULT_FEE_GROUP
    check_fee_group(procedure, fee_group)
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
            form_data=form_data,
            form_version=procedure.form_version,
            fee_group=fee_group,
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
        "fee_group",
    }
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("edit", dossier, user)
        for name, value in fields.items():
            if name in editable and value is not None:
                setattr(dossier, name, value)
        if fields.get("form_data") is not None:
            check_form_data(dossier.procedure_id, dossier.form_version, dossier.form_data, complete=False)
        if fields.get("fee_group") is not None:
            check_fee_group(dossier.procedure, dossier.fee_group)
        _check_addresses(dossier.intake_channel, dossier.return_channel, dossier.address)
        door.save(dossier)
    return dossier


def check_fee_group(procedure, group):
    """The applicant group is one of the procedure's (api.md "fees"): its FeeGroup, else a 400 on ``fee_group``.
    The default group needs no query."""
    found = fees.group_of(procedure, group)
    if found is None:
        raise DossierError(
            _("Thủ tục này không có đối tượng nộp phí “%(group)s”.") % {"group": str(group)[:40]}, "fee_group"
        )
    return found


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


# --- the citizen's steps (effects of the table's rows; `perform` does the rest) ----------------------


def missing_documents(dossier):
    """The names of the required documents not uploaded yet: the procedure's required ones, and the proof
    document of the dossier's fee group (a student's card for the student fee)."""
    have = set(dossier.documents.values_list("document_code", flat=True))
    proof = payments.proof_document_of(dossier)
    return [d.name for d in dossier.procedure.documents.all() if (d.required or d.code == proof) and d.code not in have]


def require_documents(dossier):
    """Online, every required document comes with the submission (and is there again when a
    supplement is sent); by post or at the desk the paper follows."""
    missing = missing_documents(dossier) if dossier.intake_channel == IntakeChannel.ONLINE else None
    if missing:
        raise DossierError(_("Còn thiếu giấy tờ bắt buộc: %(names)s.") % {"names": ", ".join(missing)}, "documents")


def _first_lacking(dossier_id, procedure_id, proof):
    uploaded = DossierDocument.objects.filter(dossier_id=dossier_id).values("document_code")
    needed = Q(required=True) if proof is None else Q(required=True) | Q(code=proof)
    required = RequiredDocument.objects.filter(needed, procedure_id=procedure_id)
    return required.exclude(code__in=uploaded).only("pk")[:1]


# Compiled once per process (portal/statements.py): the post's pickup asks it at every postal submission.
_FIRST_LACKING = Statement(_first_lacking)


def lacks_documents(dossier):
    """Whether a required document of the procedure is not uploaded yet (one query; missing_documents names them)."""
    proof = payments.proof_document_of(dossier) or None
    return bool(_FIRST_LACKING(dossier.pk, dossier.procedure_id, proof))


def submit(dossier, user, note=""):
    return perform("submit", dossier, user, note=note)


@effect("submit", after=lambda run: door.send_on_commit(events.dossier_submitted, run.dossier))
def _submit(run):
    dossier = run.dossier
    dossier.submitted_at = run.now
    # The fee of the applicant's group as submitted (the fee_group guard found it): what is paid online, and
    # what acceptance keeps.
    dossier.snap_fee = run.facts["fee_group"].amount
    if payments.fee_payable_online(
        dossier.procedure, run.facts["channels"], dossier.intake_channel, amount=dossier.snap_fee
    ):
        dossier.payment_status = PaymentStatus.UNPAID


def withdraw(dossier, user, note=""):
    return perform("withdraw", dossier, user, note=note)


@effect("withdraw", after=lambda run: door.send_on_commit(events.dossier_closed, run.dossier, reason="withdrawn"))
def _withdraw(run):
    clock.close_pause(run.dossier, run.now)
    internal_process.close(run.dossier, run.now, run.actor)


def supplement(dossier, user, note=""):
    """The citizen has uploaded what was asked: back to intake, or back to processing with
    the clock running again. Every required document must be there, as at submission
    (`require_documents`)."""
    return perform("supplement", dossier, user, note=note)


@effect("supplement")
def _supplement(run):
    dossier = run.dossier
    if dossier.received_at is None:
        dossier.status = Status.SUBMITTED
    else:
        clock.close_pause(dossier, run.now)
        dossier.status = Status.PROCESSING
        clock.recompute(dossier, run.now)


def rate(dossier, user, score, comment=""):
    return perform("rate", dossier, user, score=score, comment=comment)


def _valid_score(data):
    score = data.get("score")
    if not (isinstance(score, int) and 1 <= score <= 5):
        raise DossierError(_("Điểm đánh giá từ 1 đến 5."), "score")


@effect("rate", validate=_valid_score)
def _rate(run):
    run.dossier.rating = run.data["score"]
    run.dossier.rating_comment = run.note = run.data.get("comment") or ""
    run.event = {"score": run.data["score"]}


def switch_return(dossier, user, return_channel, address=None, note=""):
    return perform("switch_return", dossier, user, return_channel=return_channel, address=address, note=note)


def _valid_return_channel(data):
    if data.get("return_channel") not in ReturnChannel.values:
        raise DossierError(_("Kênh nhận kết quả không hợp lệ."), "return_channel")


def _switched(run):
    dossier, policy = run.dossier, run.facts["policy"]
    door.send_on_commit(events.dossier_return_switched, dossier, previous=run.event["previous"])
    if dossier.status == Status.RESULT_HELD and (policy.allows_return(dossier.return_channel) or _urgent_desk(dossier)):
        _release(dossier, run.actor, _("Đã chuyển sang hình thức nhận kết quả được phép."))


def allows_return_for(dossier, policy, channel):
    """The policy allows `channel` for this dossier's result: open to all, or the desk for a dossier a head
    granted an urgent exception (seed 003: "trừ những trường hợp hồ sơ đặc biệt, thực sự cấp thiết"), as at
    submission, acceptance and the hand-over (check_channels, check_desk_return)."""
    if policy.allows_return(channel):
        return True
    return channel == ReturnChannel.DESK and has_exception(dossier)


@effect("switch_return", after=_switched, validate=_valid_return_channel)
def _switch_return(run):
    dossier, return_channel = run.dossier, run.data["return_channel"]
    if run.data.get("address") is not None:
        dossier.address = run.data["address"]
    _check_addresses(dossier.intake_channel, return_channel, dossier.address)
    policy = run.facts["policy"] = effective_policy(dossier.procedure, dossier.desk, run.now)
    if not allows_return_for(dossier, policy, return_channel):
        raise DossierError(_channel_message(policy, return_channel, intake=False), "return_channel")
    run.event = {"previous": dossier.return_channel, "to": return_channel}
    dossier.return_channel = return_channel


# --- the officer's steps --------------------------------------------------------------------


def accept(dossier, user, note=""):
    """Tiếp nhận: snapshot the rule, start the clock, issue the receipt with the appointment."""
    return perform("accept", dossier, user, note=note)


def _accepted(run):
    door.notify(run.dossier, "accepted")
    door.send_on_commit(events.dossier_accepted, run.dossier)


@effect("accept", after=_accepted)
def _accept(run):
    dossier, now, policy = run.dossier, run.now, run.facts["channels"]
    if dossier.intake_channel == IntakeChannel.WALK_IN:
        # The session's walk-in cap counts this dossier unless its ticket holds the place (seed 004).
        take_walk_in_place(dossier.desk, policy.walk_in_capacity_per_session, now, dossier.ticket)
    procedure = dossier.procedure
    dossier.received_at = now
    dossier.snap_processing_value = procedure.processing_time_value
    dossier.snap_processing_unit = procedure.processing_time_unit
    if dossier.snap_fee is None:  # set at submission (the applicant group's fee); a dossier of before: now
        dossier.snap_fee = payments.amount_due(dossier)
    dossier.snap_policy = policy.as_dict()
    clock.recompute(dossier, now)
    dossier.original_due_at = dossier.due_at
    # The internal process, taken now like the deadline: its first step starts with the acceptance.
    dossier.snap_process = internal_process.snapshot(procedure)
    first = internal_process.start(dossier, 0, 1, now, run.actor)
    run.event = {"due_at": dossier.due_at.isoformat(), "to_step": first.code, "step_due_at": first.due_at.isoformat()}


def refuse(dossier, user, reason):
    return perform("refuse", dossier, user, reason=reason)


def _refused(run):
    payments.refund_if_paid(run.dossier, run.actor, run.note)  # a fee paid online is refunded (payments/service.py)
    door.notify(run.dossier, "refused")
    door.send_on_commit(events.dossier_closed, run.dossier, reason="refused")


@effect(
    "refuse",
    after=_refused,
    validate=lambda data: door.require(data.get("reason"), "reason", _("Vui lòng nêu lý do từ chối.")),
)
def _refuse(run):
    run.note = run.data["reason"]


def request_supplement(dossier, user, reason, missing=None):
    """Yêu cầu bổ sung: at intake at most once, listing everything missing (the row's guard); during
    processing it stops the clock until the citizen supplements."""
    return perform("request_supplement", dossier, user, reason=reason, missing=missing)


@effect(
    "request_supplement",
    after=lambda run: door.notify(run.dossier, "supplement_requested", key=str(run.dossier.supplement_requests)),
    validate=lambda data: door.require(data.get("reason"), "reason", _("Vui lòng nêu rõ các giấy tờ cần bổ sung.")),
)
def _request_supplement(run):
    dossier, reason = run.dossier, run.data["reason"]
    if dossier.received_at is not None:
        ClockPause.objects.create(
            dossier=dossier, kind=ClockPause.Kind.SUPPLEMENT, started_at=run.now, reason=reason, by=run.actor
        )
        clock.recompute(dossier, run.now)
    dossier.supplement_requests += 1
    run.note = reason
    run.event = {"missing": list(run.data.get("missing") or [])}


def process(dossier, user, note="", handed_to=""):
    """Chuyển xử lý: a handover, one line of the processing control sheet."""
    return perform("process", dossier, user, note=note, handed_to=handed_to)


@effect("process")
def _process(run):
    run.event = {"handed_to": run.data.get("handed_to") or run.dossier.agency.name}


def complete(dossier, user, outcome, reason="", result_file=None):
    return perform("complete", dossier, user, outcome=outcome, reason=reason, result_file=result_file)


def _valid_completion(data):
    outcome = data.get("outcome")
    if outcome not in Outcome.values:
        raise DossierError(_("Kết quả phải là giải quyết (approved) hoặc không giải quyết (denied)."), "outcome")
    if outcome == Outcome.DENIED:
        door.require(data.get("reason"), "reason", _("Vui lòng nêu lý do không giải quyết."))
    if data.get("result_file") is not None:
        _name_result_file(data["result_file"])


def _completed(run):
    dossier = run.dossier
    if run.facts.get("signed") is not None:
        results.save_signed(dossier, run.facts["signed"])
    store.keep_result(dossier, run.now)  # the e-result goes into the citizen's store (saved: its name is final)
    policy = effective_policy(dossier.procedure, dossier.desk, run.now)
    if policy.hold_other_returns and not policy.allows_return(dossier.return_channel) and not _urgent_desk(dossier):
        _hold(dossier, None, _("Kết quả được lưu giữ theo đợt áp dụng biện pháp."))
    else:
        door.notify(dossier, "result_ready")
        door.send_on_commit(events.dossier_result_ready, dossier)


@effect("complete", after=_completed, validate=_valid_completion)
def _complete(run):
    dossier, now = run.dossier, run.now
    clock.close_pause(dossier, now)
    clock.recompute(dossier, now)
    last = internal_process.finish(dossier, now, run.actor, StepOutcome.COMPLETED, run.data.get("reason") or "")
    dossier.outcome = run.data["outcome"]
    dossier.completed_at = now
    dossier.timeliness = classify(now, dossier.due_at, calendar_for_desk(dossier.desk).tz)
    if run.data.get("result_file") is not None:
        # Stored signed (PAdES, the agency's certificate; an image wrapped in a PDF first): dossiers/services/results.py
        dossier.result_file, run.facts["signed"] = results.sign_result(dossier, run.data["result_file"], run.actor, now)
    run.note = run.data.get("reason") or ""
    run.event = {"outcome": dossier.outcome, "timeliness": dossier.timeliness}
    if last is not None:
        run.event["from_step"] = last.code


def _urgent_desk(dossier):
    """An urgent exception with a desk return is never held (seed 003)."""
    return dossier.return_channel == ReturnChannel.DESK and has_exception(dossier)


def hold_result(dossier, user=None, note=""):
    """Lưu giữ kết quả: a ready result whose return channel a campaign no longer allows is held
    until the campaign ends or the return is switched (campaign rules call this at the start)."""
    return perform("hold", dossier, user, note=note or _("Kết quả được lưu giữ theo đợt áp dụng biện pháp."))


@effect("hold", after=lambda run: door.notify(run.dossier, "result_held"))
def _hold_effect(run):
    pass


def _hold(dossier, user, note):
    """A result held as it is completed (the completion was the request): the table's `hold` row followed."""
    follow(dossier, user, "hold", note, from_status=Status.COMPLETED)
    door.notify(dossier, "result_held")


def _name_result_file(upload):
    """The e-result passes the upload checks (PDF, JPEG or PNG by content, size) and is stored
    under a random name of ours, whatever name it came with."""
    _content_type, extension = inspect_file(upload)
    upload.name = f"{secrets.token_hex(16)}.{extension}"


def release_held(dossier, user=None, note=""):
    """A held result is released (the campaign ended, or the return was switched)."""
    return perform("release", dossier, user, note=note)


def _released(run):
    door.notify(run.dossier, "result_released")
    door.send_on_commit(events.dossier_result_ready, run.dossier)


effect("release", after=_released)(lambda run: None)


def _release(dossier, user, note):
    """Released because the citizen switched to a return the campaign allows: the `release` row followed."""
    follow(dossier, user, "release", note, from_status=Status.RESULT_HELD)
    door.notify(dossier, "result_released")
    door.send_on_commit(events.dossier_result_ready, dossier)


def return_result(dossier, user, note="", channel=None):
    """Trả kết quả: at the desk, online, or (called by postal on delivery) by post. A hand-over at the
    desk asks the policy now: a campaign that suspends it (`walk_in_suspended`, seed 003) refuses it
    unless a head granted the dossier an urgent exception; the result waits (the post is offered)."""
    return perform("return", dossier, user, note=note, channel=channel)


def _returned(run):
    door.notify(run.dossier, "returned")
    door.send_on_commit(events.dossier_returned, run.dossier)


@effect("return", after=_returned)
def _return(run):
    run.dossier.returned_at = run.now
    run.event = {"channel": run.data.get("channel") or run.dossier.return_channel}


def check_desk_return(dossier, channel):
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
