"""The API's token authentication (portal/api_auth.py: DRF's TokenAuthentication with its statement written once,
issue 18) answers as DRF's: the token's user on every request read afresh, so a deactivation, a deleted token or
a changed role (even through a queryset update(), which sends no signal) takes effect at the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.api_auth import user_and_token
from portal.models import Role, User
from tests.factories import CitizenFactory, OfficerFactory

pytestmark = pytest.mark.django_db


def client_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_token_gives_its_user_in_one_statement_as_the_orm_reads_it():
    officer = OfficerFactory()
    token = Token.objects.create(user=officer)
    with CaptureQueriesContext(connection) as statements:
        user, found = user_and_token(token.key)
    assert len(statements) == 1
    expected = User.objects.get(pk=officer.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(expected, field.attname), field.name
    assert (found.key, found.user_id, found.created, found.user is user) == (token.key, officer.pk, token.created, True)
    assert not user._state.adding and user._state.db == "default"
    assert user_and_token("khong-co") is None


def test_a_revoked_token_or_a_deactivated_user_is_refused_at_the_next_request():
    citizen = CitizenFactory()
    token = Token.objects.create(user=citizen)
    api = client_with(token.key)
    assert api.get("/api/v1/dossiers/").status_code == 200

    User.objects.filter(pk=citizen.pk).update(is_active=False)  # no signal: nothing cached to tell
    refused = api.get("/api/v1/dossiers/")
    assert refused.status_code == 401 and "detail" in refused.json()
    User.objects.filter(pk=citizen.pk).update(is_active=True)
    assert api.get("/api/v1/dossiers/").status_code == 200

    Token.objects.filter(pk=token.pk).delete()
    assert api.get("/api/v1/dossiers/").status_code == 401
    assert client_with("khong-hop-le").get("/api/v1/dossiers/").status_code == 401


def test_a_role_changed_behind_the_orms_signals_is_the_role_of_the_next_request():
    officer = OfficerFactory()
    api = client_with(Token.objects.create(user=officer).key)
    body = {
        "procedure": "khong-co",
        "desk": officer.desk.pk,
        "intake_channel": "online",
        "return_channel": "desk",
        "applicant": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
    }
    assert api.post("/api/v1/dossiers/", body, format="json").status_code == 400  # an officer may try (no such code)
    User.objects.filter(pk=officer.pk).update(role=Role.POSTAL_CLERK)
    assert api.get("/api/v1/dossiers/").json()["results"] == []  # a postal clerk sees no dossier
