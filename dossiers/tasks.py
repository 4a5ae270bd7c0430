"""Dossier tasks: take ids, are idempotent, and are sent on commit.

- `send_notification(id)`: deliver one recorded message (retried with backoff).
- `sweep_deadlines()`: every minute, record "due soon" and "overdue" once per dossier and
  due moment, and alert the desk's officers and the agency's heads; then the same for the
  steps of the internal process, once per step row and due moment, to the people holding the
  step (set-based, a batch at a time: dossiers/sweep.py)."""

import logging
from datetime import timedelta

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
    """Claim, commit, then send: the row is claimed (state `sending`, claimed_at) in a short
    transaction that commits before the backend is called, so no transaction or row lock is held
    over the SMS gateway or the mail server, and a second worker holding the same message skips
    it while the claim is fresh (and looks again after CLAIM_LEASE). The result is recorded after
    the send; a failure is recorded and raised, and the task retries with backoff. A worker lost
    mid-send leaves a claim that expires after CLAIM_LEASE; the redelivered task then sends it
    (at least once, never silently lost)."""
    from portal.sms import backend_for

    note = claim_notification(notification_id)
    if note is BUSY:
        # Another worker's fresh claim (or one lost mid-send): look again once the lease is over.
        raise self.retry(countdown=CLAIM_LEASE.total_seconds())
    if note is None:
        return "skipped"
    try:
        backend_for(note.channel).send(note)
    except Exception as exc:
        Notification.objects.filter(pk=note.pk, state=Notification.State.SENDING).update(
            state=Notification.State.FAILED, last_error=str(exc)[:2000], claimed_at=None
        )
        raise
    Notification.objects.filter(pk=note.pk).update(
        state=Notification.State.SENT, sent_at=timezone.now(), last_error="", claimed_at=None
    )
    return "sent"


CLAIM_LEASE = timedelta(minutes=10)
BUSY = object()


def claim_notification(notification_id, now=None):
    """The message, claimed for this worker and committed; None when it is sent already (or
    gone), BUSY while another worker's claim is fresh."""
    now = now or timezone.now()
    with transaction.atomic():
        note = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if note is None or note.state == Notification.State.SENT:
            return None
        if note.state == Notification.State.SENDING and note.claimed_at and note.claimed_at > now - CLAIM_LEASE:
            return BUSY
        note.state = Notification.State.SENDING
        note.claimed_at = now
        note.attempts += 1
        note.save(update_fields=["state", "claimed_at", "attempts"])
    return note


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_deadlines(batch_size=500):
    """Pick dossiers, then process steps, whose next alert moment has come, in batches, skipping
    rows another sweep holds; record each alert once and schedule the next one. Returns alerts
    sent. Each batch is one transaction of a fixed number of statements (dossiers/sweep.py)."""
    from portal.batches import in_batches

    from .sweep import sweep_all_batch

    return in_batches(sweep_all_batch, batch_size)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def remind_campaign_reports():
    """Two working days before a campaign's report is due, remind the province admins (once)."""
    from .campaign_reminders import remind_campaign_reports as remind

    return remind()
