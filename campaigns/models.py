"""Đợt áp dụng biện pháp: a province's time-boxed rules (the COVID-19 measures of the seeds),
their audit trail, and the walk-in queue (số thứ tự) that a capacity rule needs.

State changes happen in `campaigns/services.py` (campaigns) and `campaigns/tickets.py`
(queue tickets); every save or delete of a campaign invalidates the cached policy."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import OneStopDesk, Procedure, Province

from .rules import empty_scope


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        SCHEDULED = "scheduled", _("Đã lên lịch")
        ACTIVE = "active", _("Đang áp dụng")
        ENDED = "ended", _("Đã kết thúc")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("tỉnh"))
    title = models.CharField(_("tên đợt"), max_length=300)
    legal_basis = models.CharField(
        _("căn cứ (số, ngày văn bản)"), max_length=300, help_text=_("Ví dụ: Kế hoạch số 3515/KH-UBND ngày 31/3/2020")
    )
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"), null=True, blank=True, help_text=_("Để trống: đến khi có thông báo"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    scope = models.JSONField(_("phạm vi"), default=empty_scope)
    rules = models.JSONField(_("quy tắc"), default=dict, blank=True)
    # Seed 001: the list of switched, fee-free returns goes to the province before this day.
    report_due = models.DateField(
        _("hạn gửi báo cáo"), null=True, blank=True, help_text=_("Hạn gửi danh sách hồ sơ được miễn cước (nếu có)")
    )
    # When the province admins were reminded of `report_due` (once: set under the row lock).
    report_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the dossier-side effects of the start (clock stops, notifications) and of the end
    # (held results released) were applied: the sweep re-sends what a crash left undone.
    start_effects_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_effects_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(
        excluded_fields=["start_effects_at", "end_effects_at", "updated_at", "report_reminded_at"]
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="campaign_due_start"),
            models.Index(fields=["status", "ends_at"], name="campaign_due_end"),
            models.Index(fields=["province", "status"], name="campaign_province"),
        ]
        verbose_name = _("đợt áp dụng biện pháp")
        verbose_name_plural = _("đợt áp dụng biện pháp")

    def __str__(self):
        return self.title

    @property
    def is_editable(self):
        return self.status != self.Status.ENDED


class CampaignEvent(models.Model):
    """One line of a campaign's audit trail: who did what, when, and what changed."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.campaign_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Session(models.TextChoices):
    MORNING = "morning", _("Buổi sáng")
    AFTERNOON = "afternoon", _("Buổi chiều")


class QueueCounter(models.Model):
    """The numbers issued and called for one desk's session of one day. Booking locks this
    row, so numbers are sequential and never exceed the session's capacity."""

    desk = models.ForeignKey(OneStopDesk, on_delete=models.CASCADE, related_name="queue_counters")
    date = models.DateField()
    session = models.CharField(max_length=10, choices=Session.choices)
    last = models.PositiveIntegerField(default=0)
    called = models.PositiveIntegerField(default=0)
    # Walk-in dossiers accepted at the desk in the session without a ticket: they use places too.
    walk_ins = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["desk", "date", "session"], name="one_counter_per_session")]

    def __str__(self):
        return f"{self.desk_id} {self.date} {self.session}: {self.called}/{self.last}"


class QueueTicket(models.Model):
    """Số thứ tự: a place in a desk's walk-in queue for a half-day session."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Đang chờ")
        CALLED = "called", _("Đã gọi")

    desk = models.ForeignKey(OneStopDesk, on_delete=models.CASCADE, related_name="queue_tickets")
    date = models.DateField(_("ngày"))
    session = models.CharField(_("buổi"), max_length=10, choices=Session.choices)
    number = models.PositiveIntegerField(_("số thứ tự"))
    full_name = models.CharField(_("họ và tên"), max_length=200)
    phone = models.CharField(_("số điện thoại"), max_length=16)
    procedure = models.ForeignKey(Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["desk", "date", "session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["desk", "date", "session", "number"], name="one_ticket_per_number"),
            models.UniqueConstraint(fields=["desk", "date", "session", "phone"], name="one_ticket_per_phone"),
        ]
        verbose_name = _("số thứ tự")
        verbose_name_plural = _("số thứ tự")

    def __str__(self):
        return f"{self.number:03d} ({self.date:%d/%m/%Y} {self.get_session_display()})"
