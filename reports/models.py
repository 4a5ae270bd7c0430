"""Thống kê: the pre-aggregated tables, the per-dossier processing time, and exports.

Per (province, agency, desk, procedure) key, the counters that `reports/indicators.py` defines live in:

* `DailyStat`: the *flows* of one local day (received, done, withdrawn, ratings, …); a row only where something
  happened that day;
* `DailyStock`: the *open stock* at the end of one local day (within / overdue / paused); a row only where
  something is open. A window reads it for two days only (the day before it starts and its last day);
* `MonthlyStat`: the flows of one calendar month, the sum of its `DailyStat` rows (rolled up in the same
  transaction that writes a day of the month), so that a year's flows read 12 × keys rows.

`StatDay` records when each day was last computed: a day refreshed after it ended is *final* and windows are
answered from the tables over final days (`reports/engine.py`); `StatMonth` is the month's lock and roll-up stamp.
Rows are derived data: `reports.tasks.refresh_daily_stats` and `manage.py rebuild_daily_stats` rewrite them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, OneStopDesk, Procedure, Province

# The flow counters of a day (events that happened in it), then the stock at its end.
FLOW_FIELDS = (
    "received_online",
    "received_postal",
    "received_walk_in",
    "done_early",
    "done_on_time",
    "done_late",
    "withdrawn",
    "refused",
    "fee_dossiers",
    "paid_online",
    "postal_eligible",
    "postal_used",
    "postal_intake",
    "postal_return",
    "door_to_door",
    "processing_count",
    "processing_milli_days",
    "rated_1",
    "rated_2",
    "rated_3",
    "rated_4",
    "rated_5",
    "steps_early",
    "steps_on_time",
    "steps_late",
    "steps_timed",
    "steps_working_seconds",
)
STOCK_FIELDS = ("open_within", "open_overdue", "open_paused")
COUNTER_FIELDS = FLOW_FIELDS + STOCK_FIELDS


def _counter():
    return models.PositiveIntegerField(default=0)


class StatKey(models.Model):
    """The (province, agency, desk, procedure) key of a pre-aggregated row."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    desk = models.ForeignKey(OneStopDesk, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class FlowCounters(StatKey):
    received_online = _counter()
    received_postal = _counter()
    received_walk_in = _counter()
    done_early = _counter()
    done_on_time = _counter()
    done_late = _counter()
    withdrawn = _counter()
    refused = _counter()
    fee_dossiers = _counter()
    paid_online = _counter()
    postal_eligible = _counter()
    postal_used = _counter()
    postal_intake = _counter()
    postal_return = _counter()
    door_to_door = _counter()
    processing_count = _counter()
    # Σ processing time of the dossiers done, in thousandths of a working day (exact integer sums).
    processing_milli_days = models.BigIntegerField(default=0)
    rated_1 = _counter()
    rated_2 = _counter()
    rated_3 = _counter()
    rated_4 = _counter()
    rated_5 = _counter()
    # The steps of the internal processes finished that day (forwarded, sent back or completed: worked), by
    # timeliness; those with a working time, and Σ it in seconds. Keyed by the agency that worked the step (the
    # dossier's agency for a step at the receiving desk), not the dossier's: the `agency` of a row is the agency
    # whose work its counters count (reports/indicators.py, "Steps").
    steps_early = _counter()
    steps_on_time = _counter()
    steps_late = _counter()
    steps_timed = _counter()
    steps_working_seconds = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class DailyStat(FlowCounters):
    """One day × key with activity: the flows of the day."""

    day = models.DateField(_("ngày"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "province", "agency", "desk", "procedure"], name="daily_stat_one_row_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "day"], name="daily_stat_province_day"),
            models.Index(fields=["agency", "day"], name="daily_stat_agency_day"),
            models.Index(fields=["desk", "day"], name="daily_stat_desk_day"),
        ]
        verbose_name = _("số liệu ngày")
        verbose_name_plural = _("số liệu ngày")

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.desk_id}/{self.procedure_id}"


class DailyStock(StatKey):
    """One day × key with open dossiers: the open stock at the end of the day."""

    day = models.DateField(_("ngày"))
    open_within = _counter()
    open_overdue = _counter()
    open_paused = _counter()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "province", "agency", "desk", "procedure"], name="daily_stock_one_row_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "day"], name="daily_stock_province_day"),
            models.Index(fields=["agency", "day"], name="daily_stock_agency_day"),
            models.Index(fields=["desk", "day"], name="daily_stock_desk_day"),
        ]
        verbose_name = _("tồn cuối ngày")
        verbose_name_plural = _("tồn cuối ngày")

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.desk_id}/{self.procedure_id}"


class MonthlyStat(FlowCounters):
    """One calendar month × key with activity: the sum of the month's `DailyStat` rows."""

    month = models.DateField(_("tháng"))  # its first day

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "province", "agency", "desk", "procedure"], name="monthly_stat_one_row_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "month"], name="monthly_stat_province_month"),
            models.Index(fields=["agency", "month"], name="monthly_stat_agency_month"),
            models.Index(fields=["desk", "month"], name="monthly_stat_desk_month"),
        ]
        verbose_name = _("số liệu tháng")
        verbose_name_plural = _("số liệu tháng")

    def __str__(self):
        return f"{self.month:%m/%Y} {self.desk_id}/{self.procedure_id}"


class StatMonth(models.Model):
    """A month whose `MonthlyStat` rows exist: locked while a day of it is written and rolled up."""

    month = models.DateField(unique=True)
    refreshed_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["month"]
        verbose_name = _("tháng đã tổng hợp")
        verbose_name_plural = _("tháng đã tổng hợp")

    def __str__(self):
        return f"{self.month:%m/%Y}"


class StatDay(models.Model):
    """When a day's rows were last computed; final once refreshed at or after the day's end."""

    day = models.DateField(unique=True)
    refreshed_at = models.DateTimeField()
    final = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        verbose_name = _("ngày đã tổng hợp")
        verbose_name_plural = _("ngày đã tổng hợp")

    def __str__(self):
        return f"{self.day:%d/%m/%Y}{' ✓' if self.final else ''}"


class ProcessingTime(models.Model):
    """Thời gian giải quyết of one completed dossier: working time from acceptance to result,
    on its desk's calendar. Computed once (both moments are stored and never change)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, primary_key=True, related_name="report_processing"
    )
    working_seconds = models.BigIntegerField()
    # working_seconds ÷ the desk's day length, in thousandths of a working day.
    milli_days = models.BigIntegerField()

    class Meta:
        verbose_name = _("thời gian giải quyết")
        verbose_name_plural = _("thời gian giải quyết")

    def __str__(self):
        return f"{self.dossier_id}: {self.milli_days / 1000:.3f}"


def export_path(instance, filename):
    return f"reports/exports/{instance.created_at:%Y/%m}/{instance.pk}-{filename}"


class Export(models.Model):
    """A file built in the background (reports.tasks.build_export); only its requester downloads it."""

    class Kind(models.TextChoices):
        INDEX = "index", _("Bảng chỉ số")
        DOSSIERS = "dossiers", _("Danh sách hồ sơ")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang tạo tệp")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    format = models.CharField(_("định dạng"), max_length=4, choices=Format.choices)
    params = models.JSONField(_("tham số"), default=dict)
    title = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    file = models.FileField(upload_to=export_path, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_requester")]
        verbose_name = _("tệp xuất dữ liệu")
        verbose_name_plural = _("tệp xuất dữ liệu")

    def __str__(self):
        return f"{self.get_kind_display()} {self.format} ({self.status})"
