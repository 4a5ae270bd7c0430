"""Who may open a draft at a desk (issue 12, point 5): a citizen, for themselves, or an officer of
that desk. Everyone else (an officer of another desk or province, a postal clerk, a province
admin, a head) is refused and nothing is created, through the API, the service door that the
citizen's form and the officer's walk-in page call, and the walk-in page itself."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import services
from dossiers.models import Dossier
from dossiers.services import NotPermitted
from tests.clients import api_client as api_for
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
)

pytestmark = pytest.mark.django_db

REFUSAL = "Chỉ người dân (cho chính mình) hoặc cán bộ của Bộ phận Một cửa này được lập hồ sơ tại đây."

# (kind of caller, may create a draft at the desk)
CALLERS = [
    ("citizen", True),
    ("officer_of_the_desk", True),
    ("officer_of_another_desk", False),
    ("officer_of_another_province", False),
    ("postal_clerk", False),
    ("province_admin", False),
    ("head", False),
]


@pytest.fixture
def desk_world():
    officer = OfficerFactory()
    desk = officer.desk
    province = desk.province
    people = {
        "citizen": CitizenFactory(),
        "officer_of_the_desk": officer,
        "officer_of_another_desk": OfficerFactory(desk=OneStopDeskFactory(province=province, agency=desk.agency)),
        "officer_of_another_province": OfficerFactory(),
        "postal_clerk": PostalClerkFactory(province=province),
        "province_admin": ProvinceAdminFactory(province=province),
        "head": HeadFactory(agency=desk.agency),
    }
    procedure = ProcedureFactory(province=province, agency=desk.agency, documents=0)
    return desk, procedure, people


def payload(desk, procedure, intake_channel):
    return {
        "procedure": procedure.code,
        "desk": desk.pk,
        "intake_channel": intake_channel,
        "return_channel": "desk",
        "applicant": {"full_name": "Trần Thị Bình", "phone": "0912345678"},
    }


@pytest.mark.parametrize(("kind", "allowed"), CALLERS, ids=[kind for kind, _ in CALLERS])
def test_the_api_creates_a_draft_only_for_a_citizen_or_an_officer_of_the_desk(desk_world, kind, allowed):
    desk, procedure, people = desk_world
    user = people[kind]
    intake = "online" if kind == "citizen" else "walk_in"
    response = api_for(user).post("/api/v1/dossiers/", payload(desk, procedure, intake), format="json")
    if allowed:
        assert response.status_code == 201, response.content
        dossier = Dossier.objects.get(code=response.json()["code"])
        assert dossier.desk == desk and dossier.created_by == user
        assert dossier.owner == (user if kind == "citizen" else None)
    else:
        assert response.status_code == 403, response.content
        assert response.json() == {"detail": REFUSAL}
        assert not Dossier.objects.exists()


def test_an_anonymous_caller_is_asked_to_sign_in(desk_world):
    desk, procedure, _people = desk_world
    response = APIClient().post("/api/v1/dossiers/", payload(desk, procedure, "online"), format="json")
    assert response.status_code == 401
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(("kind", "allowed"), CALLERS, ids=[kind for kind, _ in CALLERS])
def test_the_service_door_applies_the_same_rule(desk_world, kind, allowed):
    desk, procedure, people = desk_world
    user = people[kind]

    def create():
        return services.create_draft(
            user,
            procedure=procedure,
            desk=desk,
            intake_channel="walk_in",
            return_channel="desk",
            applicant={"full_name": "Trần Thị Bình", "phone": "0912345678"},
        )

    if allowed:
        assert create().desk == desk
    else:
        with pytest.raises(NotPermitted, match="Chỉ người dân"):
            create()
        assert not Dossier.objects.exists()


def test_a_citizen_cannot_open_a_draft_owned_by_someone_else(desk_world):
    desk, procedure, people = desk_world
    with pytest.raises(NotPermitted):
        services.create_draft(
            people["citizen"],
            procedure=procedure,
            desk=desk,
            intake_channel="online",
            return_channel="desk",
            applicant={"full_name": "Trần Thị Bình", "phone": "0912345678"},
            owner=CitizenFactory(),
        )
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    ("kind", "status"),
    [("officer_of_the_desk", 200), ("postal_clerk", 403), ("province_admin", 403), ("head", 403)],
)
def test_the_walk_in_page_opens_only_for_an_officer_of_a_desk(client, desk_world, kind, status):
    desk, procedure, people = desk_world
    client.force_login(people[kind])
    assert client.get(reverse("dossiers:walk_in") + f"?procedure={procedure.pk}").status_code == status
