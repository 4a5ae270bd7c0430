"""The guards the transition table's rows name (`workflow.Transition.when` / `.checks`): each a small
function of the run under way (`perform.Run`) that raises the refusal or returns what it found (the
effective policy) for the action's effect. `perform.verify` makes sure every name has one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.errors import Conflict

from .. import process
from ..door import DossierError, NotPermitted
from ..payments import service as payments
from .actions import check_channels, check_desk_return, check_form_data, require_documents
from .perform import guard

# --- of the dossier's state (`when`: `can` asks them too, so a button shows only when they pass) ---------


@guard("supplement_once_at_intake")
def supplement_once_at_intake(run):
    """At intake a supplement is asked at most once, listing everything missing (Decree 61/2018 art. 16)."""
    if run.dossier.received_at is None and run.dossier.supplement_requests >= 1:
        raise DossierError(
            _("Chỉ được yêu cầu bổ sung một lần khi tiếp nhận; các thiếu sót phải nêu đầy đủ trong một lần."),
            "reason",
        )


@guard("apology_once")
def apology_once(run):
    if run.dossier.apologized_at is not None:
        raise DossierError(_("Hồ sơ đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần."), "new_due_at")


@guard("before_due")
def before_due(run):
    if run.dossier.due_at is None or run.now >= run.dossier.due_at:
        raise DossierError(_("Phiếu xin lỗi phải được gửi trước thời hạn trả kết quả."), "new_due_at")


@guard("not_rated")
def not_rated(run):
    if run.dossier.rating is not None:
        raise DossierError(_("Hồ sơ đã được đánh giá."), "score")


# --- of the request (`checks`: perform only) ----------------------------------------------------------


@guard("documents")
def documents(run):
    require_documents(run.dossier)


@guard("form_complete")
def form_complete(run):
    """The declaration is complete and valid against the form version the draft was made with (no query, and
    nothing to check, for a dossier without a form)."""
    dossier = run.dossier
    if dossier.form_version is not None:
        check_form_data(dossier.procedure_id, dossier.form_version, dossier.form_data, complete=True)


@guard("fee_group")
def fee_group(run):
    """The dossier's applicant group is still one of the procedure's (its fee and proof document): the FeeGroup,
    for the effect. No query for the default group."""
    dossier = run.dossier
    found = payments.fee_group_of(dossier)
    if found is None:
        raise DossierError(
            _("Đối tượng nộp phí đã chọn không còn áp dụng cho thủ tục này; vui lòng sửa hồ sơ và chọn lại."),
            "fee_group",
        )
    return found


@guard("channels")
def channels(run):
    """The effective policy allows the dossier's channels now; the policy is the fact."""
    return check_channels(run.dossier, run.now)


@guard("paid")
def paid(run):
    payments.check_paid_for_acceptance(run.dossier)


@guard("later_appointment")
def later_appointment(run):
    if run.data["new_due_at"] <= run.dossier.due_at:
        raise DossierError(_("Ngày hẹn mới phải sau ngày hẹn hiện tại."), "new_due_at")


@guard("desk_return")
def desk_return(run):
    check_desk_return(run.dossier, run.data.get("channel") or run.dossier.return_channel)


# --- the internal process (dossiers/process.py) -----------------------------------------------------


@guard("holds_step")
def holds_step(run):
    """Only a person of the current step's role at its agency (or its named assignee) hands it on or back."""
    dossier = run.dossier
    step = dossier.current_step if dossier.current_step_id else None
    if step is None:
        raise Conflict(_("Hồ sơ không có bước xử lý nào đang mở."))
    if not process.holds(run.actor, dossier, step):
        raise NotPermitted(
            _("Hồ sơ đang ở bước “%(step)s”; chỉ người thực hiện bước này được chuyển tiếp hoặc trả lại.")
            % {"step": step.name}
        )


@guard("has_next_step")
def has_next_step(run):
    if process.next_index(run.dossier) is None:
        raise Conflict(_("Đây là bước cuối của quy trình: hãy cập nhật kết quả giải quyết."))


@guard("has_earlier_step")
def has_earlier_step(run):
    """There is a step to return to: the one named (`to_step`, a code of an earlier step) or the previous one."""
    wanted = run.data.get("to_step") or ""
    if process.earlier_index(run.dossier) is None:
        raise Conflict(_("Đây là bước đầu của quy trình: không có bước trước để trả lại."))
    if wanted and process.earlier_index(run.dossier, wanted) is None:
        raise DossierError(
            _("“%(code)s” không phải một bước trước bước hiện tại của quy trình.") % {"code": wanted}, "to_step"
        )


@guard("at_last_step")
def at_last_step(run):
    """The result is recorded at the last step of the process (no step open: a dossier from before processes)."""
    dossier = run.dossier
    if dossier.current_step_id is not None and not process.is_last(dossier):
        raise Conflict(
            _("Hồ sơ đang ở bước “%(step)s”; kết quả được cập nhật ở bước cuối của quy trình.")
            % {"step": dossier.current_step.name}
        )


@guard("assignee")
def assignee(run):
    """The person named to receive the next step works at it (a username); the account is the fact."""
    username = (run.data.get("assignee") or "").strip()
    index = process.next_index(run.dossier)
    if not username or index is None:
        return None
    person = process.staff_of(run.dossier, index).filter(username=username).first()
    if person is None:
        raise DossierError(
            _("“%(name)s” không thực hiện bước tiếp theo của quy trình.") % {"name": username}, "assignee"
        )
    return person
