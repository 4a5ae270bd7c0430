"""The province admin's form editor in Chromium (issue 16): at a desktop's 1366 px the admin adds a field to the
birth-registration form and sees it appear in the live preview beside the rows, then publishes version 2; at a
phone's 390 px the editor and the preview stack and nothing sticks out sideways. Screenshots in
test-output/screenshots/<test>/."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from portal.models import ProcedureForm
from tests import chromium
from tests.factories import ProcedureFactory, ProvinceAdminFactory

pytestmark = pytest.mark.django_db(transaction=True)

FORMS = json.loads((Path(__file__).resolve().parents[1] / "data" / "declaration_forms.json").read_text("utf-8"))
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
def opened(browser, live_server):
    with chromium.pages(browser, live_server.url) as open_page:
        yield open_page


@pytest.fixture
def birth():
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    ProcedureForm.publish(procedure, {"fields": FORMS["1.001193"]["fields"]})
    admin = ProvinceAdminFactory(province=procedure.province, is_staff=True, full_name="Lê Quản Trị")
    return procedure, admin


def editor_path(procedure):
    return f"/admin/portal/procedure/{procedure.pk}/declaration-form/"


def login(page, user, path):
    """The admin's session, made by the test client, handed to the browser; then the page."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": page.base}])
    page.goto(page.base + path)


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width} px wide"


def test_the_admin_adds_a_field_and_sees_it_in_the_preview(opened, birth, shot):
    procedure, admin = birth
    page = opened(viewport=WIDTHS["desktop"])
    login(page, admin, editor_path(procedure))
    preview = page.locator("[data-preview]")
    expect(preview.get_by_role("group", name="Quan hệ với người được khai sinh", exact=True)).to_be_visible()
    shot(page, "editor")

    page.get_by_role("button", name="+ Thêm trường").click()
    row = page.locator("[data-row]").last
    row.get_by_label("Nhãn (câu hỏi)").fill("Số lượng bản sao trích lục")
    expect(row.get_by_label("Mã trường")).to_have_value("so_luong_ban_sao_trich_luc")
    row.get_by_label("Loại").select_option(label="Số")
    row.get_by_label("Nhỏ nhất").fill("0")
    row.get_by_label("Lớn nhất").fill("10")
    expect(row.get_by_label("Các lựa chọn")).to_be_hidden()  # a number has no choices
    expect(preview.get_by_label("Số lượng bản sao trích lục")).to_be_visible()
    expect(page.locator("[data-preview-status]")).to_have_text("Bản xem trước đã cập nhật.")
    shot(page, "field-added")

    # A choice without choices: the preview says what is wrong, beside the row too.
    row.get_by_label("Loại").select_option(label="Lựa chọn")
    expect(row.locator("[data-live-errors]")).to_contain_text("cần ít nhất một lựa chọn")
    row.get_by_label("Các lựa chọn").fill("Một bản\nHai bản")
    choice = preview.get_by_role("group", name="Số lượng bản sao trích lục")
    expect(choice.get_by_label("Hai bản")).to_be_visible()  # two choices: radios, as the citizen sees them
    expect(row.locator("[data-live-errors]")).to_be_hidden()

    page.get_by_role("button", name="Phát hành phiên bản mới").click()
    expect(page.get_by_text("Đã phát hành tờ khai phiên bản 2")).to_be_visible()
    procedure.refresh_from_db()
    current = ProcedureForm.current(procedure)
    assert current.version == 2 and current.published_by == admin
    assert current.definition["fields"][-1] == {
        "key": "so_luong_ban_sao_trich_luc",
        "label": "Số lượng bản sao trích lục",
        "type": "choice",
        "choices": [{"value": "mot_ban", "label": "Một bản"}, {"value": "hai_ban", "label": "Hai bản"}],
    }
    expect(page.locator(".form-editor__versions")).to_contain_text("Lê Quản Trị")
    shot(page, "published")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_editor_fits_a_phone_and_a_desktop(opened, birth, width, shot):
    procedure, admin = birth
    page = opened(viewport=WIDTHS[width])
    login(page, admin, editor_path(procedure))
    expect(page.locator("[data-preview]").get_by_role("group", name="Người được khai sinh", exact=True)).to_be_visible()
    fits(page)
    shot(page, f"editor-{width}")
    page.goto(page.base + f"/admin/portal/procedure/{procedure.pk}/change/")
    page.get_by_role("link", name="Sửa tờ khai điện tử (phiên bản 1)").click()
    expect(page).to_have_url(page.base + editor_path(procedure))


def test_without_javascript_the_preview_button_shows_the_new_field(opened, birth, shot):
    procedure, admin = birth
    page = opened(viewport=WIDTHS["phone"], javascript=False)
    login(page, admin, editor_path(procedure))
    blank = page.locator("[data-row]").last
    blank.get_by_label("Nhãn (câu hỏi)").fill("Ghi chú thêm")
    blank.get_by_label("Loại").select_option(label="Văn bản nhiều dòng")
    page.get_by_role("button", name="Xem trước").click()
    expect(page.locator("[data-preview]").get_by_label("Ghi chú thêm")).to_be_visible()
    fits(page)
    shot(page, "preview-without-js")
    assert ProcedureForm.objects.filter(procedure=procedure).count() == 1

    # A choice without its choices: "Phát hành" answers the error beside the row, the typed rows kept.
    row = page.locator("[data-row]").filter(has=page.locator("input[value='Ghi chú thêm']"))
    row.get_by_label("Loại").select_option(label="Lựa chọn")
    page.get_by_role("button", name="Phát hành phiên bản mới").click()
    expect(row.locator(".fe-field--choices .errorlist")).to_have_text(
        "Trường “Lựa chọn” cần ít nhất một lựa chọn (mỗi dòng một)."
    )
    expect(row.get_by_label("Nhãn (câu hỏi)")).to_have_value("Ghi chú thêm")
    fits(page)
    shot(page, "error-without-js")
    assert ProcedureForm.objects.filter(procedure=procedure).count() == 1
