"""Redis stopped (issue 12.7): the limits hold. The cache is Redis (portal.cache.ResilientRedisCache,
which answers as an empty cache while Redis is down), so any limit counted there alone would let
every request through; the tracking limit and the login lockout count in the database, and the
allowances kept in the cache (password-reset mails and requests) are counted in the database
while it is down (portal/counters.py)."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from tests.dossier_helpers import make_dossier
from tests.factories import DEFAULT_PASSWORD, CitizenFactory

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
