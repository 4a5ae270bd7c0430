"""Thời gian xử lý theo bước: which agency is slow at the steps of the internal processes (issue 15). Per agency
of the caller's scope, the steps it worked in the window (early, on time, late; average working hours) and its
open steps overdue now, slowest first, as a chart and a list. Counted by `engine` like the service index's
`group_by=agency` `steps` block (reports/indicators.py, "Steps")."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import engine
from .params import PERIOD_CHOICES, may_see_statistics, resolve


def _share(part, whole):
    return part / whole if whole else None


def agency_rows(items, overdue):
    """One row per agency: its steps block, steps done, the late share; slowest first (the late share, then the
    open steps overdue now, then the average working hours)."""
    rows = []
    for item in items:
        steps = item.totals.steps(overdue.get(item.id, 0))
        done = steps["done_early"] + steps["done_on_time"] + steps["done_late"]
        if not done and not steps["open_overdue"]:
            continue  # an agency with dossiers but no step finished or overdue: nothing to say about steps
        rows.append(
            {
                "label": item.label,
                "key": item.key,
                "done": done,
                "late_share": _share(steps["done_late"], done),
                **steps,
            }
        )
    rows.sort(key=lambda r: (-(r["late_share"] or 0), -r["open_overdue"], -(r["avg_working_hours"] or 0), r["label"]))
    return rows


def _chart(rows):
    return {
        "labels": [row["label"] for row in rows],
        "series": [
            {"key": "early", "label": _("Trước hạn"), "data": [row["done_early"] for row in rows]},
            {"key": "on_time", "label": _("Đúng hạn"), "data": [row["done_on_time"] for row in rows]},
            {"key": "late", "label": _("Quá hạn"), "data": [row["done_late"] for row in rows]},
        ],
        "title": _("Bước đã xử lý trong kỳ theo cơ quan, cơ quan chậm nhất ở trên"),
    }


@login_required
def step_report(request):
    """The steps by agency for the caller's scope (province admin: the province; head: their agency; officer: the
    dossiers of their desk), in the window asked (this month by default)."""
    if not may_see_statistics(request.user):
        raise PermissionDenied(_("Bạn không có quyền xem thống kê."))
    data = {
        key: value
        for key, value in request.GET.items()
        if key in ("province", "agency", "from", "to", "period", "date")
    }
    try:
        query = resolve(request.user, {**data, "group_by": "agency"})
    except ValidationError as error:
        context = {"errors": error.message_dict, "periods": PERIOD_CHOICES}
        return render(request, "reports/steps.html", context, status=400)
    now = timezone.now()
    items = engine.groups(query.scope, query.start, query.end, "agency", now)
    items, overdue = engine.with_open_steps(query.scope, items, now)
    total = engine.sum_groups(items).steps(sum(overdue.values()))
    total_done = total["done_early"] + total["done_on_time"] + total["done_late"]
    total["done"], total["late_share"] = total_done, _share(total["done_late"], total_done)
    rows = agency_rows(items, overdue)
    for row in rows:
        row["slower"] = (
            row["late_share"] is not None
            and total["late_share"] is not None
            and row["late_share"] > total["late_share"]
        )
    context = {
        "query": query,
        "periods": PERIOD_CHOICES,
        "total": total,
        "rows": rows,
        "chart": _chart(rows),
        "now": now,
    }
    return render(request, "reports/steps.html", context)
