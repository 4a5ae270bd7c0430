"""The campaign API: who may (province admins of that province; others 403/404), the shape,
400s with field messages for bad scope and rules, the transitions, the preview and the
refusal of a closed channel naming the campaign."""

import pytest
import time_machine

import dossiers.campaign_rules  # noqa: F401  (connects the dossier-side receivers)
from campaigns.models import Campaign
from campaigns.testing import make_campaign, vn
from portal.registry import Registry
from tests.clients import api_client as client_for
from tests.dossier_helpers import make_dossier
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
    ProvinceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def payload(**extra):
    data = {
        "title": "Phòng, chống dịch COVID-19",
        "legal_basis": "Kế hoạch số 3515/KH-UBND ngày 31/3/2020",
        "starts_at": "2020-03-30T00:00:00+07:00",
        "ends_at": "2020-04-30T00:00:00+07:00",
        "scope": {"levels": [3, 4], "exclude_in_person_only": True},
        "rules": {"intake_channels": ["online"], "hotline": "0251-1022", "postal_fee_waived_percent": 50},
    }
    data.update(extra)
    return data


@pytest.fixture
def province():
    return ProvinceFactory()


@pytest.fixture
def campaign(province):
    return make_campaign(province, rules={"notice": "Thông báo."})


def people(province):
    return {
        "admin": ProvinceAdminFactory(province=province),
        "other_admin": ProvinceAdminFactory(),
        "officer": OfficerFactory(desk__province=province),
        "head": HeadFactory(agency__province=province),
        "clerk": PostalClerkFactory(province=province),
        "citizen": CitizenFactory(),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }


# Each row: who, then the expected status of list, retrieve, patch, activate, preview, create.
MATRIX = [
    ("admin", 200, 200, 200, 200, 200, 201),
    ("superuser", 200, 200, 200, 200, 200, 201),
    ("other_admin", 200, 404, 404, 404, 404, 403),
    ("officer", 403, 403, 403, 403, 403, 403),
    ("head", 403, 403, 403, 403, 403, 403),
    ("clerk", 403, 403, 403, 403, 403, 403),
    ("citizen", 403, 403, 403, 403, 403, 403),
    ("anonymous", 401, 401, 401, 401, 401, 401),
]


@pytest.mark.parametrize(("who", *"lrpaxc"), MATRIX)
def test_permission_matrix(province, campaign, who, l, r, p, a, x, c):  # noqa: E741
    user = people(province).get(who)
    api = client_for(user)
    url = f"/api/v1/campaigns/{campaign.pk}/"
    listed = api.get("/api/v1/campaigns/")
    assert listed.status_code == l
    if who == "other_admin":
        assert listed.json()["results"] == []
    assert api.get(url).status_code == r
    assert api.patch(url, {"title": "Sửa tên"}, format="json").status_code == p
    assert api.post(f"{url}activate/").status_code == a
    assert api.get(f"{url}preview/").status_code == x
    create = payload(province=province.code) if who in ("superuser", "other_admin") else payload()
    assert api.post("/api/v1/campaigns/", create, format="json").status_code == c


def test_create_returns_the_api_shape_and_audits(province):
    admin = ProvinceAdminFactory(province=province)
    response = client_for(admin).post("/api/v1/campaigns/", payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("province", "status", "ends_at")} == {
        "province": province.code,
        "status": "draft",
        "ends_at": "2020-04-30T00:00:00+07:00",
    }
    assert body["scope"] == {
        "levels": [3, 4],
        "sectors": None,
        "agencies": None,
        "desks": None,
        "procedures": None,
        "exclude_in_person_only": True,
    }
    assert body["rules"] == {"intake_channels": ["online"], "postal_fee_waived_percent": 50, "hotline": "0251-1022"}
    assert "Chỉ tiếp nhận hồ sơ: trực tuyến." in body["summary"]["rules"]
    events = client_for(admin).get(f"/api/v1/campaigns/{body['id']}/events/").json()
    assert events[0]["action"] == "create" and events[0]["actor"] == admin.username


BAD = [
    ("unknown channel", {"rules": {"intake_channels": ["fax"]}}, "rules.intake_channels"),
    ("percent above 100", {"rules": {"postal_fee_waived_percent": 120}}, "rules.postal_fee_waived_percent"),
    ("negative percent", {"rules": {"postal_fee_waived_percent": -1}}, "rules.postal_fee_waived_percent"),
    ("unknown rule", {"rules": {"close_everything": True}}, "rules"),
    ("ends before it starts", {"ends_at": "2020-03-01T00:00:00+07:00"}, "ends_at"),
    ("clock stop before the start", {"rules": {"clock_stop_until": "2020-03-01"}}, "rules.clock_stop_until"),
    ("bad level", {"scope": {"levels": [5]}}, "scope.levels"),
    ("unknown agency", {"scope": {"agencies": ["000.00.99.H99"]}}, "scope.agencies"),
    ("unknown scope key", {"scope": {"districts": ["x"]}}, "scope"),
    ("hold without a return rule", {"rules": {"hold_other_returns": True}}, "rules.hold_other_returns"),
    ("zero SLA", {"rules": {"pickup_sla_hours": 0}}, "rules.pickup_sla_hours"),
    ("no title", {"title": ""}, "title"),
]


@pytest.mark.parametrize(("change", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_rules_are_400_with_field_messages(province, change, field):
    admin = ProvinceAdminFactory(province=province)
    response = client_for(admin).post("/api/v1/campaigns/", payload(**change), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert isinstance(errors[field], list) and errors[field][0]


def test_activate_schedules_or_starts_and_end_closes_the_window(province):
    admin = ProvinceAdminFactory(province=province)
    api = client_for(admin)
    with time_machine.travel(vn(2020, 3, 28, 9), tick=False):
        created = api.post("/api/v1/campaigns/", payload(ends_at=None), format="json").json()
        url = f"/api/v1/campaigns/{created['id']}/"
        assert api.post(f"{url}activate/").json()["status"] == "scheduled"
        assert api.post(f"{url}activate/").status_code == 409
    with time_machine.travel(vn(2020, 4, 23, 8), tick=False):
        ended = api.post(f"{url}end/", {"note": "Công bố hết dịch."}, format="json")
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended" and ended.json()["ends_at"] == "2020-04-23T08:00:00+07:00"
    assert api.patch(url, {"title": "x"}, format="json").status_code == 409
    other = make_campaign(province)
    assert api.post(f"/api/v1/campaigns/{other.pk}/activate/").json()["status"] == "active"


def test_patch_of_an_active_campaign_takes_effect_at_once(province):
    admin = ProvinceAdminFactory(province=province)
    procedure = ProcedureFactory(province=province, level=4)
    campaign = make_campaign(province, status="active", rules={"intake_channels": ["online", "walk_in"]})
    from campaigns.policy import effective_policy

    assert effective_policy(procedure).allows_intake("walk_in")
    response = client_for(admin).patch(
        f"/api/v1/campaigns/{campaign.pk}/", {"rules": {"intake_channels": ["online"]}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert not effective_policy(procedure).allows_intake("walk_in")
    bad = client_for(admin).patch(f"/api/v1/campaigns/{campaign.pk}/", {"starts_at": "2031-01-01T00:00:00Z"})
    assert bad.status_code == 400 and "starts_at" in bad.json()


def test_preview_counts_and_lists(province):
    officer = OfficerFactory(desk__province=province)
    field = ProcedureFactory(
        province=province, agency=officer.desk.agency, field_verification=True, level=3, documents=0
    )
    postal = ProcedureFactory(province=province, agency=officer.desk.agency, level=4, postal=True, documents=0)
    paused = make_dossier("processing", officer=officer, procedure=field, at=vn(2020, 3, 30, 9))
    make_dossier("processing", officer=officer, procedure=field, at=vn(2020, 3, 30, 9))
    held = make_dossier("processing", officer=officer, procedure=postal, at=vn(2020, 3, 30, 9))
    make_dossier(
        "processing", officer=officer, procedure=postal, at=vn(2020, 3, 30, 9), return_channel="postal", address="x"
    )
    campaign = make_campaign(
        province,
        starts_at=vn(2020, 4, 1),
        rules={
            "clock_stop_until": "2020-04-15",
            "return_channels": ["postal"],
            "hold_other_returns": True,
            "postal_fee_waived_percent": 100,
        },
    )
    admin = ProvinceAdminFactory(province=province)
    with time_machine.travel(vn(2020, 3, 31, 9), tick=False):
        result = client_for(admin).get(f"/api/v1/campaigns/{campaign.pk}/preview/").json()
    assert result["at"] == "2020-04-01T00:00:00+07:00"
    assert result["counts"] == {"procedures": 2, "fees": 0, "dossiers_paused": 2, "results_held": 3}
    assert paused.code in [row["code"] for row in result["dossiers_paused"]]
    assert held.code in [row["code"] for row in result["results_held"]]
    by_code = {row["code"]: row["changes"] for row in result["procedures"]}
    assert by_code[postal.code]["postal_fee_waived_percent"] == [0, 100]
    assert by_code[postal.code]["return_channels"] == [["desk", "postal", "online"], ["postal"]]
    assert by_code[field.code]["clock_paused_until"] == [None, "2020-04-15"]
    # A preview changes nothing.
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    paused.refresh_from_db()
    assert not paused.pauses.exists()


def test_a_closed_channel_is_refused_with_the_campaigns_notice(province):
    officer = OfficerFactory(desk__province=province)
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=4, documents=0)
    make_campaign(
        province,
        status="active",
        title="Tạm ngừng giao dịch trực tiếp",
        legal_basis="1318/UBND-KSTT ngày 22/7/2021",
        rules={"walk_in_suspended": True, "notice": "Vui lòng nộp trực tuyến."},
    )
    citizen = CitizenFactory()
    draft = make_dossier("draft", officer=officer, citizen=citizen, procedure=procedure, intake_channel="walk_in")
    response = client_for(citizen).post(f"/api/v1/dossiers/{draft.code}/submit/")
    assert response.status_code == 400
    message = response.json()["intake_channel"][0]
    assert "Trực tiếp" in message and "1318/UBND-KSTT" in message and "Vui lòng nộp trực tuyến." in message


def test_preview_lists_the_postal_fees_that_change(province, monkeypatch):
    from campaigns import policy as campaign_policy
    from postal import policy_quote
    from postal.models import PostalTariff

    quoters = Registry("postal fee quoter")
    quoters.register("postal", policy_quote.quote)
    monkeypatch.setattr(campaign_policy, "postal_fee_quoters", quoters)
    PostalTariff.objects.create(province=province, leg="pickup", zone="default", valid_from="2019-01-01", amount=22001)
    PostalTariff.objects.create(province=province, leg="return", zone="default", valid_from="2019-01-01", amount=25000)
    officer = OfficerFactory(desk__province=province)
    postal = ProcedureFactory(province=province, agency=officer.desk.agency, level=4, postal=True, documents=0)
    ProcedureFactory(province=province, agency=officer.desk.agency, level=2, documents=0)  # no postal leg
    make_campaign(province, status="active", starts_at=vn(2020, 3, 1), rules={"postal_fee_waived_percent": 20})
    campaign = make_campaign(
        province, starts_at=vn(2020, 4, 1), rules={"postal_fee_waived_percent": 50, "subsidy_budget": "Ngân sách"}
    )
    admin = ProvinceAdminFactory(province=province)
    with time_machine.travel(vn(2020, 3, 31, 9), tick=False):
        result = client_for(admin).get(f"/api/v1/campaigns/{campaign.pk}/preview/").json()
    assert result["counts"]["fees"] == 2
    rows = {row["leg"]: row for row in result["fees"]}
    assert rows["pickup"]["code"] == postal.code and rows["pickup"]["tariff"] == 22001
    # 20 % of 22,001 is 4,400.2 → 4,400 waived; 50 % is 11,000.5 → 11,001 (half rounded up).
    assert rows["pickup"]["charged"] == [17601, 11000] and rows["pickup"]["waived_percent"] == [20, 50]
    assert rows["return"]["charged"] == [20000, 12500] and rows["return"]["subsidy_budget"] == "Ngân sách"


def test_the_preview_page_shows_a_procedures_policy_without_and_with_the_campaign(client, province):
    officer = OfficerFactory(desk__province=province)
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=4, postal=True)
    campaign = make_campaign(
        province, starts_at=vn(2020, 4, 1), ends_at=vn(2020, 4, 30), rules={"walk_in_suspended": True}
    )
    client.force_login(ProvinceAdminFactory(province=province))
    params = {"procedure": procedure.pk, "desk": officer.desk_id, "at": "2020-04-02T09:00"}
    page = client.get(f"/dot-ap-dung/{campaign.pk}/xem-truoc/", params).content.decode()
    assert f"Quy định áp dụng cho thủ tục {procedure.code} lúc 09:00 02/04/2020" in page
    assert '<td data-label="Không có đợt này">trực tuyến, qua bưu chính công ích, trực tiếp</td>' in page
    assert "<strong>trực tuyến, qua bưu chính công ích</strong>" in page
    after = client.get(f"/dot-ap-dung/{campaign.pk}/xem-truoc/", {**params, "at": "2020-05-02T09:00"})
    assert "<strong>" not in after.content.decode().split("policy-title")[1].split("</table>")[0]
