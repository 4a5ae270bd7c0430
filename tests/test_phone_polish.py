"""What a phone user noticed on the served stack's screenshots (issue 11): postal status pills read
like every other status pill, stacked rows keep a cell's content together, the filters of the long
lists fold into "Bộ lọc" on a phone, and a citizen's notices follow the province of their dossiers."""

import re

import pytest
from django.urls import reverse

from tests.factories import OfficerFactory, PostalClerkFactory
from tests.test_postal_pages import NOW, frozen, html, order_for  # noqa: F401 (fixtures)

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
