"""The receipt's print page and the citizen's dossier page offer "Tải bản PDF có ký số"; the download in Chromium is
a PDF signed for the dossier (390 px and 1366 px; screenshots in test-output/screenshots/<test>/)."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.signing import verify_pdf
from tests.browser.test_journeys import login
from tests.dossier_helpers import make_dossier

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_citizen_downloads_the_signed_receipt(new_page, shot, width):
    dossier = make_dossier("accepted")
    page = new_page(viewport=WIDTHS[width])
    detail = f"/ho-so/{dossier.code}/"
    login(page, dossier.citizen, detail)
    link = page.get_by_role("link", name="Tải bản PDF có ký số")
    expect(link).to_be_visible()
    link.scroll_into_view_if_needed()
    shot(page, f"dossier-{width}")

    page.get_by_role("link", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả").click()
    expect(page.get_by_role("heading", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả")).to_be_visible()
    shot(page, f"receipt-{width}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bản PDF có ký số").click()
    assert download.value.suggested_filename == f"giay-tiep-nhan-{dossier.code}.pdf"
    data = Path(download.value.path()).read_bytes()
    # verify_pdf runs its own event loop (asyncio.run): not in this thread, where Playwright's loop runs.
    with ThreadPoolExecutor(1) as pool:
        check = pool.submit(verify_pdf, data).result()
    assert check.valid and check.dossier == dossier.code, check.reason
