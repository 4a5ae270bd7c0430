"""The transition table of a dossier (Decree 61/2018, 107/2021; Circular 01/2018/TT-VPCP).

One row per action: the statuses it may start from, the status it leads to (None: the
status does not change, or the effect decides, as a supplement does), who may do it and the names of
its guards. `services/perform.py` runs it: `perform` is the one way a status changes, `can` says what a
person may do now."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import RUNNING_STATUSES, Status

S = Status

CITIZEN = "citizen"
OFFICER = "officer"
HEAD = "head"
# A person who holds the dossier's current process step without being its desk's officer or its agency's head:
# a specialist (chuyên viên) of the step's agency, or the head of another agency consulted (liên thông).
STEP = "step"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str | None
    actors: frozenset
    label: str
    when: tuple = ()  # guards of the dossier's state, asked by `can` and `perform` (services/guards.py)
    checks: tuple = ()  # guards of the request, asked by `perform` only (400 with the field at fault)


def _t(action, sources, target, actors, label, when=(), checks=()):
    return Transition(action, frozenset(sources), target, frozenset(actors), label, tuple(when), tuple(checks))


_RUNNING = RUNNING_STATUSES

TRANSITIONS = {
    t.action: t
    for t in (
        _t(
            "submit",
            [S.DRAFT],
            S.SUBMITTED,
            [CITIZEN, OFFICER],
            _("Nộp hồ sơ"),
            checks=["form_complete", "fee_group", "documents", "channels"],
        ),
        _t("accept", [S.SUBMITTED], S.ACCEPTED, [OFFICER], _("Tiếp nhận hồ sơ"), checks=["paid", "channels"]),
        _t("refuse", [S.SUBMITTED], S.REFUSED, [OFFICER], _("Từ chối tiếp nhận")),
        _t(
            "request_supplement",
            [S.SUBMITTED, *_RUNNING],
            S.SUPPLEMENT_REQUESTED,
            [OFFICER, HEAD, STEP],
            _("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
            when=["supplement_once_at_intake"],
        ),
        # Back to submitted (at intake) or to processing (the clock resumes); services decide.
        _t("supplement", [S.SUPPLEMENT_REQUESTED], None, [CITIZEN, OFFICER], _("Bổ sung hồ sơ"), checks=["documents"]),
        _t("process", _RUNNING, S.PROCESSING, [OFFICER, HEAD], _("Chuyển xử lý")),
        _t("pause", _RUNNING, S.PAUSED, [OFFICER, HEAD, STEP], _("Tạm dừng thời hạn")),
        _t("resume", [S.PAUSED], S.PROCESSING, [OFFICER, HEAD, STEP], _("Tiếp tục xử lý")),
        # The internal process (dossiers/process.py): only whoever holds the current step hands it on or back;
        # the result is recorded at the last step (a dossier accepted before processes existed has none).
        _t(
            "forward",
            _RUNNING,
            S.PROCESSING,
            [OFFICER, HEAD, STEP],
            _("Chuyển bước tiếp theo"),
            when=["holds_step", "has_next_step"],
            checks=["assignee"],
        ),
        _t(
            "send_back",
            _RUNNING,
            S.PROCESSING,
            [OFFICER, HEAD, STEP],
            _("Trả lại bước trước"),
            when=["holds_step", "has_earlier_step"],
        ),
        _t(
            "complete",
            [*_RUNNING],
            S.COMPLETED,
            [OFFICER, HEAD, STEP],
            _("Có kết quả"),
            when=["at_last_step"],
        ),
        _t("hold", [S.COMPLETED], S.RESULT_HELD, [SYSTEM], _("Lưu giữ kết quả")),
        _t("release", [S.RESULT_HELD], S.COMPLETED, [SYSTEM, OFFICER], _("Giải phóng kết quả lưu giữ")),
        _t("return", [S.COMPLETED], S.RETURNED, [OFFICER, SYSTEM], _("Trả kết quả"), checks=["desk_return"]),
        _t(
            "withdraw",
            [S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.ACCEPTED, S.PROCESSING, S.PAUSED],
            S.WITHDRAWN,
            [CITIZEN, OFFICER],
            _("Rút hồ sơ"),
        ),
        # Actions that keep the status.
        _t(
            "apologize",
            [*_RUNNING, S.PAUSED, S.SUPPLEMENT_REQUESTED],
            None,
            [OFFICER, HEAD],
            _("Xin lỗi và hẹn lại ngày trả kết quả"),
            when=["apology_once", "before_due"],
            checks=["later_appointment"],
        ),
        _t(
            "switch_return",
            [S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUESTED, *_RUNNING, S.PAUSED, S.COMPLETED, S.RESULT_HELD],
            None,
            [CITIZEN, OFFICER],
            _("Đổi hình thức nhận kết quả"),
        ),
        _t("rate", [S.RETURNED], None, [CITIZEN], _("Đánh giá mức độ hài lòng"), when=["not_rated"]),
        _t("upload", [S.DRAFT, S.SUPPLEMENT_REQUESTED], None, [CITIZEN, OFFICER], _("Tải lên giấy tờ")),
        _t("edit", [S.DRAFT], None, [CITIZEN, OFFICER], _("Sửa hồ sơ")),
    )
}


def allowed(action, status):
    transition = TRANSITIONS[action]
    return status in transition.sources


# What a person may do now on a given dossier (the buttons) is `services.can` / `services.actions_for`,
# which ask these rows and their guards.
