"""E-mail (and SMS) notifications are sent through the configured backend, Django's e-mail backend for
mail, by the rule claim, commit, then send (issue 11, point 8)."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection
from django.utils import timezone

from dossiers.models import Notification
from dossiers.notifications import notify_applicant
from dossiers.tasks import CLAIM_LEASE, send_notification
from tests.dossier_helpers import make_dossier

pytestmark = pytest.mark.django_db(transaction=True)
SEEN = []


class WatchingBackend:
    """Records, at the moment of sending, whether a transaction is open and what the row says."""

    def send(self, notification):
        row = Notification.objects.get(pk=notification.pk)
        SEEN.append((connection.in_atomic_block, row.state, row.claimed_at is not None))


class BrokenBackend:
    def send(self, notification):
        raise ConnectionError("máy chủ thư không trả lời")


@pytest.fixture
def email_note():
    dossier = make_dossier("submitted")
    Notification.objects.all().delete()
    [note] = [n for n in notify_applicant(dossier, "accepted") if n.channel == "email"]
    # Tasks run inline in the tests: the outbox already sent it on commit; the test sends it itself.
    Notification.objects.filter(pk=note.pk).update(state="pending", sent_at=None, attempts=0)
    note.refresh_from_db()
    mail.outbox.clear()
    return note


def test_an_email_notification_goes_through_djangos_mail_backend(email_note):
    assert send_notification.apply(args=[email_note.pk]).get() == "sent"
    [message] = mail.outbox
    assert message.to == [email_note.recipient] and message.subject == email_note.subject
    assert "đã được tiếp nhận" in message.body
    email_note.refresh_from_db()
    assert email_note.state == "sent" and email_note.sent_at is not None and email_note.claimed_at is None
    # Sent once: a second delivery of the task sends nothing.
    assert send_notification.apply(args=[email_note.pk]).get() == "skipped"
    assert len(mail.outbox) == 1


def test_the_claim_is_committed_before_the_backend_is_called(settings, email_note):
    settings.NOTIFY_EMAIL_BACKEND = "tests.dossiers.test_notification_sending.WatchingBackend"
    SEEN.clear()
    send_notification.apply(args=[email_note.pk]).get()
    assert SEEN == [(False, "sending", True)]  # no transaction open; the claim already in the database


def test_a_fresh_claim_of_another_worker_waits_and_an_expired_one_is_sent(email_note):
    Notification.objects.filter(pk=email_note.pk).update(state="sending", claimed_at=timezone.now())
    with pytest.raises(Retry):  # not sent twice; looked at again when the claim's lease is over
        send_notification.apply(args=[email_note.pk]).get()
    assert mail.outbox == []
    stale = timezone.now() - CLAIM_LEASE - timedelta(minutes=1)
    Notification.objects.filter(pk=email_note.pk).update(claimed_at=stale)
    assert send_notification.apply(args=[email_note.pk]).get() == "sent"
    assert len(mail.outbox) == 1


def test_a_failed_send_is_recorded_then_retried(settings, email_note):
    settings.NOTIFY_EMAIL_BACKEND = "tests.dossiers.test_notification_sending.BrokenBackend"
    with pytest.raises((ConnectionError, Retry)):  # the task retries with backoff
        send_notification.apply(args=[email_note.pk]).get()
    email_note.refresh_from_db()
    assert email_note.state == "failed" and "không trả lời" in email_note.last_error and email_note.attempts >= 1
    settings.NOTIFY_EMAIL_BACKEND = "dossiers.notify_backends.DjangoEmailBackend"
    assert send_notification.apply(args=[email_note.pk]).get() == "sent"
    assert len(mail.outbox) == 1
