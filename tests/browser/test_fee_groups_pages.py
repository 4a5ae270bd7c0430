"""Issue 16 in Chromium, on a phone (390 px) and a desktop (1366 px): the public procedure page lists each
applicant group's fee and the blank form's download; a student picks the student fee on the draft page (the card
becomes required on the documents page) and downloads the form from there. Nothing wider than the screen.
Screenshots in test-output/screenshots/<test>/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from dossiers.models import Dossier
from tests import chromium
from tests.browser.test_journeys import login
from tests.dossiers.test_fee_groups import FORM, student_procedure
from tests.factories import CitizenFactory, OfficerFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_fees_and_forms_on_the_procedure_and_draft_pages(browser, live_server, shot, width):
    officer = OfficerFactory()
    procedure = student_procedure(officer)
    citizen = CitizenFactory()
    with chromium.pages(browser, live_server.url, viewport=WIDTHS[width]) as open_page:
        page = open_page()
        page.goto(f"{page.base}/thu-tuc/{procedure.pk}/")
        expect(page.get_by_text("Học sinh, sinh viên: 100.000 đ")).to_be_visible()
        link = page.get_by_role("link", name="Tải mẫu đơn, tờ khai – Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp")
        expect(link).to_be_visible()
        no_sideways_scroll(page)
        shot(page, f"procedure-{width}")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "mau-03.pdf"
        assert Path(download.value.path()).read_bytes() == FORM

        login(page, citizen, f"/ho-so/nop/{procedure.pk}/")
        student = page.get_by_label("Học sinh, sinh viên: 100.000 đ")
        expect(student).to_be_visible()
        expect(page.get_by_text("Cần nộp kèm: Thẻ học sinh, sinh viên.")).to_be_visible()
        student.check()
        no_sideways_scroll(page)
        shot(page, f"draft-{width}")
        page.get_by_role("button", name="Lưu nháp và tiếp tục").click()
        page.wait_for_url("**/giay-to/")
        dossier = Dossier.objects.get(owner=citizen)
        assert dossier.fee_group == "student"
        card = page.locator("#giay-to-the_sv")
        expect(card.locator(".badge--required")).to_have_text("Bắt buộc")
        expect(page.locator("#giay-to-tk").get_by_role("link", name="Tải mẫu đơn, tờ khai")).to_be_visible()
        no_sideways_scroll(page)
        shot(page, f"documents-{width}")
