"""The statements a create + submit + accept costs through the API, pinned (docs/performance.md, "Internal
processes"): the internal process added rows to acceptance only, and the pair must not grow (issue 15)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.clients import api_client
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

BUDGET = {"create": 13, "submit": 13, "accept": 20, "detail": 5}


def test_create_submit_and_accept_stay_within_their_statements():
    officer, citizen = OfficerFactory(), CitizenFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    body = {
        "procedure": procedure.code,
        "province": procedure.province.code,
        "desk": officer.desk.pk,
        "intake_channel": "online",
        "return_channel": "desk",
        "applicant": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
    }
    citizen_api, officer_api = api_client(citizen), api_client(officer)
    for _ in range(2):  # the second round: the caches (policy, calendar) are filled as in a running portal
        with CaptureQueriesContext(connection) as create:
            code = citizen_api.post("/api/v1/dossiers/", body, format="json").json()["code"]
        with CaptureQueriesContext(connection) as submit:
            assert citizen_api.post(f"/api/v1/dossiers/{code}/submit/", {}).status_code == 200
        with CaptureQueriesContext(connection) as accept:
            assert officer_api.post(f"/api/v1/dossiers/{code}/accept/", {}).json()["current_step"] == "XL"
        with CaptureQueriesContext(connection) as detail:
            assert len(citizen_api.get(f"/api/v1/dossiers/{code}/").json()["steps"]) == 1
        counted = {"create": len(create), "submit": len(submit), "accept": len(accept), "detail": len(detail)}
    over = {call: (n, BUDGET[call]) for call, n in counted.items() if n > BUDGET[call]}
    assert not over, f"statements over budget (counted, budget): {over}"
