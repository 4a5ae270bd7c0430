"""The post office's integration API: scope, fields, transitions (409), idempotent
retries, the changed_since cursor, and who sees what."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from campaigns.testing import vn
from postal.auth import hash_token
from postal.models import IntegrationClient, PostalOrder
from tests.factories import CitizenFactory, HeadFactory, OfficerFactory, PostalClerkFactory, ProvinceAdminFactory
from tests.postal_factories import make_client, make_order, postal_world

pytestmark = pytest.mark.django_db
URL = "/api/v1/postal-orders/"
FIELDS = {"id", "kind", "dossier", "status", "address", "created_at", "due_at", "breached", "fee", "fee_waived"}


@pytest.fixture
def world():
    return postal_world()


def bearer(client):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {client.token}")
    return api


def as_user(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_client_lists_its_provinces_orders_with_the_promised_fields(world):
    order = make_order(world, breached=True)
    make_order(postal_world())  # another province
    answer = bearer(make_client(world.province)).get(URL)
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert FIELDS | {"tracking_code"} <= set(row)
    assert row["id"] == order.pk and row["dossier"] == order.dossier.code
    assert row["kind"] == "pickup" and row["status"] == "created" and row["breached"] is True
    assert (row["fee"], row["fee_waived"], row["address"]) == (22000, 0, order.address)


def test_a_clients_token_does_not_reach_another_provinces_order(world):
    theirs = make_order(postal_world())
    api = bearer(make_client(world.province))
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.post(f"{URL}{theirs.pk}/pick-up/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "created"


def test_a_wrong_or_revoked_token_is_refused(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get(URL).status_code == 401
    client = make_client(world.province, active=False)
    assert bearer(client).get(URL).status_code == 401
    assert APIClient().get(URL).status_code in (401, 403)


def test_the_post_moves_an_order_and_an_update_out_of_order_is_409(world):
    order = make_order(world)
    api = bearer(make_client(world.province))
    early = api.post(f"{URL}{order.pk}/deliver/", {}, format="json")
    assert early.status_code == 409 and "detail" in early.json()
    assert api.post(f"{URL}{order.pk}/pick-up/", {}, format="json").json()["status"] == "picked_up"
    answer = api.post(f"{URL}{order.pk}/deliver/", {"note": "Đã giao cho Bộ phận Một cửa"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "delivered"
    order.refresh_from_db()
    assert [e.client_id is not None for e in order.events.exclude(action="create")] == [True, True]
    assert api.post(f"{URL}{order.pk}/fail/", {}, format="json").status_code == 400  # reason required


def test_a_retried_call_with_the_same_key_gets_the_first_answer_and_does_nothing(world):
    order = make_order(world)
    api = bearer(make_client(world.province))
    first = api.post(f"{URL}{order.pk}/pick-up/", {"note": "quét mã"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200
    events = order.events.count()
    again = api.post(f"{URL}{order.pk}/pick-up/", {"note": "quét mã"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert order.events.count() == events
    # Without the key the same call is a new one, which the state no longer allows.
    assert api.post(f"{URL}{order.pk}/pick-up/", {"note": "quét mã"}, format="json").status_code == 409
    # The same key for a different call is refused.
    other = api.post(f"{URL}{order.pk}/deliver/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    order.refresh_from_db()
    assert order.status == "picked_up"


def test_a_refusal_is_replayed_too(world):
    order = make_order(world)
    api = bearer(make_client(world.province))
    first = api.post(f"{URL}{order.pk}/deliver/", {}, format="json", HTTP_IDEMPOTENCY_KEY="early")
    assert first.status_code == 409
    api.post(f"{URL}{order.pk}/pick-up/", {}, format="json")
    again = api.post(f"{URL}{order.pk}/deliver/", {}, format="json", HTTP_IDEMPOTENCY_KEY="early")
    assert again.status_code == 409 and again.json() == first.json()
    order.refresh_from_db()
    assert order.status == "picked_up"


def test_keys_belong_to_their_caller(world):
    order = make_order(world)
    one, two = make_client(world.province), make_client(world.province)
    bearer(one).post(f"{URL}{order.pk}/assign/", {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    answer = bearer(two).post(f"{URL}{order.pk}/pick-up/", {}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert answer.status_code == 200 and answer.json()["status"] == "picked_up"


def test_changed_since_pages_through_changes_in_order_and_never_skips_one(world):
    api = bearer(make_client(world.province))
    with time_machine.travel(vn(2020, 4, 6, 9, 0), tick=False) as clock:
        orders = [make_order(world) for _ in range(3)]
        clock.shift(timedelta(minutes=1))
        page = api.get(URL, {"changed_since": "2020-04-06T08:00:00+07:00", "limit": 2}).json()
        assert [r["id"] for r in page["results"]] == [orders[0].pk, orders[1].pk]
        assert page["next"]
        page = api.get(URL, {"changed_since": page["next_changed_since"], "limit": 2}).json()
        assert [r["id"] for r in page["results"]] == [orders[2].pk] and page["next"] is None
        cursor = page["next_changed_since"]
        # Nothing changed: the same cursor comes back.
        assert api.get(URL, {"changed_since": cursor}).json() == {
            "next": None,
            "next_changed_since": cursor,
            "results": [],
        }
        # A change made just now waits out the lag, then appears once.
        api.post(f"{URL}{orders[0].pk}/assign/", {}, format="json")
        assert api.get(URL, {"changed_since": cursor}).json()["results"] == []
        clock.shift(timedelta(seconds=10))
        page = api.get(URL, {"changed_since": cursor}).json()
        assert [(r["id"], r["status"]) for r in page["results"]] == [(orders[0].pk, "assigned")]
    assert api.get(URL, {"changed_since": "hôm qua"}).status_code == 400


def test_odd_but_valid_offsets_and_impossible_moments_never_break_the_list(world):
    api = bearer(make_client(world.province))
    with time_machine.travel(vn(2020, 4, 6, 9, 0), tick=False) as clock:
        order = make_order(world)
        clock.shift(timedelta(minutes=1))
        # -17:11 is valid ISO 8601 that PostgreSQL cannot take as an offset: compared in UTC.
        far_west = api.get(URL, {"changed_since": "2020-04-05T07:00:00-17:11"})
        assert far_west.status_code == 200 and [r["id"] for r in far_west.json()["results"]] == [order.pk]
    for bad in ("2020-13-01T00:00:00", "0001-01-01T00:00:00+07:00", "2020-04-06T08:00:00Z~99999999999999999999"):
        answer = api.get(URL, {"changed_since": bad})
        assert answer.status_code == 400 and "changed_since" in answer.json()


def test_filters_by_status_and_kind(world):
    pickup = make_order(world, state="assigned")
    ret = make_order(world, kind="return")
    api = as_user(world.clerk)
    assert [r["id"] for r in api.get(URL, {"status": "assigned"}).json()["results"]] == [pickup.pk]
    assert [r["id"] for r in api.get(URL, {"kind": "return"}).json()["results"]] == [ret.pk]
    assert api.get(URL, {"province": "khac"}).json()["results"] == []


def test_who_sees_which_orders(world):
    mine = make_order(world, citizen=(owner := CitizenFactory()))
    other_desk = OfficerFactory(desk__province=world.province)
    elsewhere = make_order(postal_world())
    expected = {
        "clerk": (world.clerk, {mine.pk}),
        "province admin": (ProvinceAdminFactory(province=world.province), {mine.pk}),
        "officer of the desk": (world.officer, {mine.pk}),
        "head of the agency": (HeadFactory(agency=world.desk.agency), {mine.pk}),
        "officer of another desk": (other_desk, set()),
        "the citizen": (owner, {mine.pk}),
        "another citizen": (CitizenFactory(), set()),
        "another province's clerk": (PostalClerkFactory(), set()),
    }
    for who, (user, ids) in expected.items():
        seen = {r["id"] for r in as_user(user).get(URL).json()["results"]}
        assert seen == ids, who
    assert elsewhere.pk not in {r["id"] for r in as_user(world.clerk).get(URL).json()["results"]}
    # Seeing is not acting: the desk's officer may not pick up.
    assert as_user(world.officer).post(f"{URL}{mine.pk}/pick-up/").status_code == 403


def test_a_clerk_claims_an_order_and_the_desk_records_the_handover(world):
    order = make_order(world)
    answer = as_user(world.clerk).post(f"{URL}{order.pk}/assign/", {}, format="json")
    assert answer.json()["assigned_to"] == world.clerk.username
    as_user(world.clerk).post(f"{URL}{order.pk}/pick-up/", {}, format="json")
    handed = as_user(world.officer).post(f"{URL}{order.pk}/handover/", {"note": "Đủ hồ sơ"}, format="json")
    assert handed.status_code == 200 and handed.json()["status"] == "delivered" and handed.json()["handed_over_at"]
    detail = as_user(world.officer).get(f"{URL}{order.pk}/").json()
    assert [e["action"] for e in detail["events"]] == ["create", "assign", "pick_up", "handover"]


def test_issue_postal_client_prints_a_token_once_that_works(world, capsys):
    call_command("issue_postal_client", "--province", world.province.code, "--name", "Bưu điện Đồng Nai")
    out = capsys.readouterr().out
    token = next(line.rsplit(" ", 1)[1] for line in out.splitlines() if line.startswith("Token"))
    client = IntegrationClient.objects.get(name="Bưu điện Đồng Nai")
    assert client.token_hash == hash_token(token) and token not in client.token_hash
    client.token = token
    assert bearer(client).get(URL).status_code == 200
    assert PostalOrder.objects.count() == 0
