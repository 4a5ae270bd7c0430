"""The steps of the internal processes in the service index (issue 15): `group_by=agency` carries a `steps` block per
agency, counted from the tables and live alike, and the page that shows which agency is slow. Counted by hand:

A department XD (its desk receives) consults another, TN, on procedure P (5 working days): XL specialist at XD
8 h, LT specialist at TN 8 h, PD head of XD 4 h, VT the desk returns 4 h. Sessions 07:00–11:30, 13:30–17:00;
March 2024 has no holiday.

    A  accepted Mon 04/03 08:00. XL due Tue 08:00, forwarded Mon 15:00: early, 5 h (3.5 + 1.5).
       LT due Tue 15:00, forwarded Wed 06/03 09:00: late, 12 h (Mon 2, Tue 8, Wed 2).
       PD due Wed 15:00, forwarded Wed 14:00: on time, 3 h. VT (a desk step: XD's) due Thu 07/03 08:00,
       completed Thu 08:00: on time, 4 h.
    B  accepted Tue 05/03 08:00. XL forwarded Tue 10:00: early, 2 h. LT due Wed 10:00, sent back Wed 10:00:
       on time (a sent-back row is worked), 8 h. XL again from Wed 10:00, due Thu 07/03 10:00: open, overdue.
    C  accepted Tue 05/03 09:00, withdrawn Tue 10:00: its XL row is closed, counted nowhere.
    E  accepted Mon 04/03 08:00, paused Mon 09:00 for good: its XL row is open and past due, but the clock is
       stopped: not overdue.

    XD: early 2 (A.XL, B.XL), on time 2 (A.PD, A.VT), late 0; (5 + 2 + 3 + 4) / 4 = 3.5 h; open overdue 1 (B).
    TN: early 0, on time 1 (B.LT), late 1 (A.LT); (12 + 8) / 2 = 10 h; open overdue 0; no dossier of its own.
    All: 2 / 3 / 1, 34 / 6 = 5.67 h, 1 open overdue.
"""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dossiers import services
from portal.models import ProcessStep
from reports import engine
from reports.indicators import Scope
from reports.models import DailyStat, StatDay
from reports.refresh import rebuild
from tests.clients import api_client
from tests.dossier_helpers import make_dossier
from tests.factories import (
    AgencyFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
    ProvinceFactory,
    SpecialistFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/service-index/"
MARCH = {"from": "2024-03-01", "to": "2024-04-01"}
NOW = datetime(2024, 4, 15, 9, 0, tzinfo=timezone.get_default_timezone())
XD_STEPS = {"done_early": 2, "done_on_time": 2, "done_late": 0, "avg_working_hours": 3.5, "open_overdue": 1}
TN_STEPS = {"done_early": 0, "done_on_time": 1, "done_late": 1, "avg_working_hours": 10.0, "open_overdue": 0}
ALL_STEPS = {"done_early": 2, "done_on_time": 3, "done_late": 1, "avg_working_hours": 5.67, "open_overdue": 1}


def at(day, hour, minute=0):
    return datetime(2024, 3, day, hour, minute, tzinfo=timezone.get_default_timezone())


def act(moment, function, *args, **kwargs):
    with time_machine.travel(moment, tick=False):
        return function(*args, **kwargs)


@pytest.fixture
def world():
    province = ProvinceFactory(code="T76", name="Tỉnh Các Bước")
    desk = OneStopDeskFactory(province=province)
    xd, tn = desk.agency, AgencyFactory(province=province, name="Sở Tài nguyên và Môi trường")
    procedure = ProcedureFactory(province=province, agency=xd, processing_time_value=Decimal(5), documents=0)
    for order, (code, role, agency, hours) in enumerate(
        [("XL", "specialist", xd, 8), ("LT", "specialist", tn, 8), ("PD", "head", xd, 4), ("VT", "officer", None, 4)]
    ):
        ProcessStep.objects.create(
            procedure=procedure, order=order, code=code, name=f"Bước {code}", role=role, agency=agency, hours=hours
        )
    officer = OfficerFactory(desk=desk)
    xd_specialist, tn_specialist = SpecialistFactory(agency=xd), SpecialistFactory(agency=tn)
    xd_head, tn_head = HeadFactory(agency=xd), HeadFactory(agency=tn)

    def accepted(moment):
        return make_dossier("accepted", at=moment, officer=officer, procedure=procedure)

    a = accepted(at(4, 8))
    a = act(at(4, 15), services.forward, a, xd_specialist)
    a = act(at(6, 9), services.forward, a, tn_specialist)
    a = act(at(6, 14), services.forward, a, xd_head)
    act(at(7, 8), services.complete, a, officer, "approved")
    b = accepted(at(5, 8))
    b = act(at(5, 10), services.forward, b, xd_specialist)
    act(at(6, 10), services.send_back, b, tn_specialist, reason="Thiếu bản vẽ mặt bằng")
    c = accepted(at(5, 9))
    act(at(5, 10), services.withdraw, c, c.citizen)
    e = accepted(at(4, 8))
    act(at(4, 9), services.pause, e, officer, "Chờ ý kiến cơ quan phối hợp")
    return {
        "province": province,
        "xd": xd,
        "tn": tn,
        "officer": officer,
        "admin": ProvinceAdminFactory(province=province),
        "xd_head": xd_head,
        "tn_head": tn_head,
    }


def steps_by_agency(body):
    return {group["key"]: group["steps"] for group in body["groups"]}


def test_by_agency_each_group_carries_its_steps_and_the_consulted_agency_has_a_group(world):
    with time_machine.travel(NOW, tick=False):
        body = api_client(world["admin"]).get(URL, {**MARCH, "group_by": "agency"}).json()
    xd, tn = world["xd"].code, world["tn"].code
    assert steps_by_agency(body) == {xd: XD_STEPS, tn: TN_STEPS}
    assert body["steps"] == ALL_STEPS
    groups = {group["key"]: group for group in body["groups"]}
    # TN received nothing of its own: its dossier counters are zero, its steps are its work on XD's dossiers.
    assert groups[tn]["received"] == {"online": 0, "postal": 0, "walk_in": 0}
    assert groups[xd]["received"]["online"] == 4  # A B C E
    # Only group_by=agency carries steps.
    for group_by in ("", "desk", "month"):
        other = api_client(world["admin"]).get(URL, {**MARCH, "group_by": group_by}).json()
        assert "steps" not in other and all("steps" not in g for g in other.get("groups", []))


def test_the_tables_and_the_live_count_agree(world):
    province = Scope(province_id=world["province"].pk)
    live = {g.key: g.totals.steps() for g in engine.groups(province, date(2024, 3, 1), date(2024, 4, 1), "agency", NOW)}
    rebuild(date(2024, 3, 1), date(2024, 4, 1), now=NOW)
    assert StatDay.objects.filter(final=True).count() == 31
    # The day rows: on Wed 06/03 TN's key holds A.LT late (12 h) and B.LT on time (8 h), and nothing of a dossier.
    tn_day = DailyStat.objects.get(day=date(2024, 3, 6), agency=world["tn"])
    assert (tn_day.steps_early, tn_day.steps_on_time, tn_day.steps_late) == (0, 1, 1)
    assert (tn_day.steps_timed, tn_day.steps_working_seconds, tn_day.received_online) == (2, 20 * 3600, 0)
    tables = {
        g.key: g.totals.steps() for g in engine.groups(province, date(2024, 3, 1), date(2024, 4, 1), "agency", NOW)
    }
    assert tables == live
    assert {key: {k: v for k, v in steps.items() if k != "open_overdue"} for key, steps in tables.items()} == {
        world["xd"].code: {k: v for k, v in XD_STEPS.items() if k != "open_overdue"},
        world["tn"].code: {k: v for k, v in TN_STEPS.items() if k != "open_overdue"},
    }


def test_an_agencys_head_sees_the_steps_it_worked_on_others_dossiers(world):
    with time_machine.travel(NOW, tick=False):
        tn = api_client(world["tn_head"]).get(URL, {**MARCH, "group_by": "agency"}).json()
        xd = api_client(world["xd_head"]).get(URL, {**MARCH, "group_by": "agency"}).json()
    assert steps_by_agency(tn) == {world["tn"].code: TN_STEPS}
    assert steps_by_agency(xd) == {world["xd"].code: XD_STEPS}


def test_an_agency_with_only_overdue_steps_shows_in_a_later_window(world):
    with time_machine.travel(NOW, tick=False):
        body = api_client(world["admin"]).get(URL, {"from": "2024-04-01", "to": "2024-04-15", "group_by": "agency"})
    assert steps_by_agency(body.json()) == {
        world["xd"].code: {
            "done_early": 0,
            "done_on_time": 0,
            "done_late": 0,
            "avg_working_hours": None,
            "open_overdue": 1,
        }
    }
    # The public sees the agencies' steps too (institutions, no person).
    with time_machine.travel(NOW, tick=False):
        public = api_client().get(URL, {**MARCH, "province": "T76", "group_by": "agency"}).json()
    assert steps_by_agency(public) == {world["xd"].code: XD_STEPS, world["tn"].code: TN_STEPS}


def test_the_page_lists_the_slowest_agency_first_with_a_chart_and_no_inline_script(world):
    client = Client()
    client.force_login(world["admin"])
    with time_machine.travel(NOW, tick=False):
        page = client.get("/thong-ke/buoc-xu-ly/?from=2024-03-01&to=2024-04-01")
    assert page.status_code == 200
    html = page.content.decode()
    # TN: half its steps late; XD: none. TN first, flagged as slower than the whole (1 of 6 late).
    names = re.findall(r'<h3 class="step-agency__name">([^<]+)</h3>', html)
    assert names == ["Sở Tài nguyên và Môi trường", world["xd"].name]
    assert html.count("step-agency--slow") == 1 and "Tỷ lệ quá hạn cao hơn mức chung" in html
    assert "50,0 %" in html and "16,7 %" in html  # TN's late share, the whole's
    assert "10,00" in html and "3,50" in html and "5,67" in html  # average working hours per step
    chart = re.search(r'<script id="chart-steps" type="application/json">(.*?)</script>', html, re.S)
    assert chart and '"data": [0, 2]' in chart.group(1)  # early: TN 0, XD 2
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or "application/json" in attrs for attrs in scripts), scripts
    assert client.get("/thong-ke/buoc-xu-ly/?from=x").status_code == 400
    citizen = Client()
    citizen.force_login(make_dossier("draft").citizen)
    assert citizen.get("/thong-ke/buoc-xu-ly/").status_code == 403


def test_the_page_reads_english(world):
    from tests.test_english_pages import in_english, main_text, untranslated

    client = in_english()
    client.force_login(world["admin"])
    with time_machine.travel(NOW, tick=False):
        response = client.get("/thong-ke/buoc-xu-ly/?from=2024-03-01&to=2024-04-01")
    assert response.status_code == 200
    text = main_text(response, world["province"].name, world["xd"].name, world["tn"].name)
    for phrase in ("Time taken at process steps by agency", "By agency, slowest first", "Share of late steps"):
        assert phrase in text, phrase
    assert not untranslated(text), untranslated(text)
