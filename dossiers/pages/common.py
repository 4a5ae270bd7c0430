"""What the dossier pages share: role guards, fetching a dossier through `visible_dossiers`
(anything else is a 404), the clock as people read it, the document rows, calling a service
and turning its refusals into what a browser shows, and the checked file views.

The pages themselves, beside this module: citizen (submission, my dossiers), officer (queues, the
dossier page, walk-in entry, notifications), exceptions (the head's urgent cases), prints
(printables), public (tracking)."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.errors import Conflict, Forbidden, RuleError
from portal.models import Role
from portal.working_time import calendar_for_desk

from .. import services
from ..access import visible_dossiers
from ..models import CLOCK_STATUSES, DossierDocument
from ..payments import service as payments
from ..services import results, uploads
from ..serving import file_response
from .forms import UploadForm, attach_error

STAFF_ROLES = (Role.OFFICER, Role.HEAD)
# Who works a dossier on the staff dossier page: the staff, and the specialists who hold process steps.
WORKER_ROLES = (*STAFF_ROLES, Role.SPECIALIST)
CITIZEN_HIDDEN_EVENTS = {
    "due_soon",
    "overdue",
    "grant_exception",
    "request_exception",
    "decline_exception",
    "hold",
    "release",
}
HTTP_BAD_REQUEST, HTTP_CONFLICT = 400, 409


def citizen_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_citizen:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role not in STAFF_ROLES:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def worker_required(view):
    """An action on the staff dossier page: an officer, a head or a specialist (the services decide
    what each may do; the dossier itself comes through `visible_dossiers`)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role not in WORKER_ROLES:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def reader_required(view):
    """A dossier page that staff and specialists work on and a province admin may read (no action is
    offered to them: services.actor_kind gives them none)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.role not in (*WORKER_ROLES, Role.PROVINCE_ADMIN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_dossier(user, code, queryset=None):
    """The dossier with `code` among those `user` may see, else 404."""
    queryset = visible_dossiers(user, queryset).select_related("procedure", "desk", "agency", "province")
    return get_object_or_404(queryset, code=code)


def perform_action(action, dossier, user, data):
    """A page's action form posted: the table's row runs it (`services.perform`) with the form's data.
    A blank address on a switch of return keeps the one on file (the form cannot say "unchanged")."""
    data = dict(data)
    if action == "switch_return":
        data["address"] = data.get("address") or None
    return services.perform(action, dossier, user, **data)


def call_service(request, form, call):
    """Run `call()`; returns (result, status). A rule broken by the input goes beside the
    form's field (400); a state that does not allow it becomes an error message (409); an
    actor who may not gets the 403 page."""
    try:
        return call(), 200
    except RuleError as error:
        if form is None:
            messages.error(request, error.message)
        else:
            attach_error(form, error)
        return None, HTTP_BAD_REQUEST
    except Conflict as error:
        messages.error(request, error.message)
        return None, HTTP_CONFLICT
    except Forbidden as error:
        raise PermissionDenied(error.message)


# --- the clock -------------------------------------------------------------------------------------


def clock_for(dossier, now=None):
    """The statutory clock as people read it: received, due, working time left (or overdue
    by), the open pause (the time left is frozen at its start) and every pause."""
    now = now or timezone.now()
    pauses = list(dossier.pauses.all())
    open_pause = next((p for p in pauses if p.in_force(now)), None)  # a clock stop still to end is one too
    info = {
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "original_due_at": dossier.original_due_at,
        "apology_due_at": dossier.apology_due_at,
        "pauses": pauses,
        "open_pause": open_pause,
        "running": False,
        "left": None,
        "overdue_by": None,
    }
    if dossier.due_at is None or dossier.status not in CLOCK_STATUSES:
        return info
    calendar = calendar_for_desk(dossier.desk)
    moment = open_pause.started_at if open_pause else now
    info["running"] = open_pause is None
    if moment <= dossier.due_at:
        info["left"] = calendar.working_time_between(moment, dossier.due_at)
    else:
        info["overdue_by"] = calendar.working_time_between(dossier.due_at, moment)
    return info


def timeline(dossier, for_citizen=False):
    events = dossier.events.select_related("actor").order_by("at", "id")
    if for_citizen:
        events = events.exclude(action__in=CITIZEN_HIDDEN_EVENTS)
    return list(events)


# --- documents ---------------------------------------------------------------------------------------

OTHER = "OTHER"


def document_rows(dossier, bound=None):
    """One row per required (or optional) document of the procedure, plus "other papers":
    the files uploaded for it and its own upload form; `bound` is the form just posted (with
    its error), so a rejected file shows beside its document and the others stay."""
    files = {}
    round_start = uploads.supplement_round_start(dossier)
    for document in uploads.with_versions(dossier.documents.exclude(kind=DossierDocument.Kind.RESULT)):
        document.removable = uploads.removable(dossier, document, round_start)
        files.setdefault(document.document_code, []).append(document)
    rows = []
    proof = payments.proof_document_of(dossier)  # the fee group's proof document is required too (api.md fees)
    documents = list(dossier.procedure.documents.all())
    specs = [(d.code, d.name, d.required or d.code == proof, d.get_form_display(), d.copies) for d in documents]
    templates = {d.code: d.template_path for d in documents if d.template}
    specs.append((OTHER, None, False, "", None))
    for code, name, required, form_label, copies in specs:
        form = bound if bound is not None and bound.prefix == code else None
        rows.append(
            {
                "code": code,
                "name": name,
                "required": required,
                "form_label": form_label,
                "copies": copies,
                "files": files.get(code, []),
                "template_url": templates.get(code, ""),
                "form": form or UploadForm(prefix=code, initial={"document_code": code}),
            }
        )
    return rows


def remove_upload(request, dossier, document_id, back_url):
    """ "Xoá" a file: the first post shows what will be removed and asks again (nothing is
    removed); the confirmed post removes it through uploads.remove_document. Returns a response."""
    document = get_object_or_404(DossierDocument, pk=document_id, dossier=dossier)
    if request.POST.get("confirm") != "1":
        if not uploads.removable(dossier, document):
            messages.error(request, _("Giấy tờ đã nộp không xoá được; hãy tải lên bản mới để bổ sung."))
            return redirect(back_url)
        context = {"dossier": dossier, "document": document, "back_url": back_url}
        return render(request, "dossiers/includes/confirm_remove.html", context)
    _result, status = call_service(request, None, lambda: uploads.remove_document(dossier, request.user, document_id))
    if status == 200:
        messages.success(request, _("Đã xoá tệp “%(name)s”.") % {"name": document.original_name})
    return redirect(back_url)


def upload_limits():
    return {"file": settings.UPLOAD_MAX_FILE_BYTES, "dossier": settings.UPLOAD_MAX_DOSSIER_BYTES}


def post_upload(request, dossier):
    """Store the file posted for one document (one form per document; its prefix is the document
    code, which the form also posts as `document`) through uploads.add_document. Returns (form,
    status): status None when it is stored (a success message is queued), else 400 or 409 with the
    error beside the form's field or in a message."""
    code = request.POST.get("document", "")[:32]
    form = UploadForm(request.POST, request.FILES, prefix=code)
    if not form.is_valid():
        return form, HTTP_BAD_REQUEST
    upload = form.cleaned_data["file"]
    document, status = call_service(request, form, lambda: uploads.add_document(dossier, request.user, code, upload))
    if document is None:
        return form, status
    messages.success(request, _("Đã tải lên tệp “%(name)s”.") % {"name": document.original_name})
    return form, None


@require_GET
@login_required
def document_file(request, code, document_id):
    """A document of a dossier the user may see: a JPEG or PNG inline (for the preview img),
    anything else, or anything with `?download=1`, as a download (dossiers/serving.py)."""
    dossier = get_dossier(request.user, code)
    document = get_object_or_404(DossierDocument, pk=document_id, dossier=dossier)
    if not document.file:
        raise Http404
    return file_response(
        document.file,
        document.original_name or f"{document.document_code}.{document.extension}",
        content_type=document.content_type,
        download=request.GET.get("download") == "1",
    )


@require_GET
@login_required
def result_file(request, code):
    """The e-result of a completed dossier, for its owner and the staff who see it."""
    dossier = get_dossier(request.user, code)
    if not results.result_available(request.user, dossier):
        raise Http404
    name = dossier.result_file.name.rsplit("/", 1)[-1]
    return file_response(dossier.result_file, f"ket-qua-{name}", download=request.GET.get("download") == "1")
