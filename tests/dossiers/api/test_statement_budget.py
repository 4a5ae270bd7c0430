"""The statements a create + submit + accept costs through the API, pinned (docs/performance.md, "Internal
processes"): the internal process added rows to acceptance only, and the pair must not grow (issue 15). A
procedure with a declaration form (issue 16) reads its form version once on create and once on submit: two
more at most, measured beside a procedure without one in the same run."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import ProcedureForm
from postal.models import PostalOrder
from tests.clients import api_client
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory
from tests.postal_factories import PostalTariffFactory

pytestmark = pytest.mark.django_db

# Issue 18: the create is answered from the row in hand (no re-read, no documents of a draft just made) and reads
# the desk's and the procedure's agencies with them; the answers before acceptance read no pauses (a pause comes
# after it): 13 + 13 → 8 + 12. Then the desk and the procedure from the catalog cache (portal/catalog_cache.py),
# the create's own event not read back, and a transition's row lock reading the dossier within what the caller may
# see instead of after a look-up of its own: 8 + 12 → 5 + 11 (accept 20 → 19). Issue 17 gave acceptance one back:
# its SMS goes only to the owner's confirmed phone, so the owner's row is read (the lock joins nothing). Then the
# domain events' receivers ran in the transition's transaction (dossiers.door.send_pending): what they cost is
# counted here now, where it was left to a transaction of its own after commit (with the outbox row's claim and
# mark and the receivers' second read of the dossier): a savepoint around them, and no outbox row for an event
# they took (submit 11 → 12); on acceptance the campaigns' clock-stop check reads the dossier too (20 → 22).
BUDGET = {"create": 5, "submit": 12, "accept": 22, "detail": 5}
# A form version never changes once published: each process keeps what it read (dossiers/declarations.py), so
# after the first dossier a declaration costs no statement (it cost one on create and one on submit).
WITH_FORM = {"create": 5, "submit": 12}
# A postal submission with its paper still at the citizen's, the pickup order its commit creates included
# (the outbox's delivery of dossier_submitted): 28 before the receiver locked the dossier once and the tariff
# and webhook clients came from the shared cache, and before the submit's answer stopped reading pauses; 21
# before the transition's look-up went into its row lock; 20 before the receiver ran in the submission's own
# transaction with the dossier in hand (no transaction of its own, no outbox row to write, claim and mark, no
# second read).
POSTAL_SUBMIT = 16


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


FORM = {
    "fields": [
        {"key": "ho_ten", "label": "Họ, chữ đệm, tên", "type": "text", "required": True},
        {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "required": True, "max": "today"},
        {"key": "cccd", "label": "Số định danh cá nhân", "type": "national_id", "required": True},
    ]
}
FILLED = {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1990-02-28", "cccd": "075090001234"}


def _create_and_submit(api, body):
    with CaptureQueriesContext(connection) as create:
        response = api.post("/api/v1/dossiers/", body, format="json")
        assert response.status_code == 201, response.json()
    with CaptureQueriesContext(connection) as submit:
        assert api.post(f"/api/v1/dossiers/{response.json()['code']}/submit/", {}).status_code == 200
    return {"create": len(create), "submit": len(submit)}


def test_a_procedure_with_a_form_costs_two_statements_more_at_most():
    officer, citizen = OfficerFactory(), CitizenFactory()
    plain = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    formed = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    ProcedureForm.publish(formed, FORM)
    api = api_client(citizen)

    def body(procedure, **extra):
        return {
            "procedure": procedure.code,
            "province": procedure.province.code,
            "desk": officer.desk.pk,
            "intake_channel": "online",
            "return_channel": "desk",
            "applicant": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
            **extra,
        }

    for _ in range(2):  # the second round counts, the caches filled
        without = _create_and_submit(api, body(plain))
        with_form = _create_and_submit(api, body(formed, form_data=FILLED))
    assert sum(with_form.values()) - sum(without.values()) <= 2, (without, with_form)
    over = {call: (n, WITH_FORM[call]) for call, n in with_form.items() if n > WITH_FORM[call]}
    assert not over, f"statements over budget (counted, budget): {over}; without a form: {without}"


def test_a_postal_submission_and_the_pickup_its_commit_orders_stay_within_their_statements(
    django_capture_on_commit_callbacks,
):
    officer, citizen = OfficerFactory(), CitizenFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, postal=True, documents=2)
    PostalTariffFactory(province=procedure.province, leg="pickup", amount=22000)
    body = {
        "procedure": procedure.code,
        "province": procedure.province.code,
        "desk": officer.desk.pk,
        "intake_channel": "postal",
        "return_channel": "desk",
        "applicant": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
        "address": "Số 1 đường Phạm Văn Thuận, phường Tân Tiến, Biên Hòa",
    }
    api = api_client(citizen)
    for _ in range(2):  # the second round counts, the caches (policy, calendar, tariffs, clients) filled
        with django_capture_on_commit_callbacks(execute=True):
            code = api.post("/api/v1/dossiers/", body, format="json").json()["code"]
        with CaptureQueriesContext(connection) as submit, django_capture_on_commit_callbacks(execute=True):
            assert api.post(f"/api/v1/dossiers/{code}/submit/", {}).status_code == 200
        assert PostalOrder.objects.filter(dossier__code=code, kind="pickup", fee=22000).count() == 1
    assert len(submit) <= POSTAL_SUBMIT, f"{len(submit)} statements, budget {POSTAL_SUBMIT}"
