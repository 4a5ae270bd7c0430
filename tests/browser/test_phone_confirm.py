"""A citizen registers, lands on "Xác nhận số điện thoại", mistypes the code, then enters the one from the SMS
(taken from the SMS backend) and sees the phone confirmed on the account page; at 390 px and 1366 px.
Screenshots in test-output/screenshots/<test>/."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import User
from tests.test_phone_verification import CapturingSMS, code_in, wrong

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@pytest.fixture
def sms(settings):
    settings.NOTIFY_SMS_BACKEND = "tests.test_phone_verification.CapturingSMS"
    CapturingSMS.sent = []
    return CapturingSMS.sent


@pytest.mark.parametrize("width", WIDTHS)
def test_register_then_confirm_the_phone(new_page, shot, sms, width):
    page = new_page(viewport=WIDTHS[width])
    page.goto(page.base + "/dang-ky/")
    page.get_by_label("Tên đăng nhập").fill(f"lan.{width}")
    page.get_by_label("Mật khẩu", exact=True).fill("Mot-cua-2026!x")
    page.get_by_label("Nhập lại mật khẩu").fill("Mot-cua-2026!x")
    page.get_by_label("Họ và tên").fill("Phạm Thị Lan")
    page.get_by_label("Số điện thoại").fill("0977 123 456")
    page.get_by_role("button", name="Đăng ký").click()

    expect(page.get_by_role("heading", name="Xác nhận số điện thoại")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Đã gửi mã xác nhận tới số")
    expect(page.locator("main")).to_contain_text("•••••••456")
    # The resend waits out its delay: said in text, counted down by the script (the button waits too).
    expect(page.locator(".phone-resend__text")).to_contain_text(re.compile(r"gửi lại sau \d+ giây"))
    expect(page.get_by_role("button", name="Gửi lại mã")).to_be_disabled()
    [(to, body)] = sms
    assert to == "0977123456"
    code = code_in(body)
    shot(page, f"confirm-{width}")

    page.get_by_label("Mã xác nhận").fill(wrong(code))
    page.get_by_role("button", name="Xác nhận", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("Mã xác nhận không đúng. Bạn còn 4 lần thử.")
    shot(page, f"wrong-code-{width}")

    page.get_by_label("Mã xác nhận").fill(code)
    page.get_by_role("button", name="Xác nhận", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Số điện thoại 0977123456 đã được xác nhận.")
    assert User.objects.get(username=f"lan.{width}").phone_confirmed

    page.locator("a.account__name").click()
    expect(page.get_by_role("heading", name="Tài khoản của tôi")).to_be_visible()
    expect(page.locator(".account-phone")).to_contain_text("Đã xác nhận")
    shot(page, f"account-{width}")
