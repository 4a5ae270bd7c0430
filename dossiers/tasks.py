"""Dossier tasks: take ids, are idempotent, and are sent on commit.

- `send_notification(id)`: deliver one recorded message (retried with backoff).
- `sweep_deadlines()`: every minute, record "due soon" and "overdue" once per dossier and
  due moment, and alert the desk's officers and the agency's heads."""

import logging

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.models import Role, User

from .models import ClockAlert, Dossier, DossierEvent, Notification

log = logging.getLogger("motcua.dossiers")


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_notification(self, notification_id):
    from .notify_backends import backend_for

    error = None
    with transaction.atomic():
        # The row lock makes two workers holding the same message send it once.
        note = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if note is None or note.state == Notification.State.SENT:
            return "skipped"
        note.attempts += 1
        try:
            backend_for(note.channel).send(note)
        except Exception as exc:
            error = exc
            note.state = Notification.State.FAILED
            note.last_error = str(exc)[:2000]
        else:
            note.state = Notification.State.SENT
            note.sent_at = timezone.now()
        note.save(update_fields=["attempts", "state", "last_error", "sent_at"])
    if error is not None:
        raise error
    return "sent"


def _staff_for(dossier):
    """The desk's officers and the agency's heads."""
    return list(
        User.objects.filter(is_active=True).filter(
            Q(role=Role.OFFICER, desk_id=dossier.desk_id) | Q(role=Role.HEAD, agency_id=dossier.agency_id)
        )
    )


def _alert(dossier, kind, now):
    from .notifications import notify_staff

    try:
        with transaction.atomic():
            ClockAlert.objects.create(dossier=dossier, kind=kind, due_at=dossier.due_at, at=now)
    except IntegrityError:
        return False
    due = date_format(timezone.localtime(dossier.due_at), "H:i d/m/Y")
    if kind == ClockAlert.Kind.DUE_SOON:
        subject = _("Hồ sơ %(code)s sắp đến hạn (%(due)s)") % {"code": dossier.code, "due": due}
        body = _(
            "Hồ sơ %(code)s đến hạn trả kết quả lúc %(due)s. Nếu không kịp, lập phiếu xin lỗi và hẹn lại ngày trả "
            "kết quả trước thời hạn."
        ) % {"code": dossier.code, "due": due}
    else:
        subject = _("Hồ sơ %(code)s đã quá hạn (%(due)s)") % {"code": dossier.code, "due": due}
        body = _("Hồ sơ %(code)s đã quá hạn trả kết quả (hạn %(due)s).") % {"code": dossier.code, "due": due}
    DossierEvent.objects.create(
        dossier=dossier, at=now, action=kind, from_status=dossier.status, to_status=dossier.status, note=subject
    )
    notify_staff(dossier, _staff_for(dossier), kind, dossier.due_at.isoformat(), subject, body)
    return True


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_deadlines(batch_size=500):
    """Pick dossiers whose next alert moment has come, in batches, skipping rows another
    sweep holds; record each alert once and schedule the next one. Returns alerts sent."""
    from .clock import next_alert_moment

    sent = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            batch = list(
                Dossier.objects.select_for_update(skip_locked=True)
                .filter(next_alert_at__isnull=False, next_alert_at__lte=now)
                .order_by("next_alert_at")[:batch_size]
            )
            for dossier in batch:
                if dossier.warn_at and dossier.warn_at <= now and dossier.warn_at < dossier.due_at:
                    sent += _alert(dossier, ClockAlert.Kind.DUE_SOON, now)
                if dossier.due_at <= now:
                    sent += _alert(dossier, ClockAlert.Kind.OVERDUE, now)
                dossier.next_alert_at = next_alert_moment(dossier)
                dossier.save(update_fields=["next_alert_at"])
        if len(batch) < batch_size:
            return sent
