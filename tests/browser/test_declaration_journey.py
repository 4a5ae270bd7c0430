"""The declaration form in Chromium on a phone (390×844), issue 16's journey: a citizen fills the
birth-registration form (prefilled from the account; the father's fields hide when "Không" is chosen, a
repeated group is not in this form), gets a field error beside the child's date of birth, corrects it, uploads
the birth certificate (giấy chứng sinh), reuses her identity paper from her document store and submits; the
officer sees the declaration with its labels and opens the printable tờ khai. Without JavaScript the form still
works: the conditional fields stay, named by their condition. Screenshots (390 px and 1366 px) in
test-output/screenshots/<test>/."""

import re

import pytest
from playwright.sync_api import expect

from dossiers.models import Dossier, Status
from portal import demo
from portal.models import ProcedureForm
from tests.browser.test_journeys import login, real_pdf
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def world():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        code="1.001193",
        name="Đăng ký khai sinh",
        level=4,
        documents=[{"code": "GCS", "name": "Giấy chứng sinh"}, {"code": "GTTT", "name": "Giấy tờ tùy thân"}],
    )
    ProcedureForm.publish(procedure, demo.forms()["1.001193"])
    citizen = CitizenFactory(full_name="Trần Thị Bình", phone="0987654321", national_id="075193004567")
    # An earlier dossier of hers left her identity paper in her store ("Giấy tờ của tôi").
    earlier = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        name="Cấp bản sao trích lục hộ tịch",
        documents=[{"code": "GTTT", "name": "Căn cước công dân"}],
    )
    make_dossier("submitted", officer=officer, citizen=citizen, procedure=earlier)
    return officer, procedure, citizen


def field(page, name):
    return page.locator(f'[name="{name}"]')


def fits(page):
    """Nothing wider than the screen (no sideways scrolling on a phone)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_citizen_fills_the_birth_form_on_a_phone_and_the_officer_prints_it(world, new_page, shot, tmp_path):
    officer, procedure, citizen = world
    page = new_page(viewport=PHONE)
    login(page, citizen, f"/ho-so/nop/{procedure.pk}/")
    expect(field(page, "fd-nguoi_yeu_cau-ho_ten")).to_have_value("Trần Thị Bình")
    expect(field(page, "fd-nguoi_yeu_cau-so_dinh_danh")).to_have_value("075193004567")
    fits(page)
    shot(page, "form-prefilled")

    field(page, "fd-nguoi_yeu_cau-ngay_sinh").fill("05/08/1993")
    field(page, "fd-nguoi_yeu_cau-noi_cu_tru-line").fill("25 Võ Thị Sáu")
    field(page, "fd-nguoi_yeu_cau-noi_cu_tru-ward").fill("Phường Trấn Biên")
    field(page, "fd-nguoi_yeu_cau-noi_cu_tru-province").select_option(procedure.province.name)
    page.get_by_role("group", name="Quan hệ với người được khai sinh").get_by_label("Mẹ", exact=True).check()
    expect(field(page, "fd-quan_he_khac")).to_be_hidden()  # only for "Khác"
    field(page, "fd-tre-ho_ten").fill("Nguyễn Minh Khang")
    field(page, "fd-tre-ngay_sinh").fill("20/10/2099")  # a mistake: a birth date to come
    page.get_by_role("group", name="Giới tính").get_by_label("Nam", exact=True).check()
    for name, value in (
        ("fd-tre-dan_toc", "Kinh"),
        ("fd-tre-quoc_tich", "Việt Nam"),
        ("fd-tre-noi_sinh", "Bệnh viện Đa khoa Đồng Nai"),
        ("fd-tre-que_quan", "Đồng Nai"),
    ):
        field(page, name).fill(value)
    page.get_by_role("group", name="Có thông tin về người cha").get_by_label("Không", exact=True).check()
    expect(page.locator("#id_fd-cha")).to_be_hidden()
    page.get_by_role("group", name="Có thông tin về người mẹ").get_by_label("Có", exact=True).check()
    expect(page.locator("#id_fd-me")).to_be_visible()
    for name, value in (
        ("fd-me-ho_ten", "Trần Thị Bình"),
        ("fd-me-ngay_sinh", "05/08/1993"),
        ("fd-me-dan_toc", "Kinh"),
        ("fd-me-quoc_tich", "Việt Nam"),
        ("fd-me-noi_cu_tru-line", "25 Võ Thị Sáu"),
        ("fd-me-noi_cu_tru-ward", "Phường Trấn Biên"),
    ):
        field(page, name).fill(value)
    field(page, "fd-me-noi_cu_tru-province").select_option(procedure.province.name)
    page.get_by_role("group", name="Hình thức nộp hồ sơ").get_by_label("Trực tuyến").check()
    page.get_by_role("group", name="Hình thức nhận kết quả").get_by_label("Tại Bộ phận Một cửa").check()
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()

    # Refused: the error beside the child's date of birth, what was typed kept.
    error = page.locator(".field--error").filter(has=field(page, "fd-tre-ngay_sinh"))
    expect(error).to_contain_text("Không được sau ngày hôm nay")
    expect(field(page, "fd-tre-ngay_sinh")).to_have_value("20/10/2099")
    expect(field(page, "fd-tre-ho_ten")).to_have_value("Nguyễn Minh Khang")
    expect(page.locator("#id_fd-cha")).to_be_hidden()  # the answers the page came back with still apply
    assert not Dossier.objects.filter(procedure=procedure).exists()
    fits(page)
    error.scroll_into_view_if_needed()
    shot(page, "field-error")

    field(page, "fd-tre-ngay_sinh").fill("20/10/2025")
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/giay-to/$"))
    page.get_by_label("Chọn tệp – Giấy chứng sinh").set_input_files(real_pdf(tmp_path / "giay-chung-sinh.pdf"))
    page.get_by_role("button", name=re.compile(r"^Tải lên\s*:\s*Giấy chứng sinh$")).click()
    expect(page.get_by_text("Đã tải lên tệp “giay-chung-sinh.pdf”.")).to_be_visible()
    # Her identity paper comes from the store, not uploaded again.
    row = page.locator(".doc-row").filter(has=page.get_by_role("heading", name=re.compile("Giấy tờ tùy thân")))
    row.locator("summary", has_text="Dùng lại từ kho").click()
    expect(row.get_by_text("Căn cước công dân").first).to_be_visible()
    fits(page)
    shot(page, "reuse-from-store")
    row.get_by_role("button", name=re.compile(r"^Dùng giấy tờ đã chọn")).click()
    expect(page.get_by_text(re.compile(r"^Đã dùng lại “.+” từ kho giấy tờ\.$"))).to_be_visible()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    page.wait_for_url("**/da-nop/")
    dossier = Dossier.objects.get(owner=citizen, procedure=procedure)
    assert dossier.status == Status.SUBMITTED and dossier.form_version == 1
    assert dossier.form_data["tre"]["ngay_sinh"] == "2025-10-20" and "cha" not in dossier.form_data
    assert dossier.events.filter(action="reuse_document", data__document_code="GTTT").count() == 1
    page.goto(page.base + f"/ho-so/{dossier.code}/")
    expect(page.get_by_role("heading", name="Tờ khai", exact=True)).to_be_visible()
    expect(page.get_by_text("Nguyễn Minh Khang")).to_be_visible()
    fits(page)
    shot(page, "citizen-dossier")

    # The officer sees the declaration with its labels and prints the tờ khai.
    desk = new_page(viewport=DESKTOP)
    login(desk, officer, f"/can-bo/ho-so/{dossier.code}/")
    card = desk.locator("section").filter(has=desk.get_by_role("heading", name="Tờ khai", exact=True))
    expect(card).to_contain_text("Người được khai sinh")
    expect(card).to_contain_text("20/10/2025")
    expect(card.locator("dd").filter(has_text=re.compile(r"^Nam$"))).to_have_count(1)
    shot(desk, "officer-declaration")
    card.get_by_role("link", name="In tờ khai").click()
    desk.wait_for_url(f"**/ho-so/{dossier.code}/in/to-khai/")
    expect(desk.get_by_role("heading", name="Tờ khai đăng ký khai sinh")).to_be_visible()
    expect(desk.get_by_text("Kính gửi:")).to_be_visible()
    shot(desk, "printable-desktop")
    desk.set_viewport_size(PHONE)
    fits(desk)
    shot(desk, "printable-phone")
    desk.goto(desk.base + f"/can-bo/ho-so/{dossier.code}/")
    fits(desk)
    shot(desk, "officer-declaration-phone")
    desk.set_viewport_size(DESKTOP)
    desk.goto(desk.base + f"/can-bo/tiep-nhan-truc-tiep/?procedure={procedure.pk}")
    expect(field(desk, "fd-tre-ho_ten")).to_have_value("")
    expect(desk.get_by_text("Các trường có dấu * là bắt buộc.")).to_be_visible()
    shot(desk, "walk-in-desktop")


def test_without_javascript_the_conditional_fields_stay_named_by_their_condition(world, new_page, shot):
    _officer, procedure, citizen = world
    page = new_page(viewport=PHONE, javascript=False)
    login(page, citizen, f"/ho-so/nop/{procedure.pk}/")
    expect(page.locator("#id_fd-cha")).to_be_visible()
    expect(page.locator("#id_fd-cha")).to_contain_text("Chỉ điền khi “Có thông tin về người cha” là “có”.")
    fits(page)
    shot(page, "nojs-form")
    desktop = new_page(viewport=DESKTOP)
    login(desktop, citizen, f"/ho-so/nop/{procedure.pk}/")
    shot(desktop, "form-desktop")


def test_rows_are_added_and_removed_in_place_with_javascript(world, new_page, shot):
    officer, procedure, citizen = world
    ProcedureForm.publish(procedure, demo.forms()["2.000488"])  # a new version: the judicial record's form
    page = new_page(viewport=PHONE)
    login(page, citizen, f"/ho-so/nop/{procedure.pk}/")
    url = page.url
    field(page, "fd-qua_trinh_cu_tru-0-noi_cu_tru").fill("Biên Hòa")
    box = page.locator("#id_fd-qua_trinh_cu_tru")
    box.get_by_role("button", name=re.compile("^Thêm mục")).click()
    box.get_by_role("button", name=re.compile("^Thêm mục")).click()
    assert page.url == url  # in place, nothing posted
    field(page, "fd-qua_trinh_cu_tru-1-noi_cu_tru").fill("Thủ Đức")
    field(page, "fd-qua_trinh_cu_tru-2-noi_cu_tru").fill("Long Khánh")
    shot(page, "three-rows")
    box.locator("[data-row]").first.get_by_role("button", name="Xoá mục này").click()
    expect(field(page, "fd-qua_trinh_cu_tru-0-noi_cu_tru")).to_have_value("Thủ Đức")
    expect(field(page, "fd-qua_trinh_cu_tru-1-noi_cu_tru")).to_have_value("Long Khánh")
    expect(field(page, "fd-qua_trinh_cu_tru-2-noi_cu_tru")).to_have_count(0)
    expect(box.locator("[data-row-number]")).to_have_text(["1", "2"])
    page.get_by_role("group", name="Có án tích").get_by_label("Có", exact=True).check()
    expect(field(page, "fd-an_tich")).to_be_visible()
    page.get_by_role("group", name="Có án tích").get_by_label("Không", exact=True).check()
    expect(field(page, "fd-an_tich")).to_be_hidden()
    page.get_by_role("group", name="Hình thức nộp hồ sơ").get_by_label("Trực tuyến").check()
    page.get_by_role("group", name="Hình thức nhận kết quả").get_by_label("Tại Bộ phận Một cửa").check()
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/giay-to/$"))
    dossier = Dossier.objects.get(owner=citizen, procedure=procedure)
    assert [row["noi_cu_tru"] for row in dossier.form_data["qua_trinh_cu_tru"]] == ["Thủ Đức", "Long Khánh"]
    assert dossier.form_data["co_an_tich"] is False and dossier.form_version == 2
