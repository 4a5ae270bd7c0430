"""Redis stopped (issue 12.7): the limits against guessing hold. The cache is Redis
(portal.cache.ResilientRedisCache, which answers as an empty cache while Redis is down), so any
limit counted there would let every guess through; the tracking limit and the login lockout
count in the database."""

import pytest
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
