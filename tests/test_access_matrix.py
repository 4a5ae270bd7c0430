"""The role × object access matrix: every API operation that names an object (a dossier by
code, its documents, its payment, a campaign, a postal order, a desk's queue) is called by
every role, and whoever may not see the object gets 404 (403 where the design says: the
campaign API for non-admins, a desk's queue for other staff) with nothing of the object
in the answer. The operations come from /api/schema/, so a new action under a known
resource is covered without editing this file; a new kind of object must be classified in
RESOURCES (or PUBLIC) first, which test_every_object_operation_is_in_the_matrix enforces.

Roles: citizen A (the owner) and B; officers of desk X (the dossier's) and Y (same province);
heads of the dossier's agency and of another; postal clerks of the province and of another;
province admins of the province and of another."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.dossier_helpers import make_dossier
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
ROLES = ("citizen_a", "citizen_b", "officer_x", "officer_y", "head", "head_other", "clerk", "clerk_other")
ROLES += ("admin", "admin_other")

# path prefix (under /api/v1/) → (resource, roles that may see it, the answer everyone else gets)
RESOURCES = {
    "dossiers/{code}/": ("dossier", {"citizen_a", "officer_x", "head", "admin"}, {404}),
    "campaigns/{id}/": ("campaign", {"admin"}, {403, 404}),
    "postal-orders/{id}/": ("postal_order", {"citizen_a", "officer_x", "head", "clerk", "admin"}, {404}),
    "desks/{id}/tickets/": ("desk", {"officer_x", "admin"}, {403}),
    # An urgent-exception request: staff who see the dossier (the citizen does not see the internal request).
    "exception-requests/{id}/": ("exception_request", {"officer_x", "head", "admin"}, {404}),
    # An entry of a citizen's document store (issue 16): its owner only, whoever holds the dossiers using it.
    "me/documents/{id}/": ("stored_document", {"citizen_a"}, {404}),
}
# Objects everyone may read (the catalog), or not an object at all: not in the matrix, for the reason given.
PUBLIC = {
    "agencies/{code}/": "public catalog",
    "desks/{id}/": "public catalog",
    "procedures/{code}/": "public catalog (policy/ included)",
    "provinces/{code}/": "public catalog",
    "tracking/{code}/": "public by design, needs the phone's last digits: see test_tracking_needs_the_phone",
    "payments/callback/{provider}/": "a payment provider's signed callback, not a user's object",
}
# Who may book a ticket: anyone (a kiosk); not a question of access.
OPEN_OPERATIONS = {("POST", "desks/{id}/tickets/")}


def object_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in sorted(schema["paths"].items()):
        if "{" not in path:
            continue
        relative = path.removeprefix("/api/v1/")
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), relative


def classify(relative):
    for prefix, rule in RESOURCES.items():
        if relative.startswith(prefix):
            return rule
    for prefix in PUBLIC:
        if relative.startswith(prefix):
            return None
    raise LookupError(relative)


def test_every_object_operation_is_in_the_matrix():
    unknown = []
    for method, relative in object_operations():
        try:
            classify(relative)
        except LookupError:
            unknown.append(f"{method} /api/v1/{relative}")
    assert not unknown, "classify these in RESOURCES or PUBLIC of tests/test_access_matrix.py:\n" + "\n".join(unknown)


@pytest.fixture
def world():
    officer_x = OfficerFactory()
    desk = officer_x.desk
    province = desk.province
    procedure = ProcedureFactory(province=province, agency=desk.agency, postal=True, fee=30000, documents=1)
    citizen_a = CitizenFactory(full_name="Lê Thị Bí Mật")
    dossier = make_dossier(
        "accepted",
        officer=officer_x,
        citizen=citizen_a,
        procedure=procedure,
        intake_channel="postal",
        return_channel="postal",
        address="99 Đường Riêng Tư, Biên Hòa",
        applicant={"full_name": citizen_a.full_name, "phone": "0912345678", "email": "bimat@example.test"},
    )
    users = {
        "citizen_a": citizen_a,
        "citizen_b": CitizenFactory(),
        "officer_x": officer_x,
        "officer_y": OfficerFactory(desk=OneStopDeskFactory(province=province)),
        "head": HeadFactory(agency=desk.agency),
        "head_other": HeadFactory(agency=AgencyFactory(province=province)),
        "clerk": PostalClerkFactory(province=province),
        "clerk_other": PostalClerkFactory(),
        "admin": ProvinceAdminFactory(province=province),
        "admin_other": ProvinceAdminFactory(),
    }
    objects = {
        "dossier": {"code": dossier.code, "document_id": dossier.documents.first().pk},
        "desk": {"id": desk.pk},
    }
    # Every resource the API exposes is made here: a missing one fails the matrix, never skips it.
    from campaigns.testing import make_campaign
    from dossiers.services import grant_exception, uploads
    from postal.models import PostalOrder
    from postal.services import create_order
    from tests.dossier_helpers import pdf

    # A store entry its owner's open draft uses (the dossier above may be withdrawn by the calls): it stays.
    draft = make_dossier("draft", officer=officer_x, citizen=citizen_a, procedure=procedure)
    objects["stored_document"] = {"id": uploads.add_document(draft, citizen_a, "OTHER", pdf()).stored_id}
    asked = grant_exception(dossier, officer_x, "Giấy tờ cấp thiết.")
    objects["exception_request"] = {"id": asked.pk}
    campaign = make_campaign(province, title="Đợt kín của tỉnh", rules={"notice": "Thông báo nội bộ"})
    objects["campaign"] = {"id": campaign.pk}
    order = PostalOrder.objects.filter(dossier=dossier).first() or create_order(dossier, PostalOrder.Kind.PICKUP)
    objects["postal_order"] = {"id": order.pk}
    secrets = [citizen_a.full_name, "0912345678", "bimat@example.test", "99 Đường Riêng Tư"]
    return users, objects, secrets


def call(user, method, url):
    client = APIClient()
    client.force_authenticate(user)
    return getattr(client, method.lower())(url, {}, format="json")


def test_whoever_may_not_see_an_object_gets_404_or_403_and_nothing_of_it(world):
    users, objects, secrets = world
    failures, checked = [], 0
    for method, relative in object_operations():
        rule = classify(relative)
        if rule is None or (method, relative) in OPEN_OPERATIONS:
            continue
        resource, allowed, denied_statuses = rule
        assert resource in objects, f"the world makes no {resource}: {method} {relative} goes unchecked"
        ids = objects[resource]
        url = "/api/v1/" + re.sub(r"\{(\w+)\}", lambda m, ids=ids: str(ids[m.group(1)]), relative)
        for role in ROLES:
            response = call(users[role], method, url)
            checked += 1
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode(errors="replace")
            if response.status_code >= 500:
                failures.append(f"{role:12} {method} {url} → {response.status_code}")
            elif role in allowed:
                # The receipt and the e-result exist at their stage only (the world's dossier is accepted, without
                # a result: a 404 to all; tests/test_signing_results.py checks who gets a result).
                staged = "receipt" in url or url.endswith("/result/")
                if method == "GET" and response.status_code in (403, 404) and not staged:
                    failures.append(f"{role:12} {method} {url} → {response.status_code} but may see it")
            elif response.status_code not in denied_statuses:
                failures.append(f"{role:12} {method} {url} → {response.status_code}, expected {denied_statuses}")
            elif any(secret in body for secret in secrets):
                failures.append(f"{role:12} {method} {url} → {response.status_code} leaks the applicant's data")
    assert checked > 100
    assert not failures, f"{len(failures)} of {checked} calls broke the matrix:\n" + "\n".join(failures)


@pytest.mark.parametrize(
    ("url", "resource", "field"),
    [
        ("/api/v1/dossiers/", "dossier", "code"),
        ("/api/v1/postal-orders/", "postal_order", "id"),
        ("/api/v1/campaigns/", "campaign", "id"),
        ("/api/v1/me/documents/", "stored_document", "id"),
    ],
)
def test_lists_show_each_role_only_its_scope(world, url, resource, field):
    users, objects, secrets = world
    assert resource in objects, f"the world makes no {resource}"
    allowed = next(rule[1] for rule in RESOURCES.values() if rule[0] == resource)
    wanted = objects[resource][field]
    for role in ROLES:
        response = call(users[role], "GET", url)
        assert response.status_code < 500, (role, response.status_code)
        if response.status_code != 200:
            assert role not in allowed, (role, response.status_code)
            continue
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        found = any(row.get(field) == wanted for row in rows)
        assert found == (role in allowed), f"{role} {'misses' if role in allowed else 'sees'} the {resource}"
        if role not in allowed:
            assert not any(secret in response.content.decode() for secret in secrets), role


def test_tracking_needs_the_phone(world):
    users, objects, secrets = world
    code = objects["dossier"]["code"]
    client = APIClient()
    assert client.get(f"/api/v1/tracking/{code}/").status_code == 404
    assert client.get(f"/api/v1/tracking/{code}/?phone=0000").status_code == 404
    found = client.get(f"/api/v1/tracking/{code}/?phone=5678")
    assert found.status_code == 200
    assert not any(secret in found.content.decode() for secret in secrets)
