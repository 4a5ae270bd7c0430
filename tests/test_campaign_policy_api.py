"""GET /api/v1/procedures/{code}/policy/?desk=&at=&province=: the effective policy with the
keys of api.md, 400s with field messages for a bad moment, an unknown desk and an ambiguous
code, and the postal fee read through the quoter that the postal app registers."""

import pytest
from rest_framework.test import APIClient

from campaigns import policy as campaign_policy
from campaigns.testing import make_campaign, vn
from portal.registry import Registry
from tests.factories import OneStopDeskFactory, ProcedureFactory, ProvinceFactory

pytestmark = pytest.mark.django_db

API_KEYS = {
    "intake_channels",
    "return_channels",
    "postal_fee",
    "postal_fee_waived_percent",
    "pickup_sla_hours",
    "return_sla_hours",
    "walk_in_capacity_per_session",
    "clock_paused_until",
    "notices",
    "campaigns",
}


def url(code):
    return f"/api/v1/procedures/{code}/policy/"


@pytest.fixture
def world():
    desk = OneStopDeskFactory()
    province = desk.province
    procedure = ProcedureFactory(
        province=province, agency=desk.agency, level=2, postal=True, field_verification=True, documents=0
    )
    campaign = make_campaign(
        province,
        status="active",
        starts_at=vn(2020, 4, 1),
        ends_at=vn(2020, 4, 23),
        title="Biện pháp cấp bách",
        legal_basis="Công văn số 2964/UBND-KSTT ngày 01/4/2020",
        scope={"exclude_in_person_only": True},
        rules={
            "open_online_and_postal": True,
            "walk_in_suspended": True,
            "postal_fee_waived_percent": 100,
            "subsidy_budget": "Nguồn cải cách hành chính",
            "pickup_sla_hours": 4,
            "return_sla_hours": 4,
            "clock_stop_until": "2020-04-15",
            "walk_in_capacity_per_session": 30,
            "notice": "Nộp trực tuyến hoặc qua bưu chính.",
            "hotline": "0258-1022",
        },
    )
    return {"desk": desk, "province": province, "procedure": procedure, "campaign": campaign}


@pytest.fixture(autouse=True)
def no_quoters(monkeypatch):
    """Each test starts without the quoter postal registers (and restores it afterwards)."""
    monkeypatch.setattr(campaign_policy, "postal_fee_quoters", Registry("postal fee quoter"))


@pytest.fixture
def quoter():
    calls = []

    def quote(procedure, desk, at, zone="default"):
        calls.append((procedure.code, desk.pk if desk else None, at, zone))
        return {"pickup": 22000, "return": 25000 if zone == "default" else 40000}

    campaign_policy.postal_fee_quoters.register("test", quote)
    return calls


def test_the_policy_at_a_moment_has_every_key_of_the_api(world, quoter):
    answer = APIClient().get(
        url(world["procedure"].code), {"desk": world["desk"].pk, "at": "2020-04-02T09:00:00+07:00"}
    )
    assert answer.status_code == 200
    data = answer.json()
    assert set(data) >= API_KEYS
    assert data["intake_channels"] == ["online", "postal"]
    assert data["return_channels"] == ["postal"]
    assert data["postal_fee"] == {"pickup": 22000, "return": 25000}
    assert data["postal_fee_waived_percent"] == 100
    assert (data["pickup_sla_hours"], data["return_sla_hours"]) == (4, 4)
    assert data["walk_in_capacity_per_session"] == 30
    assert data["clock_paused_until"] == "2020-04-15"
    assert data["notices"] == ["Nộp trực tuyến hoặc qua bưu chính."]
    assert data["campaigns"] == [world["campaign"].pk]
    # Extensions: why walk-in is closed, the hotline, online payment, where and when.
    assert "2964/UBND-KSTT" in data["closed_because"]["walk_in"]
    assert data["hotlines"] == ["0258-1022"] and data["online_payment"] is True
    assert data["at"] == "2020-04-02T09:00:00+07:00" and data["desk"] == world["desk"].pk
    assert quoter[-1][1:] == (world["desk"].pk, vn(2020, 4, 2, 9), "default")


def test_before_and_after_the_window_the_procedure_is_itself(world, quoter):
    for at in ("2020-03-31T23:59:00+07:00", "2020-04-23T00:00:00+07:00"):
        data = APIClient().get(url(world["procedure"].code), {"desk": world["desk"].pk, "at": at}).json()
        assert data["campaigns"] == [] and data["intake_channels"] == ["postal", "walk_in"]
        assert data["walk_in_capacity_per_session"] is None and data["clock_paused_until"] is None
        assert data["postal_fee_waived_percent"] == 0 and data["postal_fee"] == {"pickup": 22000, "return": 25000}


def test_a_naive_moment_is_local_time_and_the_clock_stop_ends_with_its_day(world):
    code = world["procedure"].code
    assert APIClient().get(url(code), {"at": "2020-04-15T23:00"}).json()["clock_paused_until"] == "2020-04-15"
    assert APIClient().get(url(code), {"at": "2020-04-16T00:00"}).json()["clock_paused_until"] is None


def test_a_closed_leg_has_no_fee_and_the_zone_is_passed_on(world, quoter):
    in_person = ProcedureFactory(province=world["province"], agency=world["desk"].agency, in_person=True, postal=True)
    data = APIClient().get(url(in_person.code), {"at": "2020-04-02T09:00:00+07:00", "zone": "island"}).json()
    assert data["intake_channels"] == ["walk_in"]
    assert data["postal_fee"] == {"pickup": None, "return": 40000}
    assert quoter[-1][3] == "island"


def test_without_a_quoter_the_fees_are_null(world):
    data = APIClient().get(url(world["procedure"].code), {"at": "2020-04-02T09:00:00+07:00"}).json()
    assert data["postal_fee"] == {"pickup": None, "return": None}


def test_without_at_it_is_now(world, settings):
    data = APIClient().get(url(world["procedure"].code)).json()
    assert data["campaigns"] == [] and data["pickup_sla_hours"] == settings.POSTAL_PICKUP_SLA_HOURS


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"at": "yesterday"}, "at"),
        ({"at": "2020-13-45T09:00:00"}, "at"),
        ({"desk": "999999"}, "desk"),
        ({"desk": "abc"}, "desk"),
        ({"desk": "9" * 40}, "desk"),
    ],
)
def test_bad_input_is_400_with_field_messages(world, params, field):
    answer = APIClient().get(url(world["procedure"].code), params)
    assert answer.status_code == 400 and list(answer.json()) == [field]
    assert answer.json()[field][0]


def test_a_desk_of_another_province_is_400(world):
    other = OneStopDeskFactory()
    answer = APIClient().get(url(world["procedure"].code), {"desk": other.pk})
    assert answer.status_code == 400 and "desk" in answer.json()


def test_a_repeated_code_needs_the_province(world):
    code = world["procedure"].code
    other = ProvinceFactory()
    ProcedureFactory(province=other, code=code)
    answer = APIClient().get(url(code), {"at": "2020-04-02T09:00:00+07:00"})
    assert answer.status_code == 400 and "province" in answer.json()
    both = APIClient().get(url(code), {"at": "nonsense"})
    assert both.status_code == 400 and {"province", "at"} <= set(both.json())
    chosen = APIClient().get(url(code), {"province": world["province"].code, "at": "2020-04-02T09:00:00+07:00"})
    assert chosen.status_code == 200 and chosen.json()["campaigns"] == [world["campaign"].pk]
    assert APIClient().get(url(code), {"province": other.code}).json()["campaigns"] == []


def test_an_unknown_code_is_404():
    assert APIClient().get(url("9.999999")).status_code == 404


def test_a_desk_scoped_campaign_counts_only_at_that_desk(world):
    other_desk = OneStopDeskFactory(province=world["province"], agency=world["desk"].agency)
    make_campaign(
        world["province"],
        status="active",
        starts_at=vn(2020, 4, 1),
        ends_at=vn(2020, 4, 23),
        scope={"desks": [other_desk.pk]},
        rules={"walk_in_capacity_per_session": 5},
    )
    code, at = world["procedure"].code, "2020-04-02T09:00:00+07:00"
    assert APIClient().get(url(code), {"at": at, "desk": other_desk.pk}).json()["walk_in_capacity_per_session"] == 5
    assert APIClient().get(url(code), {"at": at, "desk": world["desk"].pk}).json()["walk_in_capacity_per_session"] == 30


def test_the_postal_apps_quoter_reads_the_tariff_in_force_on_that_day(world):
    from postal import policy_quote
    from postal.models import PostalTariff

    campaign_policy.postal_fee_quoters.register("postal", policy_quote.quote)
    province = world["province"]
    for leg, zone, day, amount in [
        ("pickup", "default", "2019-01-01", 20000),
        ("pickup", "default", "2020-04-02", 22000),
        ("return", "default", "2019-01-01", 25000),
        ("return", "island", "2019-01-01", 40000),
    ]:
        PostalTariff.objects.create(province=province, leg=leg, zone=zone, valid_from=day, amount=amount)
    code = world["procedure"].code
    on_first = APIClient().get(url(code), {"at": "2020-04-01T23:00:00+07:00"}).json()
    assert on_first["postal_fee"] == {"pickup": 20000, "return": 25000}
    island = APIClient().get(url(code), {"at": "2020-04-02T08:00:00+07:00", "zone": "island"}).json()
    assert island["postal_fee"] == {"pickup": 22000, "return": 40000}
    assert policy_quote.quote(ProcedureFactory(), None, vn(2020, 4, 2)) == {"pickup": None, "return": None}
