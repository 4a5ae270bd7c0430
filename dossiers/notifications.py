"""Messages to applicants and staff: one Notification row per (dossier, kind, channel,
recipient, key), written in the same transaction as the change it reports and sent by a
task after commit. A row that exists is never sent twice; a failed send is retried."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Notification


def _due(dossier):
    return date_format(timezone.localtime(dossier.due_at), "H:i d/m/Y") if dossier.due_at else ""


# kind → (subject, body) in Vietnamese; the body is short enough for one or two SMS.
def _texts(dossier, kind):
    code = dossier.code
    texts = {
        "accepted": (
            _("Hồ sơ %(code)s đã được tiếp nhận"),
            _("Hồ sơ %(code)s đã được tiếp nhận. Hẹn trả kết quả: %(due)s."),
        ),
        "supplement_requested": (
            _("Hồ sơ %(code)s cần bổ sung"),
            _("Hồ sơ %(code)s cần bổ sung, hoàn thiện. Vui lòng xem yêu cầu trên Cổng dịch vụ công."),
        ),
        "refused": (
            _("Hồ sơ %(code)s bị từ chối tiếp nhận"),
            _("Hồ sơ %(code)s không được tiếp nhận. Lý do xem trên Cổng dịch vụ công."),
        ),
        "result_ready": (
            _("Hồ sơ %(code)s đã có kết quả"),
            _("Hồ sơ %(code)s đã có kết quả, sẵn sàng trả theo hình thức đã đăng ký."),
        ),
        "result_held": (
            _("Kết quả hồ sơ %(code)s đang được lưu giữ"),
            _(
                "Hồ sơ %(code)s đã có kết quả; theo biện pháp đang áp dụng, kết quả được lưu giữ "
                "hoặc chuyển qua bưu chính."
            ),
        ),
        "result_released": (
            _("Kết quả hồ sơ %(code)s đã sẵn sàng"),
            _("Kết quả hồ sơ %(code)s không còn lưu giữ và sẵn sàng trả."),
        ),
        "returned": (
            _("Hồ sơ %(code)s đã trả kết quả"),
            _("Hồ sơ %(code)s đã trả kết quả. Mời đánh giá mức độ hài lòng trên Cổng dịch vụ công."),
        ),
        "apology": (
            _("Xin lỗi về việc chậm trả kết quả hồ sơ %(code)s"),
            _("Cơ quan xin lỗi vì chậm giải quyết hồ sơ %(code)s. Hẹn trả kết quả mới: %(due)s."),
        ),
    }
    subject, body = texts.get(kind, (_("Hồ sơ %(code)s"), _("Hồ sơ %(code)s có cập nhật mới.")))
    values = {"code": code, "due": _due(dossier)}
    return subject % values, body % values


def _create(dossier, *, channel, recipient, kind, key, subject, body, recipient_user=None):
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                dossier=dossier,
                channel=channel,
                recipient=recipient,
                recipient_user=recipient_user,
                kind=kind,
                key=key,
                subject=subject,
                body=body,
                created_at=timezone.now(),
            )
    except IntegrityError:
        return None  # already recorded: each message is sent once
    if channel != Notification.Channel.STAFF:
        from portal.outbox import enqueue_task

        # Through the outbox: published after commit, and by the beat sweep if Redis was down.
        enqueue_task("dossiers.tasks.send_notification", note.pk)
    return note


def sms_recipient(dossier):
    """The phone an SMS about the dossier goes to: only a confirmed one.

    - A dossier of a citizen's account: the account's phone once confirmed (a code by SMS, or the national
      identity), whatever number was typed on the dossier; none while it is unconfirmed (the citizen's
      pages say so; e-mail and the portal still tell them).
    - A dossier without an account (walk-in or postal papers entered by an officer): the phone the applicant
      wrote on the paper form, handed to the officer in person, as before."""
    owner = dossier.owner
    if owner is None:
        return dossier.applicant_phone
    return owner.phone if owner.phone_confirmed else ""


def notify_applicant(dossier, kind, key="", text=None):
    """SMS to the applicant's confirmed phone (`sms_recipient`), and email when there is one."""
    subject, body = text or _texts(dossier, kind)
    created = [
        _create(dossier, channel=channel, recipient=recipient, kind=kind, key=key, subject=subject, body=body)
        for channel, recipient in (("sms", sms_recipient(dossier)), ("email", dossier.applicant_email))
        if recipient
    ]
    return [n for n in created if n]


def notify_staff(dossier, users, kind, key, subject, body):
    """An in-portal message to each staff member (the officers' bell), once per key."""
    return [
        n
        for n in (
            _create(
                dossier,
                channel=Notification.Channel.STAFF,
                recipient=user.username,
                recipient_user=user,
                kind=kind,
                key=key,
                subject=subject,
                body=body,
            )
            for user in users
        )
        if n
    ]


# The staff's deadline alerts (dossiers/sweep.py), the dossier's and its steps', settled when the dossier is finished.
DEADLINE_ALERTS = ("due_soon", "overdue", "step_due_soon", "step_overdue")


def settle_deadline_alerts(dossier, now=None):
    """A finished dossier's "sắp đến hạn" / "quá hạn" alerts stop showing as unread in the staff's
    bell (they are marked read now; the alert rows and the dossier's events stay). Called by the
    service door in the transaction that finishes the dossier."""
    return Notification.objects.filter(
        dossier_id=dossier.pk, channel=Notification.Channel.STAFF, kind__in=DEADLINE_ALERTS, read_at__isnull=True
    ).update(read_at=now or timezone.now())
