"""The statutory clock's doors: pause and resume with a reason (a `ClockPause` row each),
the apology letter with a new appointment (once, before the due moment), and recomputing
`due_at` after a pause was added from outside. Re-exported by `dossiers.services`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import clock, door
from ..door import DossierError
from ..models import ClockPause, Status


def pause(dossier, user, reason, kind=ClockPause.Kind.MANUAL):
    door.require(reason, "reason", _("Vui lòng nêu lý do tạm dừng."))
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("pause", dossier, user)
        now = timezone.now()
        from_status = dossier.status
        ClockPause.objects.create(dossier=dossier, kind=kind, started_at=now, reason=reason, by=user)
        dossier.status = Status.PAUSED
        clock.recompute(dossier, now)
        door.save(dossier)
        door.record(dossier, user, "pause", from_status, reason)
    return dossier


def resume(dossier, user, note=""):
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("resume", dossier, user)
        now = timezone.now()
        from_status = dossier.status
        clock.close_pause(dossier, now)
        dossier.status = Status.PROCESSING
        clock.recompute(dossier, now)
        door.save(dossier)
        door.record(dossier, user, "resume", from_status, note, due_at=dossier.due_at.isoformat())
    return dossier


def apologize(dossier, user, new_due_at, reason):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: once, before the due moment, to a later one."""
    door.require(reason, "reason", _("Vui lòng nêu lý do chậm trả kết quả."))
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("apologize", dossier, user)
        now = timezone.now()
        if dossier.apologized_at is not None:
            raise DossierError(_("Hồ sơ đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần."), "new_due_at")
        if dossier.due_at is None or now >= dossier.due_at:
            raise DossierError(_("Phiếu xin lỗi phải được gửi trước thời hạn trả kết quả."), "new_due_at")
        if new_due_at <= dossier.due_at:
            raise DossierError(_("Ngày hẹn mới phải sau ngày hẹn hiện tại."), "new_due_at")
        previous = dossier.due_at
        dossier.apologized_at = now
        dossier.apology_due_at = new_due_at
        clock.recompute(dossier, now)
        door.save(dossier)
        door.record(
            dossier,
            user,
            "apologize",
            dossier.status,
            reason,
            previous_due_at=previous.isoformat(),
            new_due_at=dossier.due_at.isoformat(),
        )
        door.notify(dossier, "apology")
    return dossier


def recompute_clock(dossier):
    """Recompute and store due_at/warn_at (after a pause row was added from outside, e.g. a
    campaign's clock stop)."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        clock.recompute(dossier, timezone.now())
        door.save(dossier, update_fields=["due_at", "warn_at", "next_alert_at", "updated_at"])
    return dossier
