"""Thống kê pages: the public statistics of a province, the dashboard of each role (with drill-down), the
six-monthly / yearly report of plan 1106/KH-UBND (seed 002), and the immediate table downloads.

Every page resolves its question through `params.resolve` (scope checked against the user) and counts through
`engine` (daily table + live edges); the background exports are in `reports/views_exports.py`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.models import Province, Role

from . import engine, exports, fees, periods
from .params import PERIOD_CHOICES, IndexQueryForm, may_see_statistics, resolve
from .serializers import IndexSerializer

# What the next click shows: the province by agency, an agency by desk, a desk by procedure, a procedure by month.
DRILL = {"province": "agency", "agency": "desk", "desk": "procedure", "procedure": "month"}
PUBLIC_PERIODS = ("month", "quarter", "half", "year")
INDEX_KEYS = list(IndexSerializer().fields)


def _level(query):
    if query.procedure:
        return "procedure"
    if query.desk:
        return "desk"
    if query.agency:
        return "agency"
    return "province"


def _chart(items):
    """The data of a bar chart (received by channel) and lines (done, late) for the template's json_script."""
    return {
        "labels": [item.label for item in items],
        "series": [
            {"key": "online", "label": _("Trực tuyến"), "data": [i.totals.flows["received_online"] for i in items]},
            {"key": "postal", "label": _("Bưu chính"), "data": [i.totals.flows["received_postal"] for i in items]},
            {"key": "walk_in", "label": _("Trực tiếp"), "data": [i.totals.flows["received_walk_in"] for i in items]},
        ],
        "lines": [
            {"key": "done", "label": _("Đã giải quyết"), "data": [i.totals.done_total for i in items]},
            {"key": "late", "label": _("Quá hạn"), "data": [i.totals.flows["done_late"] for i in items]},
        ],
        "title": _("Hồ sơ tiếp nhận theo kênh và hồ sơ đã giải quyết"),
    }


def _time_group(start, end):
    days = (end - start).days
    return "day" if days <= 62 else "month" if days <= 732 else "quarter"


def _rows(items, link=None):
    return [{"label": i.label, "key": i.key, "link": link(i) if link else None, **i.totals.row()} for i in items]


def _download_links(query, group_by, table="index"):
    params = {**query.params(), "table": table}
    params.pop("group_by", None)
    if group_by:
        params["group_by"] = group_by
    base = reverse("reports:download")
    return {fmt: f"{base}?{urlencode({**params, 'format': fmt})}" for fmt in ("csv", "xlsx")}


def _drill_link(query, group_by):
    """A function: group → the dashboard one level down (entity groups) or None (time groups)."""
    if group_by not in engine.ENTITY_GROUPS:
        return None
    params = {k: v for k, v in query.params().items() if k not in ("group_by",)}
    base = reverse("reports:dashboard")

    def link(item):
        return f"{base}?{urlencode({**params, group_by: item.key})}"

    return link


def _resolve_or_400(request, data, public=False):
    try:
        return resolve(request.user, data, public=public), None
    except ValidationError as error:
        return None, error.message_dict


@login_required
def dashboard(request):
    """Bảng điều khiển: officer → my desk today and this week; head → my agency; province admin → my province,
    with drill-down agency → desk → procedure (each row links one level down)."""
    if not may_see_statistics(request.user):
        raise PermissionDenied(_("Bạn không có quyền xem thống kê."))
    now = timezone.now()
    today = timezone.localdate(now)
    context = {"today": today, "role": request.user.role}
    data = request.GET
    if request.user.role == Role.OFFICER and not request.GET:
        week = periods.window_for("week", today)  # the officer's default: this week, and today on its own
        data = {"from": week[0].isoformat(), "to": week[1].isoformat()}
    query, errors = _resolve_or_400(request, data)
    if errors:
        form = IndexQueryForm(request.GET)
        form.is_valid()
        return render(request, "reports/dashboard.html", {**context, "form": form, "errors": errors}, status=400)
    if request.user.role == Role.OFFICER:
        context["today_index"] = engine.totals(query.scope, today, today + timedelta(days=1), now).api()
    level = _level(query)
    breakdown = DRILL[level] if level != "procedure" else _time_group(query.start, query.end)
    series_group = _time_group(query.start, query.end)
    series = engine.groups(query.scope, query.start, query.end, series_group, now)
    items = engine.groups(query.scope, query.start, query.end, breakdown, now)
    total = engine.totals(query.scope, query.start, query.end, now)
    form = IndexQueryForm(initial={**query.params(), "period": ""})
    context.update(
        query=query,
        form=form,
        index=total.api(),
        total_row=total.row(),
        level=level,
        breakdown=breakdown,
        breakdown_label=dict(_group_labels())[breakdown],
        rows=_rows(items, _drill_link(query, breakdown)),
        series_rows=_rows(series),
        series_label=dict(_group_labels())[series_group],
        chart=_chart(series),
        downloads=_download_links(query, breakdown),
        series_downloads=_download_links(query, series_group),
        dossier_export_params=query.params(),
        target=settings.REPORTS_POSTAL_SHARE_TARGET,
        up=_up_link(query, level),
        fee_groups=fees.by_group(query.scope, query.start, query.end),  # issue 16: fees by applicant group
    )
    return render(request, "reports/dashboard.html", context)


def _up_link(query, level):
    """The dashboard one level up (drop the most specific filter the user may drop)."""
    params = query.params()
    params.pop("group_by", None)
    for key in ("procedure", "desk", "agency"):
        if key in params and level in (key,):
            params.pop(key)
            return f"{reverse('reports:dashboard')}?{urlencode(params)}"
    return None


def _group_labels():
    from .params import GROUP_CHOICES

    return GROUP_CHOICES


def public_index(request):
    """Thống kê công khai: the provinces, each linking to its page."""
    provinces = Province.objects.order_by("name")
    return render(
        request,
        "reports/public_index.html",
        {"provinces": provinces, "staff": may_see_statistics(request.user)},
    )


def public_province(request, code):
    """A province's service index for a month, quarter, half-year or year (default: this month), by month and by
    agency. Institutions only: no dossier, no person. Cached REPORTS_PUBLIC_CACHE_SECONDS per question."""
    province = get_object_or_404(Province, code=code)
    period = request.GET.get("period") or "month"
    if period not in PUBLIC_PERIODS:
        period = "month"
    data = {"province": code, "period": period, "date": request.GET.get("date", "")}
    form = IndexQueryForm(data)
    if not form.is_valid():
        data["date"] = ""
    key = f"reports:public:{get_language()}:{code}:{period}:{data['date']}:{timezone.localdate()}"
    html = cache.get(key)
    if html is None:
        query = resolve(None, data, public=True)
        now = timezone.now()
        total = engine.totals(query.scope, query.start, query.end, now)
        series_group = _time_group(query.start, query.end)
        # The days (months, quarters) still to come are not listed: nothing happened in them yet.
        today = timezone.localdate(now)
        series = [g for g in engine.groups(query.scope, query.start, query.end, series_group, now) if g.start <= today]
        by_agency = engine.groups(query.scope, query.start, query.end, "agency", now)
        context = {
            "province": province,
            "query": query,
            "period": period,
            "periods": [(k, label) for k, label in PERIOD_CHOICES if k in PUBLIC_PERIODS],
            "date_value": data["date"] or timezone.localdate().isoformat(),
            "index": total.api(),
            "total_row": total.row(),
            "chart": _chart(series),
            "series_rows": _rows(series),
            "series_label": dict(_group_labels())[series_group],
            "rows": _rows(by_agency),
            "target": settings.REPORTS_POSTAL_SHARE_TARGET,
            "downloads": _download_links(query, "agency"),
            "series_downloads": _download_links(query, series_group),
        }
        html = render(request, "reports/public_province.html", context).content
        cache.set(key, html, settings.REPORTS_PUBLIC_CACHE_SECONDS)
    return HttpResponse(html)


@login_required
def periodic_report(request):
    """Báo cáo định kỳ 6 tháng và năm (plan 1106/KH-UBND, seed 002): a printable page per province (or the
    user's agency/desk): the index by agency, postal public service against the 30 % target, online service."""
    if not may_see_statistics(request.user):
        raise PermissionDenied(_("Bạn không có quyền xem thống kê."))
    today = timezone.localdate()
    kind = request.GET.get("ky") if request.GET.get("ky") in ("half", "year") else "half"
    try:
        year = int(request.GET.get("nam") or today.year)
        half = int(request.GET.get("dot") or (1 if today.month <= 6 else 2))
    except ValueError:
        raise Http404 from None
    if not (2000 <= year <= today.year) or half not in (1, 2):
        raise Http404
    anchor = today.replace(year=year, month=1 if half == 1 else 7, day=1)
    start, end = periods.window_for(kind, anchor)
    data = {k: v for k, v in request.GET.items() if k in ("province", "agency", "desk")}
    data.update({"from": start.isoformat(), "to": end.isoformat()})
    if start > today:
        raise Http404
    query, errors = _resolve_or_400(request, data)
    if errors:
        raise Http404
    now = timezone.now()
    group = "agency" if not (query.agency or query.desk) else "procedure"
    items = engine.groups(query.scope, query.start, query.end, group, now)
    total = engine.totals(query.scope, query.start, query.end, now)
    target = settings.REPORTS_POSTAL_SHARE_TARGET
    rows = _rows(items)
    for row in [*rows]:
        share = row["postal_share"]
        row["target_met"] = None if share is None else share >= target
    total_row = total.row()
    share = total_row["postal_share"]
    total_row["target_met"] = None if share is None else share >= target
    return render(
        request,
        "reports/periodic_report.html",
        {
            "query": query,
            "kind": kind,
            "year": year,
            "half": half,
            "years": list(range(today.year, today.year - 6, -1)),
            "rows": rows,
            "group": group,
            "group_label": dict(_group_labels())[group],
            "total_row": total_row,
            "index": total.api(),
            "target": target,
            "generated_at": now,
            "partial": end > today,
            "downloads": _download_links(query, group),
        },
    )


def download(request):
    """An index table at once, as CSV or XLSX (the same question as the page it is linked from). Public callers
    get the public tables only."""
    fmt = request.GET.get("format")
    if fmt not in ("csv", "xlsx") or request.GET.get("table", "index") != "index":
        raise Http404
    data = request.GET.copy()
    for key in ("format", "table"):
        data.pop(key, None)
    query, errors = _resolve_or_400(request, data, public=True)
    if errors:
        return HttpResponse("\n".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), status=400)
    header, rows = exports.index_table(query)
    content, content_type, extension = exports.render(header, rows, fmt, _("Chỉ số"))
    response = HttpResponse(content, content_type=content_type)
    name = exports.filename(query, "chi-so", extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
