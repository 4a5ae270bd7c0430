"""Signed e-results end to end (issue 17, api.md "Identity and signed results"): a dossier completed with a PDF
stores it signed; the citizen and the staff download the signed file (API, page, document store) and anyone
verifies it (API and the public page); a changed byte, a revoked certificate, garbage are refused with a reason;
the head who approved is the signer; no key or passphrase ever shows."""

import datetime
import io
import logging
import zoneinfo

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import services
from dossiers.api import results as results_api
from dossiers.models import Dossier, SignedResult, Status, StoredDocument
from portal.models import ProcessStep, SigningCertificate
from portal.signing import keys, verify_pdf
from portal.signing.documents import text_pdf
from tests.dossier_helpers import make_dossier, png
from tests.factories import HeadFactory, OfficerFactory, ProcedureFactory, ProvinceAdminFactory, SpecialistFactory

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DONE_AT = datetime.datetime(2026, 4, 8, 15, 20, tzinfo=HCM)


def result_pdf(name="quyet-dinh.pdf"):
    return SimpleUploadedFile(name, text_pdf(["QUYẾT ĐỊNH", "Cấp giấy phép"]), content_type="application/pdf")


def completed_with(upload, **kwargs):
    dossier = make_dossier("processing", **kwargs)
    with time_machine.travel(DONE_AT, tick=False):
        done = services.complete(dossier, dossier.officer, "approved", result_file=upload)
    done.officer, done.citizen = dossier.officer, dossier.citizen
    return done


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def verify_api(data, name="ket-qua.pdf"):
    return api().post("/api/v1/results/verify/", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def changed(data):
    at = data.index(b"/Type /Page") + 2
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_completing_through_the_api_stores_a_signed_result_the_citizen_downloads_and_anyone_verifies(client):
    dossier = make_dossier("processing")
    officer, citizen = dossier.officer, dossier.citizen
    with time_machine.travel(DONE_AT, tick=False):
        answer = api(officer).post(
            f"/api/v1/dossiers/{dossier.code}/complete/",
            {"outcome": "approved", "result_file": result_pdf()},
            format="multipart",
        )
    assert answer.status_code == 200, answer.content

    response = api(citizen).get(f"/api/v1/dossiers/{dossier.code}/result/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="ket-qua-{dossier.code}.pdf"' in response["Content-Disposition"]
    signed = b"".join(response.streaming_content)

    found = verify_pdf(signed)
    assert found.valid, found.reason
    assert (found.dossier, found.agency, found.signer) == (dossier.code, dossier.agency.name, officer.full_name)
    assert found.signed_at == DONE_AT

    checked = verify_api(signed)
    assert checked.status_code == 200
    assert checked.json() == {
        "valid": True,
        "dossier": dossier.code,
        "agency": dossier.agency.name,
        "signer": officer.full_name,
        "signed_at": "2026-04-08T15:20:00+07:00",
        "reason": "",
    }

    # The same signed file from the dossier page and from the citizen's document store.
    client.force_login(citizen)
    page = client.get(reverse("dossiers:result_file", args=[dossier.code]) + "?download=1")
    assert b"".join(page.streaming_content) == signed
    entry = StoredDocument.objects.get(dossier=dossier, kind="result")
    stored = client.get(reverse("dossiers:stored_file", args=[entry.pk]) + "?download=1")
    assert b"".join(stored.streaming_content) == signed
    detail = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert f"Đã ký số bởi {dossier.agency.name} (người ký: {officer.full_name}) lúc 08/04/2026 15:20." in detail


def test_the_officer_completion_page_says_the_pdf_will_be_signed(client):
    dossier = make_dossier("processing")
    client.force_login(dossier.officer)
    page = client.get(reverse("dossiers:officer_detail", args=[dossier.code])).content.decode()
    assert "Tệp kết quả PDF sẽ được ký số bằng chứng thư số của cơ quan" in page


def test_the_signed_result_is_recorded_for_the_pages():
    dossier = completed_with(result_pdf())
    record = SignedResult.objects.get(dossier=dossier)
    dossier.result_file.open("rb")
    import hashlib

    assert record.sha256 == hashlib.sha256(dossier.result_file.read()).hexdigest()
    assert record.certificate == SigningCertificate.objects.get(agency=dossier.agency)
    assert (record.signer, record.signed_at, record.wrapped) == (dossier.officer.full_name, DONE_AT, False)
    assert dossier.result_file.name.endswith(".pdf") and "quyet-dinh" not in dossier.result_file.name


def test_a_scanned_image_result_is_wrapped_in_a_pdf_and_signed():
    dossier = completed_with(png("ban-quet.png", size=(600, 800)))
    assert dossier.result_file.name.endswith(".pdf")
    dossier.result_file.open("rb")
    found = verify_pdf(dossier.result_file.read())
    assert found.valid, found.reason
    assert SignedResult.objects.get(dossier=dossier).wrapped
    assert StoredDocument.objects.get(dossier=dossier, kind="result").content_type == "application/pdf"


def test_the_result_endpoint_is_a_404_without_a_result_or_to_whoever_may_not_see_the_dossier():
    without = make_dossier("completed")  # completed without an e-result
    assert api(without.officer).get(f"/api/v1/dossiers/{without.code}/result/").status_code == 404
    dossier = completed_with(result_pdf())
    stranger = make_dossier("processing").citizen
    assert api(stranger).get(f"/api/v1/dossiers/{dossier.code}/result/").status_code == 404
    assert api().get(f"/api/v1/dossiers/{dossier.code}/result/").status_code in (401, 403)
    assert api(dossier.officer).get(f"/api/v1/dossiers/{dossier.code}/result/").status_code == 200


def test_a_held_result_waits_for_the_citizen_but_not_for_the_staff():
    dossier = completed_with(result_pdf())
    services.hold_result(Dossier.objects.get(pk=dossier.pk))
    assert api(dossier.citizen).get(f"/api/v1/dossiers/{dossier.code}/result/").status_code == 404
    assert api(dossier.officer).get(f"/api/v1/dossiers/{dossier.code}/result/").status_code == 200


def test_the_head_who_approved_is_the_signer():
    officer = OfficerFactory()
    agency = officer.desk.agency
    procedure = ProcedureFactory(province=officer.desk.province, agency=agency)
    for order, (code, role, at_agency) in enumerate([("XL", "specialist", agency), ("PD", "head", agency)]):
        ProcessStep.objects.create(
            procedure=procedure, order=order, code=code, name=code, role=role, agency=at_agency, hours=8
        )
    ProcessStep.objects.create(procedure=procedure, order=2, code="VT", name="Trả", role="officer", hours=4)
    specialist, head = SpecialistFactory(agency=agency), HeadFactory(agency=agency, full_name="Lê Văn Trưởng")
    dossier = make_dossier("accepted", officer=officer, procedure=procedure)
    dossier = services.forward(dossier, specialist, note="Đủ điều kiện")
    dossier = services.forward(dossier, head, note="Duyệt")  # the head's approval
    with time_machine.travel(DONE_AT, tick=False):
        dossier = services.complete(dossier, officer, "approved", result_file=result_pdf())
    dossier.result_file.open("rb")
    found = verify_pdf(dossier.result_file.read())
    assert found.valid and found.signer == "Lê Văn Trưởng"
    assert SignedResult.objects.get(dossier=dossier).signer == "Lê Văn Trưởng"


def test_an_agency_without_a_usable_certificate_cannot_complete_with_a_result(monkeypatch):
    monkeypatch.undo()  # no certificate on first use (tests/conftest.py _signing): the agency has no key file
    dossier = make_dossier("processing")
    response = api(dossier.officer).post(
        f"/api/v1/dossiers/{dossier.code}/complete/",
        {"outcome": "approved", "result_file": result_pdf()},
        format="multipart",
    )
    assert response.status_code == 400
    (message,) = response.json()["file"]
    assert message.startswith("Chưa ký số được kết quả điện tử: Cơ quan “") and "chưa có chứng thư số" in message
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and not dossier.result_file


def test_the_verify_api_refuses_a_changed_byte_garbage_and_a_missing_file_without_an_error():
    dossier = completed_with(result_pdf())
    dossier.result_file.open("rb")
    signed = dossier.result_file.read()
    altered = verify_api(changed(signed)).json()
    assert altered["valid"] is False and "sửa đổi" in altered["reason"]
    for garbage in (b"not a pdf at all", b"%PDF-1.7\n\x00\x01\x02 %%EOF", text_pdf(["chưa ký"])):
        answer = verify_api(garbage)
        assert answer.status_code == 200 and answer.json()["valid"] is False and answer.json()["reason"]
    missing = api().post("/api/v1/results/verify/", {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()


def test_the_verify_api_caps_the_upload_and_is_throttled(settings, monkeypatch):
    settings.SIGNING_VERIFY_MAX_BYTES = 4000
    assert verify_api(b"%PDF-1.7\n" + b"0" * 5000).status_code == 413
    monkeypatch.setattr(results_api.VerifyThrottle, "THROTTLE_RATES", {"verify": "2/min"})
    assert [verify_api(b"x").status_code for _ in range(3)] == [200, 200, 429]


def test_a_certificate_revoked_in_the_admin_invalidates_the_results_it_signed(client):
    dossier = completed_with(result_pdf())
    dossier.result_file.open("rb")
    signed = dossier.result_file.read()
    certificate = SigningCertificate.objects.get(agency=dossier.agency)
    client.force_login(ProvinceAdminFactory(province=dossier.agency.province, is_staff=True))
    url = reverse("admin:portal_signingcertificate_change", args=[certificate.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"revoked_at_0": "10/04/2026", "revoked_at_1": "08:00:00", "revoked_reason": "Lộ khóa bí mật"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    answer = verify_api(signed).json()
    assert answer["valid"] is False
    assert answer["reason"] == "Chứng thư số đã ký tệp bị thu hồi ngày 10/04/2026: Lộ khóa bí mật"


def test_another_provinces_admin_cannot_see_or_revoke_the_certificate(client):
    dossier = completed_with(result_pdf())
    certificate = SigningCertificate.objects.get(agency=dossier.agency)
    client.force_login(ProvinceAdminFactory(is_staff=True))
    url = reverse("admin:portal_signingcertificate_change", args=[certificate.pk])
    assert client.get(url).status_code == 404


def test_the_verification_page_says_valid_or_invalid_and_what_the_qr_names(client):
    dossier = completed_with(result_pdf())
    dossier.result_file.open("rb")
    signed = dossier.result_file.read()
    url = reverse("dossiers:verify_result")
    page = client.get(f"{url}?ho_so={dossier.code}").content.decode()
    assert f'Kết quả điện tử của hồ sơ <span class="code">{dossier.code}</span>' in page
    assert dossier.agency.name in page and dossier.officer.full_name in page and "08/04/2026 15:20" in page
    valid = client.post(url, {"file": SimpleUploadedFile("kq.pdf", signed)}).content.decode()
    assert "Kết quả điện tử hợp lệ" in valid and dossier.code in valid
    invalid = client.post(url, {"file": SimpleUploadedFile("kq.pdf", changed(signed))}).content.decode()
    assert "Kết quả điện tử không hợp lệ" in invalid and "sửa đổi" in invalid
    empty = client.post(url, {})
    assert empty.status_code == 400 and "Vui lòng chọn tệp kết quả cần kiểm tra." in empty.content.decode()
    unknown = client.get(f"{url}?ho_so=KHONG-CO").content.decode()
    assert "Không có kết quả điện tử đã ký số nào của hồ sơ với mã này." in unknown


def test_no_key_or_passphrase_shows_in_answers_admin_pages_or_logs(client, settings, caplog, tmp_path):
    settings.SIGNING_KEY_PASSPHRASE = "passphrase-that-must-never-show-7731"
    caplog.set_level(logging.DEBUG)
    dossier = completed_with(result_pdf())
    agency_key = keys.load_agency_key(dossier.agency)
    pem = agency_key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    secret_lines = [line for line in pem.decode().splitlines() if not line.startswith("-----")]
    p12 = keys.agency_key_path(dossier.agency).read_bytes()
    dossier.result_file.open("rb")
    signed = dossier.result_file.read()

    admin = ProvinceAdminFactory(province=dossier.agency.province, is_staff=True)
    client.force_login(admin)
    certificate = SigningCertificate.objects.get(agency=dossier.agency)
    seen = [
        api(dossier.officer).get(f"/api/v1/dossiers/{dossier.code}/").content,
        verify_api(signed).content,
        client.get(reverse("admin:portal_signingcertificate_changelist")).content,
        client.get(reverse("admin:portal_signingcertificate_change", args=[certificate.pk])).content,
        client.get(reverse("dossiers:verify_result") + f"?ho_so={dossier.code}").content,
        signed,
    ]
    out = io.StringIO()
    with override_settings(SIGNING_DIR=tmp_path, SIGNING_CA_CERT=tmp_path / "ca.pem"):  # a fresh CA, this passphrase
        call_command("setup_signing", "--agency", dossier.agency.code, stdout=out, stderr=out)
    assert (tmp_path / "ca-key.pem").exists() and b"passphrase-that" not in (tmp_path / "ca-key.pem").read_bytes()
    seen.append(out.getvalue().encode())
    seen.append("\n".join(record.getMessage() for record in caplog.records).encode())
    for text in seen:
        assert b"passphrase-that-must-never-show-7731" not in text
        assert not any(line.encode() in text for line in secret_lines)
        assert p12[:64] not in text
    assert "passphrase-that-must-never-show-7731" not in repr(agency_key)
