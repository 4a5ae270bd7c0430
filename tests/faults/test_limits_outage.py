"""Redis stopped (issue 12.7): the limits hold. The cache is Redis (portal.cache.ResilientRedisCache,
which answers as an empty cache while Redis is down), so any limit counted there alone would let
every request through; the tracking limit and the login lockout count in the database, and the
allowances kept in the cache (password-reset mails, queue-ticket bookings) are counted in the
database while it is down (portal/counters.py)."""

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.models import QueueTicket
from campaigns.testing import vn
from tests.clients import api_client
from tests.dossier_helpers import make_dossier
from tests.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def redis_down(settings, private_redis):
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": private_redis.url}}
    private_redis.stop()
    yield
    private_redis.start()


def test_tracking_guesses_stay_limited_while_the_cache_is_down(redis_down, client, settings):
    settings.TRACKING_CLIENT_FAILURES = 5
    dossier = make_dossier("accepted")
    url = f"/api/v1/tracking/{dossier.code}/"
    guesses = [f"{n:04d}" for n in range(10) if not dossier.applicant_phone.endswith(f"{n:04d}")][:8]
    answers = [APIClient().get(url, {"phone": g}, REMOTE_ADDR="203.0.113.9").status_code for g in guesses]
    assert answers == [404] * 5 + [429] * 3
    page = client.get(reverse("dossiers:tracking"), {"code": dossier.code, "phone": "1234"}, REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 429
    # The owner, elsewhere, is served all the same.
    owner = APIClient().get(url, {"phone": dossier.applicant_phone[-4:]}, REMOTE_ADDR="198.51.100.4")
    assert owner.status_code == 200


def test_the_login_lockout_holds_while_the_cache_is_down(redis_down, client):
    CitizenFactory(username="an")
    statuses = [client.post(reverse("login"), {"username": "an", "password": f"sai-{i}"}).status_code for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    assert client.post(reverse("login"), {"username": "an", "password": DEFAULT_PASSWORD}).status_code == 429


def test_password_reset_mails_stay_limited_while_the_cache_is_down(redis_down, client, settings):
    settings.PASSWORD_RESET_PER_EMAIL = 2
    CitizenFactory(username="an", email="an@example.vn")
    for _ in range(4):
        response = client.post(reverse("password_reset"), {"email": "an@example.vn"})
        assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 2  # the mailbox is not flooded


def test_one_client_asking_for_resets_is_told_to_wait_while_the_cache_is_down(redis_down, client, settings):
    settings.PASSWORD_RESET_PER_CLIENT = 2
    statuses = [
        client.post(reverse("password_reset"), {"email": f"nguoi-{n}@example.vn"}).status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    # Another client is served all the same.
    other = client.post(reverse("password_reset"), {"email": "nguoi-9@example.vn"}, REMOTE_ADDR="198.51.100.4")
    assert other.status_code == 302


def book(api, desk, phone, day="2020-03-31"):
    data = {"date": day, "session": "morning", "full_name": "Lê Văn Cường", "phone": phone}
    return api.post(f"/api/v1/desks/{desk.pk}/tickets/", data, format="json")


@time_machine.travel(vn(2020, 3, 31, 8, 0), tick=False)
def test_queue_ticket_bookings_stay_throttled_while_the_cache_is_down(redis_down, client, settings):
    settings.TICKET_BOOKING_RATE = "2/hour"
    settings.TICKET_BOOKING_USER_RATE = "3/hour"
    desk = OfficerFactory().desk
    kiosk = APIClient()
    answers = [book(kiosk, desk, f"09400000{i:02d}") for i in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 3600
    # The kiosk page at the same address shares the count.
    page = client.post(
        f"/lay-so/{desk.pk}/", {"date": "2020-03-31", "session": "morning", "full_name": "An", "phone": "0950000001"}
    )
    assert page.status_code == 429 and "Bạn đã lấy số quá nhiều lần" in page.content.decode()
    # A signed-in account is throttled whatever its address.
    user = CitizenFactory()
    statuses = []
    for i in range(4):
        api = api_client(user)
        api.defaults["REMOTE_ADDR"] = f"10.0.0.{i}"
        statuses.append(book(api, desk, f"09300000{i:02d}", day=f"2020-04-0{i + 6}").status_code)
    assert statuses == [201, 201, 201, 429]
    assert QueueTicket.objects.count() == 5


def test_registrations_and_tracking_look_ups_stay_throttled_while_the_cache_is_down(redis_down, monkeypatch):
    from dossiers.api.views import TrackingThrottle
    from portal.api import RegisterThrottle

    monkeypatch.setattr(RegisterThrottle, "THROTTLE_RATES", {"register": "2/hour"})
    monkeypatch.setattr(TrackingThrottle, "THROTTLE_RATES", {"tracking": "3/min"})
    client = APIClient(REMOTE_ADDR="203.0.113.20")
    registered = [
        client.post(
            "/api/v1/auth/register/",
            {
                "username": f"congdan{i}",
                "password": "mot-mat-khau-dai-2026",
                "full_name": "Lê Văn Bình",
                "phone": "0912000111",
            },
            format="json",
        ).status_code
        for i in range(3)
    ]
    assert registered == [201, 201, 429]
    dossier = make_dossier("accepted")
    phone = dossier.applicant_phone[-4:]
    looked = [client.get(f"/api/v1/tracking/{dossier.code}/", {"phone": phone}).status_code for _ in range(4)]
    assert looked == [200, 200, 200, 429]
    # Another address is served all the same.
    assert (
        APIClient(REMOTE_ADDR="198.51.100.7").get(f"/api/v1/tracking/{dossier.code}/", {"phone": phone}).status_code
        == 200
    )
