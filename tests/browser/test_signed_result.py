"""A signed e-result in Chromium (issue 17): the officer's completion form says the PDF will be signed; the
citizen downloads the signed result from the dossier page, opens "Kiểm tra kết quả điện tử" from there, uploads
the file and reads that it is valid; an altered copy is refused with the reason. Screenshots at 390 and 1366 px in
test-output/screenshots/<test>/."""

import re

import pytest
from playwright.sync_api import expect

from dossiers import services
from portal.signing.documents import text_pdf
from tests.browser.test_journeys import action, login
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


def _both_widths(page, shot, name):
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"390-{name}")
    page.set_viewport_size(DESKTOP)
    shot(page, f"1366-{name}")


def test_the_citizen_downloads_the_signed_result_and_the_verification_page_says_valid(new_page, shot, tmp_path):
    officer = OfficerFactory(full_name="Trần Thị Bình")
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, name="Cấp phiếu lý lịch tư pháp"
    )
    waiting = make_dossier("processing", officer=officer, procedure=procedure)

    desk = new_page(DESKTOP)
    login(desk, officer, f"/can-bo/ho-so/{waiting.code}/")
    action(desk, "Có kết quả")
    expect(desk.get_by_text("Tệp kết quả PDF sẽ được ký số bằng chứng thư số của cơ quan")).to_be_visible()
    _both_widths(desk, shot, "officer-complete-form")

    result = text_pdf(["PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1", f"Mã hồ sơ: {waiting.code}"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.complete(
        waiting, officer, "approved", result_file=SimpleUploadedFile("kq.pdf", result, content_type="application/pdf")
    )

    page = new_page(PHONE)
    login(page, waiting.citizen, f"/ho-so/{waiting.code}/")
    expect(page.get_by_text(re.compile(r"Đã ký số bởi .+ \(người ký: Trần Thị Bình\) lúc"))).to_be_visible()
    _both_widths(page, shot, "dossier-signed")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải kết quả điện tử").click()
    signed = tmp_path / "ket-qua.pdf"
    download.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Kiểm tra kết quả điện tử").first.click()
    page.wait_for_url(re.compile(r"/kiem-tra-ket-qua/\?ho_so="))
    expect(page.get_by_text("Một kết quả hợp lệ của hồ sơ này ghi:")).to_be_visible()
    _both_widths(page, shot, "verify-from-qr")

    page.set_viewport_size(PHONE)
    page.get_by_label("Tệp kết quả điện tử (PDF)").set_input_files(str(signed))
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Kết quả điện tử hợp lệ"))).to_be_visible()
    expect(page.locator(".verify-result").get_by_text("Trần Thị Bình")).to_be_visible()
    _both_widths(page, shot, "verify-valid")

    data = signed.read_bytes()
    at = data.index(b"PHI") if b"PHI" in data else data.index(b"/Type /Page") + 2
    altered = tmp_path / "ket-qua-sua.pdf"
    altered.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
    page.set_viewport_size(PHONE)
    page.get_by_label("Tệp kết quả điện tử (PDF)").set_input_files(str(altered))
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Kết quả điện tử không hợp lệ"))).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("sửa đổi")
    _both_widths(page, shot, "verify-invalid")
