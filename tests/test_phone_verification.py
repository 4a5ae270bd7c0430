"""A citizen confirms their phone with a one-time SMS code (issue 17): sent through the outbox and the
configured SMS backend, kept hashed, expiring, with counted attempts and a rate-limited resend; the
pages and the API (/api/v1/me/phone/...)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.models import PhoneCode, User
from portal.outbox import OutboxMessage
from portal.phone import codes
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


class CapturingSMS:
    """NOTIFY_SMS_BACKEND for the tests: keeps every SMS it is given."""

    sent = []

    def send(self, message):
        CapturingSMS.sent.append((message.recipient, message.body))


class FlakySMS:
    """Fails the first time (a gateway down), then delivers."""

    calls = 0

    def send(self, message):
        FlakySMS.calls += 1
        if FlakySMS.calls == 1:
            raise ConnectionError("cổng SMS không trả lời")
        CapturingSMS.sent.append((message.recipient, message.body))


@pytest.fixture
def sms(settings):
    settings.NOTIFY_SMS_BACKEND = "tests.test_phone_verification.CapturingSMS"
    CapturingSMS.sent = []
    return CapturingSMS.sent


def code_in(body):
    return re.search(r"\b(\d{6})\b", body).group(1)


def wrong(code):
    return f"{(int(code) + 1) % 10**6:06d}"


def unconfirmed(**kwargs):
    return CitizenFactory(confirmed_phone="", phone_confirmed_at=None, **kwargs)


def ask(user, capture):
    with capture(execute=True):
        codes.request_code(user)


REGISTRATION = {
    "username": "chi.tran",
    "password": "Mot-cua-2026!x",
    "password_confirm": "Mot-cua-2026!x",
    "full_name": "Trần Thị Chi",
    "phone": "0987 654 321",
    "email": "",
    "national_id": "",
}


def test_register_then_wrong_code_then_right_code_confirms_the_phone(client, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("register"), REGISTRATION)
    assert response.status_code == 302 and response.url == reverse("phone_confirm")
    user = User.objects.get(username="chi.tran")
    assert not user.phone_confirmed
    [(to, body)] = sms
    assert to == "0987654321"
    code = code_in(body)
    assert "5 phút" in body

    # The code is nowhere in clear: not on its row (hashed; the sealed text erased once sent), not in the outbox.
    row = PhoneCode.objects.get(user=user)
    assert row.sent_at is not None and row.sealed == ""
    assert code not in row.code_hash
    assert not any(code in str(message.args) + str(message.kwargs) for message in OutboxMessage.objects.all())

    page = client.get(reverse("phone_confirm")).content.decode()
    assert "Xác nhận số điện thoại" in page and "•••••••321" in page and code not in page

    response = client.post(reverse("phone_confirm"), {"code": wrong(code)})
    assert response.status_code == 400
    assert "Mã xác nhận không đúng. Bạn còn 4 lần thử." in response.content.decode()
    user.refresh_from_db()
    assert not user.phone_confirmed

    response = client.post(reverse("phone_confirm"), {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_confirmed and user.confirmed_phone == "0987654321" and user.phone_confirmed_at
    page = client.get(reverse("account")).content.decode()
    assert "Đã xác nhận" in page and "Chưa xác nhận" not in page


def test_registration_keeps_the_next_page_for_after_the_confirmation(client, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("register") + "?next=/thu-tuc/", REGISTRATION)
    assert response.url == reverse("phone_confirm") + "?next=%2Fthu-tuc%2F"
    response = client.post(response.url, {"code": code_in(sms[0][1]), "next": "/thu-tuc/"})
    assert response.status_code == 302 and response.url == "/thu-tuc/"


def test_an_expired_code_is_refused(client, sms, django_capture_on_commit_callbacks):
    user = unconfirmed()
    client.force_login(user)
    ask(user, django_capture_on_commit_callbacks)
    code = code_in(sms[0][1])
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1), tick=False):
        response = client.post(reverse("phone_confirm"), {"code": code})
    assert response.status_code == 400
    assert "Mã xác nhận đã hết hạn. Hãy yêu cầu gửi mã mới." in response.content.decode()
    user.refresh_from_db()
    assert not user.phone_confirmed


def test_five_wrong_codes_use_up_the_code(client, sms, django_capture_on_commit_callbacks):
    user = unconfirmed()
    client.force_login(user)
    ask(user, django_capture_on_commit_callbacks)
    code = code_in(sms[0][1])
    pages = [client.post(reverse("phone_confirm"), {"code": wrong(code)}).content.decode() for _ in range(5)]
    assert "Bạn còn 1 lần thử." in pages[3]
    assert "Bạn đã hết lượt thử; hãy yêu cầu gửi mã mới." in pages[4]
    # The right code no longer helps: this code is used up.
    response = client.post(reverse("phone_confirm"), {"code": code})
    assert "Bạn đã nhập sai quá số lần cho phép. Hãy yêu cầu gửi mã mới." in response.content.decode()
    user.refresh_from_db()
    assert not user.phone_confirmed
    # A new code (after the resend delay) works.
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        ask(user, django_capture_on_commit_callbacks)
        response = client.post(reverse("phone_confirm"), {"code": code_in(sms[-1][1])})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_confirmed


def test_a_new_code_too_soon_is_refused_and_says_when(client, sms, django_capture_on_commit_callbacks):
    user = unconfirmed()
    client.force_login(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(user, django_capture_on_commit_callbacks)
        page = client.get(reverse("phone_confirm")).content.decode()
        assert "gửi lại sau" in page and "60" in page  # the countdown is in the text, not only in the script
        response = client.post(reverse("phone_send"), follow=True)
    assert "Vui lòng chờ 60 giây nữa rồi yêu cầu gửi lại mã" in response.content.decode()
    assert len(sms) == 1
    with (
        time_machine.travel(start + timedelta(seconds=60), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("phone_send"))
    assert len(sms) == 2
    # The older code is replaced by the new one.
    old, new = code_in(sms[0][1]), code_in(sms[1][1])
    if old != new:
        with time_machine.travel(start + timedelta(seconds=61), tick=False):
            assert client.post(reverse("phone_confirm"), {"code": old}).status_code == 400


def test_at_most_five_codes_an_hour_per_account_and_per_phone(sms, django_capture_on_commit_callbacks):
    user = unconfirmed(phone="0911000111")
    start = timezone.now()
    for minute in range(5):
        with time_machine.travel(start + timedelta(minutes=2 * minute), tick=False):
            ask(user, django_capture_on_commit_callbacks)
    with time_machine.travel(start + timedelta(minutes=30), tick=False), pytest.raises(codes.TooSoon) as refused:
        codes.request_code(user)
    assert "30 phút" in refused.value.message  # the first code leaves the hour at start + 60 min
    # Another account that typed the same number gets no more codes to it either.
    other = unconfirmed(phone="0911000111")
    with time_machine.travel(start + timedelta(minutes=30), tick=False), pytest.raises(codes.TooSoon):
        codes.request_code(other)
    with time_machine.travel(start + timedelta(minutes=60, seconds=1), tick=False):
        ask(user, django_capture_on_commit_callbacks)
    assert len(sms) == 6


def test_a_failed_gateway_is_retried(settings, sms, django_capture_on_commit_callbacks):
    """The gateway's error makes the task retry (with backoff, in the worker); the code stays sendable until then."""
    from celery.exceptions import Retry

    from portal.tasks import send_phone_code

    settings.NOTIFY_SMS_BACKEND = "tests.test_phone_verification.FlakySMS"
    FlakySMS.calls = 0
    user = unconfirmed()
    with django_capture_on_commit_callbacks(execute=False):
        row = codes.request_code(user)
    with pytest.raises(Retry):
        send_phone_code.apply(args=[row.pk], throw=True)
    row.refresh_from_db()
    assert row.sent_at is None and row.sealed
    assert send_phone_code.apply(args=[row.pk]).get() == "sent"
    assert FlakySMS.calls == 2 and len(sms) == 1 and sms[0][0] == user.phone
    row.refresh_from_db()
    assert row.sent_at is not None and row.sealed == ""
    # Sent once: a redelivered task does not send it again.
    assert send_phone_code.apply(args=[row.pk]).get() == "skipped" and len(sms) == 1


def test_changing_the_phone_unconfirms_it_and_sends_a_code_to_the_new_one(
    client, sms, django_capture_on_commit_callbacks
):
    user = CitizenFactory(phone="0912000001")
    assert user.phone_confirmed
    client.force_login(user)
    page = client.get(reverse("account")).content.decode()
    assert "Đã xác nhận" in page

    response = client.post(reverse("account"), {"phone": "abc"})
    assert response.status_code == 400 and "Số điện thoại gồm 9–12 chữ số." in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account"), {"phone": "0912000002"})
    assert response.status_code == 302 and response.url.startswith(reverse("phone_confirm"))
    user.refresh_from_db()
    assert user.phone == "0912000002" and not user.phone_confirmed
    [(to, body)] = sms
    assert to == "0912000002"
    page = client.get(reverse("account")).content.decode()
    assert "Chưa xác nhận" in page and "Xác nhận số điện thoại" in page
    # Every page says that SMS wait for the confirmation; nothing is blocked.
    assert "tin nhắn SMS về hồ sơ sẽ chỉ được gửi sau khi xác nhận" in client.get("/").content.decode()
    assert client.post(reverse("phone_confirm"), {"code": code_in(body)}).status_code == 302
    user.refresh_from_db()
    assert user.phone_confirmed


def test_confirm_phone_records_a_phone_from_the_identity_provider():
    user = unconfirmed(phone="0912000003")
    codes.confirm_phone(user, "0912000004")
    user.refresh_from_db()
    assert user.phone == "0912000004" and user.phone_confirmed


# --- the API ---------------------------------------------------------------------------------------------------


def test_api_request_and_confirm_a_code(client, sms, django_capture_on_commit_callbacks):
    user = unconfirmed(phone="0912000005")
    client.force_login(user)
    me = client.get("/api/v1/me/").json()
    assert me["phone"] == "0912000005" and me["phone_confirmed"] is False

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/me/phone/code/")
    assert response.status_code == 202
    body = response.json()
    assert body["phone_confirmed"] is False and body["attempts_left"] == 5 and body["resend_after"] == 60
    code = code_in(sms[0][1])

    response = client.post("/api/v1/me/phone/code/")
    assert response.status_code == 429 and int(response["Retry-After"]) <= 60
    assert "Vui lòng chờ" in response.json()["detail"]

    response = client.post("/api/v1/me/phone/confirm/", {"code": "12"}, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"code": ["Mã xác nhận gồm 6 chữ số."]}
    response = client.post("/api/v1/me/phone/confirm/", {"code": wrong(code)}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": ["Mã xác nhận không đúng. Bạn còn 4 lần thử."]}
    response = client.post("/api/v1/me/phone/confirm/", {"code": code}, content_type="application/json")
    assert response.status_code == 200 and response.json()["phone_confirmed"] is True
    assert client.get("/api/v1/me/").json()["phone_confirmed"] is True
    assert client.post("/api/v1/me/phone/code/").status_code == 409


def test_api_change_phone(client, sms, django_capture_on_commit_callbacks):
    user = CitizenFactory(phone="0912000006")
    client.force_login(user)
    response = client.post("/api/v1/me/phone/", {"phone": "12"}, content_type="application/json")
    assert response.status_code == 400 and "phone" in response.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/me/phone/", {"phone": "0912000007"}, content_type="application/json")
    assert response.status_code == 202 and response.json()["phone"] == "0912000007"
    assert response.json()["phone_confirmed"] is False
    assert sms[0][0] == "0912000007"


def test_the_phone_pages_read_english(sms, django_capture_on_commit_callbacks):
    from tests.test_english_pages import in_english, main_text, untranslated

    user = unconfirmed(full_name="Lê Văn Bình")
    ask(user, django_capture_on_commit_callbacks)
    client = in_english()
    client.force_login(user)
    confirm = client.get(reverse("phone_confirm"))
    text = main_text(confirm)
    assert "Confirm your phone number" in text and "No code yet?" in text
    assert not untranslated(text), untranslated(text)
    wrong_try = main_text(client.post(reverse("phone_confirm"), {"code": wrong(code_in(sms[0][1]))}))
    assert "Wrong confirmation code. You have 4 tries left." in wrong_try and not untranslated(wrong_try)
    account = main_text(client.get(reverse("account")), user.full_name, user.username, user.email)
    assert "My account" in account and "Not confirmed" in account
    assert not untranslated(account), untranslated(account)


def test_the_code_is_logged_only_as_the_demo_sms_itself(client, settings, caplog, django_capture_on_commit_callbacks):
    """With the demo's log backend the SMS line is the delivery; nothing else (outbox, task, pages) logs the code."""
    settings.NOTIFY_SMS_BACKEND = "portal.sms.LogSMSBackend"
    user = unconfirmed(phone="0912000008")
    client.force_login(user)
    caplog.set_level("DEBUG")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("phone_send"))
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS to 0912000008")]
    code = code_in(line)
    client.post(reverse("phone_confirm"), {"code": wrong(code)})
    client.post(reverse("phone_confirm"), {"code": code})
    assert [r.name for r in caplog.records if code in r.getMessage()] == ["motcua.notify"]


def test_api_registration_says_the_phone_is_not_confirmed_yet(client):
    body = dict(REGISTRATION, phone="0912000009")
    del body["password_confirm"]
    response = client.post("/api/v1/auth/register/", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["phone_confirmed"] is False
