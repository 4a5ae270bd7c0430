"""The dossier API as clients use it: shapes, errors, scoping, uploads, tracking."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dossiers.models import Dossier, DossierDocument, Status
from tests.clients import api_client as client_for
from tests.dossier_helpers import PDF, make_dossier, pdf, png
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_setup():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, postal=True, fee=200000, documents=1
    )
    return officer, procedure


def create_payload(procedure_row, officer, **extra):
    payload = {
        "procedure": procedure_row.code,
        "desk": officer.desk_id,
        "intake_channel": "online",
        "return_channel": "postal",
        "applicant": {"full_name": "Trần Thị Bình", "phone": "0987654321", "email": "binh@example.test"},
        "address": "12 Lê Lợi, Biên Hòa",
    }
    payload.update(extra)
    return payload


def test_citizen_submits_and_officer_walks_the_dossier_to_return(desk_setup):
    officer, procedure = desk_setup
    citizen = CitizenFactory()
    api = client_for(citizen)
    with time_machine.travel(datetime(2023, 10, 27, 9, 0, tzinfo=VN), tick=False):
        created = api.post("/api/v1/dossiers/", create_payload(procedure, officer), format="json")
        assert created.status_code == 201, created.json()
        code = created.json()["code"]
        assert created.json()["status"] == "draft"
        document = procedure.documents.get()
        upload = api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": pdf()})
        assert upload.status_code == 201, upload.json()
        submitted = api.post(f"/api/v1/dossiers/{code}/submit/")
        assert submitted.json()["status"] == "submitted"

    staff = client_for(officer)
    with time_machine.travel(datetime(2023, 10, 27, 9, 32, tzinfo=VN), tick=False):
        accepted = staff.post(f"/api/v1/dossiers/{code}/accept/", {"note": "Đủ giấy tờ"}, format="json")
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["status"] == "accepted"
    assert body["due_at"] == "2023-11-03T09:32:00+07:00"
    assert body["paused"] is False
    for action, payload in [("process", {}), ("complete", {"outcome": "approved"}), ("return", {})]:
        response = staff.post(f"/api/v1/dossiers/{code}/{action}/", payload, format="json")
        assert response.status_code == 200, response.json()
    final = api.get(f"/api/v1/dossiers/{code}/").json()
    assert final["status"] == "returned"
    # The post's return order is made in the completion's own transaction (a postal return), its line with it.
    actions = [e["action"] for e in final["events"]]
    assert actions == ["create", "submit", "accept", "process", "complete", "postal_order", "return"]
    assert final["events"][2]["note"] == "Đủ giấy tờ"
    rated = api.post(f"/api/v1/dossiers/{code}/rate/", {"score": 5}, format="json")
    assert rated.json()["rating"] == 5


def test_transition_the_state_does_not_allow_is_409(desk_setup):
    dossier = make_dossier("submitted")
    response = client_for(dossier.officer).post(f"/api/v1/dossiers/{dossier.code}/return/")
    assert response.status_code == 409
    assert "Mới đăng ký" in response.json()["detail"]


def test_bad_input_is_400_with_field_messages(desk_setup):
    officer, procedure = desk_setup
    api = client_for(CitizenFactory())
    response = api.post(
        "/api/v1/dossiers/",
        create_payload(procedure, officer, address="", applicant={"full_name": "", "phone": "12"}),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["applicant"]) == {"full_name", "phone"}
    missing_address = api.post("/api/v1/dossiers/", create_payload(procedure, officer, address=""), format="json")
    assert missing_address.status_code == 400
    assert "address" in missing_address.json()
    unknown = api.post("/api/v1/dossiers/", create_payload(procedure, officer, procedure="0.000000"), format="json")
    assert unknown.status_code == 400 and "procedure" in unknown.json()


def test_channel_closed_by_policy_is_refused_at_submission(desk_setup):
    officer, _procedure = desk_setup
    # Level 2 procedure, no postal flags: online intake is not offered.
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=2, documents=0)
    citizen = CitizenFactory()
    api = client_for(citizen)
    created = api.post("/api/v1/dossiers/", create_payload(procedure, officer, return_channel="desk"), format="json")
    assert created.status_code == 201  # a draft may hold any channel
    response = api.post(f"/api/v1/dossiers/{created.json()['code']}/submit/")
    assert response.status_code == 400
    assert "Trực tuyến" in response.json()["intake_channel"][0]


def test_missing_required_documents_block_online_submission(desk_setup):
    officer, procedure = desk_setup
    api = client_for(CitizenFactory())
    code = api.post("/api/v1/dossiers/", create_payload(procedure, officer), format="json").json()["code"]
    response = api.post(f"/api/v1/dossiers/{code}/submit/")
    assert response.status_code == 400
    assert procedure.documents.get().name in response.json()["documents"][0]
    assert Dossier.objects.get(code=code).status == Status.DRAFT


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (SimpleUploadedFile("hopdong.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf"), "PDF, JPEG"),
        (SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"), "rỗng"),
        (SimpleUploadedFile("cut.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", content_type="application/pdf"), "hỏng"),
        (SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"), "hỏng"),
    ],
)
def test_rejected_upload_names_the_file_and_keeps_the_draft(desk_setup, upload, reason):
    officer, procedure = desk_setup
    citizen = CitizenFactory()
    api = client_for(citizen)
    code = api.post("/api/v1/dossiers/", create_payload(procedure, officer), format="json").json()["code"]
    document = procedure.documents.get()
    assert (
        api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": pdf()}).status_code
        == 201
    )
    response = api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": upload})
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert upload.name in message and reason in message
    assert DossierDocument.objects.filter(dossier__code=code).count() == 1


def test_oversize_upload_and_dossier_total_are_refused(desk_setup, settings):
    officer, procedure = desk_setup
    settings.UPLOAD_MAX_FILE_BYTES = 2048
    settings.UPLOAD_MAX_DOSSIER_BYTES = 3000
    api = client_for(CitizenFactory())
    code = api.post("/api/v1/dossiers/", create_payload(procedure, officer), format="json").json()["code"]
    document = procedure.documents.get()
    big = SimpleUploadedFile("to.pdf", PDF + b"0" * 4096, content_type="application/pdf")
    response = api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": big})
    assert response.status_code == 400 and "vượt quá" in response.json()["file"][0]
    padding = b"0" * (1900 - len(PDF))  # each file 1,900 bytes: under the file limit, over the total together
    first = SimpleUploadedFile("a.pdf", PDF + padding, content_type="application/pdf")
    second = SimpleUploadedFile("b.pdf", PDF + padding, content_type="application/pdf")
    assert (
        api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": first}).status_code
        == 201
    )
    total = api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": second})
    assert total.status_code == 400 and "Tổng dung lượng" in total.json()["file"][0]


def test_decompression_bomb_image_is_refused(desk_setup, settings):
    officer, procedure = desk_setup
    settings.UPLOAD_MAX_IMAGE_PIXELS = 10_000
    api = client_for(CitizenFactory())
    code = api.post("/api/v1/dossiers/", create_payload(procedure, officer), format="json").json()["code"]
    document = procedure.documents.get()
    response = api.post(
        f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": png("bom.png", (200, 200))}
    )
    assert response.status_code == 400 and "quá lớn" in response.json()["file"][0]


def test_stored_name_is_ours_and_files_are_served_only_in_scope(desk_setup):
    officer, procedure = desk_setup
    citizen = CitizenFactory()
    api = client_for(citizen)
    code = api.post("/api/v1/dossiers/", create_payload(procedure, officer), format="json").json()["code"]
    document = procedure.documents.get()
    upload = pdf("../../etc/passwd.pdf")
    created = api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": upload})
    assert created.status_code == 201
    stored = DossierDocument.objects.get(pk=created.json()["id"])
    assert ".." not in stored.file.name and "passwd" not in stored.file.name
    url = f"/api/v1/dossiers/{code}/documents/{stored.pk}/file/"
    assert api.get(url).status_code == 200
    assert b"".join(client_for(officer).get(url).streaming_content).startswith(b"%PDF")
    assert client_for(CitizenFactory()).get(url).status_code == 404
    assert client_for(OfficerFactory()).get(url).status_code == 404


def test_every_role_sees_only_its_scope():
    dossier = make_dossier("accepted")
    other = make_dossier("accepted")
    url = f"/api/v1/dossiers/{dossier.code}/"
    head = HeadFactory(agency=dossier.agency)
    admin = ProvinceAdminFactory(province=dossier.province)
    allowed = [dossier.citizen, dossier.officer, head, admin]
    denied = [
        other.citizen,
        other.officer,
        HeadFactory(),
        ProvinceAdminFactory(),
        PostalClerkFactory(province=dossier.province),
    ]
    for user in allowed:
        assert client_for(user).get(url).status_code == 200, user.role
        codes = [row["code"] for row in client_for(user).get("/api/v1/dossiers/").json()["results"]]
        assert dossier.code in codes and other.code not in codes
    for user in denied:
        assert client_for(user).get(url).status_code == 404, user.role
        assert client_for(user).post(f"{url}process/").status_code == 404
    assert APIClient().get(url).status_code == 401


def test_citizen_may_not_take_officer_actions_on_their_own_dossier():
    dossier = make_dossier("submitted")
    response = client_for(dossier.citizen).post(f"/api/v1/dossiers/{dossier.code}/accept/")
    assert response.status_code == 403


def test_list_filters_overdue_and_status():
    officer = OfficerFactory()
    late = make_dossier("processing", officer=officer, at=datetime(2023, 10, 2, 9, 0, tzinfo=VN))
    fresh = make_dossier("submitted", officer=officer)
    api = client_for(officer)
    overdue = [r["code"] for r in api.get("/api/v1/dossiers/?overdue=true").json()["results"]]
    assert overdue == [late.code]
    submitted = [r["code"] for r in api.get("/api/v1/dossiers/?status=submitted").json()["results"]]
    assert submitted == [fresh.code]


def test_public_tracking_needs_the_phone_and_shows_nothing_personal():
    dossier = make_dossier("accepted")
    last4 = dossier.applicant_phone[-4:]
    response = APIClient().get(f"/api/v1/tracking/{dossier.code}/?phone={last4}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["code"] == dossier.code
    text = str(body)
    assert dossier.applicant_name not in text and dossier.applicant_phone not in text
    wrong = "0000" if last4 != "0000" else "1111"
    assert APIClient().get(f"/api/v1/tracking/{dossier.code}/?phone={wrong}").status_code == 404
    assert APIClient().get(f"/api/v1/tracking/{dossier.code}/").status_code == 404
