"""Kết quả điện tử ký số: the e-result a dossier is completed with is stored signed (portal/signing).

- A PDF is signed as it is; a JPEG or PNG (a scanned paper result, which the upload rules accept) is first
  wrapped in a one-page A4 PDF, the image above a band kept free for the signature block: every e-result the
  citizen receives is a signed PDF, and the desk need not convert a scan by hand.
- The signer: when the dossier's process has a head's approval step (a step of the head's role, forwarded),
  the head who approved it last; otherwise whoever completes the dossier. The agency is the dossier's.
- The signing happens in `complete`'s transaction (actions.py), before the file is saved: if it fails (no
  usable certificate, a PDF that cannot be signed) the completion is refused with the reason (400), nothing
  is stored. The signed file keeps the random name `_name_result_file` gave (with .pdf).
- The signed file's sha256, the certificate, the signer and the time go to SignedResult, for the pages."""

import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image

from portal import signing  # its names load on first use: pyHanko only once a result is signed
from portal.models import Role

from ..door import DossierError
from ..models import DossierStep, SignedResult, Status, StepOutcome

A4_POINTS = (595, 842)
DPI = 150
SIGNATURE_BAND = 140  # points at the foot of the page left free for the signature block (portal/signing/pdf.py)
MARGIN = 36


RESULT_STATUSES = (Status.COMPLETED, Status.RESULT_HELD, Status.RETURNED)


def result_available(user, dossier):
    """Whether `user`, who may see `dossier`, may download its e-result (the page and the API alike): there is one
    and the dossier has its result; a citizen waits while the result is held (a campaign's lưu giữ)."""
    if not dossier.result_file or dossier.status not in RESULT_STATUSES:
        return False
    return not (user.is_citizen and dossier.status == Status.RESULT_HELD)


def signer_of(dossier, actor):
    """The name on the signature: the head who approved (the last head step forwarded), else the actor."""
    step = (
        DossierStep.objects.filter(dossier=dossier, role=Role.HEAD, outcome=StepOutcome.FORWARDED)
        .select_related("finished_by")
        .order_by("-seq")
        .first()
    )
    person = step.finished_by if step is not None and step.finished_by_id else actor
    if person is None:
        return dossier.agency.name
    return person.get_full_name() or person.username


def image_as_pdf(data):
    """A JPEG or PNG on an A4 page (150 dpi), scaled to fit above the signature band, as PDF bytes."""
    scale = DPI / 72
    width, height = round(A4_POINTS[0] * scale), round(A4_POINTS[1] * scale)
    margin, band = round(MARGIN * scale), round(SIGNATURE_BAND * scale)
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
        image.thumbnail((width - 2 * margin, height - margin - band))
        page = Image.new("RGB", (width, height), "white")
        page.paste(image, ((width - image.width) // 2, margin))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=DPI)
    return out.getvalue()


def sign_result(dossier, upload, actor, now):
    """(the signed file to store as the dossier's result, the SignedResult to save once the dossier is)."""
    upload.seek(0)
    data = upload.read()
    stem, _dot, extension = upload.name.rpartition(".")
    wrapped = extension.lower() != "pdf"
    if wrapped:
        data = image_as_pdf(data)
    signer = signer_of(dossier, actor)
    with translation.override(settings.LANGUAGE_CODE):  # the signature's reason, as the block: in Vietnamese
        reason = _("Kết quả giải quyết thủ tục hành chính")
    try:
        key = signing.keys.load_agency_key(dossier.agency)
        signed = signing.sign_pdf(
            data,
            dossier.agency,
            dossier_code=dossier.code,
            signer=signer,
            reason=reason,
            when=now,
            key=key,
        )
    except (signing.SigningUnavailable, ValueError) as error:
        raise DossierError(_("Chưa ký số được kết quả điện tử: %(reason)s") % {"reason": error}, "file") from error
    record = SignedResult(
        dossier=dossier,
        sha256=hashlib.sha256(signed).hexdigest(),
        certificate=key.record,
        signer=signer,
        signed_at=now,
        wrapped=wrapped,
    )
    return ContentFile(signed, name=f"{stem}.pdf"), record


def save_signed(dossier, record):
    """The SignedResult of the saved dossier (replacing an earlier one: a dossier is completed once)."""
    SignedResult.objects.filter(dossier=dossier).delete()
    record.dossier = dossier
    record.save()
