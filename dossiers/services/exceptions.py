"""Urgent exceptions (trường hợp khẩn cấp, seed 003 Quảng Bình 1318/UBND-KSTT): "trừ những trường hợp hồ sơ
đặc biệt, thực sự cấp thiết do Giám đốc các sở, Thủ trưởng ... xem xét, quyết định".

Only a head of the dossier's agency grants one. An officer's call records a request (`ExceptionRequest`,
pending; the heads are told in the portal) that a head approves or declines; a head's own call is approved
at once. An approval writes the dossier's `grant_exception` event (approved_by = the head's account, never
free text), which is what `has_exception` reads at the doors (submission, acceptance, return at the desk,
switching the return to the desk, holding a result). Re-exported by `dossiers.services`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import Conflict
from portal.models import Role

from .. import door, workflow
from ..door import DossierError, NotPermitted, actor_kind, has_exception, no_permission
from ..models import ExceptionRequest, Status

CLOSED = (Status.RETURNED, Status.REFUSED, Status.WITHDRAWN)


class AlreadyDecided(Conflict):
    """The request was approved or declined already (HTTP 409)."""

    def __init__(self, request):
        super().__init__(_("Đề nghị này đã được xử lý (%(state)s).") % {"state": request.get_state_display()})


class DossierClosed(Conflict):
    """A returned, refused or withdrawn dossier needs no exception (HTTP 409)."""

    def __init__(self, status):
        super().__init__(
            _("Không thể ghi nhận trường hợp khẩn cấp khi hồ sơ đang ở trạng thái “%(status)s”.")
            % {"status": Status(status).label}
        )


def _open_for_exception(dossier):
    if dossier.status in CLOSED:
        raise DossierClosed(dossier.status)


def grant_exception(dossier, user, reason, approved_by=None):
    """A head of the dossier's agency: granted now (`approved_by` is the head's account; the free text
    given is ignored). An officer of its desk: a request for the head (state pending). Returns the request."""
    door.require(reason, "reason", _("Vui lòng nêu lý do khẩn cấp."))
    with transaction.atomic():
        dossier = door.lock(dossier)
        kind = actor_kind(user, dossier)
        if kind not in (workflow.OFFICER, workflow.HEAD):
            raise NotPermitted(no_permission())
        _open_for_exception(dossier)
        if has_exception(dossier):
            raise DossierError(_("Hồ sơ đã được lãnh đạo phê duyệt là trường hợp khẩn cấp."), "reason")
        now = timezone.now()
        if kind == workflow.HEAD and user.role == Role.HEAD:
            request = ExceptionRequest.objects.create(
                dossier=dossier,
                reason=reason,
                requested_by=user,
                requested_at=now,
                state=ExceptionRequest.State.PENDING,
            )
            return _approve(dossier, request, user, "", now)
        if ExceptionRequest.objects.filter(dossier=dossier, state=ExceptionRequest.State.PENDING).exists():
            raise DossierError(_("Hồ sơ đã có đề nghị đang chờ lãnh đạo phê duyệt."), "reason")
        request = ExceptionRequest.objects.create(dossier=dossier, reason=reason, requested_by=user, requested_at=now)
        door.record(dossier, user, "request_exception", dossier.status, reason, request=request.pk)
        _tell_heads(dossier, request)
    return request


def _tell_heads(dossier, request):
    """Each head of the dossier's agency gets it in the portal (their bell and their queue)."""
    from django.contrib.auth import get_user_model

    from ..notifications import notify_staff

    heads = get_user_model().objects.filter(role=Role.HEAD, agency_id=dossier.agency_id, is_active=True)
    subject = _("Đề nghị trường hợp khẩn cấp: hồ sơ %(code)s") % {"code": dossier.code}
    body = _("%(who)s đề nghị giải quyết hồ sơ %(code)s là trường hợp khẩn cấp: %(reason)s") % {
        "who": request.requested_by,
        "code": dossier.code,
        "reason": request.reason,
    }
    notify_staff(dossier, heads, "exception_requested", f"exception-{request.pk}", subject, body)


def approve_exception(request, user, note=""):
    """Lãnh đạo phê duyệt: only a head of the dossier's agency, once."""
    with transaction.atomic():
        request, dossier = _locked_request(request, user)
        _open_for_exception(dossier)
        return _approve(dossier, request, user, note, timezone.now())


def decline_exception(request, user, note=""):
    """Lãnh đạo không phê duyệt, with a reason the officer reads."""
    door.require(note, "note", _("Vui lòng nêu lý do không phê duyệt."))
    with transaction.atomic():
        request, dossier = _locked_request(request, user)
        request.state = ExceptionRequest.State.DECLINED
        request.decided_by, request.decided_at, request.decision_note = user, timezone.now(), note
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        door.record(dossier, user, "decline_exception", dossier.status, note, request=request.pk)
    return request


def _locked_request(request, user):
    request = ExceptionRequest.objects.select_for_update().get(pk=request.pk)
    dossier = door.lock(request.dossier)
    if actor_kind(user, dossier) != workflow.HEAD or user.role != Role.HEAD:
        raise NotPermitted(_("Chỉ lãnh đạo cơ quan giải quyết hồ sơ được phê duyệt trường hợp khẩn cấp."))
    if request.state != ExceptionRequest.State.PENDING:
        raise AlreadyDecided(request)
    return request, dossier


def _approve(dossier, request, head, note, now):
    request.state = ExceptionRequest.State.APPROVED
    request.decided_by, request.decided_at, request.decision_note = head, now, note or ""
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    asker = request.requested_by
    door.record(
        dossier,
        head,
        "grant_exception",
        dossier.status,
        request.reason,
        approved_by=str(head),
        approved_by_username=head.username,
        requested_by=str(asker) if asker else "",
        requested_at=request.requested_at.isoformat(),
        request=request.pk,
    )
    return request
