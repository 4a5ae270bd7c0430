"""The one-stop officer's pages (and the head's, for their agency): the queues, the dossier
page with its claim and action forms, walk-in entry, and the staff notifications."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.models import Procedure, Role
from portal.working_time import calendar_for_desk

from .. import declarations, queues, services, tracking, workflow
from ..access import may_create_draft, visible_dossiers
from ..models import Notification, Status
from ..printing import SLUG_OF, available_printables, supplement_request
from ..services import claims
from ..services.uploads import with_versions
from .common import (
    call_service,
    clock_for,
    document_rows,
    get_dossier,
    perform_action,
    post_upload,
    reader_required,
    remove_upload,
    staff_required,
    timeline,
    upload_limits,
    worker_required,
)
from .forms import (
    ApologizeForm,
    CompleteForm,
    DraftForm,
    ExceptionForm,
    ForwardForm,
    NoteForm,
    PauseForm,
    ProcessForm,
    QueueFilterForm,
    RefuseForm,
    SendBackForm,
    SupplementRequestForm,
    SwitchReturnForm,
    WalkInProcedureForm,
    WithdrawForm,
)
from .steps import process_rows

# --- the queues ---------------------------------------------------------------------------------------


def _scope_procedures(user):
    if user.role == Role.OFFICER and user.desk_id:
        desk = user.desk
        candidates = Procedure.objects.filter(province_id=desk.province_id).select_related("agency")
        return Procedure.objects.filter(pk__in=[p.pk for p in candidates if services.desk_serves(desk, p)])
    return Procedure.objects.filter(agency_id=user.agency_id)


def _apply_filters(queryset, values):
    if "procedure" in values:
        queryset = queryset.filter(procedure=values["procedure"])
    if "channel" in values:
        queryset = queryset.filter(intake_channel=values["channel"])
    tz = timezone.get_current_timezone()
    if "date_from" in values:
        queryset = queryset.filter(submitted_at__gte=datetime.combine(values["date_from"], time.min, tz))
    if "date_to" in values:
        queryset = queryset.filter(
            submitted_at__lt=datetime.combine(values["date_to"] + timedelta(days=1), time.min, tz)
        )
    return queryset


@staff_required
def queue(request):
    """Hàng đợi: tabs with counts (one aggregate query), filters, sort, keyset pages."""
    user = request.user
    now = timezone.now()
    current = queues.get_queue(request.GET.get("queue"))
    sort = request.GET.get("sort")
    if sort not in current.sorts:
        sort = current.default_sort
    filters = QueueFilterForm(
        request.GET
        if any(k in request.GET for k in ("procedure", "channel", "status", "date_from", "date_to"))
        else None,
        procedures=_scope_procedures(user).order_by("code"),
        statuses=[Status(s) for s in current.statuses],
    )
    values = filters.values()
    scope = _apply_filters(visible_dossiers(user), values)
    counts = queues.counts(scope, now)
    own_desk = user.desk if user.role == Role.OFFICER else None
    rows = queues.tab_rows(scope, current, now, with_desk=own_desk is None)
    if values.get("status") in current.statuses:
        rows = rows.filter(status=values["status"])
    page = queues.keyset_page(rows, sort, after=request.GET.get("after"), before=request.GET.get("before"))
    calendars = {}
    for dossier in page.rows:
        dossier.claim_live = dossier.claim_is_live(now)
        dossier.left = dossier.overdue_by = None
        if dossier.due_at and dossier.is_running:
            desk = own_desk or dossier.desk
            calendar = calendars.get(desk.pk) or calendars.setdefault(desk.pk, calendar_for_desk(desk))
            if dossier.due_at >= now:
                dossier.left = calendar.working_time_between(now, dossier.due_at)
            else:
                dossier.overdue_by = calendar.working_time_between(dossier.due_at, now)
    tabs = [
        {"key": q.key, "label": q.label, "count": counts[q.key], "current": q.key == current.key} for q in queues.QUEUES
    ]
    context = {
        "tabs": tabs,
        "queue": current,
        "sort": sort,
        "sorts": [(key, queues.SORT_LABELS[key]) for key in current.sorts],
        "filters": filters,
        "page": page,
        "now": now,
        "desk": own_desk,
    }
    return render(request, "dossiers/officer/queue.html", context)


# --- the dossier page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    form: type
    label: str
    submit: str = ""
    then: str = ""  # the printable shown after success (a printing kind), else the dossier page


ACTIONS = {
    "submit": Action(NoteForm, gettext_lazy("Nộp hồ sơ"), gettext_lazy("Nộp hồ sơ")),
    "submit_accept": Action(
        NoteForm, gettext_lazy("Nộp và tiếp nhận ngay"), gettext_lazy("Nộp và tiếp nhận ngay"), "receipt"
    ),
    "accept": Action(NoteForm, gettext_lazy("Tiếp nhận hồ sơ"), gettext_lazy("Tiếp nhận, in giấy hẹn"), "receipt"),
    "request_supplement": Action(
        SupplementRequestForm,
        gettext_lazy("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
        gettext_lazy("Gửi yêu cầu bổ sung"),
        "supplement",
    ),
    "refuse": Action(RefuseForm, gettext_lazy("Từ chối tiếp nhận"), gettext_lazy("Từ chối tiếp nhận"), "refusal"),
    "supplement": Action(NoteForm, gettext_lazy("Đã nhận hồ sơ bổ sung"), gettext_lazy("Xác nhận đã bổ sung")),
    "process": Action(ProcessForm, gettext_lazy("Chuyển xử lý"), gettext_lazy("Chuyển xử lý")),
    "forward": Action(ForwardForm, gettext_lazy("Chuyển bước tiếp theo"), gettext_lazy("Chuyển bước tiếp theo")),
    "send_back": Action(SendBackForm, gettext_lazy("Trả lại bước trước"), gettext_lazy("Trả lại bước trước")),
    "pause": Action(PauseForm, gettext_lazy("Tạm dừng thời hạn"), gettext_lazy("Tạm dừng")),
    "resume": Action(NoteForm, gettext_lazy("Tiếp tục xử lý"), gettext_lazy("Tiếp tục xử lý")),
    "complete": Action(CompleteForm, gettext_lazy("Có kết quả giải quyết"), gettext_lazy("Ghi nhận kết quả")),
    "return": Action(NoteForm, gettext_lazy("Trả kết quả"), gettext_lazy("Đã trả kết quả")),
    "apologize": Action(
        ApologizeForm,
        gettext_lazy("Xin lỗi và hẹn lại ngày trả kết quả"),
        gettext_lazy("Lập phiếu xin lỗi"),
        "apology",
    ),
    "switch_return": Action(SwitchReturnForm, gettext_lazy("Đổi hình thức nhận kết quả"), gettext_lazy("Đổi")),
    "grant_exception": Action(
        ExceptionForm,
        gettext_lazy("Trường hợp khẩn cấp (lãnh đạo cơ quan phê duyệt)"),
        gettext_lazy("Đề nghị / phê duyệt trường hợp khẩn cấp"),
    ),
    "withdraw": Action(WithdrawForm, gettext_lazy("Rút hồ sơ (theo đề nghị của người nộp)"), gettext_lazy("Rút hồ sơ")),
}
CLOSED = (Status.RETURNED, Status.REFUSED, Status.WITHDRAWN)
# The internal process's actions: the process card links to their forms.
STEP_ACTIONS = ("forward", "send_back", "complete")
# The likely next step first (it is shown open); the rarer and the destructive ones last.
DISPLAY_ORDER = (
    "submit_accept",
    "submit",
    "accept",
    "forward",
    "complete",
    "return",
    "process",
    "resume",
    "supplement",
    "request_supplement",
    "send_back",
    "pause",
    "refuse",
    "apologize",
    "switch_return",
    "grant_exception",
    "withdraw",
)


def allowed_actions(dossier, user, now=None):
    """The action forms to show: the table's rows `services.can` allows this person now (status,
    claim, the rows' own guards: a second apology, one after the due moment, the process step held),
    and the two that are not rows: submit-and-accept (two rows in one go) and the urgent exception
    (its own request), for the desk's officers and the agency's heads only. Whoever holds the current
    process step without being either (a specialist, a consulted agency's head) gets the step's rows."""
    now = now or timezone.now()
    kind = services.actor_kind(user, dossier)
    if kind not in (workflow.OFFICER, workflow.HEAD, workflow.STEP):
        return []
    allowed = {name for name in ACTIONS if name in workflow.TRANSITIONS and services.can(name, dossier, user, now)}
    if kind == workflow.STEP:
        return [name for name in DISPLAY_ORDER if name in allowed]
    if "submit" in allowed and kind == workflow.OFFICER:
        allowed.add("submit_accept")
    if dossier.status not in CLOSED and not services.has_exception(dossier):
        # An officer asks once at a time (the request waits for the head); a head's grant approves it.
        waiting = dossier.exception_requests.filter(state="pending").exists()
        if kind == workflow.HEAD or not waiting:
            allowed.add("grant_exception")
    return [name for name in DISPLAY_ORDER if name in allowed]


def _claim_state(dossier, user, now):
    live = dossier.claim_is_live(now)
    return {
        "live": live,
        "mine": live and dossier.claimed_by_id == user.id,
        "other": live and dossier.claimed_by_id != user.id,
    }


def postal_returns_to_cancel(dossier):
    """The open postal return orders that handing the result over at the desk would cancel
    (postal's receiver of dossier_returned does it): the officer confirms first."""
    return [leg for leg in tracking.postal_legs(dossier) if leg["kind"] == "return" and leg.get("cancellable")]


def _page(request, dossier, bound=None, upload_bound=None, status=200, confirm_return=None):
    now = timezone.now()
    user = request.user
    names = allowed_actions(dossier, user, now)
    forms = []
    for name in names:
        action = ACTIONS[name]
        form = bound if bound is not None and bound.prefix == name else action.form(prefix=name, dossier=dossier)
        if name == "switch_return" and not form.fields["return_channel"].choices:
            continue
        forms.append({"name": name, "action": action, "form": form})
    kind = services.actor_kind(user, dossier)
    claim = _claim_state(dossier, user, now)
    can_upload = services.can("upload", dossier, user, now)
    event, missing = supplement_request(dossier)
    context = {
        "dossier": dossier,
        "clock": clock_for(dossier, now),
        "events": timeline(dossier),
        "documents": with_versions(dossier.documents.select_related("uploaded_by")),
        "rows": document_rows(dossier, upload_bound) if can_upload else None,
        "limits": upload_limits(),
        "missing": services.missing_documents(dossier),
        "postal_legs": tracking.postal_legs(dossier),
        "forms": forms,
        "claim": claim,
        "printables": available_printables(dossier, staff=True),
        "supplement_event": event,
        "supplement_missing": missing,
        "has_exception": services.has_exception(dossier),
        "exception_request": dossier.exception_requests.select_related("decided_by").order_by("-requested_at").first(),
        "kind": kind,
        "may_claim": kind in (workflow.OFFICER, workflow.HEAD),
        "staff": user.role in (Role.OFFICER, Role.HEAD),
        "process_rows": process_rows(dossier, now),
        # The process's own buttons, linked from the process card to their forms below.
        "step_actions": [] if claim["other"] else [item for item in forms if item["name"] in STEP_ACTIONS],
        "now": now,
        "confirm_return": confirm_return,
        "declaration_lines": declarations.lines_of(dossier),
    }
    return render(request, "dossiers/officer/detail.html", context, status=status)


@reader_required
def detail(request, code):
    return _page(request, get_dossier(request.user, code))


def _submit_accept(dossier, user, note):
    dossier = services.submit(dossier, user, note)
    return services.accept(dossier, user)


def _call(name, dossier, user, data):
    """The table's rows run through `services.perform`; submit-and-accept and the urgent exception
    are not rows of their own."""
    if name == "submit_accept":
        return _submit_accept(dossier, user, data.get("note", ""))
    if name == "grant_exception":
        return services.grant_exception(dossier, user, data["reason"])
    return perform_action(name, dossier, user, data)


@require_POST
@worker_required
def act(request, code, action):
    """One action form posted: through services; errors beside the field (400), a state that
    does not allow it or a colleague's claim as a message (409), no right → 403."""
    if action not in ACTIONS:
        raise Http404
    dossier = get_dossier(request.user, code)
    form = ACTIONS[action].form(request.POST, request.FILES, prefix=action, dossier=dossier)
    if not form.is_valid():
        return _page(request, dossier, bound=form, status=400)
    if action == "return" and request.POST.get("confirm_cancel_postal") != "1":
        orders = postal_returns_to_cancel(dossier)
        if orders:  # ask first: the hand-over cancels the post's return order
            return _page(request, dossier, bound=form, confirm_return=orders)
    result, status = call_service(request, form, lambda: _call(action, dossier, request.user, form.cleaned_data))
    if status != 200:
        # A submit that went through before the acceptance failed is kept: show the page as it is now.
        return _page(request, get_dossier(request.user, code), bound=form, status=status)
    done = _("Đã thực hiện “%(action)s” cho hồ sơ %(code)s.")
    if action == "grant_exception" and result.state == result.State.PENDING:
        done = _("Đã gửi đề nghị “%(action)s” của hồ sơ %(code)s tới lãnh đạo cơ quan.")
    messages.success(request, done % {"action": ACTIONS[action].label, "code": code})
    then = ACTIONS[action].then
    if then:
        return redirect("dossiers:print", code=code, slug=SLUG_OF[then])
    return redirect("dossiers:officer_detail", code=code)


@require_POST
@staff_required
def claim(request, code):
    dossier = get_dossier(request.user, code)
    release = request.POST.get("release") == "1"
    if release:
        result, status = call_service(request, None, lambda: claims.release(dossier, request.user))
    else:
        result, status = call_service(request, None, lambda: claims.claim(dossier, request.user))
    if result is None:
        return _page(request, get_dossier(request.user, code), status=status)
    if release:
        messages.success(request, _("Đã trả lại hồ sơ %(code)s cho hàng đợi.") % {"code": code})
    else:
        until = timezone.localtime(result.claim_expires_at).strftime("%H:%M")
        messages.success(request, _("Bạn đang giữ hồ sơ %(code)s đến %(until)s.") % {"code": code, "until": until})
    return redirect("dossiers:officer_detail", code=code)


@staff_required
def officer_documents(request, code):
    """Scanned documents uploaded by the officer (walk-in entry, a supplement brought to the desk)."""
    dossier = get_dossier(request.user, code)
    if request.method != "POST":
        return redirect("dossiers:officer_detail", code=code)
    form, status = post_upload(request, dossier)
    if status is not None:
        return _page(request, dossier, upload_bound=form, status=status)
    return redirect(reverse("dossiers:officer_detail", kwargs={"code": code}) + "#giay-to")


@require_POST
@staff_required
def officer_remove_document(request, code, document_id):
    dossier = get_dossier(request.user, code)
    back_url = reverse("dossiers:officer_detail", kwargs={"code": code}) + "#giay-to"
    return remove_upload(request, dossier, document_id, back_url)


# --- walk-in entry -----------------------------------------------------------------------------------------


def _declaration_complete(procedure, form):
    """The walk-in declaration is entered whole, the applicant at the desk: there is no page to complete a
    walk-in draft later, and its submission needs every required field (the submit row's guard)."""
    if form.declaration is None:
        return True
    try:
        services.check_form_data(procedure.pk, procedure.form_version, form.form_data(), complete=True)
    except services.FormDataError as error:
        form.declaration.attach(error.errors)
        return False
    return True


@staff_required
def walk_in(request):
    """Tiếp nhận trực tiếp: the officer enters a dossier on the citizen's behalf (no owner),
    then uploads the scans, submits and can accept at once on the dossier page."""
    user = request.user
    desk = user.desk if user.role == Role.OFFICER else None
    if not may_create_draft(user, desk):  # the check services.create_draft makes again (and the API)
        raise PermissionDenied
    chooser = WalkInProcedureForm(request.GET or None, desk=desk)
    procedure = chooser.cleaned_data["procedure"] if chooser.is_bound and chooser.is_valid() else None
    if procedure is None:
        return render(request, "dossiers/officer/walk_in.html", {"chooser": chooser, "form": None, "desk": desk})
    form = DraftForm(request.POST or None, procedure=procedure, mode="walk_in", desk=desk)
    status = 200
    if request.method == "POST" and not form.repeat_action:
        if form.is_valid() and _declaration_complete(procedure, form):
            data = form.cleaned_data
            dossier, status = call_service(
                request,
                form,
                lambda: services.create_draft(
                    user,
                    procedure=procedure,
                    desk=desk,
                    intake_channel="walk_in",
                    return_channel=data["return_channel"],
                    applicant=form.applicant(),
                    address=data.get("address") or "",
                    address_zone=data.get("address_zone") or "default",
                    form_data=form.form_data(),
                    owner=None,
                    ticket=data.get("ticket"),
                    fee_group=form.chosen_fee_group(),
                ),
            )
            if dossier is not None:
                messages.success(
                    request,
                    _("Đã lập hồ sơ %(code)s. Tải lên bản chụp giấy tờ, sau đó nộp và tiếp nhận.")
                    % {"code": dossier.code},
                )
                return redirect(reverse("dossiers:officer_detail", kwargs={"code": dossier.code}) + "#giay-to")
        else:
            status = 400
    walk_in_option = next(o for o in form.fields["intake_channel"].options if o["value"] == "walk_in")
    context = {
        "chooser": chooser,
        "form": form,
        "procedure": procedure,
        "desk": desk,
        "policy": form.policy,
        "walk_in": walk_in_option,
    }
    return render(request, "dossiers/officer/walk_in.html", context, status=status)


# --- staff notifications ---------------------------------------------------------------------------------


def _staff_notifications(user):
    return Notification.objects.filter(recipient_user=user, channel=Notification.Channel.STAFF)


@worker_required
def notifications(request):
    """Thông báo: the deadline alerts sent to this officer, head or specialist (a step's alerts), newest first."""
    queryset = _staff_notifications(request.user).select_related("dossier").order_by("-created_at", "-id")
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    unread = _staff_notifications(request.user).filter(read_at__isnull=True).count()
    return render(request, "dossiers/officer/notifications.html", {"page": page, "unread": unread})


@require_POST
@worker_required
def mark_read(request, pk=None):
    queryset = _staff_notifications(request.user).filter(read_at__isnull=True)
    if pk is not None:
        get_object_or_404(_staff_notifications(request.user), pk=pk)
        queryset = queryset.filter(pk=pk)
    queryset.update(read_at=timezone.now())
    return redirect("dossiers:notifications")
