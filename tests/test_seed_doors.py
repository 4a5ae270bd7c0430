"""Issue 13: a campaign's rule holds at every door (the service, the API, the officer's pages).

Point 4 (seed 001 Khánh Hòa): while a campaign stops a clock, `paused` is true everywhere."""

import pytest
import time_machine
from django.test import Client

import dossiers.campaign_rules  # noqa: F401  (connects the dossier-side receivers)
from campaigns.testing import make_campaign, vn
from tests.clients import api_client
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory, ProvinceAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


# --- point 4: paused while a campaign stops the clock ---------------------------------------------


def paused_everywhere(officer, dossier):
    """`paused` as each door answers it: API detail and list, the "Tạm dừng" tab, tracking, the service index."""
    api = api_client(officer)
    detail = api.get(f"/api/v1/dossiers/{dossier.code}/").json()["paused"]
    listed = {row["code"]: row["paused"] for row in api.get("/api/v1/dossiers/").json()["results"]}[dossier.code]
    page = Client()
    page.force_login(officer)
    tab = dossier.code in page.get("/can-bo/", {"queue": "paused"}).content.decode()
    tracking = (
        api_client().get(f"/api/v1/tracking/{dossier.code}/", {"phone": dossier.applicant_phone[-4:]}).json()["paused"]
    )
    admin = api_client(ProvinceAdminFactory(province=officer.desk.province))
    index = admin.get(
        "/api/v1/reports/service-index/",
        {"province": officer.desk.province.code, "from": "2020-03-01", "to": "2020-05-31"},
    ).json()["paused"]
    return {"detail": detail, "list": listed, "tab": tab, "tracking": tracking, "index": bool(index)}


def test_point4_a_campaign_clock_stop_is_paused_until_it_ends_in_every_answer(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    field = ProcedureFactory(province=province, agency=officer.desk.agency, field_verification=True, documents=0)
    filed = make_dossier("processing", officer=officer, procedure=field, at=vn(2020, 3, 30, 9))
    with time_machine.travel(vn(2020, 4, 1, 8), tick=False):
        committed(
            make_campaign,
            province,
            status="active",
            starts_at=vn(2020, 4, 1, 0),
            rules={"clock_stop_until": "2020-04-15"},
            title="Khánh Hòa 2964",
        )
    assert filed.pauses.get().ended_at is not None  # the stop is stored with its end already set
    with time_machine.travel(vn(2020, 4, 6, 9), tick=False):
        assert paused_everywhere(officer, filed) == dict.fromkeys(("detail", "list", "tab", "tracking", "index"), True)
    with time_machine.travel(vn(2020, 4, 16, 9), tick=False):
        assert paused_everywhere(officer, filed) == dict.fromkeys(("detail", "list", "tab", "tracking", "index"), False)
