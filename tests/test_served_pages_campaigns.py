"""Campaigns reach every page (issue 11, point 3): the public procedure page shows the effective
channels (with the campaign's reason) and the postal fee with its waiver; the citizen's draft
form never offers walk-in intake; the notice banner shows only where a notice applies (the
page's procedure, the staff member's province or desk, the province a visitor picked once),
one line a notice on a phone."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

import dossiers.campaign_rules  # noqa: F401  (connects the dossier-side receivers)
from campaigns.testing import make_campaign
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory, ProvinceFactory
from tests.postal_factories import PostalTariffFactory

WALK_IN_SUSPENDED = {
    "walk_in_suspended": True,
    "notice": "Tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp trong 14 ngày.",
    "hotline": "0232-3822-222",
}


def html(response):
    return response.content.decode()


def channel_item(page, label):
    """The <li> of the channel list of the "Cách thức thực hiện" card with that label."""
    card = page.split('id="channels-title"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<li class="channel-item channel-item--(yes|no)">(.*?)</li>', card, re.S)
    found = [(body, state) for state, body in items if label in body]
    assert len(found) == 1, label
    return found[0]


def banner(page):
    if 'class="notices"' not in page:
        return ""
    return page.split('class="notices"', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
def test_the_procedure_page_shows_the_effective_channels_and_why(client):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=4, postal=True)
    page = html(client.get(f"/thu-tuc/{procedure.pk}/"))
    assert channel_item(page, "Nộp trực tiếp tại Bộ phận Một cửa")[1] == "yes"

    make_campaign(procedure.province, status="active", title="Tạm ngừng giao dịch trực tiếp", rules=WALK_IN_SUSPENDED)
    page = html(client.get(f"/thu-tuc/{procedure.pk}/"))
    walk_in, state = channel_item(page, "Nộp trực tiếp tại Bộ phận Một cửa")
    assert state == "no"
    assert "Tạm ngừng giao dịch trực tiếp" in walk_in  # the campaign's reason beside the channel
    assert channel_item(page, "Nhận trực tiếp tại Bộ phận Một cửa")[1] == "no"
    assert channel_item(page, "Nộp trực tuyến trên Cổng")[1] == "yes"
    assert "Tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp trong 14 ngày." in page  # the notice


@pytest.mark.django_db
def test_the_procedure_page_shows_the_postal_fee_and_its_waiver(client):
    procedure = ProcedureFactory(level=4, postal=True)
    PostalTariffFactory(province=procedure.province, leg="pickup", amount=22000)
    PostalTariffFactory(province=procedure.province, leg="return", amount=25000)
    page = html(client.get(f"/thu-tuc/{procedure.pk}/"))
    assert "Cước bưu chính công ích" in page
    assert "Bưu điện chuyển trả kết quả tại nhà: <strong>25.000 đ</strong>" in page
    assert "<s>" not in page

    make_campaign(procedure.province, status="active", rules={"postal_fee_waived_percent": 100})
    page = html(client.get(f"/thu-tuc/{procedure.pk}/"))
    assert "<s>25.000 đ</s> <strong>0 đ</strong>" in page
    assert "<s>22.000 đ</s> <strong>0 đ</strong>" in page
    assert "miễn, giảm 100% cước" in page


@pytest.mark.django_db
def test_a_campaign_that_opens_online_intake_puts_the_submit_button_near_the_top(client):
    procedure = ProcedureFactory(level=2)
    page = html(client.get(f"/thu-tuc/{procedure.pk}/"))
    assert 'class="proc-cta-top"' not in page
    assert channel_item(page, "Nộp trực tuyến trên Cổng")[1] == "no"
    make_campaign(procedure.province, status="active", rules={"open_online_and_postal": True})
    page = html(client.get(f"/thu-tuc/{procedure.pk}/"))
    top = page.split('class="proc-cta-top"', 1)[1].split("</p>", 1)[0]
    assert f'href="/ho-so/nop/{procedure.pk}/"' in top
    # Near the top: before the procedure's facts.
    assert page.index('class="proc-cta-top"') < page.index('id="info-title"')
    assert channel_item(page, "Nộp trực tuyến trên Cổng")[1] == "yes"


@pytest.mark.django_db
def test_the_draft_form_never_offers_walk_in_to_a_citizen(client):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=4, postal=True)
    client.force_login(CitizenFactory())
    page = html(client.get(reverse("dossiers:start", args=[procedure.pk])))
    walk_in = re.search(r'<input type="radio" name="intake_channel" id="id_intake_channel_walk_in"[^>]*>', page)
    assert walk_in and "disabled" in walk_in.group(0)
    assert "Hồ sơ nộp trực tiếp do cán bộ tiếp nhận tại Bộ phận Một cửa" in page
    online = re.search(r'<input type="radio" name="intake_channel" id="id_intake_channel_online"[^>]*>', page)
    assert "disabled" not in online.group(0) and "checked" in online.group(0)
    data = {
        "desk": officer.desk_id,
        "full_name": "Trần Thị Bình",
        "phone": "0987654321",
        "intake_channel": "walk_in",
        "return_channel": "desk",
        "address_zone": "default",
    }
    refused = client.post(reverse("dossiers:start", args=[procedure.pk]), data)
    assert refused.status_code == 400
    assert "Hồ sơ nộp trực tiếp do cán bộ tiếp nhận tại Bộ phận Một cửa" in html(refused)


@pytest.mark.django_db
def test_notices_show_where_they_apply(client):
    tay_ninh, dong_nai = ProvinceFactory(name="Tây Ninh"), ProvinceFactory(name="Đồng Nai")
    make_campaign(tay_ninh, status="active", title="Chỉ nhận trực tuyến", rules={"notice": "Tây Ninh: trực tuyến."})
    make_campaign(dong_nai, status="active", title="Phòng chống dịch", rules={"notice": "Đồng Nai: gọi 0251-1022."})
    dong_nai_procedure = ProcedureFactory(province=dong_nai, level=3)

    # A visitor who has not picked a province: every notice, one line each, and the picker.
    home = banner(html(client.get("/")))
    assert "Tây Ninh: Chỉ nhận trực tuyến" in home and "Đồng Nai: Phòng chống dịch" in home
    assert "notice--full" not in home and home.count("<details") == 2
    assert 'name="province"' in home

    # A page about a Đồng Nai procedure: Đồng Nai's notice only.
    page = banner(html(client.get(f"/thu-tuc/{dong_nai_procedure.pk}/")))
    assert "Đồng Nai: Phòng chống dịch" in page and "Tây Ninh" not in page
    # The page shows the procedure's campaigns in full itself: the banner is one line, with no picker.
    assert "notice--full" not in page and 'name="province"' not in page

    # Picked once, kept for the next pages.
    picked = client.post(reverse("notice_province"), {"province": tay_ninh.pk, "next": "/thu-tuc/"})
    assert picked.status_code == 302 and picked["Location"] == "/thu-tuc/"
    for url in ("/", "/thu-tuc/", "/tra-cuu/"):
        shown = banner(html(client.get(url)))
        assert "Tây Ninh: Chỉ nhận trực tuyến" in shown and "notice--full" in shown, url
        assert "Đồng Nai: Phòng chống dịch" not in shown, url

    # Staff see their own province's.
    officer = OfficerFactory(desk__province=dong_nai)
    client.force_login(officer)
    shown = banner(html(client.get("/")))
    assert "Đồng Nai: Phòng chống dịch" in shown and "Tây Ninh" not in shown
    assert 'name="province"' not in shown


@pytest.mark.django_db
def test_a_phone_gets_each_notice_as_one_line_that_opens():
    from django.template.loader import render_to_string

    body = render_to_string(
        "includes/notice.html", {"notice": {"title": "Đồng Nai: Phòng chống dịch", "body": "Gọi 0251-1022."}}
    )
    assert '<article class="notice notice--full' in body  # a wide screen
    line = body.split("<details", 1)[1]
    assert "<summary" in line and "Đồng Nai: Phòng chống dịch" in line and "Gọi 0251-1022." in line
    css = Path("static/css/motcua.css").read_text(encoding="utf-8")
    phone = re.search(
        r"@media \(max-width: 39\.99rem\) \{\s*"
        r"\.notice--full \{ display: none; \}\s*\.notice--line \{ display: block; \}",
        css,
    )
    assert phone, "on a phone the notice is its one line"


@pytest.mark.django_db
def test_a_citizen_sees_the_notices_of_their_dossiers_province(client):
    officer = OfficerFactory()
    home_province = officer.desk.province
    elsewhere = ProvinceFactory(name="Tây Ninh")
    make_campaign(home_province, status="active", title="Biện pháp nơi nộp", rules={"notice": "Gọi 0251-1022."})
    make_campaign(elsewhere, status="active", title="Biện pháp tỉnh khác", rules={"notice": "Tây Ninh."})
    dossier = make_dossier(officer=officer)
    client.force_login(dossier.citizen)
    for url in (reverse("dossiers:my_dossiers"), reverse("dossiers:submitted", args=[dossier.code])):
        shown = banner(html(client.get(url)))
        assert "Biện pháp nơi nộp" in shown, url
        assert "Biện pháp tỉnh khác" not in shown, url
