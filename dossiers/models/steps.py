"""The internal process's rows (dossiers/process.py): each time a step of a dossier's process was worked
(`DossierStep`, a line of the processing control sheet) and the alerts of a step's budget (`StepAlert`).
Rows change only through the services (dossiers/services/steps.py, actions.py) and the deadline sweep."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, Role

from . import ClockAlert, Dossier, Timeliness


class StepOutcome(models.TextChoices):
    FORWARDED = "forwarded", _("Đã chuyển bước tiếp theo")
    SENT_BACK = "sent_back", _("Trả lại bước trước")
    COMPLETED = "completed", _("Có kết quả")
    CLOSED = "closed", _("Dừng xử lý")


class DossierStep(models.Model):
    """One time a step of the dossier's internal process was worked: a line of the processing control sheet
    (Phiếu kiểm soát quá trình giải quyết hồ sơ, form 02 of Circular 01/2018): who handed it over (`given_by`),
    who received and worked it (`finished_by`, or the `assignee` named at the handover), when, its budget's due
    moment and its timeliness. A step sent back and worked again is a new row."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveSmallIntegerField(_("lượt"))
    index = models.PositiveSmallIntegerField(help_text="position of the step in the dossier's snap_process")
    code = models.CharField(_("mã bước"), max_length=16)
    name = models.CharField(_("tên bước"), max_length=200)
    role = models.CharField(_("vai trò thực hiện"), max_length=12)
    # Null: the desk that received the dossier (dossier.desk).
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="dossier_steps")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_steps"
    )
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    started_at = models.DateTimeField(_("nhận lúc"))
    due_at = models.DateTimeField(_("hạn của bước"))
    # When "sắp hết thời gian của bước" fires (process.warn_moment), and when the deadline sweep must next
    # look at this row (warn_at, then due_at, then never): null once the step is finished, while the
    # dossier's clock is stopped, and for the single default step (the dossier's own alerts cover it).
    warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=StepOutcome.choices, blank=True)
    timeliness = models.CharField(max_length=10, choices=Timeliness.choices, blank=True)
    # Working time from start to finish on the desk's calendar (pauses included: the time the step took), set
    # when the step is finished; the service index averages it per agency (reports/indicators.py).
    working_seconds = models.BigIntegerField(null=True, blank=True, editable=False)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="one_step_row_per_seq"),
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(finished_at__isnull=True), name="one_open_step_per_dossier"
            ),
        ]
        indexes = [
            # The specialist's and the head's queue (DossierQuerySet.waiting_for): the open steps a person of
            # that role at an agency holds, their role's and those of no particular role, in due order (keyset on
            # (due_at, id)); partial, so each holds only the steps being worked that the role may take. One index
            # per role, not (agency, role, due_at): the two roles a queue reads would come out of that one in two
            # runs, to be sorted together, and the whole queue with them (docs/performance.md).
            *(
                models.Index(
                    fields=["agency", "due_at", "id"],
                    condition=Q(finished_at__isnull=True, role__in=[role, ""]),
                    name=f"step_open_{role}",
                )
                for role in (Role.SPECIALIST, Role.HEAD)
            ),
            models.Index(
                fields=["assignee", "due_at", "id"], condition=Q(finished_at__isnull=True), name="step_open_assignee"
            ),
            # Who may see a dossier: any step (past or present) at the viewer's agency.
            models.Index(fields=["agency", "dossier"], name="step_agency_dossier"),
            # The service index counts the steps finished in a day, a month (reports/indicators.py).
            models.Index(fields=["finished_at"], name="step_finished", condition=Q(finished_at__isnull=False)),
            # The deadline sweep reads only the steps with an alert still to come (dossiers/sweep.py).
            models.Index(fields=["next_alert_at"], name="step_next_alert", condition=Q(next_alert_at__isnull=False)),
        ]
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")

    def __str__(self):
        return f"{self.dossier_id} #{self.seq} {self.code}"


class StepAlert(models.Model):
    """A step's alert recorded once, as ClockAlert is for the dossier: (step row, kind, the step's due moment)
    is unique, so overlapping sweeps alert once, and a due moment moved by a pause can alert again."""

    Kind = ClockAlert.Kind

    step = models.ForeignKey(DossierStep, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=ClockAlert.Kind.choices)
    due_at = models.DateTimeField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "kind", "due_at"], name="one_step_alert_per_due")]

    def __str__(self):
        return f"{self.step_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"
