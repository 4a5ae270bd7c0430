"""A citizen's session expires while the draft form is open (issue 11, point 7), in Chromium: sending
it leads to the login page, which says the session expired and nothing was saved; after signing in
the form shows again with what was typed, a note to check it, and nothing sent; pressing the button
then saves the draft."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from dossiers.models import Dossier, Status
from tests.browser.test_journeys import login
from tests.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = "Trích lục khai sinh bản sao cho con: Lê Minh Khang, sinh ngày 14/05/2023."
ADDRESS = "Số 12 đường Trần Phú, phường 3, thành phố Tây Ninh"


def test_a_draft_typed_when_the_session_expired_comes_back_after_login(page, shot):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=3, postal=True)
    citizen = CitizenFactory()
    form_path = f"/ho-so/nop/{procedure.pk}/"
    login(page, citizen, form_path)

    page.get_by_label("Nội dung yêu cầu").fill(CONTENT)
    page.get_by_role("group", name="Hình thức nhận kết quả").get_by_label("Qua bưu chính công ích").check()
    page.get_by_label("Địa chỉ nhận/gửi qua bưu chính").fill(ADDRESS)
    Session.objects.all().delete()  # SESSION_COOKIE_AGE ran out while the citizen typed
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()

    page.wait_for_url(re.compile(r"/dang-nhap/\?next="))
    expect(page.get_by_role("alert")).to_contain_text("Phiên đăng nhập đã hết hạn.")
    expect(page.get_by_role("alert")).to_contain_text("chưa được lưu")
    shot(page, "login-says-session-expired")
    assert not Dossier.objects.exists()

    page.get_by_label("Tên đăng nhập").fill(citizen.username)
    page.get_by_label("Mật khẩu", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base + form_path)
    expect(page.get_by_text("Nội dung bạn đã nhập trước khi phiên đăng nhập hết hạn đã được điền lại.")).to_be_visible()
    expect(page.get_by_label("Nội dung yêu cầu")).to_have_value(CONTENT)
    expect(
        page.get_by_role("group", name="Hình thức nhận kết quả").get_by_label("Qua bưu chính công ích")
    ).to_be_checked()
    expect(page.get_by_label("Địa chỉ nhận/gửi qua bưu chính")).to_have_value(ADDRESS)
    shot(page, "form-restored")
    assert not Dossier.objects.exists()  # restored, not sent

    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/giay-to/$"))
    dossier = Dossier.objects.get(owner=citizen)
    assert dossier.status == Status.DRAFT
    assert (dossier.form_data["content"], dossier.return_channel, dossier.address) == (CONTENT, "postal", ADDRESS)
