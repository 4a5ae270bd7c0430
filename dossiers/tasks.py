"""Dossier tasks: take ids, are idempotent, and are sent on commit.

- `send_notification(id)`: deliver one recorded message (retried with backoff).
- `sweep_deadlines()`: every minute, record "due soon" and "overdue" once per dossier and
  due moment, and alert the desk's officers and the agency's heads (set-based, a batch at a
  time: dossiers/sweep.py)."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import Notification

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


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_deadlines(batch_size=500):
    """Pick dossiers whose next alert moment has come, in batches, skipping rows another
    sweep holds; record each alert once and schedule the next one. Returns alerts sent.
    Each batch is one transaction of a fixed number of statements (dossiers/sweep.py)."""
    from .sweep import in_batches, sweep_batch

    return in_batches(sweep_batch, batch_size)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_campaign_reports():
    """Two working days before a campaign's report is due, remind the province admins (once)."""
    from .campaign_reminders import remind_campaign_reports as remind

    return remind()
