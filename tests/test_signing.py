"""The signing core (portal/signing): a PDF signed with an agency's certificate verifies; any change, another CA,
a revoked certificate, an unknown dossier or a file that is no signed PDF does not, each with its reason."""

import datetime
import io
import os
import re
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from portal.models import SigningCertificate
from portal.signing import SigningUnavailable, keys, sign_pdf, verify_pdf
from portal.signing.documents import text_pdf
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
CODE = "000.00.06.H56-231027-0361"


@pytest.fixture
def agency():
    return AgencyFactory(name="Sở Tư pháp Đồng Nai")


@pytest.fixture
def signed(agency):
    when = datetime.datetime(2026, 3, 2, 14, 35, tzinfo=HCM)
    with time_machine.travel(when, tick=False):  # the agency's certificate is issued on first use: then
        data = sign_pdf(
            text_pdf(["QUYẾT ĐỊNH cấp phiếu lý lịch tư pháp"]),
            agency,
            dossier_code=CODE,
            signer="Trần Thị Bình",
            reason="Ký số kết quả giải quyết hồ sơ",
            when=when,
        )
    return data


def _verify(data, agency):
    return verify_pdf(data, dossier_agency=lambda code: agency.pk if code == CODE else None)


def test_a_signed_result_verifies_naming_dossier_agency_signer_and_time(signed, agency):
    result = _verify(signed, agency)
    assert result.valid, result.reason
    assert result.dossier == CODE
    assert result.agency == "Sở Tư pháp Đồng Nai"
    assert result.signer == "Trần Thị Bình"
    assert result.signed_at == datetime.datetime(2026, 3, 2, 14, 35, tzinfo=HCM)
    assert result.reason == ""


def test_the_signature_is_pades_with_a_visible_block_on_the_last_page(signed):
    reader = PdfFileReader(io.BytesIO(signed))
    (signature,) = reader.embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "Ký số kết quả giải quyết hồ sơ"
    widget = signature.sig_field
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    assert x1 - x0 > 200 and y1 - y0 > 60  # a block one can see, not an invisible signature
    assert "/AP" in widget


@override_settings(SIGNING_STAMP_FONT="/nonexistent/font.ttf")
def test_without_the_vietnamese_font_the_block_is_written_without_diacritics(agency):
    data = sign_pdf(text_pdf(["Ket qua"]), agency, dossier_code=CODE, signer="Trần Thị Bình", reason="Ký số")
    reader = PdfFileReader(io.BytesIO(data))
    stream = reader.embedded_signatures[0].sig_field["/AP"]["/N"]
    text = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), b"".join(_all_streams(stream)))
    assert b"Nguoi ky: Tran Thi Binh" in text
    assert f"Ma ho so: {CODE}".encode() in text
    assert _verify(data, agency).valid


def _all_streams(xobject):
    yield xobject.data
    for child in (xobject.get("/Resources", {}).get("/XObject") or {}).values():
        yield from _all_streams(child.get_object())


def test_one_changed_byte_makes_it_invalid(signed, agency):
    at = signed.index(b"/Type /Page") + 2
    changed = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]
    result = _verify(changed, agency)
    assert not result.valid
    assert "sửa đổi" in result.reason


def test_content_appended_after_signing_makes_it_invalid(signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), dossier_agency=lambda code: None)
    assert not result.valid
    assert result.reason == "Tệp đã bị thêm hoặc sửa nội dung sau khi ký."


def test_a_file_signed_under_another_ca_is_invalid(agency, tmp_path, settings):
    other = tmp_path / "other"
    with override_settings(SIGNING_DIR=other, SIGNING_CA_CERT=other / "ca.pem"):
        certificate, key = keys.ensure_demo_ca()
        keys.issue_agency_certificate(agency, certificate, key)
        forged = sign_pdf(text_pdf(["Giả"]), agency, dossier_code=CODE, signer="Ai đó", reason="Ký")
    result = _verify(forged, agency)
    assert not result.valid
    assert "không thuộc CA" in result.reason


def test_a_revoked_certificate_invalidates_its_earlier_results_and_signs_no_more(signed, agency):
    record = SigningCertificate.objects.get(agency=agency)
    record.revoked_at = timezone.make_aware(datetime.datetime(2026, 4, 1, 9, 0))
    record.revoked_reason = "Lộ khóa"
    record.save()
    result = _verify(signed, agency)
    assert not result.valid
    assert result.reason == "Chứng thư số đã ký tệp bị thu hồi ngày 01/04/2026: Lộ khóa"
    assert result.agency == "Sở Tư pháp Đồng Nai"
    with pytest.raises(SigningUnavailable, match="đã bị thu hồi"):
        sign_pdf(text_pdf(["x"]), agency, dossier_code=CODE, signer="B", reason="Ký")


def test_an_unsigned_pdf_is_invalid(agency):
    result = _verify(text_pdf(["Không ký"]), agency)
    assert (result.valid, result.reason) == (False, "Tệp không có chữ ký số.")


@pytest.mark.parametrize("data", [b"", b"hello", b"\x89PNG\r\n\x1a\n" + b"0" * 100, b"%PDF-1.7\n garbage %%EOF"])
def test_garbage_is_invalid_with_a_reason_never_an_error(data, agency):
    result = _verify(data, agency)
    assert not result.valid and result.reason


def test_a_truncated_signed_file_is_invalid(signed, agency):
    result = _verify(signed[: len(signed) // 2], agency)
    assert not result.valid and result.reason


def test_a_dossier_unknown_or_of_another_agency_is_invalid(signed, agency):
    assert verify_pdf(signed, dossier_agency=lambda code: None).reason == f"Không tìm thấy hồ sơ {CODE} trong hệ thống."
    other = verify_pdf(signed, dossier_agency=lambda code: agency.pk + 1)
    assert (other.valid, other.reason) == (False, f"Hồ sơ {CODE} không do cơ quan đã ký giải quyết.")


def test_an_agency_without_a_key_file_cannot_sign_and_says_so(monkeypatch):
    monkeypatch.undo()  # the suite's on-demand certificates (tests/conftest.py) off
    lonely = AgencyFactory(name="UBND xã Không Khóa")
    with pytest.raises(SigningUnavailable, match="UBND xã Không Khóa"):
        keys.load_agency_key(lonely)


def test_setup_signing_creates_each_agency_certificate_once_and_registers_it(tmp_path, settings):
    settings.SIGNING_DIR = tmp_path
    settings.SIGNING_CA_CERT = tmp_path / "ca.pem"
    first, second = AgencyFactory(), AgencyFactory()
    call_command("setup_signing", stdout=io.StringIO())
    files = {path.name: path.read_bytes() for path in (tmp_path / "agencies").iterdir()}
    assert len(files) == 2 and (tmp_path / "ca.pem").exists()
    assert SigningCertificate.objects.filter(agency__in=[first, second]).count() == 2
    SigningCertificate.objects.all().delete()
    out = io.StringIO()
    call_command("setup_signing", stdout=out)
    assert {path.name: path.read_bytes() for path in (tmp_path / "agencies").iterdir()} == files  # kept
    assert SigningCertificate.objects.filter(agency__in=[first, second]).count() == 2  # registered again
    assert "0 chứng thư số mới" in out.getvalue()
    assert oct((tmp_path / "ca-key.pem").stat().st_mode)[-3:] == "600"


@override_settings(SIGNING_STAMP_FONT="/nonexistent/font.ttf")
def test_the_block_is_vietnamese_whatever_the_language_of_the_request(agency):
    from django.utils import translation

    with translation.override("en"):
        data = sign_pdf(text_pdf(["Ket qua"]), agency, dossier_code=CODE, signer="Trần Thị Bình", reason="Ký số")
    stream = PdfFileReader(io.BytesIO(data)).embedded_signatures[0].sig_field["/AP"]["/N"]
    text = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), b"".join(_all_streams(stream)))
    assert b"Nguoi ky: Tran Thi Binh" in text and b"Signer" not in text


def test_a_result_stays_valid_after_its_certificate_expired(signed, agency):
    record = SigningCertificate.objects.get(agency=agency)
    with time_machine.travel(record.not_after + datetime.timedelta(days=400), tick=False):
        result = _verify(signed, agency)
    assert result.valid, result.reason


def test_a_served_process_loads_no_pdf_library_until_it_signs_or_verifies():
    """pyHanko, fontTools, HarfBuzz and fpdf2 cost each gunicorn worker about 35 MiB: they load with the first
    signature or verification a process makes, not with the URLconf and the pages every worker imports."""
    import subprocess
    import sys

    from tests.test_settings import ROOT

    script = (
        "import django, sys; django.setup(); from django.test import Client; Client().get('/healthz'); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import dossiers.pages.prints, dossiers.pages.verify, dossiers.api.results; "
        "print(sorted(m for m in ('pyhanko', 'fpdf', 'fontTools', 'uharfbuzz') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
