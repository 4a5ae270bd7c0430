"""Bad input a hostile client sends, beyond what tests/dossiers/api/test_dossier_api.py already covers
(an .exe named .pdf, an empty or cut PDF, a broken PNG, an oversize file and dossier, a
200×200 image over a lowered pixel limit, "../../etc/passwd.pdf"), tests/test_pages.py
(the login page locks after 5 failures) and tests/test_settings.py (`check --deploy` on
production settings):

- uploads: script and markup dressed as images, a real decompression bomb (a tiny PNG
  declaring 100 000 × 100 000 pixels, default limits), traversal and control characters
  in file names and document codes;
- the API token endpoint under brute force (django-axes locks it as it locks the page);
- requests no form would send: malformed or oversize JSON, NUL characters in JSON.
"""

import struct
import time
import zlib
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dossiers.models import DossierDocument
from tests.clients import api_client as api_for
from tests.dossier_helpers import pdf
from tests.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def draft():
    """A citizen's draft of a one-document procedure: (api, dossier code, document code)."""
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=1)
    citizen = CitizenFactory()
    api = api_for(citizen)
    created = api.post(
        "/api/v1/dossiers/",
        {
            "procedure": procedure.code,
            "desk": officer.desk_id,
            "intake_channel": "online",
            "return_channel": "desk",
            "applicant": {"full_name": citizen.full_name, "phone": citizen.phone},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    return api, created.json()["code"], procedure.documents.get().code


def upload(api, code, document_code, file):
    return api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document_code, "file": file})


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width=100_000, height=100_000):
    """A few hundred bytes that claim width × height RGB pixels (30 GB decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("anh.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/png"),
        ("anh.jpg", b"<html><body><script>alert(document.cookie)</script></body></html>", "image/jpeg"),
        ("giayto.pdf", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;<script>alert(1)</script>", "application/pdf"),
        ("tokhai.pdf", b"PK\x03\x04" + b"\x00" * 60 + b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    ],
    ids=["svg-as-png", "html-as-jpeg", "gif-polyglot-as-pdf", "zip-as-pdf"],
)
def test_markup_and_archives_dressed_as_documents_are_refused(draft, name, content, content_type):
    api, code, document = draft
    response = upload(api, code, document, SimpleUploadedFile(name, content, content_type=content_type))
    assert response.status_code == 400
    assert "PDF, JPEG" in response.json()["file"][0]
    assert not DossierDocument.objects.filter(dossier__code=code).exists()


def test_a_real_decompression_bomb_is_refused_quickly_with_the_default_limits(draft):
    api, code, document = draft
    started = time.monotonic()
    response = upload(api, code, document, SimpleUploadedFile("bom.png", bomb_png(), content_type="image/png"))
    assert response.status_code == 400, response.content
    assert time.monotonic() - started < 5  # never decoded
    assert not DossierDocument.objects.filter(dossier__code=code).exists()


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd.pdf",
        "..\\..\\windows\\win.ini.pdf",
        "giay\x00to.pdf",
        "a" * 1000 + ".pdf",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd.pdf",
        "tờ khai <script>.pdf",
    ],
    ids=["absolute", "windows-traversal", "nul", "very-long", "url-encoded", "markup"],
)
def test_hostile_file_names_never_reach_the_disk(draft, name, settings):
    api, code, document = draft
    response = upload(api, code, document, pdf(name))
    assert response.status_code in (201, 400), response.content
    for stored in DossierDocument.objects.filter(dossier__code=code):
        assert stored.file.name == f"dossiers/{code}/{stored.stored_token}.pdf"
        assert (settings.MEDIA_ROOT / stored.file.name).is_file()
        assert len(stored.original_name) <= 255


@pytest.mark.parametrize("document_code", ["../../etc/passwd", "TP\x00", "x" * 500, ""])
def test_a_document_code_outside_the_procedure_is_a_400(draft, document_code):
    api, code, _document = draft
    response = upload(api, code, document_code, pdf())
    assert response.status_code == 400, response.content
    assert not DossierDocument.objects.filter(dossier__code=code).exists()


# ---------- login brute force on the API ----------


def token(client, username, password):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_the_token_endpoint_locks_after_five_failures_even_with_the_right_password():
    CitizenFactory(username="an")
    client = APIClient()
    assert token(client, "an", DEFAULT_PASSWORD).status_code == 200
    statuses = [token(client, "an", f"sai-{i}").status_code for i in range(6)]
    assert statuses == [400] * 4 + [429] * 2  # the 5th failure (AXES_FAILURE_LIMIT) locks
    locked = token(client, "an", DEFAULT_PASSWORD)
    assert locked.status_code == 429 and locked["Content-Type"] == "application/json"
    assert "token" not in locked.json() and "tạm khoá" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 30 * 60


def test_a_lock_on_one_account_leaves_the_others_alone():
    CitizenFactory(username="an")
    CitizenFactory(username="binh")
    client = APIClient()
    for i in range(5):
        token(client, "an", f"sai-{i}")
    assert token(client, "an", DEFAULT_PASSWORD).status_code == 429
    assert token(client, "binh", DEFAULT_PASSWORD).status_code == 200


def test_failures_from_the_page_and_the_api_add_up():
    CitizenFactory(username="an")
    client = APIClient()
    for i in range(3):
        client.post("/dang-nhap/", {"username": "an", "password": f"sai-{i}"})
    for i in range(2):
        token(client, "an", f"sai-api-{i}")
    assert token(client, "an", DEFAULT_PASSWORD).status_code == 429


# ---------- requests no form would send ----------


def test_malformed_json_is_a_400(draft):
    api, code, _document = draft
    response = api.generic("POST", "/api/v1/dossiers/", '{"procedure": ', content_type="application/json")
    assert response.status_code == 400


def test_an_oversize_json_body_is_refused_not_a_500(draft):
    api, code, _document = draft
    body = '{"form_data": {"x": "' + "a" * (3 * 1024 * 1024) + '"}}'
    response = api.generic("PATCH", f"/api/v1/dossiers/{code}/", body, content_type="application/json")
    assert response.status_code in (400, 413)


def test_nul_characters_in_json_are_a_400_not_a_500(draft):
    api, code, _document = draft
    response = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": {"ho_ten": "An\u0000"}}, format="json")
    assert response.status_code == 400, response.content
    response = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": {"ho\u0000ten": "An"}}, format="json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    "path", ["/api/v1/dossiers/{code}%00/", "/ho-so/{code}%00/", "/api/v1/tracking/{code}%00/", "/ho-so/%00/sua/"]
)
def test_a_nul_character_in_a_path_is_a_404_not_a_500(draft, client, path):
    """PostgreSQL text cannot hold a NUL: a code with one names no dossier (it answered 500 on the API's detail,
    the citizen's page and the tracking look-up)."""
    api, code, _document = draft
    assert api.get(path.format(code=code)).status_code == 404
    client.force_login(CitizenFactory())
    response = client.get(path.format(code=code))
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode() or response["Content-Type"].startswith("application/json")


# ---------- hostile JSON (portal/jsonsafe.py): refused with a message, never a 500 ----------

DEEP = "[" * 50_000 + "]" * 50_000
HOSTILE_JSON = {
    "deep": (DEEP, "lồng nhau quá 64 cấp"),
    "deep-object": ('{"a":' * 65 + "1" + "}" * 65, "lồng nhau quá 64 cấp"),
    "1e400": ('{"form_data": {"so_tien": 1e400}}', "1e400"),
    "nan": ('{"form_data": {"so_tien": NaN}}', "NaN"),
    "infinity": ('{"form_data": {"so_tien": -Infinity}}', "Infinity"),
    "lone-surrogate": ('{"form_data": {"ho_ten": "An\\udc00"}}', "Unicode"),
    "lone-surrogate-key": ('{"form_data": {"\\ud800": "An"}}', "Unicode"),
}


def post_json(client, path, body, method="POST"):
    return client.generic(method, path, body, content_type="application/json")


@pytest.mark.parametrize("case", HOSTILE_JSON, ids=list(HOSTILE_JSON))
def test_hostile_json_is_a_400_with_a_message_on_a_dossier(draft, case):
    api, code, _document = draft
    body, message = HOSTILE_JSON[case]
    for method, path in (("POST", "/api/v1/dossiers/"), ("PATCH", f"/api/v1/dossiers/{code}/")):
        response = post_json(api, path, body, method)
        assert response.status_code == 400, (method, response.content[:300])
        assert message in response.json()["detail"]
    assert api.get(f"/api/v1/dossiers/{code}/").json()["form_data"] == {}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/payments/callback/demo/"],
)
@pytest.mark.parametrize("case", ["deep", "1e400", "lone-surrogate"])
def test_hostile_json_on_anonymous_endpoints_is_a_400(path, case, settings):
    body, _message = HOSTILE_JSON[case]
    response = post_json(APIClient(), path, body)
    # The payment callback takes at most PAYMENT_CALLBACK_MAX_BYTES: a larger body is a 413, unread.
    too_big = "/payments/callback/" in path and len(body.encode()) > settings.PAYMENT_CALLBACK_MAX_BYTES
    assert response.status_code == (413 if too_big else 400), response.content[:300]


def test_a_hostile_payment_callback_is_logged_as_text_not_a_database_error(settings):
    from dossiers.models import PaymentCallback

    for case in ("1e400", "lone-surrogate", "deep"):
        body = HOSTILE_JSON[case][0]
        response = post_json(APIClient(), "/api/v1/payments/callback/demo/", body)
        too_big = len(body.encode()) > settings.PAYMENT_CALLBACK_MAX_BYTES  # a 413, unread
        assert response.status_code == (413 if too_big else 400), response.content[:300]
    # Nested deep within the size limit: read, and refused by the parser (400, not RecursionError).
    deep_but_small = "[" * 8000 + "]" * 8000
    response = post_json(APIClient(), "/api/v1/payments/callback/demo/", deep_but_small)
    assert response.status_code == 400, response.content[:300]
    assert PaymentCallback.objects.filter(signature_ok=True).count() == 0


def test_a_desk_ticket_with_hostile_json_is_a_400():
    officer = OfficerFactory()
    for case in ("deep", "1e400", "nan", "lone-surrogate"):
        response = post_json(APIClient(), f"/api/v1/desks/{officer.desk_id}/tickets/", HOSTILE_JSON[case][0])
        assert response.status_code == 400, response.content[:300]


# A form body (multipart or urlencoded) carries a JSON field as text, which REST framework's JSONField
# parses with plain json.loads: the same hostile texts, by form, are a 400 naming the field.
FORM_JSON = {
    "deep": ("[" * 2000 + "]" * 2000, "lồng nhau quá 64 cấp"),
    "1e400": ('{"so_tien": 1e400}', "1e400"),
    "nan": ('{"so_tien": NaN}', "NaN"),
    "lone-surrogate": ('{"ho_ten": "An\\udc00"}', "Unicode"),
}


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_hostile_json_in_a_form_field_is_a_400_naming_the_field(draft, form):
    api, code, _document = draft
    for case, (text, message) in FORM_JSON.items():
        if form == "multipart":
            response = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": text}, format="multipart")
        else:
            body = urlencode({"form_data": text})
            response = api.generic("PATCH", f"/api/v1/dossiers/{code}/", body, "application/x-www-form-urlencoded")
        assert response.status_code == 400, (case, response.content[:300])
        assert message in response.json()["form_data"][0], case
    assert api.get(f"/api/v1/dossiers/{code}/").json()["form_data"] == {}


def test_hostile_json_in_a_campaigns_form_fields_is_a_400():
    from campaigns.models import Campaign
    from tests.factories import ProvinceAdminFactory

    admin = api_for(ProvinceAdminFactory())
    base = {"title": "Phòng, chống dịch", "legal_basis": "Kế hoạch số 1", "starts_at": "2020-03-30T00:00:00+07:00"}
    for field in ("scope", "rules"):
        for case, (text, message) in FORM_JSON.items():
            response = admin.post("/api/v1/campaigns/", {**base, field: text}, format="multipart")
            assert response.status_code == 400, (field, case, response.content[:300])
            assert message in response.json()[field][0], (field, case)
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-10:00", "9999-12-31T23:59:59-23:59"]
)
def test_a_policy_moment_without_a_utc_equivalent_is_a_400_naming_at(at):
    procedure = ProcedureFactory()
    response = APIClient().get(f"/api/v1/procedures/{procedure.code}/policy/", {"at": at})
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"at": ["Thời điểm nằm ngoài khoảng cho phép."]}


def test_the_edges_of_the_calendar_that_exist_in_utc_still_answer():
    procedure = ProcedureFactory()
    for at in ("0001-01-01T07:00:00+07:00", "9999-12-31T06:59:59+07:00"):
        response = APIClient().get(f"/api/v1/procedures/{procedure.code}/policy/", {"at": at})
        assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DEEP, "lồng nhau quá 64 cấp"),
        ('{"procedures": [{"code": "1.1", "fee": 1e400}]}', "1e400"),
        ('{"procedures": [{"code": "1.1", "fee": NaN}]}', "NaN"),
        ('{"provinces": [{"code": "75", "name": "\\udc00"}]}', "Unicode"),
    ],
    ids=["deep", "1e400", "nan", "lone-surrogate"],
)
def test_import_catalog_names_hostile_json_without_a_traceback(tmp_path, text, message):
    import io

    from django.core.management import CommandError, call_command

    from portal.models import Province

    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="không ghi gì"):
        call_command("import_catalog", str(path), stderr=err)
    assert err.getvalue().startswith("invalid JSON: ") and message in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert not Province.objects.filter(code="75").exists()


def test_a_tracking_token_with_non_ascii_characters_is_a_wrong_answer_not_a_500():
    from tests.dossier_helpers import make_dossier

    dossier = make_dossier("submitted")
    response = APIClient().get(f"/api/v1/tracking/{dossier.code}/", {"token": "mã-bí-mật-tờ-khai"})
    assert response.status_code == 404, response.content[:300]


def test_a_reason_that_is_not_text_is_a_400_naming_it():
    from tests.dossier_helpers import make_dossier

    officer = OfficerFactory()
    dossier = make_dossier("submitted", officer=officer)
    api = api_for(officer)
    response = api.post(f"/api/v1/dossiers/{dossier.code}/request-supplement/", {"reason": 6014}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"reason": ["Giá trị phải là một chuỗi văn bản."]}
    assert api.get(f"/api/v1/dossiers/{dossier.code}/").json()["status"] == "submitted"
