"""The province admin's campaign pages (own province only), the notices every page shows,
the officers' inclusion tag, and the demo campaigns."""

import io

import pytest
import time_machine
from django.template import Context, Template

import dossiers.campaign_rules  # noqa: F401  (connects the dossier-side receivers)
from campaigns.models import Campaign
from campaigns.testing import make_campaign, vn
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory, ProvinceAdminFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    user = ProvinceAdminFactory()
    client.force_login(user)
    return user


def form_data(**extra):
    data = {
        "title": "Tạm ngừng giao dịch trực tiếp",
        "legal_basis": "Công văn số 1318/UBND-KSTT ngày 22/7/2021",
        "starts_at": "2021-07-22T00:00",
        "ends_at": "2021-08-05T00:00",
        "levels": ["3", "4"],
        "walk_in_suspended": "on",
        "return_channels": ["postal", "online"],
        "hold_other_returns": "on",
        "postal_fee_waived_percent": "100",
        "clock_stop_until": "2021-07-30",
        "notice": "Vui lòng nộp trực tuyến.",
        "hotline": "0232 3822 222",
        "notify_on_start": "on",
    }
    data.update(extra)
    return data


def test_an_admin_creates_with_checkboxes_edits_previews_activates_and_ends(client, admin):
    assert client.get("/dot-ap-dung/tao/").status_code == 200
    response = client.post("/dot-ap-dung/tao/", form_data())
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == f"/dot-ap-dung/{campaign.pk}/"
    assert campaign.province == admin.province and campaign.status == "draft"
    assert campaign.scope["levels"] == [3, 4]
    assert campaign.rules == {
        "walk_in_suspended": True,
        "return_channels": ["postal", "online"],
        "hold_other_returns": True,
        "postal_fee_waived_percent": 100,
        "clock_stop_until": "2021-07-30",
        "notice": "Vui lòng nộp trực tuyến.",
        "hotline": "0232 3822 222",
        "notify_on_start": True,
    }
    detail = client.get(f"/dot-ap-dung/{campaign.pk}/").content.decode()
    assert "1318/UBND-KSTT" in detail and "Tạm ngừng tiếp nhận và trả kết quả trực tiếp" in detail
    edit = client.get(f"/dot-ap-dung/{campaign.pk}/sua/").content.decode()
    assert 'value="Tạm ngừng giao dịch trực tiếp"' in edit and 'value="30/07/2021"' in edit  # dd/mm/yyyy
    client.post(f"/dot-ap-dung/{campaign.pk}/sua/", form_data(postal_fee_waived_percent="50"))
    campaign.refresh_from_db()
    assert campaign.rules["postal_fee_waived_percent"] == 50
    assert client.get(f"/dot-ap-dung/{campaign.pk}/xem-truoc/").status_code == 200
    with time_machine.travel(vn(2021, 7, 23, 9), tick=False):
        client.post(f"/dot-ap-dung/{campaign.pk}/kich-hoat/")
        campaign.refresh_from_db()
        assert campaign.status == "active"
        client.post(f"/dot-ap-dung/{campaign.pk}/ket-thuc/", {"note": "Hết giãn cách."})
    campaign.refresh_from_db()
    assert campaign.status == "ended" and campaign.ends_at == vn(2021, 7, 23, 9)
    history = client.get(f"/dot-ap-dung/{campaign.pk}/lich-su/").content.decode()
    # Each action in words (the keys create, update, activate, end are never shown: issue 11, point 5).
    for action in ("Tạo đợt", "Sửa đợt", "Kích hoạt", "Kết thúc đợt"):
        assert action in history
    assert "Hết giãn cách." in history and admin.full_name in history


def test_service_messages_land_beside_the_fields(client, admin):
    response = client.post("/dot-ap-dung/tao/", form_data(ends_at="2021-07-01T00:00", hold_other_returns="on"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "ends_at" in form.errors
    response = client.post("/dot-ap-dung/tao/", form_data(return_channels=[], walk_in_suspended=""))
    assert "hold_other_returns" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_another_provinces_campaign_is_a_404_and_others_are_refused(client, admin):
    other = make_campaign(ProvinceFactory())
    for path in ("", "sua/", "xem-truoc/", "lich-su/"):
        assert client.get(f"/dot-ap-dung/{other.pk}/{path}").status_code == 404
    assert client.post(f"/dot-ap-dung/{other.pk}/kich-hoat/").status_code == 404
    assert other.title not in client.get("/dot-ap-dung/").content.decode()
    client.force_login(OfficerFactory())
    assert client.get("/dot-ap-dung/").status_code == 403
    client.logout()
    assert client.get("/dot-ap-dung/").status_code == 302


def test_every_page_shows_the_notices_in_force(client):
    province = ProvinceFactory(name="Đồng Nai")
    with time_machine.travel(vn(2020, 3, 29), tick=False):
        make_campaign(
            province,
            status="active",
            starts_at=vn(2020, 3, 30),
            ends_at=vn(2020, 4, 30),
            title="Phòng, chống dịch COVID-19",
            rules={"notice": "Khuyến khích nộp trực tuyến.", "hotline": "0251-1022"},
        )
    with time_machine.travel(vn(2020, 4, 2, 9), tick=False):
        page = client.get("/").content.decode()
        assert "Đồng Nai: Phòng, chống dịch COVID-19" in page and "0251-1022" in page
    with time_machine.travel(vn(2020, 5, 2, 9), tick=False):
        assert "0251-1022" not in client.get("/").content.decode()


def test_officers_see_the_rules_in_force_at_their_desk():
    officer = OfficerFactory()
    make_campaign(
        officer.desk.province,
        status="active",
        title="Giới hạn hồ sơ trực tiếp",
        rules={"walk_in_capacity_per_session": 30, "return_channels": ["postal"], "hold_other_returns": True},
    )
    make_campaign(officer.desk.province, title="Bản nháp chưa áp dụng", rules={"walk_in_suspended": True})
    html = Template("{% load campaigns %}{% active_campaigns desk %}").render(Context({"desk": officer.desk}))
    assert "Giới hạn hồ sơ trực tiếp" in html and "Tối đa 30 hồ sơ trực tiếp mỗi buổi" in html
    assert "Bản nháp" not in html
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency)
    html = Template("{% load campaigns %}{% procedure_campaigns procedure %}").render(Context({"procedure": procedure}))
    assert "Chỉ trả kết quả: qua bưu chính công ích." in html


def test_the_demo_loads_the_seed_campaigns_once():
    from campaigns import demo
    from portal import demo as portal_demo

    portal_demo.load(io.StringIO())
    demo.load(io.StringIO())
    demo.load(io.StringIO())
    campaigns = Campaign.objects.all()
    assert campaigns.count() == 8
    bases = " ".join(campaigns.values_list("legal_basis", flat=True))
    for number in ("3515/KH-UBND", "2964/UBND-KSTT", "1318/UBND-KSTT", "1106/KH-UBND", "Tây Ninh"):
        assert number in bases
    assert campaigns.filter(status="active").count() == 2
    assert set(campaigns.exclude(status="active").values_list("status", flat=True)) == {"ended"}
    tay_ninh = campaigns.filter(province__code="72", title__startswith="Giới hạn").get()
    assert tay_ninh.history.earliest().ends_at is None and tay_ninh.ends_at == vn(2020, 4, 23)


QUANG_BINH = {
    "walk_in_suspended": True,
    "notice": "Tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp trong 14 ngày.",
    "hotline": "0232-3822-222",
}


def test_the_procedure_page_says_why_a_channel_is_closed(client):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=4, postal=True)
    make_campaign(
        procedure.province,
        status="active",
        title="Tạm ngừng giao dịch trực tiếp",
        legal_basis="Công văn số 1318/UBND-KSTT ngày 22/7/2021",
        rules=QUANG_BINH,
    )
    page = client.get(f"/thu-tuc/{procedure.pk}/").content.decode()
    assert "Biện pháp đang áp dụng cho thủ tục này" in page
    assert "Kênh tạm không áp dụng và lý do" in page
    assert "Nộp hồ sơ trực tiếp</span>: Theo “Tạm ngừng giao dịch trực tiếp” (Công văn số 1318/UBND-KSTT" in page
    assert "Nhận kết quả tại Bộ phận Một cửa</span>" in page and "0232-3822-222" in page


def test_a_campaign_that_opens_online_intake_links_the_form(client):
    procedure = ProcedureFactory(level=2)
    make_campaign(procedure.province, status="active", rules={"open_online_and_postal": True})
    page = client.get(f"/thu-tuc/{procedure.pk}/").content.decode()
    assert f"/ho-so/nop/{procedure.pk}/" in page and "Nộp hồ sơ trực tuyến" in page


def test_the_submit_form_shows_why_a_channel_is_closed(client):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=4, postal=True)
    make_campaign(procedure.province, status="active", legal_basis="Công văn số 1318/UBND-KSTT", rules=QUANG_BINH)
    client.force_login(CitizenFactory())
    page = client.get(f"/ho-so/nop/{procedure.pk}/").content.decode()
    assert "1318/UBND-KSTT" in page and "Tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp" in page


def test_the_officer_queue_shows_the_rules_in_force_and_the_ticket_queue(client):
    officer = OfficerFactory()
    make_campaign(
        officer.desk.province,
        status="active",
        title="Giới hạn hồ sơ trực tiếp mỗi buổi",
        rules={"walk_in_capacity_per_session": 30},
    )
    client.force_login(officer)
    page = client.get("/can-bo/").content.decode()
    assert "Biện pháp đang áp dụng" in page and "Giới hạn hồ sơ trực tiếp mỗi buổi" in page
    assert f"/quay/{officer.desk_id}/goi-so/" in page and f"/lay-so/{officer.desk_id}/" in page


def test_the_postal_offer_leads_to_the_form_where_the_citizen_confirms_an_address(
    client, django_capture_on_commit_callbacks
):
    from dossiers.models import Notification
    from tests.dossier_helpers import make_dossier

    officer = OfficerFactory()
    citizen = CitizenFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, level=4, postal=True, documents=0
    )
    ready = make_dossier("completed", officer=officer, citizen=citizen, procedure=procedure)
    with django_capture_on_commit_callbacks(execute=True):
        make_campaign(procedure.province, status="active", rules={**QUANG_BINH, "postal_fee_waived_percent": 100})
    offer = Notification.objects.get(dossier=ready, kind="campaign_postal_offer", channel="sms")
    link = offer.body.rsplit(" ", 1)[-1]
    assert link.endswith(f"/ho-so/{ready.code}/#switch-title")
    client.force_login(citizen)
    page = client.get(link.split("#")[0].replace("http://127.0.0.1:8000", "")).content.decode()
    assert 'id="switch-title"' in page and 'name="switch_return-address"' in page
    answer = client.post(
        f"/ho-so/{ready.code}/thao-tac/switch_return/",
        {"switch_return-return_channel": "postal", "switch_return-address": "12 Lý Thường Kiệt, Đồng Hới"},
    )
    assert answer.status_code == 302
    ready.refresh_from_db()
    assert (ready.return_channel, ready.address) == ("postal", "12 Lý Thường Kiệt, Đồng Hới")


def test_a_preview_names_policy_changes_in_words_not_keys():
    from campaigns.templatetags.campaigns import change_label, change_value

    assert change_label("intake_channels") == "Kênh nộp hồ sơ"
    assert change_value(["online", "postal"]) == "trực tuyến, qua bưu chính công ích"
    assert change_value(True) == "có" and change_value(None) == "—" and change_value([]) == "—"
    assert change_value("2020-04-15") == "15/04/2020" and change_value(4.0) == "4"
