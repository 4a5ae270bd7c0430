"""GET /api/v1/reports/service-index/: the promised keys, group_by, bad parameters, and who sees what."""

import pytest

from tests.clients import api_client as client_for
from tests.factories import CitizenFactory
from tests.reports_world import build_world
from tests.test_reports_indicators import APRIL_PROVINCE, MARCH_PROVINCE

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/service-index/"
KEYS = {
    "received",
    "carried_over",
    "done_early",
    "done_on_time",
    "done_late",
    "in_progress_within",
    "in_progress_overdue",
    "paused",
    "on_time_rate",
    "late_rate",
    "online_rate",
    "online_payment_rate",
    "postal_share",
    "avg_processing_working_days",
    "satisfaction_avg",
}
MARCH = {"from": "2024-03-01", "to": "2024-04-01"}


@pytest.fixture
def world():
    return build_world()


def test_province_admin_gets_exactly_the_promised_keys(world):
    response = client_for(world.admin).get(URL, MARCH)
    assert response.status_code == 200
    assert set(response.json()) == KEYS
    assert response.json() == MARCH_PROVINCE
    assert set(response.json()["received"]) == {"online", "postal", "walk_in"}


def test_group_by_desk_and_by_month(world):
    body = client_for(world.admin).get(URL, {**MARCH, "group_by": "desk"}).json()
    assert set(body) == KEYS | {"groups"}
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == {str(world.desk.pk), str(world.desk2.pk)}
    assert set(groups[str(world.desk2.pk)]) == KEYS | {"key", "label"}
    assert groups[str(world.desk2.pk)]["received"] == {"online": 1, "postal": 0, "walk_in": 0}
    assert groups[str(world.desk.pk)]["received"] == {"online": 9, "postal": 1, "walk_in": 1}
    months = client_for(world.admin).get(URL, {"from": "2024-03-01", "to": "2024-05-01", "group_by": "month"}).json()
    assert [g["key"] for g in months["groups"]] == ["2024-03", "2024-04"]
    assert {k: months["groups"][1][k] for k in KEYS} == APRIL_PROVINCE
    assert months["carried_over"] == 0 and months["done_late"] == 2  # the whole window: C and D


def test_bad_parameters_are_400_with_field_messages(world):
    client = client_for(world.admin)
    assert set(client.get(URL, {"from": "2024-13-01"}).json()) == {"from"}
    assert set(client.get(URL, {"from": "2024-03-10", "to": "2024-03-01"}).json()) == {"to"}
    assert set(client.get(URL, {"group_by": "planet"}).json()) == {"group_by"}
    assert set(client.get(URL, {"desk": "abc"}).json()) == {"desk"}
    assert client.get(URL, {"to": "2024-03-01"}).status_code == 400


def test_officer_sees_only_their_desk(world):
    officer2 = client_for(world.officer2)
    assert officer2.get(URL, {**MARCH, "desk": world.desk.pk}).status_code == 404
    mine = officer2.get(URL, MARCH).json()  # no filter: their own desk
    assert mine["received"] == {"online": 1, "postal": 0, "walk_in": 0}
    assert officer2.get(URL, {**MARCH, "agency": world.desk.agency.code}).status_code in (200, 404)
    body = officer2.get(URL, {**MARCH, "group_by": "desk"}).json()
    assert [g["key"] for g in body["groups"]] == [str(world.desk2.pk)]


def test_head_sees_their_agency(world):
    head = client_for(world.head)
    body = head.get(URL, MARCH).json()
    assert body["received"] == {"online": 9, "postal": 1, "walk_in": 1}
    assert head.get(URL, {**MARCH, "agency": world.desk2.agency.code}).status_code == 404


def test_public_callers_see_province_and_agencies_only(world):
    anonymous = client_for()
    body = anonymous.get(URL, {**MARCH, "province": world.province.code}).json()
    assert body == MARCH_PROVINCE
    by_agency = anonymous.get(URL, {**MARCH, "province": world.province.code, "group_by": "agency"}).json()
    assert len(by_agency["groups"]) == 2
    assert anonymous.get(URL, MARCH).status_code == 400  # province required
    assert anonymous.get(URL, {**MARCH, "province": "nowhere"}).status_code == 404
    assert anonymous.get(URL, {**MARCH, "province": world.province.code, "desk": world.desk.pk}).status_code == 401
    citizen = client_for(CitizenFactory())
    assert citizen.get(URL, {**MARCH, "province": world.province.code, "group_by": "procedure"}).status_code == 403
    assert citizen.get(URL, {**MARCH, "province": world.province.code}).status_code == 200
