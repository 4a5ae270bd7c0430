"""Who may see and do what, role by action, through the API and through the pages.

The rule: a dossier outside the caller's scope is a 404 whatever is asked of it (its existence is
never revealed); inside the scope, an action the role may not take is a 403 and changes nothing.
Scopes: a citizen their own dossiers, an officer their desk's, a head their agency's, a province
admin their province's (read only), a postal clerk none through these endpoints."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import services
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.services import uploads
from tests.clients import api_client as api_for
from tests.dossier_helpers import make_dossier, pdf
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
)

pytestmark = pytest.mark.django_db

IN_SCOPE = ("owner", "officer", "head", "admin")
OUT_OF_SCOPE = ("other_citizen", "other_officer", "other_head", "other_admin", "clerk")
ROLES = IN_SCOPE + OUT_OF_SCOPE


@pytest.fixture
def world():
    """One desk of one agency in one province, a procedure it serves, and one person per role, with
    their counterparts elsewhere in the same province (another desk, another agency) or elsewhere."""
    officer = OfficerFactory()
    desk = officer.desk
    province, agency = desk.province, desk.agency
    people = {
        "owner": CitizenFactory(),
        "officer": officer,
        "head": HeadFactory(agency=agency),
        "admin": ProvinceAdminFactory(province=province),
        "other_citizen": CitizenFactory(),
        "other_officer": OfficerFactory(desk=OneStopDeskFactory(province=province)),
        "other_head": HeadFactory(agency=AgencyFactory(province=province)),
        "other_admin": ProvinceAdminFactory(),
        "clerk": PostalClerkFactory(province=province),
    }
    procedure = ProcedureFactory(province=province, agency=agency, postal=True, documents=1)
    return {"people": people, "procedure": procedure}


def dossier_in(world, state):
    people = world["people"]
    if state == "supplement_requested":
        dossier = make_dossier(
            "submitted", officer=people["officer"], citizen=people["owner"], procedure=world["procedure"]
        )
        return services.request_supplement(dossier, people["officer"], "Thiếu bản sao")
    if state == "paused":
        dossier = make_dossier(
            "processing", officer=people["officer"], citizen=people["owner"], procedure=world["procedure"]
        )
        return services.pause(dossier, people["officer"], "Chờ xác minh")
    dossier = make_dossier(state, officer=people["officer"], citizen=people["owner"], procedure=world["procedure"])
    if state == "draft":
        uploads.add_document(dossier, people["owner"], world["procedure"].documents.get().code, pdf())
    return dossier


def _apology(dossier):
    return {"new_due_at": (dossier.due_at + timedelta(days=3)).isoformat(), "reason": "Chờ ý kiến liên ngành"}


# action → (state it starts from, body (or a function of the dossier), roles in scope that may do it)
API_ACTIONS = {
    "submit": ("draft", {}, {"owner", "officer"}),
    "accept": ("submitted", {}, {"officer"}),
    "refuse": ("submitted", {"reason": "Không thuộc thẩm quyền"}, {"officer"}),
    "request-supplement": ("submitted", {"reason": "Thiếu tờ khai"}, {"officer", "head"}),
    "supplement": ("supplement_requested", {}, {"owner", "officer"}),
    "process": ("accepted", {"handed_to": "Phòng Tư pháp"}, {"officer", "head"}),
    "pause": ("processing", {"reason": "Chờ xác minh"}, {"officer", "head"}),
    "resume": ("paused", {}, {"officer", "head"}),
    "complete": ("processing", {"outcome": "approved"}, {"officer", "head"}),
    "return": ("completed", {}, {"officer"}),
    "apologize": ("processing", _apology, {"officer", "head"}),
    "grant-exception": ("submitted", {"reason": "Cấp cứu", "approved_by": "Ông A"}, {"officer", "head"}),
    "withdraw": ("processing", {}, {"owner", "officer"}),
    "rate": ("returned", {"score": 5, "comment": "Tốt"}, {"owner"}),
    "switch-return": ("processing", {"return_channel": "postal", "address": "12 Lê Lợi"}, {"owner", "officer"}),
    "claim": ("submitted", {}, {"officer", "head"}),
}

# An officer's urgent exception is a request for the head (api.md): 202, not granted.
ACCEPTED_AS = {("grant-exception", "officer"): 202}


def _fingerprint(dossier):
    dossier.refresh_from_db()
    return (dossier.status, dossier.return_channel, dossier.rating, dossier.claimed_by_id, dossier.events.count())


@pytest.mark.parametrize("action", sorted(API_ACTIONS))
def test_api_action_matrix(world, action):
    state, body, allowed = API_ACTIONS[action]
    people = world["people"]
    dossier = dossier_in(world, state)
    before = _fingerprint(dossier)
    payload = body(dossier) if callable(body) else body
    url = f"/api/v1/dossiers/{dossier.code}/{action}/"
    for role in ROLES:
        if role in allowed:
            continue
        expected = 403 if role in IN_SCOPE else 404
        response = api_for(people[role]).post(url, payload, format="json")
        assert response.status_code == expected, (role, response.content)
    assert APIClient().post(url, payload, format="json").status_code == 401
    assert _fingerprint(dossier) == before, "a refused call changed the dossier"
    for role in sorted(allowed):
        fresh = dossier_in(world, state)
        payload = body(fresh) if callable(body) else body
        response = api_for(people[role]).post(f"/api/v1/dossiers/{fresh.code}/{action}/", payload, format="json")
        assert response.status_code == ACCEPTED_AS.get((action, role), 200), (role, response.content)


def test_api_reading_matrix(world):
    people = world["people"]
    dossier = dossier_in(world, "accepted")
    document = dossier.documents.get()
    urls = [
        f"/api/v1/dossiers/{dossier.code}/",
        f"/api/v1/dossiers/{dossier.code}/documents/",
        f"/api/v1/dossiers/{dossier.code}/documents/{document.pk}/file/",
    ]
    for role in ROLES:
        api = api_for(people[role])
        listed = [row["code"] for row in api.get("/api/v1/dossiers/").json()["results"]]
        assert (dossier.code in listed) == (role in IN_SCOPE), role
        for url in urls:
            assert api.get(url).status_code == (200 if role in IN_SCOPE else 404), (role, url)
    for url in urls:
        assert APIClient().get(url).status_code == 401


def test_api_upload_matrix(world):
    people = world["people"]
    draft = dossier_in(world, "draft")
    code = world["procedure"].documents.get().code
    url = f"/api/v1/dossiers/{draft.code}/documents/"
    for role in ROLES:
        if role in ("owner", "officer"):
            continue
        response = api_for(people[role]).post(url, {"document_code": code, "file": pdf()})
        assert response.status_code == (403 if role in IN_SCOPE else 404), role
    assert draft.documents.count() == 1  # the one the draft was made with
    for role in ("owner", "officer"):
        assert api_for(people[role]).post(url, {"document_code": code, "file": pdf()}).status_code == 201
    assert draft.documents.count() == 3


def test_an_unknown_code_and_a_hidden_one_answer_alike(world):
    people = world["people"]
    hidden = dossier_in(world, "submitted")
    stranger = api_for(people["other_officer"])
    for code in (hidden.code, "000.00.99.H99-991231-9999"):
        assert stranger.get(f"/api/v1/dossiers/{code}/").status_code == 404
        # A body that would not validate does not turn the 404 into a 400.
        assert stranger.post(f"/api/v1/dossiers/{code}/refuse/", {}, format="json").status_code == 404


# --- the pages ---------------------------------------------------------------------------------------------

# page → (url of a dossier, expected status per role). 403: the role has no such page (the same for any code,
# so nothing is revealed); 404: out of scope; 302: done, then redirected.
FORBIDDEN, HIDDEN = 403, 404


def _page_rules(dossier, document):
    code = dossier.code
    return {
        "citizen dossier page": (
            reverse("dossiers:detail", args=[code]),
            "get",
            {"owner": 200, "other_citizen": HIDDEN},
            FORBIDDEN,
        ),
        "officer dossier page": (
            reverse("dossiers:officer_detail", args=[code]),
            "get",
            {
                "officer": 200,
                "head": 200,
                "admin": 200,
                "other_officer": HIDDEN,
                "other_head": HIDDEN,
                "other_admin": HIDDEN,
            },
            FORBIDDEN,
        ),
        "receipt": (
            reverse("dossiers:print", args=[code, "giay-tiep-nhan"]),
            "get",
            {"owner": 200, "officer": 200, "head": 200, "admin": 200},
            HIDDEN,
        ),
        "control sheet": (
            reverse("dossiers:print", args=[code, "phieu-kiem-soat"]),
            "get",
            {"owner": FORBIDDEN, "officer": 200, "head": 200, "admin": 200},
            HIDDEN,
        ),
        "document file": (
            reverse("dossiers:document_file", args=[code, document.pk]),
            "get",
            {"owner": 200, "officer": 200, "head": 200, "admin": 200},
            HIDDEN,
        ),
        "officer action (process)": (
            reverse("dossiers:officer_action", args=[code, "process"]),
            "post",
            {"officer": 302, "head": 302, "other_officer": HIDDEN, "other_head": HIDDEN},
            FORBIDDEN,
        ),
        "claim": (
            reverse("dossiers:claim", args=[code]),
            "post",
            {"officer": 302, "head": 302, "other_officer": HIDDEN, "other_head": HIDDEN},
            FORBIDDEN,
        ),
        "citizen action (withdraw)": (
            reverse("dossiers:citizen_action", args=[code, "withdraw"]),
            "post",
            {"owner": 302, "other_citizen": HIDDEN},
            FORBIDDEN,
        ),
    }


@pytest.mark.parametrize(
    "page",
    [
        "citizen dossier page",
        "officer dossier page",
        "receipt",
        "control sheet",
        "document file",
        "officer action (process)",
        "claim",
        "citizen action (withdraw)",
    ],
)
def test_page_matrix(client, world, page):
    people = world["people"]
    dossier = dossier_in(world, "accepted")
    url, method, expected, otherwise = _page_rules(dossier, dossier.documents.get())[page]
    body = {"withdraw-confirm": "on"} if "withdraw" in page else {}
    succeeding = [role for role in ROLES if expected.get(role, otherwise) == 302]
    # The roles that must fail go first, on the same dossier (a success would change it).
    for role in [r for r in ROLES if r not in succeeding]:
        client.force_login(people[role])
        response = getattr(client, method)(url, body)
        assert response.status_code == expected.get(role, otherwise), (page, role)
        client.logout()
    anonymous = getattr(client, method)(url, body)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))
    for role in succeeding:
        fresh = dossier_in(world, "accepted")
        fresh_url = _page_rules(fresh, fresh.documents.get())[page][0]
        client.force_login(people[role])
        assert getattr(client, method)(fresh_url, body).status_code == 302, (page, role)
        client.logout()


def test_a_page_the_role_lacks_is_403_for_any_code(client, world):
    """No difference between a dossier that exists and one that does not: nothing is revealed."""
    people = world["people"]
    dossier = dossier_in(world, "accepted")
    client.force_login(people["officer"])
    for code in (dossier.code, "000.00.99.H99-991231-9999"):
        assert client.get(reverse("dossiers:detail", args=[code])).status_code == 403
    client.force_login(people["owner"])
    for code in (dossier.code, "000.00.99.H99-991231-9999"):
        assert client.get(reverse("dossiers:officer_detail", args=[code])).status_code == 403


def test_a_province_admin_reads_the_dossier_page_but_is_offered_no_action(client, world):
    people = world["people"]
    dossier = dossier_in(world, "submitted")
    client.force_login(people["admin"])
    page = client.get(reverse("dossiers:officer_detail", args=[dossier.code])).content.decode()
    assert dossier.applicant_name in page
    assert "/thao-tac/" not in page and "nhan-xu-ly" not in page
    assert client.post(reverse("dossiers:officer_action", args=[dossier.code, "accept"])).status_code == 403
    assert client.get(reverse("dossiers:queue")).status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    assert not DossierEvent.objects.filter(dossier=dossier, actor=people["admin"]).exists()
