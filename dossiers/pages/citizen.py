"""The citizen's pages: submit a dossier (draft → documents → submit), "Hồ sơ của tôi", the
dossier page with the citizen's actions (supplement, withdraw, switch the return, rate)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.context_processors import chosen_province
from portal.errors import Conflict, Forbidden, RuleError
from portal.models import Procedure

from .. import declarations, services, tracking
from ..access import visible_dossiers
from ..models import IntakeChannel, ReturnChannel, Status
from ..payments import service as payments
from ..payments.pages import payment_panel
from ..printing import available_printables, supplement_request
from ..services import uploads
from ..services.uploads import with_versions
from . import store as store_pages
from .common import (
    HTTP_BAD_REQUEST,
    call_service,
    citizen_required,
    clock_for,
    document_rows,
    get_dossier,
    perform_action,
    post_upload,
    remove_upload,
    timeline,
    upload_limits,
)
from .forms import DraftForm, NoteForm, RateForm, SwitchReturnForm, WithdrawForm, channel_options

PAGE_SIZE = 20
UPLOAD_STATUSES = (Status.DRAFT, Status.SUPPLEMENT_REQUESTED)


# --- the draft ---------------------------------------------------------------------------------------


def _fee_online(procedure, policy, intake_channel, amount=None):
    """When a dossier submitted now is paid online, when its fee is collected ("before_acceptance" or
    "at_return", for the note before submission); "" when it is not paid online. `amount`: the applicant
    group's fee (the procedure's by default)."""
    payable = payments.fee_payable_online(procedure, policy, intake_channel, amount=amount)
    return payments.collect_at(procedure) if payable else ""


@citizen_required
def start(request, procedure_pk):
    """Nộp hồ sơ: the applicant data, the request and the channels; "Lưu nháp" creates the draft."""
    procedure = get_object_or_404(Procedure.objects.select_related("province", "agency"), pk=procedure_pk, active=True)
    form = DraftForm(request.POST or None, procedure=procedure, mode="citizen", user=request.user)
    request.notice_procedure = procedure  # the banner: this procedure's campaigns (campaigns.context_processors)
    status = 200
    if request.method == "POST" and not form.repeat_action:
        if form.is_valid():
            data = form.cleaned_data
            dossier, status = call_service(
                request,
                form,
                lambda: services.create_draft(
                    request.user,
                    procedure=procedure,
                    desk=data["desk"],
                    intake_channel=data["intake_channel"],
                    return_channel=data["return_channel"],
                    applicant=form.applicant(),
                    address=data.get("address") or "",
                    address_zone=data.get("address_zone") or "default",
                    form_data=form.form_data(),
                    fee_group=form.chosen_fee_group(),
                ),
            )
            if dossier is not None:
                messages.success(request, _("Đã lưu nháp hồ sơ %(code)s.") % {"code": dossier.code})
                return redirect("dossiers:documents", code=dossier.code)
        else:
            status = 400
    context = {"form": form, "procedure": procedure, "policy": form.policy, "dossier": None}
    context["fee_online"] = _fee_online(procedure, form.policy, IntakeChannel.ONLINE)
    return render(request, "dossiers/citizen/draft_form.html", context, status=status)


CHECK = "kiem-tra"  # the draft page shows what submission found missing in the declaration
INCOMPLETE = object()


def _check_declaration(dossier, form):
    """The declaration as submission checks it, its errors beside the fields (the draft page after a refusal)."""
    if form.declaration is None:
        return
    try:
        services.check_form_data(dossier.procedure_id, dossier.form_version, dossier.form_data, complete=True)
    except services.FormDataError as error:
        form.declaration.attach(error.errors)


@citizen_required
def edit(request, code):
    dossier = get_dossier(request.user, code)
    if dossier.status != Status.DRAFT:
        return redirect("dossiers:detail", code=code)
    form = DraftForm(
        request.POST or None,
        procedure=dossier.procedure,
        mode="edit",
        desk=dossier.desk,
        dossier=dossier,
        initial=DraftForm.initial_for(dossier),
    )
    status = 200
    if request.method == "GET" and CHECK in request.GET:
        _check_declaration(dossier, form)
    if request.method == "POST" and not form.repeat_action:
        if form.is_valid():
            updated, status = call_service(
                request, form, lambda: services.update_draft(dossier, request.user, **form.draft_fields())
            )
            if updated is not None:
                messages.success(request, _("Đã lưu nháp hồ sơ %(code)s.") % {"code": code})
                return redirect("dossiers:documents", code=code)
        else:
            status = 400
    context = {"form": form, "procedure": dossier.procedure, "policy": form.policy, "dossier": dossier}
    context["fee_online"] = _fee_online(dossier.procedure, form.policy, IntakeChannel.ONLINE)
    return render(request, "dossiers/citizen/draft_form.html", context, status=status)


def _documents_page(request, dossier, bound=None, note_form=None, status=200, reuse_error=None):
    request.notice_procedure, request.notice_desk = dossier.procedure, dossier.desk_id
    policy, _intake, _returns = channel_options(dossier.procedure, dossier.desk)
    rows = document_rows(dossier, bound)
    if not store_pages.attach_offers(rows, dossier, request.user, reuse_error):  # "Dùng lại từ kho" (the store)
        messages.error(request, reuse_error[1])
    context = {
        "dossier": dossier,
        "rows": rows,
        "limits": upload_limits(),
        "missing": services.missing_documents(dossier),
        "policy": policy,
        "note_form": note_form or NoteForm(prefix="supplement"),
        "request_event": supplement_request(dossier)[0],
        "requested_missing": supplement_request(dossier)[1],
        "fee_online": _fee_online(dossier.procedure, policy, dossier.intake_channel, payments.amount_due(dossier)),
        # The applicant group's fee and name (api.md fees); the name only where the procedure has groups.
        "amount_due": payments.amount_due(dossier),
        "fee_group_label": payments.fee_group_label(dossier),
    }
    return render(request, "dossiers/citizen/documents.html", context, status=status)


@citizen_required
def documents(request, code):
    """The documents step: one upload form per document, each posted on its own, so a
    rejected file shows its error beside that document and the others stay."""
    dossier = get_dossier(request.user, code)
    if dossier.status not in UPLOAD_STATUSES:
        return redirect("dossiers:detail", code=code)
    if request.method != "POST":
        return _documents_page(request, dossier)
    form, status = post_upload(request, dossier)
    if status is not None:
        return _documents_page(request, dossier, bound=form, status=status)
    return redirect("dossiers:documents", code=code)


@require_POST
@citizen_required
def reuse(request, code):
    """ "Dùng lại từ kho" on the documents page: the chosen entry is attached to the document posted, through
    uploads.reuse_document (the upload rules, an event of the dossier). A refusal shows beside that document."""
    dossier = get_dossier(request.user, code)
    if dossier.status not in UPLOAD_STATUSES:
        return redirect("dossiers:detail", code=code)
    document_code = request.POST.get("document", "")[:32]
    stored_id = request.POST.get("stored_document", "")[:20]
    try:
        document = uploads.reuse_document(dossier, request.user, document_code, stored_id or None)
    except RuleError as error:  # beside the document it was for; the other rows stay as they were
        reuse_error = (document_code, error.message)
        return _documents_page(request, dossier, reuse_error=reuse_error, status=HTTP_BAD_REQUEST)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("dossiers:documents", code=code)
    except Forbidden as error:
        raise PermissionDenied(error.message)
    messages.success(request, _("Đã dùng lại “%(name)s” từ kho giấy tờ.") % {"name": document.original_name})
    return redirect("dossiers:documents", code=code)


@require_POST
@citizen_required
def remove_document(request, code, document_id):
    dossier = get_dossier(request.user, code)
    back = "dossiers:documents" if dossier.status in UPLOAD_STATUSES else "dossiers:detail"
    return remove_upload(request, dossier, document_id, reverse(back, kwargs={"code": code}))


@require_POST
@citizen_required
def submit(request, code):
    """Nộp hồ sơ: through services.submit; the code is shown on the next page."""
    dossier = get_dossier(request.user, code)
    submitted, status = call_service(request, None, lambda: _submit(dossier, request.user))
    if submitted is INCOMPLETE:
        messages.error(request, _("Tờ khai chưa đầy đủ: vui lòng bổ sung các trường được đánh dấu rồi nộp lại."))
        return redirect(reverse("dossiers:edit", kwargs={"code": code}) + f"?{CHECK}=1")
    if submitted is None:
        return _documents_page(request, dossier, status=status)
    return redirect("dossiers:submitted", code=code)


def _submit(dossier, user):
    """Submit; a declaration the submission refuses brings the citizen back to its fields (INCOMPLETE)."""
    try:
        return services.submit(dossier, user)
    except services.FormDataError:
        return INCOMPLETE


@citizen_required
def submitted(request, code):
    dossier = get_dossier(request.user, code)
    if dossier.status == Status.DRAFT:
        return redirect("dossiers:documents", code=code)
    request.notice_procedure, request.notice_desk = dossier.procedure, dossier.desk_id
    context = {"dossier": dossier, "payment": payment_panel(dossier, request.user)}
    return render(request, "dossiers/citizen/submitted.html", context)


@require_POST
@citizen_required
def supplement_done(request, code):
    """ "Đã bổ sung": the citizen has uploaded what was asked."""
    dossier = get_dossier(request.user, code)
    note_form = NoteForm(request.POST, prefix="supplement")
    note = note_form.cleaned_data.get("note", "") if note_form.is_valid() else ""
    result, status = call_service(request, note_form, lambda: services.supplement(dossier, request.user, note))
    if result is None:
        return _documents_page(request, dossier, note_form=note_form, status=status)
    messages.success(request, _("Đã gửi hồ sơ bổ sung. Cơ quan sẽ tiếp tục giải quyết."))
    return redirect("dossiers:detail", code=code)


# --- my dossiers ----------------------------------------------------------------------------------------


@citizen_required
def my_dossiers(request):
    queryset = visible_dossiers(request.user).select_related("procedure")
    page = Paginator(queryset.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for dossier in page.object_list:
        running = bool(dossier.due_at) and dossier.is_running
        dossier.is_late = running and dossier.due_at < now
        dossier.in_time = running and dossier.due_at >= now
        dossier.pay_now = payments.payable(dossier)
    if page.object_list and chosen_province(request) is None:  # the banner: the latest dossier's province
        request.notice_province_id = page.object_list[0].province_id
    return render(request, "dossiers/citizen/list.html", {"page": page, "now": now})


# --- the dossier page and the citizen's actions ------------------------------------------------------------

CITIZEN_ACTIONS = {
    "withdraw": WithdrawForm,
    "switch_return": SwitchReturnForm,
    "rate": RateForm,
}


def _action_forms(dossier, allowed, bound=None):
    forms = {}
    for name, form_class in CITIZEN_ACTIONS.items():
        if name not in allowed:
            continue
        if bound is not None and bound.prefix == name:
            forms[name] = bound
        else:
            forms[name] = form_class(prefix=name, dossier=dossier)
    if "switch_return" in forms and not forms["switch_return"].fields["return_channel"].choices:
        del forms["switch_return"]
    return forms


def _detail_page(request, dossier, bound=None, status=200):
    request.notice_procedure, request.notice_desk = dossier.procedure, dossier.desk_id
    allowed = set(services.actions_for(dossier, request.user))
    event, missing = supplement_request(dossier)
    context = {
        "dossier": dossier,
        "clock": clock_for(dossier),
        "events": timeline(dossier, for_citizen=True),
        "documents": with_versions(dossier.documents.all()),
        "postal_legs": tracking.postal_legs(dossier),
        "allowed": allowed,
        "forms": _action_forms(dossier, allowed, bound),
        "printables": available_printables(dossier, staff=False),
        "supplement_event": event if dossier.status == Status.SUPPLEMENT_REQUESTED else None,
        "supplement_missing": missing,
        "refusal": dossier.events.filter(action="refuse").order_by("-at").first()
        if dossier.status == Status.REFUSED
        else None,
        "postal_return": ReturnChannel.POSTAL,
        "payment": payment_panel(dossier, request.user),
        "declaration_lines": declarations.lines_of(dossier),
    }
    return render(request, "dossiers/citizen/detail.html", context, status=status)


@citizen_required
def detail(request, code):
    return _detail_page(request, get_dossier(request.user, code))


@require_POST
@citizen_required
def act(request, code, action):
    if action not in CITIZEN_ACTIONS:
        raise Http404
    dossier = get_dossier(request.user, code)
    form = CITIZEN_ACTIONS[action](request.POST, prefix=action, dossier=dossier)
    if not form.is_valid():
        return _detail_page(request, dossier, bound=form, status=400)
    user = request.user
    result, status = call_service(request, form, lambda: perform_action(action, dossier, user, form.cleaned_data))
    if result is None:
        return _detail_page(request, get_dossier(user, code), bound=form, status=status)
    done = {
        "withdraw": _("Đã rút hồ sơ %(code)s."),
        "switch_return": _("Đã đổi hình thức nhận kết quả của hồ sơ %(code)s."),
        "rate": _("Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp cơ quan phục vụ tốt hơn."),
    }
    messages.success(request, done[action] % {"code": code})
    return redirect("dossiers:detail", code=code)
