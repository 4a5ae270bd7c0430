"""The guards the transition table's rows name (`workflow.Transition.when` / `.checks`): each a small
function of the run under way (`perform.Run`) that raises the refusal or returns what it found (the
effective policy) for the action's effect. `perform.verify` makes sure every name has one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..door import DossierError
from ..payments import service as payments
from .actions import check_channels, check_desk_return, require_documents
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
