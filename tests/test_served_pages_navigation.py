"""Navigation (issue 11, point 6): after login each role lands on its own work, the citizen's
menu has "Hồ sơ của tôi" on every page, the province admin has a dashboard linking campaigns
and queue tickets, the procedure page has its submit button near the top, and the printables
carry the print stylesheet that fits them to a phone and to A4."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from tests.factories import (
    DEFAULT_PASSWORD,
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
    SpecialistFactory,
)


def html(response):
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "landing"),
    [
        (CitizenFactory, "/ho-so/"),
        (OfficerFactory, "/can-bo/"),
        (HeadFactory, "/can-bo/khan-cap/"),
        (SpecialistFactory, "/can-bo/viec-cho-toi/"),  # the process steps waiting for them (issue 15)
        (PostalClerkFactory, "/buu-chinh/"),
        (ProvinceAdminFactory, "/quan-tri/"),
    ],
)
def test_each_role_lands_on_its_own_work(client, factory, landing):
    user = factory()
    response = client.post(reverse("login"), {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get(landing).status_code == 200


@pytest.mark.django_db
def test_a_next_page_asked_for_still_wins(client):
    user = OfficerFactory()
    response = client.post(
        reverse("login") + "?next=/thong-ke/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/thong-ke/"


@pytest.mark.django_db
def test_my_dossiers_is_in_the_citizens_menu_on_every_page(client):
    procedure = ProcedureFactory(level=3)
    client.force_login(CitizenFactory())
    link = f'href="{reverse("dossiers:my_dossiers")}"'
    for url in ("/", "/thu-tuc/", f"/thu-tuc/{procedure.pk}/", "/tra-cuu/", "/thong-ke/", "/lay-so/"):
        page = html(client.get(url))
        nav = page.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
        assert link in nav and "Hồ sơ của tôi" in nav, url


@pytest.mark.django_db
def test_the_province_admin_dashboard_links_campaigns_and_tickets(client):
    admin = ProvinceAdminFactory()
    other = ProvinceAdminFactory()
    desk = OfficerFactory(desk__province=admin.province).desk
    mine = Campaign.objects.create(
        province=admin.province,
        title="Tạm dừng tiếp nhận trực tiếp",
        legal_basis="CV 1318",
        starts_at="2026-01-01T00:00Z",
    )
    theirs = Campaign.objects.create(
        province=other.province, title="Đợt tỉnh khác", legal_basis="CV 1", starts_at="2026-01-01T00:00Z"
    )
    client.force_login(admin)
    page = client.get(reverse("admin_dashboard"))
    assert page.status_code == 200
    body = html(page)
    assert "Bảng điều khiển quản trị tỉnh" in body and admin.province.name in body
    assert reverse("campaign_detail", args=[mine.pk]) in body and "Tạm dừng tiếp nhận trực tiếp" in body
    assert reverse("campaign_detail", args=[theirs.pk]) not in body
    assert reverse("campaign_list") in body and reverse("campaign_create") in body
    assert reverse("desk_queue", args=[desk.pk]) in body and reverse("ticket_book", args=[desk.pk]) in body
    assert "Bản nháp: <strong>1</strong>" in body
    nav = body.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert reverse("admin_dashboard") in nav


@pytest.mark.django_db
def test_the_dashboard_is_for_province_admins_only(client):
    for user in (CitizenFactory(), OfficerFactory()):
        client.force_login(user)
        assert client.get(reverse("admin_dashboard")).status_code == 403
