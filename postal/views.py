"""The postal pages (bưu chính công ích): the clerk's queue of the province's orders sorted by
time left, the order page with its timeline and action forms, the breach board, the desk's
handover list (biên bản giao nhận), the printable slip and handover record, and the Finance
confirmation list as a page.

Who sees what is `postal.access.visible_orders` (clerk and province admin: the province; officer:
the desk; head: the agency); anything else is a 404. Every change goes through postal/services.py:
a refusal that names a field shows beside it (400), a state that does not allow the action shows
as a message (409) and changes nothing, someone who may not gets the 403 page.

Time left: in working time (the desk's calendar) when the order's SLA counts working hours, else
in clock time; "near" means at most NEAR_DUE of that time left."""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dossiers import queues
from dossiers.pages.common import call_service
from dossiers.payments.service import proof_document_of
from dossiers.printing import issuing_authority, qr_svg
from portal.models import OneStopDesk, Role
from portal.working_time import calendar_for_desk

from . import reports, services, workflow
from .access import visible_orders
from .forms import ALL, AssignForm, DeliverForm, HandoverForm, NoteForm, OrderFilterForm, ReasonForm
from .models import PostalOrder

S = PostalOrder.Status
PAGE_ROLES = (Role.POSTAL_CLERK, Role.PROVINCE_ADMIN, Role.OFFICER, Role.HEAD)
NEAR_DUE = timedelta(hours=1)
WAITING = (S.CREATED, S.ASSIGNED, S.FAILED)  # not yet in the post's hands: the SLA clock runs
FILTER_KEYS = ("kind", "status", "desk", "breached", "assigned")
REPORT_MAX_ROWS = 2000
BOARD_CLOSED_DAYS = 30
BOARD_CLOSED_MAX = 100

ACTIONS = {
    "assign": (AssignForm, gettext_lazy("Nhận đơn / phân công"), gettext_lazy("Phân công")),
    "pick_up": (NoteForm, gettext_lazy("Đã nhận hàng"), gettext_lazy("Xác nhận đã nhận hàng")),
    "deliver": (DeliverForm, gettext_lazy("Đã phát thành công"), gettext_lazy("Xác nhận đã phát")),
    "fail": (ReasonForm, gettext_lazy("Không thành công"), gettext_lazy("Ghi nhận không thành công")),
    "handover": (HandoverForm, gettext_lazy("Lập biên bản giao nhận"), gettext_lazy("Xác nhận đã nhận hồ sơ")),
    "cancel": (ReasonForm, gettext_lazy("Huỷ đơn"), gettext_lazy("Huỷ đơn")),
}
EVENT_LABELS = {
    "create": gettext_lazy("Tạo đơn"),
    "breach": gettext_lazy("Quá hạn SLA"),
    **{name: t.label for name, t in workflow.TRANSITIONS.items()},
}
# slug → (template, title)
PRINTABLES = {
    "phieu-gui": ("slip", gettext_lazy("Phiếu gửi hồ sơ, kết quả qua dịch vụ bưu chính công ích")),
    "bien-ban-giao-nhan": ("handover", gettext_lazy("Biên bản giao nhận hồ sơ")),
}


def postal_staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_superuser or request.user.role in PAGE_ROLES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def nav_links(request):
    """The postal links of the main navigation for the person's role."""
    user = request.user
    links = []
    if user.is_superuser or user.role in PAGE_ROLES:
        links.append(("postal:queue", _("Đơn bưu chính")))
        if user.is_superuser or user.role in (Role.OFFICER, Role.HEAD, Role.PROVINCE_ADMIN):
            links.append(("postal:handovers", _("Nhận hồ sơ từ bưu điện")))
        links.append(("postal:breaches", _("Quá hạn SLA")))
    if reports.may_report(user):
        links.append(("postal:report", _("Danh sách xác nhận")))
    name = request.resolver_match.view_name if request.resolver_match else ""
    return [{"url": reverse(n), "label": label, "current": n == name} for n, label in links]


def _render(request, template, context, status=200):
    context["postal_links"] = nav_links(request)
    return render(request, template, context, status=status)


def get_order(user, pk):
    queryset = visible_orders(user).select_related(
        "dossier", "dossier__procedure", "desk", "desk__agency", "agency", "province", "assigned_to", "handed_over_to"
    )
    return get_object_or_404(queryset, pk=pk)


class Clocks:
    """The SLA as people read it (time left, or late by), with one calendar per desk."""

    def __init__(self, now):
        self.now = now
        self.calendars = {}

    def between(self, order, start, end):
        if order.sla_clock == PostalOrder.SlaClock.CLOCK:
            return end - start
        calendar = self.calendars.get(order.desk_id)
        if calendar is None:
            calendar = self.calendars[order.desk_id] = calendar_for_desk(order.desk)
        return calendar.working_time_between(start, end)

    def mark(self, order):
        """Sets order.left / order.late_by / order.near / order.overdue (waiting and past due)."""
        order.left = order.late_by = None
        order.near = order.overdue = False
        met_at = order.picked_up_at or order.cancelled_at
        if met_at is None and order.status in WAITING:
            if order.due_at > self.now:
                order.left = self.between(order, self.now, order.due_at)
                order.near = order.left <= NEAR_DUE
            else:
                order.late_by = self.between(order, order.due_at, self.now)
                order.overdue = True
        elif met_at is not None and met_at > order.due_at:
            order.late_by = self.between(order, order.due_at, met_at)
        return order


# --- the queue --------------------------------------------------------------------------------------


def _desks(user):
    if user.is_superuser:
        return OneStopDesk.objects.order_by("province__name", "code")
    if user.role == Role.OFFICER:
        return OneStopDesk.objects.filter(pk=user.desk_id)
    if user.role == Role.HEAD:
        return OneStopDesk.objects.filter(
            Q(agency_id=user.agency_id) | Q(agency__isnull=True, province=user.province_id)
        )
    return OneStopDesk.objects.filter(province_id=user.province_id).order_by("code")


def _filter(queryset, values, user):
    status = values.get("status")
    if not status:
        queryset = queryset.filter(status__in=workflow.OPEN_STATUSES)
    elif status != ALL:
        queryset = queryset.filter(status=status)
    if "kind" in values:
        queryset = queryset.filter(kind=values["kind"])
    if "desk" in values:
        queryset = queryset.filter(desk=values["desk"])
    if values.get("breached") == "yes":
        queryset = queryset.filter(breached_at__isnull=False)
    elif values.get("breached") == "no":
        queryset = queryset.filter(breached_at__isnull=True)
    if values.get("assigned") == "me":
        queryset = queryset.filter(assigned_to=user)
    elif values.get("assigned") == "none":
        queryset = queryset.filter(assigned_to__isnull=True)
    return queryset


QUICK = {S.CREATED: "assign", S.FAILED: "assign", S.ASSIGNED: "pick_up", S.PICKED_UP: "deliver"}


def _quick_action(order, user):
    """The likely next step, as a one-click button in the row (fail needs a reason: the order page)."""
    name = QUICK.get(order.status)
    if name is None or not services.may(name, order, user):
        return None
    return {"name": name, "label": _("Nhận đơn") if name == "assign" else ACTIONS[name][1]}


@require_GET
@postal_staff_required
def queue(request):
    """Đơn bưu chính: the orders in scope, soonest due first; keyset pages; counts in one query."""
    user = request.user
    now = timezone.now()
    scope = visible_orders(user)
    bound = any(key in request.GET for key in FILTER_KEYS)
    filters = OrderFilterForm(request.GET if bound else None, desks=_desks(user))
    rows = _filter(scope, filters.values(), user).select_related("dossier", "dossier__procedure", "desk", "assigned_to")
    page = queues.keyset_page(rows, "due", after=request.GET.get("after"), before=request.GET.get("before"))
    clocks = Clocks(now)
    for order in page.rows:
        clocks.mark(order)
        order.quick = _quick_action(order, user)
    waiting = Q(status__in=WAITING, picked_up_at__isnull=True)
    counts = scope.filter(status__in=workflow.OPEN_STATUSES).aggregate(
        open=Count("id"),
        late=Count("id", filter=waiting & Q(due_at__lte=now)),
        soon=Count("id", filter=waiting & Q(due_at__gt=now, due_at__lte=now + NEAR_DUE)),
        unassigned=Count("id", filter=Q(status=S.CREATED)),
    )
    context = {"filters": filters, "page": page, "counts": counts, "now": now, "near": NEAR_DUE}
    return _render(request, "postal/queue.html", context)


# --- the order page ----------------------------------------------------------------------------------


def _forms_for(order, user, bound=None):
    forms = []
    for name, (form_class, label, submit) in ACTIONS.items():
        if name == "handover" and order.kind != PostalOrder.Kind.PICKUP:
            continue
        if name == "handover" and order.handed_over_at is not None:
            continue
        if not services.may(name, order, user):
            continue
        form = bound if bound is not None and bound.prefix == name else form_class(prefix=name, order=order)
        forms.append({"name": name, "label": label, "submit": submit, "form": form})
    return forms


def timeline(order):
    events = list(order.events.select_related("actor", "client").order_by("at", "id"))
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.from_label = _status_label(event.from_status)
        event.to_label = _status_label(event.to_status)
    return events


def _status_label(value):
    try:
        return S(value).label
    except ValueError:
        return value or ""


def _order_page(request, order, bound=None, status=200):
    now = timezone.now()
    Clocks(now).mark(order)
    context = {
        "order": order,
        "dossier": order.dossier,
        "events": timeline(order),
        "forms": _forms_for(order, request.user, bound),
        "printables": [(slug, title) for slug, (_kind, title) in PRINTABLES.items()],
        "now": now,
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    return _render(request, "postal/detail.html", context, status=status)


@require_GET
@postal_staff_required
def detail(request, pk):
    return _order_page(request, get_order(request.user, pk))


def _call(name, order, user, data):
    note = data.get("note", "")
    calls = {
        "assign": lambda: services.assign(order, user, assignee=data.get("assignee"), note=note),
        "pick_up": lambda: services.pick_up(order, user, note=note),
        "deliver": lambda: services.deliver(
            order,
            user,
            note=note,
            receiver_name=data.get("receiver_name", ""),
            fee_collected=data.get("fee_collected"),
        ),
        "fail": lambda: services.fail(order, user, data["reason"]),
        "cancel": lambda: services.cancel(order, user, data["reason"]),
        "handover": lambda: services.record_handover(order, user, note),
    }
    return calls[name]()


def _next_url(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_POST
@postal_staff_required
def act(request, pk, action):
    """One action posted (CSRF-checked): through the services; a missing reason beside its field
    (400), a status that does not allow it as a message (409), someone who may not → 403."""
    if action not in ACTIONS:
        raise Http404
    order = get_order(request.user, pk)
    form = ACTIONS[action][0](request.POST, prefix=action, order=order)
    if not form.is_valid():
        return _order_page(request, order, bound=form, status=400)
    result, status = call_service(request, form, lambda: _call(action, order, request.user, form.cleaned_data))
    if result is None:
        return _order_page(request, get_order(request.user, pk), bound=form, status=status)
    messages.success(
        request,
        _("Đã thực hiện “%(action)s” cho đơn %(code)s.") % {"action": ACTIONS[action][1], "code": result.tracking_code},
    )
    if action == "handover":
        return redirect("postal:print", pk=pk, slug="bien-ban-giao-nhan")
    return redirect(_next_url(request, reverse("postal:detail", args=[pk])))


# --- the breach board --------------------------------------------------------------------------------


@require_GET
@postal_staff_required
def breaches(request):
    """Quá hạn SLA: open breached orders first (most overdue first, keyset pages), then those
    closed in the last BOARD_CLOSED_DAYS days (latest breach first)."""
    now = timezone.now()
    breached = visible_orders(request.user).filter(breached_at__isnull=False)
    related = ("dossier", "dossier__procedure", "desk", "assigned_to")
    page = queues.keyset_page(
        breached.filter(status__in=workflow.OPEN_STATUSES).select_related(*related),
        "due",
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    closed = list(
        breached.exclude(status__in=workflow.OPEN_STATUSES)
        .filter(updated_at__gte=now - timedelta(days=BOARD_CLOSED_DAYS))
        .select_related(*related)
        .order_by("-breached_at", "-id")[:BOARD_CLOSED_MAX]
    )
    clocks = Clocks(now)
    for order in [*page.rows, *closed]:
        clocks.mark(order)
    context = {"page": page, "closed": closed, "closed_days": BOARD_CLOSED_DAYS, "now": now}
    return _render(request, "postal/breaches.html", context)


# --- the desk: receiving dossiers from the post --------------------------------------------------------


@require_GET
@postal_staff_required
def handovers(request):
    """Nhận hồ sơ từ bưu điện: the pickups in the post's hands or delivered to the desk that have
    no handover record yet, each with its form; the last handovers below."""
    user = request.user
    if not (user.is_superuser or user.role in (Role.OFFICER, Role.HEAD, Role.PROVINCE_ADMIN)):
        raise PermissionDenied
    pickups = visible_orders(user).filter(kind=PostalOrder.Kind.PICKUP)
    related = ("dossier", "dossier__procedure", "desk", "assigned_to", "handed_over_to")
    waiting = list(
        pickups.filter(status__in=(S.PICKED_UP, S.DELIVERED), handed_over_at__isnull=True)
        .select_related(*related)
        .order_by("picked_up_at", "id")[:200]
    )
    for order in waiting:
        order.form = HandoverForm(prefix="handover", order=order)
    done = list(pickups.filter(handed_over_at__isnull=False).select_related(*related).order_by("-handed_over_at")[:30])
    return _render(request, "postal/handovers.html", {"waiting": waiting, "done": done})


# --- printables ------------------------------------------------------------------------------------


@require_GET
@postal_staff_required
def printable(request, pk, slug):
    if slug not in PRINTABLES:
        raise Http404
    kind, title = PRINTABLES[slug]
    order = get_order(request.user, pk)
    dossier = order.dossier
    documents = list(dossier.procedure.documents.all())
    # The blank forms the post hands out (seed 002), by their public address (printed: the citizen types it), and
    # the fee group's proof document, required like the others (api.md "fees").
    proof = proof_document_of(dossier)
    for document in documents:
        document.template_url = request.build_absolute_uri(document.template_path) if document.template else ""
        document.needed = document.required or document.code == proof
    context = {
        "order": order,
        "dossier": dossier,
        "title": title,
        "kind": kind,
        "authority": issuing_authority(dossier),
        "documents": documents,
        "printed_at": timezone.now(),
        "qr": qr_svg(order.tracking_code, label=_("Mã vận đơn %(code)s") % {"code": order.tracking_code}),
        "is_pickup": order.kind == PostalOrder.Kind.PICKUP,
    }
    if kind == "handover":
        if order.kind == PostalOrder.Kind.PICKUP:
            # The post hands the citizen's dossier to the desk.
            context.update(giver=order.assigned_to, receiver=order.handed_over_to, moment=order.handed_over_at)
        else:
            # The desk hands the result to the post.
            context.update(giver=None, receiver=order.assigned_to, moment=order.picked_up_at)
    return render(request, f"postal/print/{kind}.html", context)


# --- the Finance confirmation list -------------------------------------------------------------------


@require_GET
@login_required
def report(request):
    """Danh sách xác nhận: the list of postal/reports.py with a filter form, download links
    (the API's CSV and XLSX) and a print layout with the signature blocks."""
    user = request.user
    if not reports.may_report(user):
        raise PermissionDenied
    data = request.GET.copy()
    if not data.get("from") and not data.get("to"):
        today = timezone.localdate()
        data["from"], data["to"] = today.replace(day=1).isoformat(), today.isoformat()
    form = reports.PostalReportForm(data, agencies=reports.agencies_for(user))
    context = {"form": form, "report": None, "show_province": user.is_superuser}
    if not form.is_valid():
        return _render(request, "postal/report.html", context, status=400)
    report = reports.PostalReport.for_request(user, form.cleaned_data)
    rows = list(report.rows()[: REPORT_MAX_ROWS + 1])
    for number, row in enumerate(rows, start=1):
        row["no"] = number
        row["kind_label"] = reports.kind_label(row["kind"])
        row["status_label"] = reports.status_label(row["status"])
    params = {
        key: value
        for key, value in {
            "province": report.province.code if report.province else "",
            "agency": report.agency.code if report.agency else "",
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "campaign": report.campaign_id or "",
            "switched": "1" if report.switched else "",
        }.items()
        if value
    }
    api = reverse("api-reports-postal")
    context.update(
        report=report,
        rows=rows[:REPORT_MAX_ROWS],
        truncated=len(rows) > REPORT_MAX_ROWS,
        max_rows=REPORT_MAX_ROWS,
        agency_totals=[reports.agency_line(line) for line in report.agency_totals()],
        budget_totals=report.budget_totals(),
        totals=report.totals(),
        downloads=[(fmt.upper(), f"{api}?{urlencode({**params, 'format': fmt})}") for fmt in ("csv", "xlsx", "json")],
        printed_at=timezone.now(),
    )
    return _render(request, "postal/report.html", context)
