"""The reminder of a campaign's report (seed 001, Khánh Hòa 2964/UBND-KSTT: the post "tổng hợp danh sách ...
gửi về Sở Thông tin và Truyền thông trước ngày 20/4/2020"): two working days before `Campaign.report_due`,
each province admin of the campaign's province gets an in-portal message with the link to the Finance list
of the switched, fee-free returns. Run by the beat (dossiers.tasks.remind_campaign_reports); exactly once
per due day: the message is sent by whichever sweep first sets `report_reminded_at` (one UPDATE ... WHERE
report_reminded_at IS NULL), and an edited `report_due` clears it (campaigns.services.update_campaign)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from portal.models import Role
from portal.working_time import calendar_for_province

from .notifications import notify_staff

REMIND_WORKING_DAYS = 2


def remind_on(calendar, due, days=REMIND_WORKING_DAYS):
    """The working day `days` working days before `due` (pure over the calendar)."""
    day, counted = due, 0
    while counted < days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def remind_campaign_reports(now=None) -> int:
    from campaigns.views import finance_list_url

    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    waiting = Campaign.objects.filter(report_due__isnull=False, report_due__gte=today, report_reminded_at__isnull=True)
    for campaign in waiting.select_related("province"):
        if today < remind_on(calendar_for_province(campaign.province_id), campaign.report_due):
            continue
        with transaction.atomic():
            claimed = Campaign.objects.filter(pk=campaign.pk, report_reminded_at__isnull=True).update(
                report_reminded_at=now
            )
            if not claimed:  # another sweep sent it
                continue
            admins = get_user_model().objects.filter(
                role=Role.PROVINCE_ADMIN, province_id=campaign.province_id, is_active=True
            )
            subject = _("Nhắc hạn gửi danh sách miễn cước: %(title)s") % {"title": campaign.title}
            body = _(
                "Hạn gửi danh sách hồ sơ chuyển sang nhận kết quả qua bưu chính được miễn cước theo “%(title)s” "
                "(%(basis)s) là ngày %(due)s. Danh sách: %(url)s"
            ) % {
                "title": campaign.title,
                "basis": campaign.legal_basis,
                "due": campaign.report_due.strftime("%d/%m/%Y"),
                "url": settings.SITE_URL.rstrip("/") + finance_list_url(campaign),
            }
            key = f"campaign-{campaign.pk}-report-{campaign.report_due.isoformat()}"
            sent += len(notify_staff(None, admins, "campaign_report_due", key, subject, body))
    return sent
