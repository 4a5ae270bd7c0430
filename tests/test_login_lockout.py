"""Login lockout (issue 12.7): failures count per username (from any address) and per client
address (the real client behind the configured proxies), the cool-off grows with repeated
lockouts, and a locked user recovers at once by the password-reset link."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, CitizenFactory

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"
NEW_PASSWORD = "Ngay-moi-2026-an-toan"


def login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def text(response):
    return response.content.decode()


def test_behind_the_proxy_a_guesser_locks_its_own_address_not_the_other_clients(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.AXES_IP_FAILURE_LIMIT = 6
    CitizenFactory(username="ke-doan")
    CitizenFactory(username="binh")
    guesser = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    # One wrong password each for six usernames: no username reaches its limit, the address does.
    statuses = [login(client, f"nguoi-{n}", "sai", **guesser).status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]
    assert login(client, "ke-doan", DEFAULT_PASSWORD, **guesser).status_code == 429  # the address is locked
    # A forged first entry does not make the guesser someone else: the proxy's own entry counts.
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.77, 203.0.113.9"}
    assert login(client, "ke-doan", DEFAULT_PASSWORD, **forged).status_code == 429
    # Another citizen behind the same proxy logs in.
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    assert login(client, "binh", DEFAULT_PASSWORD, **other).status_code == 302


def test_wrong_passwords_from_many_addresses_lock_the_username(client):
    CitizenFactory(username="an")
    for n in range(5):  # one try from each of five addresses
        login(client, "an", f"sai-{n}", REMOTE_ADDR=f"192.0.2.{n}")
    locked = login(client, "an", DEFAULT_PASSWORD, REMOTE_ADDR="192.0.2.99")
    assert locked.status_code == 429
    assert "Vui lòng thử lại sau 30 phút" in text(locked)


def test_the_cool_off_doubles_with_each_lockout_of_the_username(client):
    CitizenFactory(username="an")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            login(client, "an", f"sai-{n}")
        assert "30 phút" in text(login(client, "an", DEFAULT_PASSWORD))
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        for n in range(4):  # fresh tries after the first cool-off
            assert login(client, "an", f"sai-{n}").status_code == 200
        login(client, "an", "sai-5")  # the second lockout
        again = login(client, "an", DEFAULT_PASSWORD)
        assert again.status_code == 429 and "60 phút" in text(again)
    with time_machine.travel(start + timedelta(minutes=31 + 45), tick=False):
        assert login(client, "an", DEFAULT_PASSWORD).status_code == 429  # 30 minutes would have passed
    with time_machine.travel(start + timedelta(minutes=31 + 61), tick=False):
        assert login(client, "an", DEFAULT_PASSWORD).status_code == 302


def test_a_locked_user_resets_the_password_by_email_and_logs_in(client):
    CitizenFactory(username="an", email="an@example.vn")
    for n in range(5):
        login(client, "an", f"sai-{n}", REMOTE_ADDR="203.0.113.9")  # someone else's guesses
    locked = login(client, "an", DEFAULT_PASSWORD)
    assert locked.status_code == 429
    assert f'href="{reverse("password_reset")}"' in text(locked)
    assert "Quên mật khẩu?" in text(client.get(reverse("login")))

    asked = client.post(reverse("password_reset"), {"email": "an@example.vn"})
    assert asked.status_code == 302 and asked.url == reverse("password_reset_done")
    assert "Kiểm tra hộp thư của bạn" in text(client.get(asked.url))
    [message] = mail.outbox
    assert message.to == ["an@example.vn"]
    assert message.subject == "Đặt lại mật khẩu tài khoản Cổng dịch vụ công"
    assert "Tên đăng nhập của bạn: an" in message.body
    link = re.search(r"https?://[^/\s]+(/dat-lai-mat-khau/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in text(form_page)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert "tài khoản đã được mở khoá" in text(client.get(done.url))
    assert login(client, "an", NEW_PASSWORD).status_code == 302


def test_a_used_reset_link_says_so_in_vietnamese(client):
    CitizenFactory(username="an", email="an@example.vn")
    client.post(reverse("password_reset"), {"email": "an@example.vn"})
    link = re.search(r"https?://[^/\s]+(/dat-lai-mat-khau/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert "Đường dẫn đặt lại mật khẩu không hợp lệ hoặc đã được dùng" in text(again)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("password_reset"), {"email": "khong-co@example.vn"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_the_reset_form_does_not_flood_a_mailbox(client, settings):
    settings.PASSWORD_RESET_PER_EMAIL = 2
    CitizenFactory(username="an", email="an@example.vn")
    for _ in range(4):
        response = client.post(reverse("password_reset"), {"email": "An@Example.vn"})
        assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 2


def test_one_client_asking_too_often_is_told_to_wait(client, settings):
    settings.PASSWORD_RESET_PER_CLIENT = 2
    for n in range(2):
        client.post(reverse("password_reset"), {"email": f"nguoi-{n}@example.vn"})
    refused = client.post(reverse("password_reset"), {"email": "nguoi-9@example.vn"})
    assert refused.status_code == 429
    assert "quá nhiều lần" in text(refused)
