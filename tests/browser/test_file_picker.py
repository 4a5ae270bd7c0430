"""The file picker in Chromium run in English (`--lang=en-US`, an en-US context), where the native
file input would read "Choose File / No file chosen": the citizen's documents step and the officer's
result upload show only "Chọn tệp" and "Chưa chọn tệp" (then the chosen name), at 390 and 1366 px,
and clicking the "Chọn tệp" button opens the file chooser and the upload goes through, with and
without JavaScript. Screenshots in test-output/screenshots/<test>/."""

import re

import pytest
from playwright.sync_api import expect

from tests import chromium
from tests.browser.test_journeys import action, login, real_pdf
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db(transaction=True)

NATIVE_ENGLISH = ("Choose File", "Choose Files", "No file chosen", "No file selected", "Browse")
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@pytest.fixture(scope="module")
def english_browser(playwright_driver):
    browser = chromium.launch(playwright_driver, "--lang=en-US")
    yield browser
    browser.close()


@pytest.fixture
def english_page(english_browser, live_server):
    with chromium.pages(english_browser, live_server.url, locale="en-US") as open_page:
        yield open_page


@pytest.fixture
def world():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        documents=[{"code": "TK", "name": "Tờ khai"}, {"code": "ANH", "name": "Ảnh chân dung", "required": False}],
    )
    return officer, procedure


def assert_no_native_text(page):
    text = page.locator("body").inner_text()
    assert "Chọn tệp" in text
    for english in NATIVE_ENGLISH:
        assert english not in text
    # The native inputs, which paint the browser's own English, take no visible room at all.
    inputs = page.locator("input[type=file]")
    assert inputs.count() > 0
    for index in range(inputs.count()):
        box = inputs.nth(index).bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1), box
    buttons = page.locator("label.file-picker__button")
    assert buttons.count() == inputs.count()
    for index in range(buttons.count()):
        expect(buttons.nth(index)).to_be_visible()
        expect(buttons.nth(index)).to_have_text("Chọn tệp")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_documents_step_reads_vietnamese_in_an_english_browser_and_uploads(
    english_page, world, width, shot, tmp_path
):
    officer, procedure = world
    dossier = make_dossier("draft", officer=officer, procedure=procedure)
    page = english_page(WIDTHS[width])
    path = f"/ho-so/{dossier.code}/giay-to/"
    login(page, dossier.citizen, path)
    assert_no_native_text(page)
    row = page.locator("form.doc-upload").filter(has=page.get_by_label("Chọn tệp – Tờ khai"))
    expect(row.locator(".file-picker__status")).to_have_text("Chưa chọn tệp")
    shot(page, f"{width}-empty")

    # The input is reachable by keyboard and named after its document.
    page.get_by_label("Chọn tệp – Tờ khai").focus()
    assert page.evaluate("document.activeElement.name") == "TK-file"

    # The visible button opens the browser's file chooser; the status names the chosen file.
    with page.expect_file_chooser() as chooser:
        row.get_by_text("Chọn tệp", exact=True).click()
    chooser.value.set_files(real_pdf(tmp_path / "to-khai.pdf"))
    expect(row.locator(".file-picker__status")).to_have_text("to-khai.pdf")
    assert_no_native_text(page)
    shot(page, f"{width}-chosen")

    row.get_by_role("button", name=re.compile(r"^Tải lên")).click()
    expect(page.get_by_text("Đã tải lên tệp “to-khai.pdf”.")).to_be_visible()
    assert dossier.documents.filter(document_code="TK", original_name="to-khai.pdf").exists()
    assert_no_native_text(page)
    shot(page, f"{width}-uploaded")


def test_without_javascript_the_button_still_uploads(english_page, world, shot, tmp_path):
    officer, procedure = world
    dossier = make_dossier("draft", officer=officer, procedure=procedure)
    page = english_page(WIDTHS["phone"], javascript=False)
    path = f"/ho-so/{dossier.code}/giay-to/"
    login(page, dossier.citizen, path)
    assert_no_native_text(page)
    row = page.locator("form.doc-upload").filter(has=page.get_by_label("Chọn tệp – Tờ khai"))
    with page.expect_file_chooser() as chooser:
        row.get_by_text("Chọn tệp", exact=True).click()
    chooser.value.set_files(real_pdf(tmp_path / "to-khai.pdf"))
    # Nothing can name the chosen file without a script: no status says "Chưa chọn tệp" wrongly.
    expect(row.locator(".file-picker__status")).to_be_hidden()
    shot(page, "phone-no-js-chosen")
    row.get_by_role("button", name=re.compile(r"^Tải lên")).click()
    expect(page.get_by_text("Đã tải lên tệp “to-khai.pdf”.")).to_be_visible()
    assert dossier.documents.filter(document_code="TK", original_name="to-khai.pdf").exists()
    shot(page, "phone-no-js-uploaded")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_officers_result_upload_reads_vietnamese_in_an_english_browser(english_page, world, width, shot, tmp_path):
    officer, procedure = world
    dossier = make_dossier("processing", officer=officer, procedure=procedure)
    page = english_page(WIDTHS[width])
    path = f"/can-bo/ho-so/{dossier.code}/"
    login(page, officer, path)
    box = action(page, "Có kết quả giải quyết")
    assert_no_native_text(page)
    box.get_by_label("Giải quyết", exact=True).check()
    with page.expect_file_chooser() as chooser:
        box.get_by_text("Chọn tệp", exact=True).click()
    chooser.value.set_files(real_pdf(tmp_path / "ket-qua.pdf"))
    expect(box.locator(".file-picker__status")).to_have_text("ket-qua.pdf")
    box.scroll_into_view_if_needed()
    shot(page, f"{width}-result-chosen")
    box.get_by_role("button", name="Ghi nhận kết quả").click()
    expect(page.get_by_text(f"Đã thực hiện “Có kết quả giải quyết” cho hồ sơ {dossier.code}.")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.result_file
