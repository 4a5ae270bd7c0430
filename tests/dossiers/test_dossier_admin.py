"""The Django admin shows dossiers and payments to look them up, scoped to a province admin's
province, and never changes them (state changes go through the services)."""

import pytest

from tests.dossier_helpers import make_dossier
from tests.factories import ProvinceAdminFactory

pytestmark = pytest.mark.django_db


def test_a_province_admin_finds_their_provinces_dossiers_only_and_cannot_edit_them(client):
    mine = make_dossier("accepted")
    theirs = make_dossier("accepted")
    admin_user = ProvinceAdminFactory(province=mine.province, is_staff=True)
    client.force_login(admin_user)

    listing = client.get("/admin/dossiers/dossier/", {"q": mine.code[:6]})
    assert listing.status_code == 200
    assert mine.code in listing.content.decode() and theirs.code not in listing.content.decode()

    page = client.get(f"/admin/dossiers/dossier/{mine.pk}/change/")
    assert page.status_code == 200 and mine.code in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # a view, not a form
    assert client.get(f"/admin/dossiers/dossier/{theirs.pk}/change/").status_code == 404  # another province
    before = mine.status
    client.post(f"/admin/dossiers/dossier/{mine.pk}/change/", {"status": "returned"})
    mine.refresh_from_db()
    assert mine.status == before
    assert client.get("/admin/dossiers/payment/").status_code == 200
