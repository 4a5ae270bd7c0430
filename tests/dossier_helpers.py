"""Dossiers in each lifecycle state, made through the services (the one door), so a test
starts from a state the real workflow can reach.

    make_dossier()                       a submitted online dossier at an officer's desk
    make_dossier("accepted", at=...)     accepted at that moment (time-machine moves the clock)
    make_dossier(status)                 any of the 11 statuses (STATES): draft, submitted,
                                         withdrawn, refused, supplement_requested, accepted, paused,
                                         processing, completed, result_held, returned
"""

import io

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import services
from dossiers.services import uploads
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory


def _one_page_pdf():
    """The smallest real PDF (one blank A4 page, a correct cross-reference table): an e-result is signed when a
    dossier is completed (portal/signing), which needs a PDF one can add a signature to."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>"]
    objects.append(b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>")
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref


PDF = _one_page_pdf()


def pdf(name="giayto.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="anh.png", size=(4, 4)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# The statuses reached from "submitted" by one more step at intake (who takes it, and how).
AT_INTAKE = {
    "submitted": lambda dossier, officer, citizen: dossier,
    "withdrawn": lambda dossier, officer, citizen: services.withdraw(dossier, citizen),
    "refused": lambda dossier, officer, citizen: services.refuse(dossier, officer, "Không thuộc thẩm quyền"),
    "supplement_requested": lambda dossier, officer, citizen: services.request_supplement(
        dossier, officer, "Thiếu bản sao giấy tờ"
    ),
}
STATES = (
    "draft",
    *AT_INTAKE,
    "accepted",
    "paused",
    "processing",
    "completed",
    "result_held",
    "returned",
)


def make_dossier(state="submitted", *, at=None, officer=None, citizen=None, procedure=None, **fields):
    if state not in STATES:
        raise ValueError(f"make_dossier: no path to {state!r} (one of {', '.join(STATES)})")
    officer = officer or OfficerFactory()
    citizen = citizen or CitizenFactory()
    procedure = procedure or ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency)
    values = {
        "intake_channel": "online",
        "return_channel": "desk",
        "applicant": {"full_name": citizen.full_name, "phone": citizen.phone, "email": citizen.email},
        "address": "",
    }
    values.update(fields)

    def run():
        dossier = services.create_draft(citizen, procedure=procedure, desk=officer.desk, **values)
        if state == "draft":
            return dossier
        for document in procedure.documents.all():
            uploads.add_document(dossier, citizen, document.code, pdf(f"{document.code}.pdf"))
        dossier = services.submit(dossier, citizen)
        if state in AT_INTAKE:
            return AT_INTAKE[state](dossier, officer, citizen)
        dossier = services.accept(dossier, officer)
        if state == "accepted":
            return dossier
        if state == "paused":
            return services.pause(dossier, officer, "Chờ ý kiến cơ quan phối hợp")
        dossier = services.process(dossier, officer)
        if state == "processing":
            return dossier
        dossier = services.complete(dossier, officer, "approved")
        if state == "completed":
            return dossier
        if state == "result_held":
            return services.hold_result(dossier)
        return services.return_result(dossier, officer)

    if at is None:
        dossier = run()
    else:
        with time_machine.travel(at, tick=False):
            dossier = run()
    dossier.refresh_from_db()
    dossier.officer = officer
    dossier.citizen = citizen
    return dossier


def local(dt):
    return timezone.localtime(dt)
