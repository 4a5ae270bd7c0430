"""Warnings where one click changes a lot (issue 11, point 7): the page a stale form gets
(expired session / CSRF failure) in Vietnamese, a campaign's activation confirmed when it
leaves a procedure with no intake or no return channel, and a desk return confirmed when it
cancels an open postal return order."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.testing import make_campaign
from dossiers.models import Dossier
from postal.models import PostalOrder
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, ProcedureFactory, ProvinceAdminFactory
from tests.postal_factories import make_order, postal_world

ENGLISH = ("Forbidden", "CSRF", "verification", "Referer", "cookie not set", "Help", "reason", "token")


def html(response):
    return response.content.decode()


def visible_text(page):
    """The page's text as a reader sees it (no tags, scripts or attribute values)."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.mark.django_db
def test_a_stale_form_gets_a_vietnamese_page_and_nothing_is_saved():
    procedure = ProcedureFactory(level=3)
    citizen = CitizenFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    form_url = reverse("dossiers:start", args=[procedure.pk])
    response = client.post(
        form_url,
        {"full_name": "Trần Thị Bình", "phone": "0987654321", "intake_channel": "online", "return_channel": "desk"},
        HTTP_REFERER=f"http://testserver{form_url}",
    )
    assert response.status_code == 403
    page = html(response)
    text = visible_text(page)
    assert "Phiên làm việc đã hết hạn" in text
    assert "chưa được lưu" in text and "Quay lại trang trước" in text
    assert f'href="http://testserver{form_url}"' in page
    for word in ENGLISH:
        assert word not in text, word
    assert 'class="site-header"' in page  # styled like the site
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_a_stale_login_form_offers_to_sign_in_again():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "an", "password": "x"}, HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403
    page = html(response)
    assert "evil.example" not in page
    assert "Đăng nhập lại" in page
    assert 'lang="vi"' in page


WALK_IN_SUSPENDED = {"walk_in_suspended": True, "notice": "Tạm ngừng tiếp nhận và trả kết quả trực tiếp."}


@pytest.mark.django_db
def test_activating_a_campaign_that_strands_a_procedure_asks_first_naming_it(client):
    admin = ProvinceAdminFactory()
    stranded = ProcedureFactory(province=admin.province, level=2, name="Chứng thực chữ ký", postal=False)
    served = ProcedureFactory(province=admin.province, level=4, postal=True, name="Cấp phiếu lý lịch tư pháp")
    campaign = make_campaign(admin.province, rules=WALK_IN_SUSPENDED)
    client.force_login(admin)
    url = reverse("campaign_activate", args=[campaign.pk])

    asked = client.post(url)
    assert asked.status_code == 200
    page = html(asked)
    assert "Xác nhận kích hoạt đợt" in page
    assert stranded.code in page and "Chứng thực chữ ký" in page
    assert "kênh nộp hồ sơ" in page and "kênh nhận kết quả" in page
    assert served.name not in page
    assert 'name="confirm" value="1"' in page
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT  # nothing changed yet

    confirmed = client.post(url, {"confirm": "1"})
    assert confirmed.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


@pytest.mark.django_db
def test_a_campaign_that_leaves_every_procedure_a_channel_activates_at_once(client):
    admin = ProvinceAdminFactory()
    ProcedureFactory(province=admin.province, level=4, postal=True)
    campaign = make_campaign(admin.province, rules=WALK_IN_SUSPENDED)
    client.force_login(admin)
    response = client.post(reverse("campaign_activate", args=[campaign.pk]))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


@pytest.mark.django_db
def test_returning_at_the_desk_with_an_open_postal_return_order_asks_first(client, django_capture_on_commit_callbacks):
    order = make_order(postal_world(), kind="return", state="created")
    dossier = order.dossier
    officer = order.world.officer
    client.force_login(officer)
    url = reverse("dossiers:officer_action", args=[dossier.code, "return"])

    asked = client.post(url, {"return-note": "Người nộp đến nhận tại quầy"})
    assert asked.status_code == 200
    page = html(asked)
    assert "Hồ sơ đang có đơn chuyển trả kết quả qua bưu chính." in page
    assert "sẽ huỷ đơn bưu chính" in page
    assert 'name="confirm_cancel_postal" value="1"' in page
    assert 'value="Người nộp đến nhận tại quầy"' in page or "Người nộp đến nhận tại quầy" in page  # the note is kept
    dossier.refresh_from_db()
    order.refresh_from_db()
    assert dossier.status == "completed" and order.status == PostalOrder.Status.CREATED

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"return-note": "Người nộp đến nhận tại quầy", "confirm_cancel_postal": "1"})
    assert done.status_code == 302
    dossier.refresh_from_db()
    order.refresh_from_db()
    assert dossier.status == "returned" and order.status == PostalOrder.Status.CANCELLED


@pytest.mark.django_db
def test_returning_at_the_desk_without_a_postal_order_needs_no_confirmation(client):
    dossier = make_dossier("completed")
    client.force_login(dossier.officer)
    done = client.post(reverse("dossiers:officer_action", args=[dossier.code, "return"]), {"return-note": ""})
    assert done.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "returned"
