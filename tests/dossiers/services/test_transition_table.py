"""The transition table walked: every (action, source status, actor kind) through `services.perform`
and through the API's action endpoint. The answer must be the one the table declares (done, 403, 409;
the API answers 404 to who may not see the dossier, api.md), a done action must lead to the row's
target status with its event on the timeline, and `services.can` must say beforehand what `perform`
then does. Each attempt runs in a savepoint that is rolled back, so one dossier a status serves the
whole walk."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dossiers import services, workflow
from dossiers.models import Dossier, Status
from dossiers.services import uploads
from portal.errors import Conflict, Forbidden, RuleError
from tests.clients import api_client
from tests.dossier_helpers import make_dossier, pdf
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    PostalClerkFactory,
    ProvinceAdminFactory,
    SpecialistFactory,
)

pytestmark = pytest.mark.django_db

# upload and edit are rows checked by their own doors (uploads.add_document, update_draft): no status change.
WALKED = [name for name in workflow.TRANSITIONS if name not in ("upload", "edit")]
ENDPOINT = {"request_supplement": "request-supplement", "switch_return": "switch-return", "send_back": "send-back"}
NO_ENDPOINT = {"hold", "release"}  # system rows: campaign rules call them


def _dossier(status):
    """A dossier in `status`, reached through the services as a real one would be."""
    base = {
        Status.SUPPLEMENT_REQUESTED: "processing",
        Status.PAUSED: "processing",
        Status.RESULT_HELD: "completed",
        Status.REFUSED: "submitted",
        Status.WITHDRAWN: "submitted",
    }.get(status, status)
    dossier = make_dossier(base)
    officer, citizen = dossier.officer, dossier.citizen
    if status == Status.DRAFT:  # with its documents, so that it can be submitted
        for document in dossier.procedure.documents.all():
            uploads.add_document(dossier, citizen, document.code, pdf(f"{document.code}.pdf"))
    elif status == Status.SUPPLEMENT_REQUESTED:
        dossier = services.request_supplement(dossier, officer, "Thiếu bản sao giấy khai sinh.")
    elif status == Status.PAUSED:
        dossier = services.pause(dossier, officer, "Chờ kết quả xác minh.")
    elif status == Status.RESULT_HELD:
        dossier = services.hold_result(dossier)
    elif status == Status.REFUSED:
        dossier = services.refuse(dossier, officer, "Hồ sơ không thuộc thẩm quyền.")
    elif status == Status.WITHDRAWN:
        dossier = services.withdraw(dossier, citizen)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == status
    dossier.officer, dossier.citizen = officer, citizen
    return dossier


def _actors(dossier):
    """Each actor kind, with the kind the table knows them by (None: no rights on this dossier)."""
    return {
        "citizen owner": (dossier.citizen, workflow.CITIZEN),
        "other citizen": (CitizenFactory(), None),
        "officer of the desk": (dossier.officer, workflow.OFFICER),
        "officer of another desk": (OfficerFactory(), None),
        "head of the agency": (HeadFactory(agency=dossier.agency), workflow.HEAD),
        # The dossier's process is the default one: a single step at its agency, which the agency's specialists
        # hold while it is open (from acceptance to the result).
        "specialist of the agency": (
            SpecialistFactory(agency=dossier.agency),
            workflow.STEP if dossier.current_step_id else None,
        ),
        "postal clerk": (PostalClerkFactory(province=dossier.province), None),
        "province admin": (ProvinceAdminFactory(province=dossier.province), None),
        "system": (None, workflow.SYSTEM),
    }


def _data(action, dossier):
    due = dossier.due_at or timezone.now()
    return {
        "refuse": {"reason": "Hồ sơ không thuộc thẩm quyền."},
        "request_supplement": {"reason": "Thiếu bản sao giấy khai sinh."},
        "pause": {"reason": "Chờ kết quả xác minh."},
        "send_back": {"reason": "Cần thẩm định lại."},
        "complete": {"outcome": "approved"},
        "apologize": {"new_due_at": due + timedelta(days=3), "reason": "Cần xác minh thêm tại địa phương."},
        "switch_return": {"return_channel": "desk"},
        "rate": {"score": 5},
    }.get(action, {"note": "Ghi chú"})


def _expected(action, status, kind):
    """What the table declares: 403 for an actor it does not list, 409 from a status it does not
    start from, else done, to the row's target (or the status the effect picks, see below)."""
    transition = workflow.TRANSITIONS[action]
    if kind not in transition.actors:
        return 403, status
    if status not in transition.sources:
        return 409, status
    if action in ("forward", "send_back"):  # the default process has one step: none after it, none before
        return 409, status
    if action == "supplement":  # supplemented during processing: the clock runs again
        return "done", Status.PROCESSING
    if action == "switch_return" and status == Status.RESULT_HELD:  # the allowed return releases it
        return "done", Status.COMPLETED
    return "done", transition.target or status


class _Undo(Exception):
    pass


def _attempt(call, dossier):
    """Run `call` in a savepoint rolled back afterwards: (answer, status reached, events of that action)."""
    try:
        with transaction.atomic():
            try:
                call()
                answer = "done"
            except Forbidden:
                answer = 403
            except Conflict:
                answer = 409
            except RuleError as error:
                answer = f"400 {error.message}"
            reached = Dossier.objects.get(pk=dossier.pk)
            raise _Undo((answer, reached.status, reached.events.count()))
    except _Undo as undo:
        return undo.args[0]


STATUSES = list(Status.values)


@pytest.mark.parametrize("status", STATUSES)
def test_every_action_and_actor_through_perform(status):
    dossier = _dossier(status)
    before = dossier.events.count()
    now = timezone.now()
    wrong = []
    for who, (actor, kind) in _actors(dossier).items():
        for action in WALKED:
            answer, expected_status = _expected(action, status, kind)
            allowed = services.can(action, dossier, actor, now)
            got, reached, events = _attempt(
                lambda a=action, u=actor: services.perform(a, dossier, u, **_data(a, dossier)), dossier
            )
            grew = events > before
            if (got, reached, grew) != (answer, expected_status, answer == "done") or allowed != (answer == "done"):
                wrong.append(
                    f"{action} by {who}: got {got} → {reached} (can={allowed}), table says {answer} → {expected_status}"
                )
    assert wrong == []


def _api_expected(action, dossier, status, who, kind):
    if who in ("other citizen", "officer of another desk", "postal clerk"):
        return 404, status  # not theirs to see: the API does not say it exists
    if who == "specialist of the agency" and not dossier.steps.exists():
        return 404, status  # never accepted: no step of it was ever at their agency
    answer, expected_status = _expected(action, status, kind)
    return (200 if answer == "done" else answer), expected_status


@pytest.mark.parametrize("status", STATUSES)
def test_every_action_and_actor_through_the_api(status):
    dossier = _dossier(status)
    wrong = []
    for who, (actor, kind) in _actors(dossier).items():
        if actor is None:
            continue
        client = api_client(actor)
        for action in WALKED:
            if action in NO_ENDPOINT:
                continue
            answer, expected_status = _api_expected(action, dossier, status, who, kind)
            url = f"/api/v1/dossiers/{dossier.code}/{ENDPOINT.get(action, action)}/"
            body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in _data(action, dossier).items()}
            holder = {"client": client}

            def post(url=url, body=body, holder=holder):
                holder["response"] = holder["client"].post(url, body, format="json")

            _got, reached, _events = _attempt(post, dossier)
            code = holder["response"].status_code
            if (code, reached) != (answer, expected_status):
                wrong.append(f"{action} by {who}: got {code} → {reached}, table says {answer} → {expected_status}")
            elif code == 200 and holder["response"].json()["status"] != expected_status:
                wrong.append(f"{action} by {who}: the answer shows {holder['response'].json()['status']}")
    assert wrong == []


def test_a_colleagues_live_claim_stops_the_officer_and_can_says_so():
    dossier = _dossier(Status.SUBMITTED)
    colleague = OfficerFactory(desk=dossier.officer.desk)
    services.claims.claim(dossier, colleague)
    dossier.refresh_from_db()
    assert services.can("accept", dossier, dossier.officer) is False
    assert services.can("accept", dossier, colleague) is True
    with pytest.raises(services.ClaimTaken):
        services.perform("accept", dossier, dossier.officer)
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED


def test_the_rows_guards_refuse_and_hide_the_button():
    """A second apology, a second supplement request at intake, a second rating: refused with the
    field's message, and `can` no longer offers them."""
    dossier = _dossier(Status.PROCESSING)
    officer = dossier.officer
    services.apologize(dossier, officer, dossier.due_at + timedelta(days=2), "Cần xác minh thêm.")
    dossier.refresh_from_db()
    assert services.can("apologize", dossier, officer) is False
    with pytest.raises(services.DossierError, match="chỉ được hẹn lại một lần"):
        services.apologize(dossier, officer, dossier.due_at + timedelta(days=4), "Lần nữa.")

    intake = _dossier(Status.SUBMITTED)
    services.request_supplement(intake, intake.officer, "Thiếu tờ khai.")
    services.supplement(intake, intake.citizen)
    intake.refresh_from_db()
    assert intake.status == Status.SUBMITTED
    assert services.can("request_supplement", intake, intake.officer) is False
    with pytest.raises(services.DossierError, match="một lần khi tiếp nhận"):
        services.request_supplement(intake, intake.officer, "Thiếu thêm.")

    returned = _dossier(Status.RETURNED)
    services.rate(returned, returned.citizen, 4)
    returned.refresh_from_db()
    assert services.can("rate", returned, returned.citizen) is False
