"""The internal process through the API as api.md "Internal processes" writes it: `current_step` and
`steps` on the dossier, `forward/` and `send-back/`, and `?assigned_to=me` in the due order of the steps."""

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine

from portal.calendar import VN_TZ
from portal.models import ProcessStep
from tests.clients import api_client
from tests.dossier_helpers import make_dossier
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    ProcedureFactory,
    SpecialistFactory,
)

pytestmark = pytest.mark.django_db

MONDAY_8 = datetime(2026, 4, 6, 8, 0, tzinfo=VN_TZ)


@pytest.fixture
def world():
    officer = OfficerFactory()
    province, xd = officer.desk.province, officer.desk.agency
    commune = AgencyFactory(province=province, commune=True)
    procedure = ProcedureFactory(province=province, agency=xd, processing_time_value=Decimal(3))
    for order, (code, role, agency, hours) in enumerate(
        [("TD", "specialist", commune, 8), ("XL", "specialist", xd, 8), ("PD", "head", xd, 4)]
    ):
        ProcessStep.objects.create(
            procedure=procedure, order=order, code=code, name=f"Bước {code}", role=role, agency=agency, hours=hours
        )
    people = {
        "officer": officer,
        "commune": SpecialistFactory(agency=commune),
        "xd": SpecialistFactory(agency=xd),
        "head": HeadFactory(agency=xd),
    }
    return procedure, people


def accepted(procedure, officer, at):
    with time_machine.travel(at, tick=False):
        return make_dossier("accepted", officer=officer, procedure=procedure)


def test_the_dossier_shows_its_steps_and_the_caller_at_the_step_forwards_it(world):
    procedure, p = world
    dossier = accepted(procedure, p["officer"], MONDAY_8)
    client = api_client(p["commune"])
    body = client.get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert body["current_step"] == "TD"
    (step,) = body["steps"]
    assert step["code"] == "TD" and step["agency"] == procedure.process_steps.get(code="TD").agency.code
    assert step["started_at"] == "2026-04-06T08:00:00+07:00" and step["finished_at"] is None
    assert step["timeliness"] is None

    # Not theirs to work: the desk's officer is refused (403), the citizen too, another citizen sees nothing.
    assert api_client(p["officer"]).post(f"/api/v1/dossiers/{dossier.code}/forward/", {}).status_code == 403
    assert api_client(CitizenFactory()).post(f"/api/v1/dossiers/{dossier.code}/forward/", {}).status_code == 404

    with time_machine.travel(datetime(2026, 4, 6, 10, 0, tzinfo=VN_TZ), tick=False):  # due Tuesday 08:00
        answer = client.post(
            f"/api/v1/dossiers/{dossier.code}/forward/",
            {"note": "Đã thẩm tra", "assignee": p["xd"].username},
            format="json",
        )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "processing" and body["current_step"] == "XL"
    assert [(s["code"], s["assignee"], s["outcome"]) for s in body["steps"]] == [
        ("TD", None, "forwarded"),
        ("XL", p["xd"].username, None),
    ]
    assert body["steps"][0]["timeliness"] == "early"

    # A wrong assignee is a 400 naming the field; a send-back without a reason too.
    assert api_client(p["xd"]).post(f"/api/v1/dossiers/{dossier.code}/forward/", {"assignee": "nobody"}).json() == {
        "assignee": ["“nobody” không thực hiện bước tiếp theo của quy trình."]
    }
    assert "reason" in api_client(p["xd"]).post(f"/api/v1/dossiers/{dossier.code}/send-back/", {}).json()

    answer = api_client(p["xd"]).post(
        f"/api/v1/dossiers/{dossier.code}/send-back/", {"reason": "Sai diện tích", "to_step": "TD"}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["current_step"] == "TD"
    assert [s["code"] for s in answer.json()["steps"]] == ["TD", "XL", "TD"]
    # complete before the last step: the state does not allow it.
    assert (
        api_client(p["head"]).post(f"/api/v1/dossiers/{dossier.code}/complete/", {"outcome": "approved"}).status_code
        == 409
    )


def test_assigned_to_me_lists_what_waits_for_the_caller_in_the_due_order_of_its_steps(world):
    procedure, p = world
    later = accepted(procedure, p["officer"], datetime(2026, 4, 7, 9, 0, tzinfo=VN_TZ))
    earlier = accepted(procedure, p["officer"], MONDAY_8)
    elsewhere = accepted(procedure, p["officer"], MONDAY_8)
    with time_machine.travel(datetime(2026, 4, 7, 10, 0, tzinfo=VN_TZ), tick=False):
        api_client(p["commune"]).post(f"/api/v1/dossiers/{elsewhere.code}/forward/", {})
    mine = api_client(p["commune"]).get("/api/v1/dossiers/?assigned_to=me").json()["results"]
    assert [d["code"] for d in mine] == [earlier.code, later.code]
    assert [d["code"] for d in api_client(p["xd"]).get("/api/v1/dossiers/?assigned_to=me").json()["results"]] == [
        elsewhere.code
    ]
    assert api_client(p["head"]).get("/api/v1/dossiers/?assigned_to=me").json()["results"] == []
    # Without the filter a specialist sees the dossiers whose steps were ever at their agency, no others.
    seen = {d["code"] for d in api_client(p["xd"]).get("/api/v1/dossiers/").json()["results"]}
    assert seen == {elsewhere.code}
    assert api_client(p["xd"]).get("/api/v1/dossiers/?assigned_to=someone").status_code == 400
