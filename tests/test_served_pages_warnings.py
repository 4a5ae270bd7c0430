"""Warnings where one click changes a lot (issue 11, point 7): the page a stale form gets
(expired session / CSRF failure) in Vietnamese, a campaign's activation confirmed when it
leaves a procedure with no intake or no return channel, and a desk return confirmed when it
cancels an open postal return order."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.models import Dossier
from tests.factories import CitizenFactory, ProcedureFactory

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
