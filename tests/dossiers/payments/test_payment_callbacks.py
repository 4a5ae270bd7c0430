"""The anonymous payment callback cannot fill the disk: it is verified before anything is
stored, a refused one leaves only a bounded summary (and no more than a few a minute per
client address, none when the shared cache cannot count), a body over 16 KiB is a 413 unread,
and every other body is bounded too (413) while document uploads still pass. A callback for the
demo provider when it is switched off (production) is refused and changes nothing."""

import hashlib
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from dossiers.models import Payment, PaymentCallback, PaymentStatus
from dossiers.payments.providers import DemoProvider, InvalidSignature
from portal.models import User
from tests.clients import api_client as client_for
from tests.dossier_helpers import pdf
from tests.dossiers.api.test_dossier_api import create_payload
from tests.dossiers.payments.test_payments import level4_dossier, start
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/callback/demo/"


def post(body, address="203.0.113.7"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client_for().post(URL, raw, content_type="application/json", REMOTE_ADDR=address)


def stored_bytes():
    """What the callback log holds, as PostgreSQL or SQLite stores it."""
    return sum(len(json.dumps(row.payload)) + len(row.error) for row in PaymentCallback.objects.all())


@pytest.fixture
def pending():
    dossier = level4_dossier()
    _body, payment = start(dossier)
    return dossier, payment


def test_a_forged_callback_leaves_a_bounded_summary_not_its_payload(pending):
    _dossier, payment = pending
    forged = {**DemoProvider("demo").callback_payload(payment, "paid"), "signature": "0" * 64}
    forged["padding"] = "x" * 15_000
    raw = json.dumps(forged).encode()
    response = post(raw)
    assert response.status_code == 400 and response.json()["result"] == "bad_signature"
    row = PaymentCallback.objects.get()
    assert row.outcome == "bad_signature" and not row.signature_ok and row.reference == payment.reference
    assert row.payload["size"] == len(raw) and row.payload["sha256"] == hashlib.sha256(raw).hexdigest()
    assert raw.decode().startswith(row.payload["head"]) and len(row.payload["head"]) == 512
    assert "padding" not in row.payload and stored_bytes() < 2_000
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_verified_callback_is_kept_in_full_and_applied(pending):
    dossier, payment = pending
    genuine = DemoProvider("demo").callback_payload(payment, "paid", transaction_id="NH-42")
    assert post(genuine).json()["result"] == "applied"
    assert PaymentCallback.objects.get().payload == genuine
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID


def test_the_demo_attack_no_longer_grows_the_log(pending):
    """20 posts of 1.9 MB grew the table by 77.5 MB: now each is refused unread, nothing kept."""
    huge = b'{"reference": "' + b"A" * 1_900_000 + b'"}'
    for _ in range(20):
        assert post(huge).status_code == 413
    assert not PaymentCallback.objects.exists()


def test_a_callback_body_over_16_kib_is_413_and_not_stored(pending, settings):
    _dossier, payment = pending
    genuine = DemoProvider("demo").callback_payload(payment, "paid")
    genuine["note"] = "x" * (settings.PAYMENT_CALLBACK_MAX_BYTES + 1)  # signed and genuine, but too big
    genuine["signature"] = DemoProvider.sign(genuine)
    response = post(genuine)
    assert response.status_code == 413 and "quá lớn" in response.json()["detail"]
    assert not PaymentCallback.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_refused_callbacks_are_rate_limited_per_client_address(pending, settings):
    settings.PAYMENT_CALLBACK_REFUSALS_PER_MINUTE = 3
    _dossier, payment = pending
    forged = {"reference": payment.reference, "status": "paid", "amount": payment.amount, "signature": "f" * 64}
    answers = [post(forged, address="198.51.100.1").status_code for _ in range(6)]
    assert answers == [400, 400, 400, 429, 429, 429]
    assert PaymentCallback.objects.count() == 3
    assert post(forged, address="198.51.100.2").status_code == 400  # another client has its own allowance
    assert PaymentCallback.objects.count() == 4
    # The provider's genuine callback from the throttled address is still applied.
    genuine = DemoProvider("demo").callback_payload(payment, "paid")
    assert post(genuine, address="198.51.100.1").json()["result"] == "applied"


def test_refused_callbacks_are_not_logged_when_the_cache_is_down(pending, settings):
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    _dossier, payment = pending
    forged = {"reference": payment.reference, "status": "paid", "amount": payment.amount, "signature": "f" * 64}
    assert post(forged).status_code == 429
    assert not PaymentCallback.objects.exists()
    genuine = DemoProvider("demo").callback_payload(payment, "paid")
    assert post(genuine).json()["result"] == "applied"


def test_every_body_is_bounded_before_it_is_read(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    big = {"username": "nguoila", "password": "Mat-khau-dai-2024!", "full_name": "x" * 70_000, "phone": "0912345678"}
    response = client_for().post("/api/v1/auth/register/", big, format="json")
    assert response.status_code == 413 and "quá lớn" in response.json()["detail"]
    assert not User.objects.filter(username="nguoila").exists()
    form = urlencode({"username": "a", "password": "b" * 70_000})
    page = client.post(reverse("login"), form, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "quá lớn" in page.content.decode()


def test_document_uploads_are_not_held_to_the_json_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=1)
    api = client_for(CitizenFactory())
    code = api.post("/api/v1/dossiers/", create_payload(procedure, officer), format="json").json()["code"]
    document = procedure.documents.get()
    big = pdf(content=b"%PDF-1.4\n" + b"0" * 200_000 + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    response = api.post(f"/api/v1/dossiers/{code}/documents/", {"document_code": document.code, "file": big})
    assert response.status_code == 201, response.content


def test_a_demo_signed_callback_is_refused_when_the_demo_provider_is_off(pending, settings):
    """Production (PAYMENT_DEMO_ENABLED=False): the development key proves nothing."""
    dossier, payment = pending
    genuine = DemoProvider("demo").callback_payload(payment, "paid")
    settings.PAYMENT_DEMO_ENABLED = False
    response = post(genuine)
    assert response.status_code == 404
    with pytest.raises(InvalidSignature, match="disabled"):
        DemoProvider("demo").verify_callback(genuine)
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.receipt_number is None
    assert dossier.payment_status == PaymentStatus.PENDING
    assert not PaymentCallback.objects.exists()
