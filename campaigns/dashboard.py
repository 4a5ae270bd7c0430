"""Bảng điều khiển quản trị tỉnh: where a province admin lands after login. The province's
campaigns by status (each linked to its page), its one-stop desks with today's queue tickets
(the kiosk page and the call-next page of each), and the links to statistics, the postal
pages and the catalog. Read-only: every change happens on the linked pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import OneStopDesk

from . import services
from .models import Campaign, QueueTicket
from .policy import rule_from

OPEN_STATUSES = (Campaign.Status.ACTIVE, Campaign.Status.SCHEDULED, Campaign.Status.DRAFT)


@login_required
def admin_dashboard(request):
    if not services.is_manager(request.user):
        raise PermissionDenied(_("Chỉ quản trị tỉnh được xem bảng điều khiển này."))
    now = timezone.now()
    today = timezone.localdate(now)
    campaigns = services.manageable(request.user).select_related("province")
    counts = dict(campaigns.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    open_rows = [
        {"campaign": c, "in_force": rule_from(c).in_force(now)}
        for c in campaigns.filter(status__in=OPEN_STATUSES).order_by("starts_at", "pk")
    ]
    desks = OneStopDesk.objects.select_related("province").order_by("province__name", "name")
    if not request.user.is_superuser:
        desks = desks.filter(province_id=request.user.province_id)
    desks = desks.annotate(
        tickets_today=Count("queue_tickets", filter=Q(queue_tickets__date=today)),
        waiting_today=Count(
            "queue_tickets", filter=Q(queue_tickets__date=today, queue_tickets__state=QueueTicket.State.WAITING)
        ),
    )
    context = {
        "province": request.user.province,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in Campaign.Status.choices],
        "open_rows": open_rows,
        "desks": desks,
        "today": today,
    }
    return render(request, "campaigns/dashboard.html", context)
