"""Pages: a province admin's campaigns (list, create, edit, preview, activate, end, audit
trail; own province only, another's is a 404), the kiosk/citizen page to take a queue
number, and the desk page that calls the next number."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import Conflict, RuleError
from portal.models import OneStopDesk, Province

from . import services, tickets
from .forms import CampaignForm, PreviewForm, TicketForm
from .models import Campaign, Session
from .policy import rule_from
from .rules import channel_label, describe, describe_scope
from .throttles import refused_wait


def _manager(request):
    if not services.is_manager(request.user):
        raise PermissionDenied(_("Chỉ quản trị tỉnh được quản lý đợt áp dụng biện pháp."))


def _campaign(request, pk):
    _manager(request)
    return get_object_or_404(services.manageable(request.user).select_related("province", "created_by"), pk=pk)


@login_required
def campaign_list(request):
    _manager(request)
    campaigns = services.manageable(request.user).select_related("province")
    status = request.GET.get("status")
    if status in Campaign.Status.values:
        campaigns = campaigns.filter(status=status)
    now = timezone.now()
    rows = [{"campaign": c, "in_force": rule_from(c).in_force(now), "lines": describe(c.rules)} for c in campaigns]
    return render(request, "campaigns/list.html", {"rows": rows, "statuses": Campaign.Status.choices, "status": status})


def _province_for(request):
    if not request.user.is_superuser:
        return request.user.province
    pk = request.POST.get("province") or request.GET.get("province")
    return Province.objects.filter(pk=pk).first() if pk and str(pk).isdigit() else Province.objects.first()


def _save(request, form, campaign=None):
    """Run the service behind a valid form; the services' messages land on the fields."""
    values = form.values()
    try:
        if campaign is None:
            province = form.cleaned_data.get("province") or form.province
            return services.create_campaign(request.user, province, **values)
        return services.update_campaign(campaign, request.user, **values)
    except services.CampaignInvalid as exc:
        form.add_service_errors(exc.errors)
    except RuleError as exc:
        form.add_service_errors({exc.field: [exc.message]})
    except Conflict as exc:
        form.add_error(None, exc.message)
    return None


@login_required
def campaign_create(request):
    _manager(request)
    province = _province_for(request)
    form = CampaignForm(request.POST or None, user=request.user, province=province)
    if request.method == "POST" and form.is_valid():
        campaign = _save(request, form)
        if campaign is not None:
            messages.success(request, _("Đã tạo bản nháp đợt áp dụng. Xem trước rồi kích hoạt khi sẵn sàng."))
            return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": None})


@login_required
def campaign_edit(request, pk):
    campaign = _campaign(request, pk)
    if not campaign.is_editable:
        messages.error(request, _("Đợt đã kết thúc, không thể sửa."))
        return redirect("campaign_detail", pk=campaign.pk)
    form = CampaignForm(
        request.POST or None,
        user=request.user,
        province=campaign.province,
        initial=CampaignForm.initial_from(campaign),
    )
    if "province" in form.fields:
        form.fields["province"].disabled = True
    if request.method == "POST" and form.is_valid() and _save(request, form, campaign) is not None:
        if campaign.status == Campaign.Status.ACTIVE:
            messages.success(request, _("Đã lưu. Thay đổi áp dụng ngay cho các quyết định mới."))
        else:
            messages.success(request, _("Đã lưu thay đổi."))
        return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    context = {
        "campaign": campaign,
        "lines": describe(campaign.rules or {}),
        "scope": describe_scope(campaign.scope),
        "in_force": rule_from(campaign).in_force(timezone.now()),
        "events": campaign.events.select_related("actor")[:20],
        "records": services.records(campaign, limit=settings.CAMPAIGN_PREVIEW_LIMIT),
        "finance_list_url": finance_list_url(campaign),
    }
    return render(request, "campaigns/detail.html", context)


def finance_list_url(campaign):
    """The Finance list (postal's report page) of the legs this campaign waived on switched returns (seed 001)."""
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("postal:report")
    except NoReverseMatch:  # postal is a higher app: its page may not be installed
        return ""
    start = timezone.localtime(campaign.starts_at).date()
    end = min(timezone.localdate(), timezone.localtime(campaign.ends_at).date() if campaign.ends_at else date.max)
    query = {"province": campaign.province.code, "campaign": campaign.pk, "switched": 1, "from": start.isoformat()}
    query["to"] = max(start, end).isoformat()
    return f"{path}?{urlencode(query)}"


@login_required
def campaign_history(request, pk):
    campaign = _campaign(request, pk)
    context = {
        "campaign": campaign,
        "events": campaign.events.select_related("actor"),
        "snapshots": campaign.history.select_related("history_user").order_by("-history_date", "-history_id"),
    }
    return render(request, "campaigns/history.html", context)


def _policy_rows(without, with_):
    """The effective policy without and with the campaign, one row a field, for the page."""

    def channels(values):
        return ", ".join(channel_label(c) for c in values) or "—"

    def _or_dash(value):
        return "—" if value is None else str(value)

    def until(day):
        return day.strftime("%d/%m/%Y") if day else "—"

    rows = [
        (_("Kênh nộp hồ sơ"), channels, "intake_channels"),
        (_("Kênh nhận kết quả"), channels, "return_channels"),
        (_("Miễn, giảm cước bưu chính (%)"), str, "postal_fee_waived_percent"),
        (_("Thời hạn bưu điện nhận hồ sơ (giờ)"), lambda v: f"{v:g}", "pickup_sla_hours"),
        (_("Thời hạn bưu điện nhận kết quả (giờ)"), lambda v: f"{v:g}", "return_sla_hours"),
        (_("Số hồ sơ trực tiếp tối đa mỗi buổi"), _or_dash, "walk_in_capacity_per_session"),
        (_("Dừng tính thời hạn đến hết ngày"), until, "clock_paused_until"),
        (_("Lưu giữ kết quả"), lambda v: _("Có") if v else _("Không"), "hold_other_returns"),
    ]
    return [
        {"label": label, "without": show(getattr(without, name)), "with": show(getattr(with_, name))}
        for label, show, name in rows
    ]


@login_required
def campaign_preview(request, pk):
    """The impact at a moment (default: the start), and the policy of any procedure then."""
    campaign = _campaign(request, pk)
    form = PreviewForm(request.GET or None, province=campaign.province)
    at = procedure = desk = policies = None
    if form.is_bound and form.is_valid():
        at, procedure, desk = (form.cleaned_data.get(k) for k in ("at", "procedure", "desk"))
    result = services.preview(campaign, at, limit=settings.CAMPAIGN_PREVIEW_LIMIT)
    if procedure is not None:
        policies = _policy_rows(*services.procedure_policies(campaign, procedure, desk, result["at"]))
    context = {"campaign": campaign, "preview": result, "form": form, "procedure": procedure, "policies": policies}
    return render(request, "campaigns/preview.html", context)


@login_required
@require_POST
def campaign_activate(request, pk):
    """Kích hoạt. When the campaign would leave a procedure with no intake or no return channel,
    the first click shows them and asks again; the second (confirm=1) activates."""
    campaign = _campaign(request, pk)
    if campaign.status == Campaign.Status.DRAFT and request.POST.get("confirm") != "1":
        rows = services.stranded(campaign)
        if rows:
            desks = OneStopDesk.objects.filter(pk__in={r["desk"] for r in rows if r["desk"]})
            names = dict(desks.values_list("pk", "name"))
            for row in rows:
                row["desk_name"] = names.get(row["desk"], "")
            return render(request, "campaigns/activate_confirm.html", {"campaign": campaign, "rows": rows})
    try:
        campaign = services.activate(campaign, request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đợt đã chuyển sang trạng thái “%(s)s”.") % {"s": campaign.get_status_display()})
    return redirect("campaign_detail", pk=pk)


@login_required
@require_POST
def campaign_end(request, pk):
    campaign = _campaign(request, pk)
    try:
        services.end(campaign, request.user, request.POST.get("note", ""))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã kết thúc đợt. Kết quả đang lưu giữ được trả theo hình thức đã đăng ký."))
    return redirect("campaign_detail", pk=pk)


# --- queue tickets -------------------------------------------------------------------------


def ticket_desks(request):
    desks = OneStopDesk.objects.select_related("province").order_by("province__name", "name")
    return render(request, "campaigns/ticket_desks.html", {"desks": desks})


def ticket_book(request, desk_pk):
    desk = get_object_or_404(OneStopDesk.objects.select_related("province"), pk=desk_pk)
    form = TicketForm(request.POST or None, desk=desk)
    ticket, status = None, 200
    wait = refused_wait(request) if request.method == "POST" else None  # the API's throttles, same counts
    if wait is not None:
        minutes = max(1, -(-int(wait) // 60))
        form.add_error(None, _("Bạn đã lấy số quá nhiều lần. Vui lòng thử lại sau %(n)s phút.") % {"n": minutes})
        status = 429
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = tickets.book(
                desk,
                day=data["date"],
                session=data["session"],
                full_name=data["full_name"],
                phone=data["phone"],
                procedure=data.get("procedure"),
                user=request.user,
            )
        except RuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except Conflict as exc:
            form.add_error(None, exc.message)
    day, session = tickets.current_session(desk)
    context = {
        "desk": desk,
        "form": form,
        "ticket": ticket,
        "capacities": [(label, tickets.capacity_for(desk, day, value)) for value, label in Session.choices],
    }
    return render(request, "campaigns/ticket_book.html", context, status=status)


@login_required
def desk_queue(request, desk_pk):
    desk = get_object_or_404(OneStopDesk.objects.select_related("province"), pk=desk_pk)
    if not tickets.can_serve(request.user, desk):
        raise PermissionDenied(_("Chỉ cán bộ của Bộ phận Một cửa này được gọi số."))
    day, session = tickets.current_session(desk)
    session = request.GET.get("session") if request.GET.get("session") in Session.values else session
    if request.method == "POST":
        session = request.POST.get("session") if request.POST.get("session") in Session.values else session
        try:
            ticket = tickets.call_next(desk, request.user, day, session)
        except Conflict as exc:
            messages.warning(request, exc.message)
        else:
            messages.success(
                request, _("Mời số %(n)s: %(name)s.") % {"n": f"{ticket.number:03d}", "name": ticket.full_name}
            )
        return redirect(f"{request.path}?session={session}")
    context = {"desk": desk, "queue": tickets.queue(desk, day, session), "sessions": Session.choices}
    return render(request, "campaigns/desk_queue.html", context)


@login_required
def campaign_exceptions(request, pk):
    """Danh sách trường hợp khẩn cấp (seed 003): every urgent case of the campaign, who asked, who approved,
    when and why; printable."""
    campaign = _campaign(request, pk)
    records = services.records(campaign, limit=10_000).get("exceptions") or {"count": 0, "items": []}
    return render(
        request, "campaigns/exceptions.html", {"campaign": campaign, "records": records, "now": timezone.now()}
    )
