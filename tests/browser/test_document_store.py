"""The citizen's document store in Chromium on a phone (390×844, issue 16): a citizen whose store holds an identity
paper they uploaded and the birth certificate (an e-result) they received starts a new draft, reuses both from
"Dùng lại từ kho" without uploading anything, submits, and finds them on "Giấy tờ của tôi". Screenshots of the
documents page and the store page at 390 and 1366 px in test-output/screenshots/<test>/."""

import re

import pytest
from playwright.sync_api import expect

from dossiers import services
from dossiers.models import Dossier, Status, StoredDocument
from tests.browser.test_journeys import login
from tests.dossier_helpers import make_dossier, pdf
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


@pytest.fixture
def world():
    officer = OfficerFactory()
    place = {"province": officer.desk.province, "agency": officer.desk.agency}
    birth = ProcedureFactory(
        **place, name="Đăng ký khai sinh", result_document="GKS", documents=[{"code": "GTTT", "name": "Căn cước"}]
    )
    residence = ProcedureFactory(
        **place,
        name="Đăng ký thường trú",
        documents=[
            {"code": "GTTT", "name": "Bản sao căn cước công dân"},
            {"code": "GKS", "name": "Giấy khai sinh của con"},
        ],
    )
    done = make_dossier("processing", officer=officer, procedure=birth)
    services.complete(done, officer, "approved", result_file=pdf("giay-khai-sinh.pdf"))
    return officer, residence, done.owner


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_citizen_reuses_documents_from_the_store_on_a_phone(new_page, world, shot):
    officer, residence, citizen = world
    assert StoredDocument.objects.in_store_of(citizen).count() == 2
    page = new_page(PHONE)
    login(page, citizen, f"/ho-so/nop/{residence.pk}/")
    content = page.get_by_label("Nội dung yêu cầu")
    if content.count():  # the free request box of a procedure without a declaration form
        content.fill("Đăng ký thường trú cho con tại địa chỉ của mẹ.")
    page.get_by_role("group", name="Hình thức nộp hồ sơ").get_by_label("Trực tuyến").check()
    page.get_by_role("group", name="Hình thức nhận kết quả").get_by_label("Tại Bộ phận Một cửa").check()
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/giay-to/$"))
    expect(page.get_by_text("Còn thiếu giấy tờ bắt buộc")).to_be_visible()
    _no_sideways_scroll(page)
    shot(page, "390-offers-closed")

    for document, chosen in (
        ("Giấy khai sinh của con", "Kết quả: Đăng ký khai sinh"),
        ("Bản sao căn cước", "Căn cước"),
    ):
        row = page.locator(".doc-row").filter(has=page.get_by_role("heading", name=re.compile(document)))
        row.locator("summary", has_text="Dùng lại từ kho").click()
        expect(row.get_by_text(chosen, exact=False).first).to_be_visible()
        _no_sideways_scroll(page)
        if document.startswith("Giấy khai sinh"):
            shot(page, "390-offers-open")
            page.set_viewport_size(DESKTOP)
            shot(page, "1366-offers-open")
            page.set_viewport_size(PHONE)
        row.get_by_role("button", name=re.compile(r"^Dùng giấy tờ đã chọn")).click()
        expect(page.get_by_text(re.compile(r"^Đã dùng lại “.+” từ kho giấy tờ\.$"))).to_be_visible()

    expect(page.get_by_text("Còn thiếu giấy tờ bắt buộc")).to_have_count(0)
    expect(page.locator("summary", has_text="Dùng lại từ kho")).to_have_count(0)  # both attached
    shot(page, "390-reused")
    page.set_viewport_size(DESKTOP)
    shot(page, "1366-reused")
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    page.wait_for_url("**/da-nop/")

    draft = Dossier.objects.filter(procedure=residence).get()
    assert draft.status == Status.SUBMITTED
    assert sorted(e.data["document_code"] for e in draft.events.filter(action="reuse_document")) == ["GKS", "GTTT"]
    assert all(d.stored_id for d in draft.documents.all())

    page.get_by_role("link", name="Giấy tờ của tôi").first.click()
    page.wait_for_url("**/giay-to-cua-toi/")
    expect(page.get_by_role("heading", name="Kết quả: Đăng ký khai sinh")).to_be_visible()
    expect(page.get_by_text(draft.code).first).to_be_visible()  # the dossier using them
    expect(page.get_by_text("Chưa xoá được: hồ sơ đang giải quyết còn dùng giấy tờ này.").first).to_be_visible()
    _no_sideways_scroll(page)
    shot(page, "390-store")
    page.set_viewport_size(DESKTOP)
    shot(page, "1366-store")
