"""What a phone user noticed on the served stack's screenshots (issue 11): postal status pills read
like every other status pill, stacked rows keep a cell's content together, the filters of the long
lists fold into "Bộ lọc" on a phone, and a citizen's notices follow the province of their dossiers."""

import re

import pytest
from django.urls import reverse

from campaigns.testing import make_campaign
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory, PostalClerkFactory, ProvinceFactory
from tests.test_postal_pages import NOW, frozen, html, order_for  # noqa: F401 (fixtures)
from tests.test_served_pages_campaigns import banner

pytestmark = pytest.mark.django_db


def pills(page):
    return re.findall(r'class="status status--postal-[a-z_]+">([^<]+)<', page)


def test_postal_status_pills_start_with_a_capital_letter(client):
    officer = OfficerFactory()
    clerk = PostalClerkFactory(province=officer.desk.province)
    order_for(officer)
    order_for(officer, "return", status="assigned", assigned_to=clerk)
    client.force_login(clerk)
    page = html(client.get(reverse("postal:queue")))
    assert sorted(pills(page)) == ["Mới tạo", "Đã phân công"]


def test_a_citizen_who_picked_no_province_sees_their_latest_dossiers_notices_everywhere(client):
    officer = OfficerFactory(desk__province__name="Đồng Nai")
    make_campaign(officer.desk.province, status="active", title="Phòng chống dịch", rules={"notice": "Gọi 0251."})
    make_campaign(ProvinceFactory(name="Tây Ninh"), status="active", title="Chỉ trực tuyến", rules={"notice": "TN."})
    dossier = make_dossier(officer=officer)
    client.force_login(dossier.citizen)
    for url in ("/", "/thu-tuc/", "/tra-cuu/"):
        shown = banner(html(client.get(url)))
        assert "Đồng Nai: Phòng chống dịch" in shown and "Tây Ninh: Chỉ trực tuyến" not in shown, url
        picker = re.search(r'<select id="notice-province".*?</select>', shown, re.S).group(0)
        assert re.search(r'<option value="\d+" selected>Đồng Nai</option>', picker), url

    # The picker still changes it: "Mọi tỉnh" shows every province's notice, one line each.
    client.post(reverse("notice_province"), {"province": "", "next": "/"})
    shown = banner(html(client.get("/")))
    assert "Đồng Nai: Phòng chống dịch" in shown and "Tây Ninh: Chỉ trực tuyến" in shown


def test_a_citizen_without_dossiers_still_sees_every_province(client):
    make_campaign(ProvinceFactory(name="Tây Ninh"), status="active", title="Chỉ trực tuyến", rules={"notice": "TN."})
    client.force_login(CitizenFactory())
    assert "Tây Ninh: Chỉ trực tuyến" in banner(html(client.get("/")))


def folded_filters(page):
    match = re.search(
        r'<details class="filters-fold">\s*<summary class="filters-fold__summary">(.*?)</summary>', page, re.S
    )
    assert match, "the filters fold into a <details>, closed in the markup"
    return re.sub(r"<[^>]+>", "", match.group(1)).split()


def test_the_queue_and_the_orders_fold_their_filters_and_count_the_active_ones(client):
    officer = OfficerFactory()
    client.force_login(officer)
    assert folded_filters(html(client.get("/can-bo/"))) == ["Bộ", "lọc"]
    page = html(client.get("/can-bo/", {"channel": "online", "date_from": "2024-03-01", "sort": "due"}))
    assert folded_filters(page) == ["Bộ", "lọc", "2", "đang", "áp", "dụng"]
    assert '<form method="get" class="card queue-filters"' in page.split('class="filters-fold"', 1)[1]

    clerk = PostalClerkFactory(province=officer.desk.province)
    client.force_login(clerk)
    assert folded_filters(html(client.get("/buu-chinh/"))) == ["Bộ", "lọc"]
    assert folded_filters(html(client.get("/buu-chinh/", {"kind": "return"}))) == [
        "Bộ",
        "lọc",
        "1",
        "đang",
        "áp",
        "dụng",
    ]
