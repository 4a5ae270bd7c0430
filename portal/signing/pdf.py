"""Ký số và kiểm tra kết quả điện tử: PAdES signatures with pyHanko, with a visible signature block.

`sign_pdf` signs a PDF with the agency's key (portal/signing/keys.py) as an incremental update: the original bytes
are kept, then a signature field on the last page shows the agency, the signer, the time (dd/mm/yyyy HH:MM), the
dossier code and a QR code to the public verification page. The dossier code is also written, machine-readable,
in the document information dictionary (`/MotcuaDossier`, `/MotcuaAgency`) of the same signed update.

`verify_pdf` says whether a file is a result motcua signed and nobody changed since: the last signature must be
intact, cover the whole file (no byte changed, nothing appended), chain to the configured root
(settings.SIGNING_CA_CERT) with a certificate valid when it signed, be made with a certificate registered and not
revoked in the admin (a revoked certificate invalidates every result it signed, earlier ones included), and name a
dossier that exists and belongs to the certificate's agency. Each refusal carries a Vietnamese reason.
"""

import asyncio
import datetime
import io
import logging
import textwrap
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature
from pyhanko.stamp import QRStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ..models import SigningCertificate
from . import keys
from .fonts import FontFactory
from .lookup import dossier_agency_id

logger = logging.getLogger(__name__)
logging.getLogger("fontTools").setLevel(logging.ERROR)  # the font subsetter notes each table it drops

DOSSIER_KEY = "/MotcuaDossier"
AGENCY_KEY = "/MotcuaAgency"
FIELD_PREFIX = "KetQuaMotCua"
STAMP_WIDTH, STAMP_HEIGHT, STAMP_MARGIN = 300, 96, 24
STAMP_LINE = 38  # characters of a name on one line of the block
VERIFY_PATH = "/kiem-tra-ket-qua/"
# What pyHanko raises on a PDF it cannot read or write an update to (a damaged or minimal file).
UNREADABLE = (PdfError, KeyError, TypeError, AttributeError, IndexError)


@dataclass(frozen=True)
class Verification:
    """What the verification found, as a plain value (the API's answer and the page's)."""

    valid: bool
    reason: str = ""
    dossier: str = ""
    agency: str = ""
    signer: str = ""
    signed_at: datetime.datetime | None = None

    def as_dict(self):
        return {
            "valid": self.valid,
            "dossier": self.dossier or None,
            "agency": self.agency or None,
            "signer": self.signer or None,
            "signed_at": self.signed_at,
            "reason": self.reason,
        }


def verification_url(dossier_code: str) -> str:
    """The public verification page for a dossier (the QR code of the signature block)."""
    return f"{settings.SITE_URL.rstrip('/')}{VERIFY_PATH}?{urlencode({'ho_so': dossier_code})}"


def plain_text(text: str) -> str:
    """Vietnamese without diacritics, for a stamp written with the PDF standard font (no Vietnamese glyphs)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _stamp_style():
    font = Path(settings.SIGNING_STAMP_FONT or "")
    with translation.override(settings.LANGUAGE_CODE):  # a legal paper: in Vietnamese whoever's request signs it
        template = "\n".join(
            [
                _("Ký số bởi: %(agency)s"),
                _("Người ký: %(signer)s"),
                _("Thời gian: %(time)s"),
                _("Mã hồ sơ: %(dossier)s"),
            ]
        )
    if font.is_file():
        box = TextBoxStyle(font=FontFactory(str(font), font_size=8), leading=10)
        return QRStampStyle(stamp_text=template, text_box_style=box, border_width=1), False
    logger.warning("signing: the stamp font %s is missing, the signature block is written without diacritics", font)
    box = TextBoxStyle(font_size=8, leading=10)
    return QRStampStyle(stamp_text=plain_text(template), text_box_style=box, border_width=1), True


def _last_page_box(writer):
    """(page index, box) of the signature block: the bottom right corner of the last page."""
    last = int(writer.root["/Pages"]["/Count"]) - 1
    page = writer.find_page_for_modification(last)[0].get_object()
    node, media_box = page, None
    while node is not None and media_box is None:
        media_box = node.get("/MediaBox")
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    x0, y0, x1, _y1 = (float(v) for v in (media_box or (0, 0, 595, 842)))
    right = x1 - STAMP_MARGIN
    left = max(x0 + STAMP_MARGIN, right - STAMP_WIDTH)
    bottom = y0 + STAMP_MARGIN
    return last, (int(left), int(bottom), int(right), int(bottom + STAMP_HEIGHT))


def _field_name(writer):
    taken = {name for name, *_rest in fields.enumerate_sig_fields(writer.prev)}
    number = 1
    while f"{FIELD_PREFIX}{number}" in taken:
        number += 1
    return f"{FIELD_PREFIX}{number}"


def _record_dossier(writer, dossier_code, agency):
    """The dossier code and agency code in the document information dictionary of the signed update."""
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()
        writer.mark_update(info_ref)
    else:
        info = generic.DictionaryObject(dict(info_ref or {}))
        writer.set_info(info)
    info[generic.pdf_name(DOSSIER_KEY)] = generic.TextStringObject(dossier_code)
    info[generic.pdf_name(AGENCY_KEY)] = generic.TextStringObject(agency.code)


def _signer(agency_key):
    der = serialization.Encoding.DER
    certificate = asn1_x509.Certificate.load(agency_key.certificate.public_bytes(der))
    private = asn1_keys.PrivateKeyInfo.load(
        agency_key.private_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    chain = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in agency_key.chain]
    return signers.SimpleSigner(
        signing_cert=certificate, signing_key=private, cert_registry=SimpleCertificateStore.from_certs(chain)
    )


async def _sign(writer, pdf_signer, when, text_params):
    """PdfSigner.async_sign_pdf's steps, with the signing time from the one clock (django.utils.timezone)."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = when
    validation_info = await session.perform_presign_validation(writer)
    reserved = await session.estimate_signature_container_size(validation_info, tight=False)
    tbs = session.prepare_tbs_document(
        validation_info=validation_info, bytes_reserved=reserved, appearance_text_params=text_params
    )
    prepared, output = tbs.digest_tbs_document(output=io.BytesIO())
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=when),
    )
    await post.post_signature_processing(output)
    return output.getvalue()


def sign_pdf(data: bytes, agency, *, dossier_code: str, signer: str, reason: str, when=None, key=None) -> bytes:
    """The PDF `data` signed (PAdES) with `agency`'s key, with a visible signature block on its last page.
    `key`: the agency's key already loaded (keys.load_agency_key; its `record` names the certificate used).
    Raises keys.SigningUnavailable (no usable certificate) or ValueError (not a PDF pyHanko can sign)."""
    agency_key = key or keys.load_agency_key(agency)
    when = when or timezone.now()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        if writer.security_handler is not None:
            raise ValueError(_("Tệp PDF có mật khẩu hoặc bị mã hóa nên không ký số được."))
        page, box = _last_page_box(writer)
        field_name = _field_name(writer)
        _record_dossier(writer, dossier_code, agency)
    except UNREADABLE as error:
        raise ValueError(_("Tệp PDF hỏng hoặc không đọc được nên không ký số được.")) from error
    style, plain = _stamp_style()
    local = timezone.localtime(when)
    text = {
        # A long name goes on two lines (the block has no word wrap of its own; pyHanko shrinks what still overflows).
        "agency": textwrap.fill(agency.name, STAMP_LINE, subsequent_indent="  "),
        "signer": textwrap.fill(signer, STAMP_LINE, subsequent_indent="  "),
        "time": local.strftime("%d/%m/%Y %H:%M"),
        "dossier": dossier_code,
    }
    if plain:
        text = {key: plain_text(value) for key, value in text.items()}
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        name=signer,
        reason=reason,
        location=agency.name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=_signer(agency_key),
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=box),
    )
    try:
        return run_async(_sign(writer, pdf_signer, when, {**text, "url": verification_url(dossier_code)}))
    except UNREADABLE as error:
        raise ValueError(_("Tệp PDF hỏng hoặc không đọc được nên không ký số được.")) from error


def run_async(coroutine):
    """pyHanko's signing and validation are coroutines: run one to its end from synchronous code. In a thread that
    already runs an event loop (an async caller, Playwright's sync API in the browser tests) asyncio.run() is
    refused, so the coroutine then runs in a thread of its own (it touches no database connection)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _invalid(reason, **facts):
    return Verification(valid=False, reason=reason, **facts)


def _text(value):
    return str(value) if value is not None else ""


def verify_pdf(data: bytes, *, dossier_agency=None) -> Verification:
    """Check a file against everything motcua promises about a signed result (module docstring).
    `dossier_agency(code) -> agency id or None` finds the dossier (by default the lookup the dossiers app
    registers, portal/signing/lookup.py). Never raises on a bad file: the reason says what is wrong."""
    if not data or b"%PDF-" not in data[:1024]:
        return _invalid(_("Tệp không phải là tệp PDF."))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001  (any parse failure of an uploaded file is "damaged", never a 500)
        return _invalid(_("Tệp PDF bị hỏng hoặc đã bị sửa đổi nên không đọc được."))
    if not signatures:
        return _invalid(_("Tệp không có chữ ký số."))
    signature = signatures[-1]
    try:
        root = asn1_x509.Certificate.load(keys.trusted_root().public_bytes(serialization.Encoding.DER))
    except keys.SigningUnavailable as error:
        return _invalid(str(error))
    try:
        # The certificate must have been valid when the result was signed (a result outlives its certificate's
        # five years); the time is the signed attribute, and only our CA's keys sign, each revocable in the admin.
        moment = min(signature.self_reported_timestamp or timezone.now(), timezone.now())
        context = ValidationContext(trust_roots=[root], allow_fetching=False, moment=moment)
        status = run_async(async_validate_pdf_signature(signature, signer_validation_context=context))
    except Exception:  # noqa: BLE001  (a signature that cannot even be read is as bad as a broken one)
        return _invalid(_("Chữ ký số trong tệp bị hỏng hoặc tệp đã bị sửa đổi."))
    sig_dict = signature.sig_object
    facts = {
        "signer": _text(sig_dict.get("/Name")),
        "signed_at": status.signer_reported_dt,
    }
    try:
        facts["dossier"] = _text(reader.trailer["/Info"].get(DOSSIER_KEY))  # the trailer's [] resolves the reference
    except Exception:  # noqa: BLE001  (no /Info, or not a dictionary: no dossier named)
        facts["dossier"] = ""
    if not status.intact or not status.valid:
        return _invalid(_("Tệp đã bị sửa đổi sau khi ký: chữ ký số không còn khớp với nội dung."), **facts)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return _invalid(_("Tệp đã bị thêm hoặc sửa nội dung sau khi ký."), **facts)
    if not status.trusted:
        return _invalid(
            _("Chữ ký số không do chứng thư số của hệ thống cấp (không thuộc CA của cổng dịch vụ công)."), **facts
        )
    certificate = status.signing_cert
    record = (
        SigningCertificate.objects.select_related("agency").filter(fingerprint_sha256=certificate.sha256.hex()).first()
    )
    if record is None:
        return _invalid(_("Chứng thư số đã ký tệp không được ghi nhận trong hệ thống."), **facts)
    facts["agency"] = record.agency.name
    if not facts["signer"]:
        facts["signer"] = certificate.subject.native.get("common_name", "")
    if record.revoked_at is not None:
        reason = _("Chứng thư số đã ký tệp bị thu hồi ngày %(date)s: %(reason)s") % {
            "date": formats.date_format(timezone.localtime(record.revoked_at), "d/m/Y"),
            "reason": record.revoked_reason,
        }
        return _invalid(reason, **facts)
    if not facts["dossier"]:
        return _invalid(_("Tệp được ký nhưng không ghi mã hồ sơ."), **facts)
    agency_id = (dossier_agency or dossier_agency_id)(facts["dossier"])
    if agency_id is None:
        return _invalid(_("Không tìm thấy hồ sơ %(code)s trong hệ thống.") % {"code": facts["dossier"]}, **facts)
    if agency_id != record.agency_id:
        return _invalid(
            _("Hồ sơ %(code)s không do cơ quan đã ký giải quyết.") % {"code": facts["dossier"]},
            **facts,
        )
    return Verification(valid=True, **facts)
