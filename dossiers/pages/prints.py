"""The printables (HTML with the print stylesheet, an "In" button calling window.print()):
the declaration (tờ khai) as its paper form, receipt with appointment date, supplement request,
refusal, apology letter and the processing control sheet. Staff who see the dossier print all of
them; its owner prints the declaration, the receipt and the apology letter. The four legal papers (receipt,
supplement request, refusal, apology) are also downloaded as a PDF signed with the agency's certificate, with the
same access as their print page."""

import logging
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.signing import SigningUnavailable

from .. import declarations
from ..models import DossierDocument
from ..printing import (
    PRINTABLES,
    SIGNED_KINDS,
    control_rows,
    issuing_authority,
    last_event,
    printable_exists,
    process_agencies,
    qr_svg,
    supplement_request,
    tracking_url,
)
from .common import get_dossier

log = logging.getLogger("motcua.dossiers")


def _documents_received(dossier):
    """The procedure's documents with the files received for each (walk-in and postal dossiers
    bring paper, so a document without a file is still listed), then any other papers."""
    files = {}
    for document in dossier.documents.exclude(kind=DossierDocument.Kind.RESULT):
        files.setdefault(document.document_code, []).append(document)
    rows = [
        {"name": d.name, "form": d.get_form_display(), "copies": d.copies, "files": files.pop(d.code, [])}
        for d in dossier.procedure.documents.all()
    ]
    for code, extra in files.items():
        rows.append({"name": code, "form": "", "copies": None, "files": extra})
    return rows


def _printable(request, code, slug):
    """The dossier and the kind of a printable the caller may print (404 / 403 otherwise)."""
    if slug not in PRINTABLES:
        raise Http404
    kind, title, owner_may = PRINTABLES[slug]
    dossier = get_dossier(request.user, code)
    if request.user.is_citizen and not owner_may:
        raise PermissionDenied
    if not printable_exists(dossier, kind):
        raise Http404
    return dossier, kind, title


def printable_context(dossier, kind, title):
    """What a printable shows, the HTML page's and the signed PDF's alike."""
    policy = dossier.snap_policy or {}
    context = {
        "dossier": dossier,
        "title": title,
        "authority": issuing_authority(dossier),
        "kind": kind,
        "printed_at": timezone.now(),
        "notices": policy.get("notices") or [],
        "hotlines": policy.get("hotlines") or [],
        "signed_pdf": kind in SIGNED_KINDS,
    }
    if kind in ("receipt", "declaration"):
        context["declaration_lines"] = declarations.lines_of(dossier)
    if kind == "declaration":
        definition = declarations.definition_of(dossier.procedure_id, dossier.form_version) or {}
        context.update(
            form_title=definition.get("title") or _("Tờ khai %(procedure)s") % {"procedure": dossier.procedure.name},
            signed_on=dossier.submitted_at or dossier.created_at,
        )
    elif kind == "receipt":
        context.update(
            accept_event=last_event(dossier, "accept"),
            documents=_documents_received(dossier),
            # The text shows the plain address (the phone digits then answer); the QR code carries the token.
            tracking_url=tracking_url(dossier.code),
            qr=qr_svg(
                tracking_url(dossier.code, dossier.tracking_token),
                label=_("Tra cứu hồ sơ %(code)s") % {"code": dossier.code},
            ),
        )
    elif kind == "supplement":
        event, missing = supplement_request(dossier)
        context.update(event=event, missing=missing)
    elif kind == "refusal":
        context.update(event=last_event(dossier, "refuse"))
    elif kind == "apology":
        event = last_event(dossier, "apologize")
        # The appointment the letter replaces: the due moment when it was issued (pauses included),
        # recorded on the event; the one at acceptance for an event without it.
        previous = (event.data or {}).get("previous_due_at") if event else None
        previous = datetime.fromisoformat(previous) if previous else dossier.original_due_at
        context.update(event=event, previous_due=previous)
    elif kind == "control_sheet":
        context.update(rows=control_rows(dossier, context["printed_at"]), consulted=process_agencies(dossier))
    return context


@require_GET
@login_required
def printable(request, code, slug):
    dossier, kind, title = _printable(request, code, slug)
    return render(request, f"dossiers/print/{kind}.html", printable_context(dossier, kind, title))


@require_GET
@login_required
def printable_pdf(request, code, slug):
    """The legal paper as a PDF signed with the agency's certificate ("Tải bản PDF có ký số"): the same access as
    its print page; made on each request (dossiers/printing/papers.py)."""
    # fpdf2 and pyHanko load with the first signed paper a process makes, not in every process at start-up.
    from ..printing.papers import signed_paper_pdf
    from ..printing.pdf import FontsMissing

    dossier, kind, title = _printable(request, code, slug)
    if kind not in SIGNED_KINDS:
        raise Http404
    try:
        data = signed_paper_pdf(kind, printable_context(dossier, kind, title))
    except (SigningUnavailable, FontsMissing):
        log.exception("the signed PDF of %s (%s) cannot be made", dossier.code, kind)
        context = {"dossier": dossier, "title": title, "print_url": reverse("dossiers:print", args=[code, slug])}
        return render(request, "dossiers/print/pdf_unavailable.html", context, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{dossier.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
