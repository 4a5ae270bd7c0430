"""Redis stopped while citizens submit and officers accept: every request is answered and
saved; the messages it should have queued wait in the outbox (portal/outbox.py) and the
beat sweep (portal.tasks.drain_outbox) queues each of them once when Redis is back."""

import base64
import json

import pytest
from rest_framework.test import APIClient

from dossiers.models import Dossier, Notification, Status
from dossiers.tasks import send_notification
from portal.outbox import OutboxMessage
from portal.tasks import drain_outbox
from tests.dossier_helpers import pdf
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db]
CITIZENS = 6


class CommittingClient(APIClient):
    """Each request's on-commit callbacks run as its response returns, as they would outside
    the test's transaction (cheaper than a transactional test's flush)."""

    capture = None

    def generic(self, *args, **kwargs):
        with self.capture(execute=True):
            return super().generic(*args, **kwargs)


@pytest.fixture(autouse=True)
def _commit_each_request(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(CommittingClient, "capture", staticmethod(django_capture_on_commit_callbacks))


def api_for(user):
    client = CommittingClient()
    client.force_authenticate(user)
    return client


def queued(server):
    """The task messages waiting in the broker's default queue: [(task name, args)]."""
    messages = []
    for raw in server.client().lrange("celery", 0, -1):
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        messages.append((envelope["headers"]["task"], tuple(args)))
    return messages


def submit_and_accept(officer, procedure, citizen):
    """A citizen creates, uploads and submits through the API; the officer accepts (which
    records an SMS and an email to the applicant). Returns the dossier code."""
    api = api_for(citizen)
    created = api.post(
        "/api/v1/dossiers/",
        {
            "procedure": procedure.code,
            "desk": officer.desk_id,
            "intake_channel": "online",
            "return_channel": "desk",
            "applicant": {"full_name": citizen.full_name, "phone": citizen.phone, "email": citizen.email},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    document = procedure.documents.get()
    upload = api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": pdf()})
    assert upload.status_code == 201, upload.content
    submitted = api.post(f"/api/v1/dossiers/{code}/submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.content
    accepted = api_for(officer).post(f"/api/v1/dossiers/{code}/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    return code


@pytest.fixture
def desk():
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=1)
    return officer, procedure


def test_with_redis_up_the_message_is_queued_at_commit(private_redis, celery_on, desk, settings):
    celery_on(private_redis.url)
    officer, procedure = desk
    code = submit_and_accept(officer, procedure, CitizenFactory())
    notes = set(Notification.objects.filter(dossier__code=code).exclude(channel="staff").values_list("pk", flat=True))
    assert len(notes) == 2  # SMS and email
    assert sorted(queued(private_redis)) == sorted(("dossiers.tasks.send_notification", (pk,)) for pk in notes)
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert drain_outbox() == {"sent": 0, "pending": 0}
    assert len(queued(private_redis)) == 2


def test_redis_down_submissions_are_saved_and_the_sweep_queues_each_message_once(
    private_redis, celery_on, desk, settings
):
    # The whole of Redis goes: the broker and the cache with it.
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": private_redis.url}}
    celery_on(private_redis.url)
    officer, procedure = desk
    private_redis.stop()

    codes = [submit_and_accept(officer, procedure, CitizenFactory()) for _ in range(CITIZENS)]

    # Every submission is saved and was answered; the messages wait in the outbox.
    assert set(Dossier.objects.filter(code__in=codes).values_list("status", flat=True)) == {Status.ACCEPTED}
    notes = Notification.objects.filter(dossier__code__in=codes).exclude(channel="staff")
    assert notes.count() == 2 * CITIZENS and set(notes.values_list("state", flat=True)) == {"pending"}
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert pending.count() == 2 * CITIZENS
    assert all("Error" in m.last_error for m in pending)
    # The domain events (in-process receivers) did not need the broker: none is pending.
    assert not pending.filter(kind="signal").exists()

    # A sweep while Redis is still down sends nothing and loses nothing.
    assert drain_outbox() == {"sent": 0, "pending": 2 * CITIZENS}

    private_redis.start()
    assert drain_outbox() == {"sent": 2 * CITIZENS, "pending": 0}
    messages = queued(private_redis)
    expected = sorted(("dossiers.tasks.send_notification", (pk,)) for pk in notes.values_list("pk", flat=True))
    assert sorted(messages) == expected  # each once

    # The sweep run again doubles nothing.
    assert drain_outbox() == {"sent": 0, "pending": 0}
    assert sorted(queued(private_redis)) == expected

    # A worker runs what was queued, twice over as a redelivery would: each message goes out once.
    for _name, args in messages + messages:
        send_notification.apply(args=args)
    assert set(notes.values_list("state", "attempts")) == {("sent", 1)}
