"""The legal printables as signed PDF (issue 17): the receipt with its appointment, the supplement request, the
refusal and the apology letter download as a PDF (fpdf2) signed with the certificate of the dossier's agency, in the
name of the officer who issued the paper; the same access as their print pages."""

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from dossiers import services
from dossiers.printing import long_moment
from portal.signing import verify_pdf
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Each downloaded paper is kept here to be looked at (test-output/ is not committed).
KEPT = Path(__file__).resolve().parents[1] / "test-output" / "printables"


def text_of(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def download(client, dossier, slug):
    response = client.get(reverse("dossiers:print_pdf", args=[dossier.code, slug]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{slug}-{dossier.code}.pdf"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF-")
    KEPT.mkdir(parents=True, exist_ok=True)
    (KEPT / f"{slug}.pdf").write_bytes(data)
    return data


def assert_signed(data, dossier, signer):
    check = verify_pdf(data)
    assert check.valid, check.reason
    assert (check.dossier, check.agency, check.signer) == (dossier.code, dossier.agency.name, signer)


def test_the_receipt_is_a_signed_pdf_with_the_appointment(client):
    with time_machine.travel(datetime(2026, 11, 30, 9, 32, tzinfo=VN), tick=False):
        dossier = make_dossier("accepted")
    client.force_login(dossier.officer)
    data = download(client, dossier, "giay-tiep-nhan")
    assert_signed(data, dossier, str(dossier.officer))
    text = text_of(data)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert dossier.code in text and dossier.applicant_name in text
    assert long_moment(dossier.due_at) in text.replace("\n", " ")  # the appointment, "hh giờ mm phút, ngày dd/mm/yyyy"
    # The owner downloads it too.
    client.force_login(dossier.citizen)
    assert_signed(download(client, dossier, "giay-tiep-nhan"), dossier, str(dossier.officer))


def test_the_supplement_request_names_what_is_missing():
    officer = OfficerFactory()
    dossier = make_dossier("supplement_requested", officer=officer)
    from django.test import Client

    client = Client()
    client.force_login(officer)
    data = download(client, dossier, "phieu-bo-sung")
    assert_signed(data, dossier, str(officer))
    text = text_of(data).replace("\n", " ")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and "Thiếu bản sao giấy tờ" in text


def test_the_refusal_gives_its_reason(client):
    dossier = make_dossier("refused")
    client.force_login(dossier.officer)
    data = download(client, dossier, "phieu-tu-choi")
    assert_signed(data, dossier, str(dossier.officer))
    text = text_of(data).replace("\n", " ")
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "Không thuộc thẩm quyền" in text


def test_the_apology_letter_gives_the_new_appointment(client):
    dossier = make_dossier("processing")
    new_due = dossier.due_at + timedelta(days=3)
    services.apologize(dossier, dossier.officer, new_due, "Chờ ý kiến cơ quan phối hợp")
    dossier.refresh_from_db()
    client.force_login(dossier.officer)
    data = download(client, dossier, "phieu-xin-loi")
    assert_signed(data, dossier, str(dossier.officer))
    text = text_of(data).replace("\n", " ")
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert long_moment(dossier.apology_due_at) in text and "Chờ ý kiến cơ quan phối hợp" in text


def test_a_changed_byte_no_longer_verifies(client):
    dossier = make_dossier("accepted")
    client.force_login(dossier.officer)
    data = bytearray(download(client, dossier, "giay-tiep-nhan"))
    at = data.index(b"/MediaBox") - 20  # a byte inside the signed content
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")
    assert not verify_pdf(bytes(data)).valid


def test_the_same_access_as_the_print_page(client):
    dossier = make_dossier("refused")
    url = reverse("dossiers:print_pdf", args=[dossier.code, "phieu-tu-choi"])
    # Not signed in: to the login page.
    assert client.get(url).status_code == 302
    # A stranger: nothing to see (as the print page).
    client.force_login(CitizenFactory())
    assert client.get(url).status_code == 404
    # The owner: the refusal is an officer's paper (as its print page: 403).
    client.force_login(dossier.citizen)
    html_status = client.get(reverse("dossiers:print", args=[dossier.code, "phieu-tu-choi"])).status_code
    assert client.get(url).status_code == html_status == 403
    # An officer of another desk.
    client.force_login(OfficerFactory())
    assert client.get(url).status_code == 404
    # A paper that does not exist yet, and one that is not a legal paper.
    client.force_login(dossier.officer)
    assert client.get(reverse("dossiers:print_pdf", args=[dossier.code, "phieu-xin-loi"])).status_code == 404
    assert client.get(reverse("dossiers:print_pdf", args=[dossier.code, "phieu-kiem-soat"])).status_code == 404


def test_the_print_page_and_the_dossier_page_link_the_signed_pdf(client):
    dossier = make_dossier("accepted")
    client.force_login(dossier.officer)
    url = reverse("dossiers:print_pdf", args=[dossier.code, "giay-tiep-nhan"])
    page = client.get(reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"])).content.decode()
    assert "Tải bản PDF có ký số" in page and url in page
    page = client.get(reverse("dossiers:officer_detail", args=[dossier.code])).content.decode()
    assert url in page
    control = client.get(reverse("dossiers:print", args=[dossier.code, "phieu-kiem-soat"])).content.decode()
    assert "Tải bản PDF có ký số" not in control
    client.force_login(dossier.citizen)
    assert url in client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()


def test_without_the_fonts_the_page_says_so(client, settings, tmp_path):
    settings.PRINT_PDF_FONT_DIR = str(tmp_path)
    dossier = make_dossier("accepted")
    client.force_login(dossier.officer)
    response = client.get(reverse("dossiers:print_pdf", args=[dossier.code, "giay-tiep-nhan"]))
    assert response.status_code == 503
    assert "Chưa tải được bản PDF có ký số" in response.content.decode()
