"""Online payment (thanh toán trực tuyến) of a level-4 dossier's fee through the demo
provider: pay → paid → e-receipt; the callback verified and idempotent (replayed, forged,
wrong amount); failure and retry; refund on refusal; acceptance gated on payment; scope."""

import threading
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.urls import resolve

from dossiers import services
from dossiers.models import Dossier, DossierEvent, Notification, Payment, PaymentCallback, PaymentStatus, Status
from dossiers.payments import service as payments
from dossiers.payments.providers import DemoProvider, canonical
from tests.clients import api_client as client_for
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FEE = 200_000


def level4_dossier(state="submitted", fee=FEE, level=4, collected_at="before_acceptance", **fields):
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        level=level,
        fee=fee,
        documents=1,
        fee_collected_at=collected_at,
    )
    return make_dossier(state, officer=officer, procedure=procedure, **fields)


def start(dossier):
    """The owner starts a payment through the API; returns (response json, Payment)."""
    response = client_for(dossier.citizen).post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json")
    assert response.status_code == 200, response.content
    return response.json(), Payment.objects.get(reference=response.json()["reference"])


def post_callback(data, provider="demo"):
    return client_for().post(f"/api/v1/payments/callback/{provider}/", data, format="json")


def events(dossier, action):
    return DossierEvent.objects.filter(dossier=dossier, action=action)


@pytest.mark.django_db
def test_urls_resolve_to_the_payment_views_before_the_dossier_router():
    assert resolve("/api/v1/dossiers/000.00.01.H99-261123-0001/pay/").view_name == "payments:api-pay"
    assert resolve("/api/v1/dossiers/000.00.01.H99-261123-0001/receipt/").view_name == "payments:api-receipt"
    assert resolve("/api/v1/payments/callback/demo/").view_name == "payments:api-callback"
    assert resolve("/thanh-toan/bien-lai/X-1/").view_name == "payments:receipt"
    assert resolve("/thanh-toan/demo/MC1/").view_name == "payments:demo_gateway"
    # The dossier API is untouched.
    assert resolve("/api/v1/dossiers/X-1/accept/").url_name == "dossier-accept"


@pytest.mark.django_db
def test_pay_through_the_demo_gateway_then_the_e_receipt(client):
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=VN), tick=False):
        dossier = level4_dossier()
        assert dossier.payment_status == PaymentStatus.UNPAID
        body, payment = start(dossier)
        assert payment.status == Payment.Status.PENDING and payment.amount == FEE
        assert body["amount"] == FEE and body["status"] == "pending"
        gateway = urlsplit(body["redirect_url"]).path
        assert gateway == f"/thanh-toan/demo/{payment.reference}/"
        dossier.refresh_from_db()
        assert dossier.payment_status == PaymentStatus.PENDING
        assert events(dossier, "payment_start").count() == 1

        # The "bank page" needs no login: amount, dossier code, the two buttons.
        page = client.get(gateway)
        assert page.status_code == 200
        html = page.content.decode()
        assert dossier.code in html and "200.000 đ" in html and 'value="pay"' in html and 'value="cancel"' in html

        paid = client.post(gateway, {"action": "pay"})
        assert paid.status_code == 302
        assert urlsplit(paid["Location"]).path in (f"/ho-so/{dossier.code}/", f"/thanh-toan/ho-so/{dossier.code}/")

    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.paid_at == datetime(2026, 11, 23, 9, 0, tzinfo=VN)
    assert payment.receipt_number == "BL-20261123-000001"
    assert dossier.payment_status == PaymentStatus.PAID
    event = events(dossier, "payment_paid").get()
    assert event.data["receipt_number"] == payment.receipt_number and event.actor is None
    assert Notification.objects.filter(dossier=dossier, kind="payment_paid").count() == 2  # SMS and email
    callback = PaymentCallback.objects.get()
    assert callback.signature_ok and callback.processed and callback.outcome == "applied"

    receipt = client_for(dossier.citizen).get(f"/api/v1/dossiers/{dossier.code}/receipt/")
    assert receipt.status_code == 200
    data = receipt.json()
    assert data["receipt_number"] == "BL-20261123-000001"
    assert data["amount"] == FEE and data["amount_in_words"] == "Hai trăm nghìn đồng"
    assert data["dossier"] == dossier.code and data["status"] == "paid"
    assert data["url"].endswith(f"/thanh-toan/bien-lai/{dossier.code}/")
    # The desk's officer sees it too; another citizen does not know it exists.
    assert client_for(dossier.officer).get(f"/api/v1/dossiers/{dossier.code}/receipt/").status_code == 200
    assert client_for(CitizenFactory()).get(f"/api/v1/dossiers/{dossier.code}/receipt/").status_code == 404

    client.force_login(dossier.citizen)
    printable = client.get(f"/thanh-toan/bien-lai/{dossier.code}/")
    assert printable.status_code == 200
    assert "BL-20261123-000001" in printable.content.decode() and "data-print" in printable.content.decode()

    # Paid before acceptance: the officer may now accept, and the fee snapshot matches.
    accepted = services.accept(dossier, dossier.officer)
    assert accepted.status == Status.ACCEPTED and accepted.snap_fee == FEE


@pytest.mark.django_db
def test_receipt_numbers_follow_a_daily_sequence():
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=VN), tick=False):
        first, second = level4_dossier(), level4_dossier()
        for dossier in (first, second):
            _body, payment = start(dossier)
            assert post_callback(DemoProvider("demo").callback_payload(payment, "paid")).status_code == 200
    numbers = sorted(Payment.objects.values_list("receipt_number", flat=True))
    assert numbers == ["BL-20261123-000001", "BL-20261123-000002"]


@pytest.mark.django_db
def test_the_callback_endpoint_takes_signed_json_and_a_replay_changes_nothing():
    dossier = level4_dossier()
    _body, payment = start(dossier)
    data = DemoProvider("demo").callback_payload(payment, "paid", transaction_id="NH-000123")

    first = post_callback(data)
    assert first.status_code == 200 and first.json()["result"] == "applied"
    payment.refresh_from_db()
    paid_at, receipt_number = payment.paid_at, payment.receipt_number
    assert payment.transaction_id == "NH-000123"
    notes = Notification.objects.filter(dossier=dossier).count()

    with time_machine.travel(timedelta(hours=1)):
        replay = post_callback(data)
    assert replay.status_code == 200 and replay.json()["result"] == "duplicate"
    payment.refresh_from_db()
    assert (payment.paid_at, payment.receipt_number) == (paid_at, receipt_number)
    assert events(dossier, "payment_paid").count() == 1
    assert Notification.objects.filter(dossier=dossier).count() == notes
    logged = PaymentCallback.objects.order_by("received_at", "id")
    assert [(c.outcome, c.processed, c.duplicate) for c in logged] == [
        ("applied", True, False),
        ("duplicate", False, True),
    ]
    # A stale "failed" for a paid payment changes nothing either.
    late_failure = DemoProvider("demo").callback_payload(payment, "failed")
    assert post_callback(late_failure).json()["result"] == "ignored"
    dossier.refresh_from_db()
    assert dossier.payment_status == PaymentStatus.PAID


@pytest.mark.django_db
def test_a_forged_callback_changes_nothing_and_is_logged(settings):
    dossier = level4_dossier()
    _body, payment = start(dossier)
    genuine = DemoProvider("demo").callback_payload(payment, "paid")

    tampered = {**genuine, "amount": 1}  # the signature no longer covers what is said
    unsigned = {key: value for key, value in genuine.items() if key != "signature"}
    settings.PAYMENT_DEMO_SECRET = "a-secret-the-gateway-does-not-have"
    wrong_key = DemoProvider("demo").callback_payload(payment, "paid")
    settings.PAYMENT_DEMO_SECRET = ""
    for forged in (tampered, unsigned, wrong_key, {**genuine, "signature": "0" * 64}):
        response = post_callback(forged)
        assert response.status_code == 400 and response.json()["result"] == "bad_signature"
    not_json = client_for().post("/api/v1/payments/callback/demo/", "{oops", content_type="application/json")
    assert not_json.status_code == 400

    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.paid_at is None and payment.receipt_number is None
    assert dossier.payment_status == PaymentStatus.PENDING
    assert not events(dossier, "payment_paid").exists()
    logged = PaymentCallback.objects.all()
    assert logged.count() == 5
    assert all(not c.signature_ok and not c.processed and c.outcome == "bad_signature" for c in logged)
    # Refused, so only a bounded summary of each body is kept (size, SHA-256, first 512 bytes).
    assert all(set(c.payload) == {"refused", "size", "sha256", "head"} for c in logged)
    assert any('"amount":1,' in c.payload["head"] or '"amount": 1,' in c.payload["head"] for c in logged)
    assert logged.filter(reference=payment.reference).count() == 4  # named, though unproven
    assert post_callback(genuine).json()["result"] == "applied"  # the genuine one still works
    assert post_callback(genuine, provider="nobody").status_code == 404


@pytest.mark.django_db
def test_an_amount_mismatch_is_rejected():
    dossier = level4_dossier()
    _body, payment = start(dossier)
    data = {"reference": payment.reference, "status": "paid", "amount": FEE - 1000, "transaction_id": "X"}
    data["signature"] = DemoProvider.sign(data)  # signed by the gateway, but not what we asked for
    response = post_callback(data)
    assert response.status_code == 400 and response.json()["result"] == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    callback = PaymentCallback.objects.get()
    assert callback.signature_ok and not callback.processed and callback.payment == payment
    unknown = {"reference": "MC-NOT-OURS", "status": "paid", "amount": FEE}
    unknown["signature"] = DemoProvider.sign(unknown)
    assert post_callback(unknown).json()["result"] == "unknown_payment"


@pytest.mark.django_db
def test_a_failed_payment_is_retried(client):
    dossier = level4_dossier()
    first_body, first = start(dossier)
    cancelled = client.post(urlsplit(first_body["redirect_url"]).path, {"action": "cancel"})
    assert cancelled.status_code == 302
    first.refresh_from_db()
    dossier.refresh_from_db()
    assert first.status == Payment.Status.FAILED and dossier.payment_status == PaymentStatus.FAILED
    assert events(dossier, "payment_failed").count() == 1
    # Acceptance still waits for the money.
    with pytest.raises(services.DossierError) as refused:
        services.accept(dossier, dossier.officer)
    assert refused.value.field == "payment"

    second_body, second = start(dossier)
    assert second.reference != first.reference
    client.post(urlsplit(second_body["redirect_url"]).path, {"action": "pay"})
    second.refresh_from_db()
    dossier.refresh_from_db()
    assert second.status == Payment.Status.PAID and dossier.payment_status == PaymentStatus.PAID
    assert payments.receipt_payment(dossier) == second
    assert list(Payment.objects.filter(dossier=dossier).values_list("status", flat=True)) == ["paid", "failed"]
    # Paid: starting again is a conflict, and the gateway page of the old attempt only goes back.
    again = client_for(dossier.citizen).post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json")
    assert again.status_code == 409
    assert client.post(urlsplit(first_body["redirect_url"]).path, {"action": "pay"}).status_code == 302
    first.refresh_from_db()
    assert first.status == Payment.Status.FAILED


@pytest.mark.django_db
def test_a_pending_payment_is_resumed_then_given_up_when_stale(settings):
    settings.PAYMENT_PENDING_MINUTES = 30
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=VN), tick=False) as traveller:
        dossier = level4_dossier()
        first_body, first = start(dossier)
        resumed_body, _resumed = start(dossier)
        assert resumed_body["reference"] == first.reference
        assert resumed_body["redirect_url"] == first_body["redirect_url"]
        assert events(dossier, "payment_start").count() == 1
        traveller.shift(timedelta(minutes=31))
        _new_body, second = start(dossier)
    first.refresh_from_db()
    assert second.reference != first.reference
    assert first.status == Payment.Status.FAILED and first.failure_reason == "expired"
    # The money for the given-up attempt arrives after all: it counts, the newer attempt is dropped.
    assert post_callback(DemoProvider("demo").callback_payload(first, "paid")).json()["result"] == "applied"
    first.refresh_from_db()
    second.refresh_from_db()
    dossier.refresh_from_db()
    assert first.status == Payment.Status.PAID and second.status == Payment.Status.FAILED
    assert dossier.payment_status == PaymentStatus.PAID
    # And if the dropped attempt is paid too, nothing is applied: a conflict to reconcile.
    conflict = post_callback(DemoProvider("demo").callback_payload(second, "paid"))
    assert conflict.status_code == 200 and conflict.json()["result"] == "conflict"
    second.refresh_from_db()
    assert second.status == Payment.Status.FAILED
    assert events(dossier, "payment_paid").count() == 1


@pytest.mark.django_db
def test_refusal_after_payment_refunds(client):
    dossier = level4_dossier()
    _body, payment = start(dossier)
    post_callback(DemoProvider("demo").callback_payload(payment, "paid"))

    refused = client_for(dossier.officer).post(
        f"/api/v1/dossiers/{dossier.code}/refuse/", {"reason": "Hồ sơ không thuộc thẩm quyền."}, format="json"
    )
    assert refused.status_code == 200, refused.content
    assert refused.json()["payment_status"] == "refunded"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert dossier.status == Status.REFUSED and dossier.payment_status == PaymentStatus.REFUNDED
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_at is not None
    assert payment.refund_reference == f"DEMO-RF-{payment.reference}" and payment.refunded_by == dossier.officer
    refund = events(dossier, "payment_refunded").get()
    assert refund.note == "Hồ sơ không thuộc thẩm quyền."
    assert [e.action for e in DossierEvent.objects.filter(dossier=dossier)][-2:] == ["refuse", "payment_refunded"]
    assert Notification.objects.filter(dossier=dossier, kind="payment_refunded").count() == 2
    receipt = client_for(dossier.citizen).get(f"/api/v1/dossiers/{dossier.code}/receipt/").json()
    assert receipt["status"] == "refunded" and receipt["refunded_at"]
    client.force_login(dossier.officer)
    page = client.get(f"/thanh-toan/bien-lai/{dossier.code}/")
    assert page.status_code == 200 and "ĐÃ HOÀN TIỀN" in page.content.decode()


@pytest.mark.django_db
def test_refusal_without_payment_refunds_nothing_and_a_refund_failure_keeps_the_dossier(settings):
    unpaid = level4_dossier()
    services.refuse(unpaid, unpaid.officer, "Thiếu giấy tờ.")
    unpaid.refresh_from_db()
    assert unpaid.payment_status == PaymentStatus.UNPAID and not events(unpaid, "payment_refunded").exists()

    dossier = level4_dossier()
    _body, payment = start(dossier)
    post_callback(DemoProvider("demo").callback_payload(payment, "paid"))
    settings.PAYMENT_DEMO_ENABLED = False  # the gateway refuses to refund
    with pytest.raises(payments.PaymentConflict):
        services.refuse(dossier, dossier.officer, "Không thuộc thẩm quyền.")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.payment_status == PaymentStatus.PAID


@pytest.mark.django_db
def test_money_arriving_after_the_refusal_is_refunded_at_once():
    dossier = level4_dossier()
    _body, payment = start(dossier)
    services.refuse(dossier, dossier.officer, "Không thuộc thẩm quyền.")
    assert post_callback(DemoProvider("demo").callback_payload(payment, "paid")).json()["result"] == "applied"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.receipt_number
    assert dossier.payment_status == PaymentStatus.REFUNDED


@pytest.mark.django_db
def test_acceptance_waits_for_payment_when_collected_before_acceptance():
    dossier = level4_dossier()
    officer_api = client_for(dossier.officer)
    blocked = officer_api.post(f"/api/v1/dossiers/{dossier.code}/accept/", {}, format="json")
    assert blocked.status_code == 400 and "payment" in blocked.json()
    start(dossier)  # pending is not paid either
    assert officer_api.post(f"/api/v1/dossiers/{dossier.code}/accept/", {}, format="json").status_code == 400
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and not events(dossier, "accept").exists()

    # Collected at return: acceptance does not wait, and the citizen may still pay online later.
    other = level4_dossier(collected_at="at_return")
    accepted = client_for(other.officer).post(f"/api/v1/dossiers/{other.code}/accept/", {}, format="json")
    assert accepted.status_code == 200
    _body, payment = start(other)
    assert payment.amount == FEE
    # Free or level-3 dossiers are never held back.
    free = level4_dossier(fee=0)
    assert free.payment_status == PaymentStatus.NOT_REQUIRED
    assert services.accept(free, free.officer).status == Status.ACCEPTED


@pytest.mark.django_db
def test_the_procedure_may_say_when_its_fee_is_collected():
    dossier = level4_dossier()
    assert dossier.payment_status == PaymentStatus.UNPAID
    with pytest.raises(services.DossierError) as refused:
        payments.check_paid_for_acceptance(dossier)
    assert refused.value.field == "payment" and "thu phí, lệ phí trước khi tiếp nhận" in str(refused.value.message)
    dossier.procedure.fee_collected_at = "at_return"
    dossier.procedure.save(update_fields=["fee_collected_at"])
    assert payments.collect_at(dossier.procedure) == "at_return"
    assert payments.check_paid_for_acceptance(dossier) is None
    # Collected at return, the unpaid dossier is accepted and its fee is still payable online.
    accepted = services.accept(dossier, dossier.officer)
    assert accepted.status == Status.ACCEPTED and accepted.payment_status == PaymentStatus.UNPAID
    assert payments.payable(accepted)


@pytest.mark.django_db
def test_only_the_owner_starts_a_payment():
    dossier = level4_dossier()
    stranger = client_for(CitizenFactory()).post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json")
    assert stranger.status_code == 404
    officer = client_for(dossier.officer).post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json")
    assert officer.status_code == 403
    assert client_for().post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json").status_code in (401, 403)
    with pytest.raises(services.NotPermitted):
        payments.start_payment(dossier, dossier.officer)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_level_3_procedure_without_online_payment_is_a_400():
    dossier = level4_dossier(level=3)
    assert dossier.payment_status == PaymentStatus.NOT_REQUIRED
    response = client_for(dossier.citizen).post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json")
    assert response.status_code == 400 and "payment" in response.json()
    assert not Payment.objects.exists()
    # No receipt either.
    assert client_for(dossier.citizen).get(f"/api/v1/dossiers/{dossier.code}/receipt/").status_code == 404


@pytest.mark.django_db
def test_closed_dossiers_cannot_be_paid_and_a_draft_is_not_payable():
    dossier = level4_dossier()
    services.withdraw(dossier, dossier.citizen)
    response = client_for(dossier.citizen).post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json")
    assert response.status_code == 409
    draft = level4_dossier("draft")
    assert client_for(draft.citizen).post(f"/api/v1/dossiers/{draft.code}/pay/", {}, format="json").status_code == 400


@pytest.mark.django_db
def test_return_url_stays_on_this_site(client):
    dossier = level4_dossier()
    api = client_for(dossier.citizen)
    body = api.post(f"/api/v1/dossiers/{dossier.code}/pay/", {"return_url": "https://evil.example/x"}, format="json")
    payment = Payment.objects.get(reference=body.json()["reference"])
    assert "evil.example" not in payment.return_url
    back = client.post(urlsplit(body.json()["redirect_url"]).path, {"action": "cancel"})
    assert "evil.example" not in back["Location"]


@pytest.mark.django_db
def test_the_pay_page_starts_a_payment_from_the_browser(client):
    dossier = level4_dossier()
    client.force_login(dossier.citizen)
    page = client.get(f"/thanh-toan/ho-so/{dossier.code}/")
    assert page.status_code == 200 and "200.000 đ" in page.content.decode()
    started = client.post(f"/thanh-toan/ho-so/{dossier.code}/")
    payment = Payment.objects.get()
    assert started.status_code == 302 and started["Location"] == payment.redirect_url
    client.force_login(CitizenFactory())
    assert client.get(f"/thanh-toan/ho-so/{dossier.code}/").status_code == 404
    assert client.get(f"/thanh-toan/bien-lai/{dossier.code}/").status_code == 404


@pytest.mark.django_db
def test_the_demo_gateway_is_off_unless_enabled(settings, client):
    dossier = level4_dossier()
    _body, payment = start(dossier)
    settings.PAYMENT_DEMO_ENABLED = False
    assert client.get(f"/thanh-toan/demo/{payment.reference}/").status_code == 404
    other = level4_dossier()
    response = client_for(other.citizen).post(f"/api/v1/dossiers/{other.code}/pay/", {}, format="json")
    assert response.status_code == 502
    other.refresh_from_db()
    assert other.payment_status == PaymentStatus.UNPAID and not Payment.objects.filter(dossier=other).exists()


def test_the_signature_covers_every_field_but_itself(settings):
    settings.PAYMENT_DEMO_SECRET = "k"
    data = {"b": 1, "a": "Đ", "signature": "x"}
    assert canonical(data) == '{"a":"Đ","b":1}'.encode()
    assert DemoProvider.sign(data) == DemoProvider.sign({"a": "Đ", "b": 1})


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (2_000, "Hai nghìn đồng"),
        (8_000, "Tám nghìn đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (21_000, "Hai mươi mốt nghìn đồng"),
        (100_000, "Một trăm nghìn đồng"),
        (105_000, "Một trăm lẻ năm nghìn đồng"),
        (200_000, "Hai trăm nghìn đồng"),
        (1_005_000, "Một triệu không trăm lẻ năm nghìn đồng"),
        (1_250_500, "Một triệu hai trăm năm mươi nghìn năm trăm đồng"),
        (2_000_000_000, "Hai tỷ đồng"),
    ],
)
def test_amount_in_words(amount, words):
    assert payments.amount_in_words(amount) == words


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_the_same_callback_delivered_twice_at_once_is_applied_once():
    dossier = level4_dossier()
    _body, payment = start(dossier)
    data = DemoProvider("demo").callback_payload(payment, "paid")
    barrier = threading.Barrier(4)
    outcomes = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            outcomes.append(payments.handle_callback("demo", dict(data)).outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["applied", "duplicate", "duplicate", "duplicate"]
    assert events(dossier, "payment_paid").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).payment_status == PaymentStatus.PAID
