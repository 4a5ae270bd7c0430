"""Dates read dd/mm/yyyy in Chromium run in English (`--lang=en-US`), where the native date input
would show "mm/dd/yyyy": the officer's queue filters "Nộp từ ngày / đến ngày" at 390 and 1366 px
show the placeholder dd/mm/yyyy, take a date typed dd/mm/yyyy, filter by it and show it back as
typed; a bad date is the Vietnamese error beside the field, the filters opened on a phone. Screenshots in
test-output/screenshots/<test>/."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from portal.models import Procedure
from tests.browser.test_file_picker import WIDTHS, english_browser, english_page  # noqa: F401 (fixtures)
from tests.browser.test_journeys import login
from tests.browser.test_phone_layout import officer  # noqa: F401 (fixture)
from tests.dossier_helpers import make_dossier

pytestmark = pytest.mark.django_db(transaction=True)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_queue_date_filters_read_dd_mm_yyyy_in_an_english_browser(english_page, officer, width, shot):  # noqa: F811
    procedure = Procedure.objects.get(code="1.000656")
    with time_machine.travel(datetime(2024, 3, 4, 9, tzinfo=VN)):
        early = make_dossier(officer=officer, procedure=procedure)
    page = english_page(WIDTHS[width])
    login(page, officer, "/can-bo/")
    if width == "phone":
        page.locator("summary.filters-fold__summary").click()
    since = page.get_by_label("Nộp từ ngày")
    expect(since).to_have_attribute("placeholder", "dd/mm/yyyy")
    expect(since).to_have_attribute("type", "text")
    expect(since).to_have_attribute("inputmode", "numeric")
    shot(page, f"queue-{width}-dates")

    since.fill("01/03/2024")
    page.get_by_label("đến ngày").fill("05/03/2024")
    page.get_by_role("button", name="Lọc", exact=True).click()
    page.wait_for_url("**date_from=01%2F03%2F2024**")
    expect(page.locator("tr.queue-row")).to_have_count(1)
    expect(page.get_by_role("link", name=early.code)).to_be_visible()
    if width == "phone":
        expect(page.locator("summary.filters-fold__summary")).to_contain_text("2 đang áp dụng")
        page.locator("summary.filters-fold__summary").click()
    expect(page.get_by_label("Nộp từ ngày")).to_have_value("01/03/2024")
    expect(page.get_by_label("đến ngày")).to_have_value("05/03/2024")

    page.get_by_label("Nộp từ ngày").fill("31/02/2024")
    page.get_by_role("button", name="Lọc", exact=True).click()
    page.wait_for_url("**date_from=31%2F02%2F2024**")
    expect(page.locator("details.filters-fold")).to_have_attribute("open", "")  # the error is in sight
    field = page.locator(".field", has=page.get_by_label("Nộp từ ngày"))
    expect(field).to_contain_text("Nhập một ngày hợp lệ.")
    expect(page.get_by_label("Nộp từ ngày")).to_have_value("31/02/2024")
    expect(page.get_by_label("đến ngày")).to_have_value("05/03/2024")
    shot(page, f"queue-{width}-bad-date")
    assert "mm/dd/yyyy" not in page.content()
