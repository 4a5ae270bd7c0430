"""Hồ sơ: the dossier, its documents, its events (the audit trail and the processing
control sheet), its clock pauses, alerts, notifications and payments.

State changes never happen here: `dossiers/services/` is the one door."""

import secrets

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, OneStopDesk, Procedure, Province, Role
from portal.statements import ByPk


class Status(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Mới đăng ký")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    PAUSED = "paused", _("Tạm dừng")
    COMPLETED = "completed", _("Đã có kết quả")
    RESULT_HELD = "result_held", _("Kết quả đang lưu giữ")
    RETURNED = "returned", _("Đã trả kết quả")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")


class IntakeChannel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Qua bưu chính công ích")
    WALK_IN = "walk_in", _("Trực tiếp tại Bộ phận Một cửa")


class ReturnChannel(models.TextChoices):
    DESK = "desk", _("Tại Bộ phận Một cửa")
    POSTAL = "postal", _("Qua bưu chính công ích")
    ONLINE = "online", _("Trực tuyến")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Giải quyết")
    DENIED = "denied", _("Không giải quyết")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class PaymentStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Không phải nộp trực tuyến")
    UNPAID = "unpaid", _("Chưa thanh toán")
    PENDING = "pending", _("Đang chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Thanh toán lỗi")
    REFUNDED = "refunded", _("Đã hoàn tiền")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.SUPPLEMENT_REQUESTED,
    Status.ACCEPTED,
    Status.PROCESSING,
    Status.PAUSED,
)
# Statuses the officer queues show (open, and ready or held results): the queue indexes are partial
# on these, so they hold a few percent of the table (dossiers/queues.py, docs/performance.md).
QUEUE_STATUSES = (*OPEN_STATUSES, Status.COMPLETED, Status.RESULT_HELD)
RUNNING_STATUSES = (Status.ACCEPTED, Status.PROCESSING)
# Statuses in which the statutory clock runs (or is paused) after acceptance.
CLOCK_STATUSES = (Status.ACCEPTED, Status.PROCESSING, Status.PAUSED, Status.SUPPLEMENT_REQUESTED)


class DossierSequence(models.Model):
    """The last number issued for a code prefix on a day: codes are gap-free because the
    increment commits or rolls back with the dossier that took it."""

    prefix = models.CharField(max_length=40)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="one_sequence_per_prefix_day")]

    def __str__(self):
        return f"{self.prefix} {self.day}: {self.last}"


def pause_in_force_q(at, prefix=""):
    """The pauses that stop the clock at `at`: begun by then and not ended yet (an end still to come,
    as a campaign's clock stop has from its start, is a pause now). The one definition of "paused"
    (dossier API, officer queue tab, tracking, statistics)."""
    return Q(**{f"{prefix}started_at__lte": at}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gt": at})
    )


class DossierQuerySet(models.QuerySet):
    def paused_q(self, at=None):
        """A filter: the dossier's clock is stopped at `at` (now by default)."""
        return Q(self.paused_exists(at))

    @staticmethod
    def paused_exists(at=None):
        return Exists(ClockPause.objects.filter(pause_in_force_q(at or timezone.now()), dossier=OuterRef("pk")))

    def paused_at(self, at=None):
        return self.filter(self.paused_q(at))

    def with_paused(self, at=None):
        return self.annotate(is_paused=self.paused_exists(at))

    def running(self):
        """Accepted or in processing: the statutory clock runs towards `due_at` (RUNNING_STATUSES)."""
        return self.filter(status__in=RUNNING_STATUSES)

    def overdue(self, now):
        """Running and past `due_at` at `now` (the officer's "Quá hạn" tab, the API's `overdue=true`)."""
        return self.running().filter(due_at__lt=now)

    def waiting_for(self, user):
        """The dossiers whose open process step `user` holds (dossiers/process.py `holds`, as a filter): named to
        them, or unnamed at their agency and role (at their desk for an officer). The specialist's and the
        head's queue, `GET /api/v1/dossiers/?assigned_to=me`, read in the current step's due order."""
        if user is None or not user.is_authenticated:
            return self.none()
        open_step = Q(current_step__isnull=False, current_step__finished_at__isnull=True)
        if user.is_superuser:
            return self.filter(open_step)
        named = Q(current_step__assignee=user)
        unnamed = Q(current_step__assignee__isnull=True)
        if user.role == Role.OFFICER:
            mine = Q(desk_id=user.desk_id) & (Q(current_step__agency__isnull=True) | Q(current_step__role=""))
        elif user.role in (Role.SPECIALIST, Role.HEAD):
            roles = [user.role, ""]
            mine = Q(current_step__agency_id=user.agency_id) & Q(current_step__role__in=roles)
            # The steps named to them are at their agency and role (forward names only someone who works the next
            # step: guards.assignee) unless they moved since. Then named ∨ (unnamed ∧ mine) is the same set as
            # mine ∧ (named ∨ unnamed): no OR across two indexes, one range of the partial index step_open_<role>
            # read in due order a page at a time, where the OR sorted the whole queue (docs/performance.md,
            # "Specialist's queue at 1M"). The check reads the few open steps named to them (step_open_assignee).
            elsewhere = DossierStep.objects.filter(finished_at__isnull=True, assignee=user).exclude(
                agency_id=user.agency_id, role__in=roles
            )
            if not elsewhere.exists():
                # `current_step IS NOT NULL` left out: the inner join implies it, and stated it drew a merge join
                # over every dossier with a step (the deep page) and a sort of the whole queue (the API's page).
                return self.filter(Q(current_step__finished_at__isnull=True) & mine & (named | unnamed))
        else:
            return self.filter(open_step & named)
        return self.filter(open_step & (named | (unnamed & mine)))

    def visible_to(self, user):
        """The dossiers `user` may see, one scope per role; anything outside it is a 404 (never a hint
        that it exists): a citizen their own, an officer their desk's, a head their agency's and those
        with a process step at it, a specialist those whose current or past step is at their agency,
        a province admin their province's, a superuser all; anyone else (a postal clerk, the
        anonymous) none."""
        return self.within(*visibility_scope(user))

    def within(self, scope, value=None):
        """The dossiers of a `visibility_scope` (`scope`, `value`): `visible_to` as a plain value, so that a
        statement compiled once per scope serves every user of it (dossiers/api/views.py)."""
        if scope == "none":
            return self.none()
        if scope == "all":
            return self
        if scope in ("head", "specialist"):
            # A step of its internal process (now or before) at their agency; a head also every dossier of it.
            at_their_agency = Exists(DossierStep.objects.filter(dossier=OuterRef("pk"), agency_id=value))
            if scope == "head":
                return self.filter(Q(agency_id=value) | at_their_agency)
            return self.filter(at_their_agency)
        return self.filter(**{_SCOPE_COLUMNS[scope]: value})


# The scopes that are one column of the dossier equal to one of the user's.
_SCOPE_COLUMNS = {"owner": "owner_id", "desk": "desk_id", "province": "province_id"}


def visibility_scope(user):
    """(scope, value) of the dossiers `user` may see (`DossierQuerySet.visible_to`): ("owner", their pk) for a
    citizen, ("desk", desk) for an officer, ("head", agency) and ("specialist", agency), ("province", province) for
    a province admin, ("all", None) for a superuser, ("none", None) for anyone else."""
    if user is None or not user.is_authenticated:
        return "none", None
    if user.is_superuser:
        return "all", None
    if user.role in (Role.HEAD, Role.SPECIALIST):
        return ("head" if user.role == Role.HEAD else "specialist"), user.agency_id
    scope = {
        Role.CITIZEN: ("owner", user.pk),
        Role.OFFICER: ("desk", user.desk_id),
        Role.PROVINCE_ADMIN: ("province", user.province_id),
    }.get(user.role)
    return scope if scope is not None else ("none", None)


def new_tracking_token():
    return secrets.token_urlsafe(16)


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=64, unique=True)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="dossiers")
    desk = models.ForeignKey(OneStopDesk, on_delete=models.PROTECT, related_name="dossiers")
    # Denormalised from procedure and desk so every role's scope is one indexed filter.
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="dossiers")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("trạng thái"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    intake_channel = models.CharField(_("kênh nộp"), max_length=10, choices=IntakeChannel.choices)
    return_channel = models.CharField(_("kênh nhận kết quả"), max_length=10, choices=ReturnChannel.choices)

    applicant_name = models.CharField(_("họ tên người nộp"), max_length=200)
    applicant_phone = models.CharField(_("điện thoại"), max_length=16)
    applicant_email = models.EmailField(_("email"), blank=True)
    applicant_national_id = models.CharField(_("số định danh"), max_length=12, blank=True)
    address = models.CharField(_("địa chỉ nhận/gửi qua bưu chính"), max_length=300, blank=True)
    address_zone = models.CharField(_("vùng cước"), max_length=40, default="default")
    form_data = models.JSONField(_("thông tin tờ khai"), default=dict, blank=True)
    # The version of the procedure's declaration form the draft was made with (portal.models.ProcedureForm), kept
    # for good: form_data is checked against it and shown with its labels; null: no form, free form_data.
    form_version = models.PositiveIntegerField(_("phiên bản tờ khai"), null=True, blank=True)
    # The applicant group whose fee applies (api.md "fees"; portal.models.ProcedureFee.group): the default group
    # unless the applicant claims another, whose proof document then becomes required (portal/fees.py). db_default
    # too: a process still running the code of before (a rolling deploy) inserts dossiers without it.
    fee_group = models.CharField(_("đối tượng nộp phí"), max_length=32, default="default", db_default="default")

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("ngày nộp"), null=True, blank=True)
    received_at = models.DateTimeField(_("ngày tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn trả kết quả"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    # When the deadline sweep must next look at this dossier (warn_at, then due_at, then never):
    # derived from the clock and the alerts already recorded, set by services on every change.
    next_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    original_due_at = models.DateTimeField(_("hạn ban đầu"), null=True, blank=True)
    apologized_at = models.DateTimeField(_("ngày xin lỗi, hẹn lại"), null=True, blank=True)
    apology_due_at = models.DateTimeField(_("ngày hẹn lại"), null=True, blank=True)
    completed_at = models.DateTimeField(_("ngày có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("ngày trả kết quả"), null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    timeliness = models.CharField(max_length=10, choices=Timeliness.choices, blank=True)
    supplement_requests = models.PositiveSmallIntegerField(default=0)

    # The rule that applied when the dossier was received (never rewritten by catalog edits).
    snap_processing_value = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    snap_processing_unit = models.CharField(max_length=16, blank=True)
    snap_fee = models.PositiveIntegerField(null=True, blank=True)
    snap_policy = models.JSONField(default=dict, blank=True)
    # The internal process taken at acceptance (dossiers/process.py): the steps as the catalog had them then.
    # db_default too: a process still running the code of before (a rolling deploy) inserts dossiers without it.
    snap_process = models.JSONField(default=list, db_default=models.Value([], models.JSONField()), blank=True)
    # The step being worked now (null before acceptance, after the result, and for dossiers accepted before
    # processes existed): the specialist's and the head's queues read the open step rows, this is its pointer.
    current_step = models.ForeignKey(
        "DossierStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    # The walk-in queue ticket whose place this dossier takes (seed 004: counted once in the session's cap).
    ticket = models.OneToOneField(
        "campaigns.QueueTicket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossier",
        verbose_name=_("số thứ tự"),
    )

    payment_status = models.CharField(max_length=14, choices=PaymentStatus.choices, default=PaymentStatus.NOT_REQUIRED)

    # A lease, not a row lock: an officer claims a dossier for a while.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)

    result_file = models.FileField(upload_to="results/%Y/%m/", blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    # The receipt QR's secret for public tracking (dossiers/tracking.py): random, works without the phone.
    tracking_token = models.CharField(max_length=32, default=new_tracking_token, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Officer queues (measured at 1M dossiers in docs/performance.md, "Dossier queues"):
            # - the tabs of one status, by due date (keyset on (due_at, id)), and the tab counts, which
            #   read warn_at from the index alone; partial: only the rows a queue can show;
            models.Index(
                fields=["desk", "status", "due_at", "id"],
                include=["warn_at"],
                condition=Q(status__in=QUEUE_STATUSES),
                name="dossier_open_queue",
            ),
            # - "đang xử lý", "sắp đến hạn", "quá hạn" (accepted + processing) in due order, no sort step;
            models.Index(
                fields=["desk", "due_at", "id"], condition=Q(status__in=RUNNING_STATUSES), name="dossier_running_due"
            ),
            # - the intake tabs by submission (and any (desk, status) look-up, closed statuses included).
            models.Index(fields=["desk", "status", "submitted_at", "id"], name="dossier_intake_queue"),
            models.Index(fields=["owner", "-created_at"], name="dossier_owner"),
            models.Index(fields=["agency", "status"], name="dossier_agency_status"),
            models.Index(fields=["province", "received_at"], name="dossier_province_received"),
            # The deadline sweep reads only dossiers with an alert still to come.
            models.Index(fields=["next_alert_at"], name="dossier_next_alert", condition=Q(next_alert_at__isnull=False)),
            # Public tracking finds a code typed in any letter case.
            models.Index(Upper("code"), name="dossier_code_upper"),
        ]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")

    def __str__(self):
        return self.code

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        """Django's, the row read with a statement compiled once per list of `fields` when they are given (issue 18:
        every API answer after a change refreshes the dossier's own columns; a deferred column loads the same way)."""
        if fields is not None and from_queryset is None:
            from_queryset = ByPk(type(self), using or self._state.db or DEFAULT_DB_ALIAS)
            using = None
        return super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

    @property
    def is_running(self):
        """The statutory clock runs towards `due_at` (accepted or processing); see DossierQuerySet.running."""
        return self.status in RUNNING_STATUSES

    def claim_is_live(self, now):
        """Someone holds the officer's lease (claim) on this dossier at `now`: claimed and not expired."""
        return bool(self.claimed_by_id and self.claim_expires_at and self.claim_expires_at > now)

    def claimed_by_other(self, user, now):
        """Another person's live lease: `user` must wait (409) until it expires or is released."""
        return self.claim_is_live(now) and self.claimed_by_id != user.id

    def pause_in_force(self, at=None):
        """The pause stopping the clock at `at` (now by default), or None; reads prefetched pauses."""
        at = at or timezone.now()
        if getattr(self, "is_paused", None) is False:
            return None
        return next((p for p in self.pauses.all() if p.in_force(at)), None)

    @property
    def paused(self):
        if hasattr(self, "is_paused"):  # annotated by DossierQuerySet.with_paused
            return self.is_paused
        return self.pause_in_force() is not None

    @property
    def open_pause(self):
        return self.pause_in_force()


def document_path(instance, filename):
    # The stored name is ours (a random token); the citizen's file name is kept as data only.
    return f"dossiers/{instance.dossier.code}/{instance.stored_token}.{instance.extension}"


class DossierDocument(models.Model):
    class Kind(models.TextChoices):
        SUBMISSION = "submission", _("Thành phần hồ sơ")
        SUPPLEMENT = "supplement", _("Bổ sung")
        RESULT = "result", _("Kết quả điện tử")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    document_code = models.CharField(max_length=32)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SUBMISSION)
    file = models.FileField(upload_to=document_path)
    stored_token = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Its entry in the owner's document store (models/store.py): the one made by this upload, or the one reused
    # (the same stored file); null for a dossier without an owner (walk-in).
    stored = models.ForeignKey(
        "StoredDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="uses", editable=False
    )

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.document_code}: {self.original_name}"


class DossierEvent(models.Model):
    """One line of the audit trail; handovers form the processing control sheet
    (phiếu kiểm soát quá trình giải quyết)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ClockPause(models.Model):
    """A suspension of the statutory clock: a row, not a boolean. `due_at` is recomputed
    from acceptance, duration and every pause by one function."""

    class Kind(models.TextChoices):
        SUPPLEMENT = "supplement", _("Chờ bổ sung hồ sơ")
        MANUAL = "manual", _("Tạm dừng có lý do")
        FINANCIAL = "financial", _("Chờ thực hiện nghĩa vụ tài chính")
        CAMPAIGN = "campaign", _("Dừng tính thời hạn theo đợt áp dụng")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    campaign_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(ended_at__isnull=True), name="one_open_pause_per_dossier"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"

    def in_force(self, at):
        """Python twin of `pause_in_force_q` (for pauses already in hand)."""
        return self.started_at <= at and (self.ended_at is None or self.ended_at > at)


class ExceptionRequest(models.Model):
    """Đề nghị giải quyết trường hợp khẩn cấp (seed 003): an officer asks, a head of the dossier's
    agency approves or declines; a head's own grant is recorded approved at once. Only an approved
    one lets a walk-in intake or a desk return through a suspension (services.has_exception)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ lãnh đạo phê duyệt")
        APPROVED = "approved", _("Đã phê duyệt")
        DECLINED = "declined", _("Không phê duyệt")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="exception_requests")
    reason = models.TextField(_("lý do khẩn cấp"))
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người đề nghị"),
    )
    requested_at = models.DateTimeField(_("ngày đề nghị"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lãnh đạo quyết định"),
    )
    decided_at = models.DateTimeField(_("ngày quyết định"), null=True, blank=True)
    decision_note = models.TextField(_("ý kiến của lãnh đạo"), blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(state="pending"), name="one_pending_exception_per_dossier"
            )
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="exception_request_queue")]
        verbose_name = _("đề nghị trường hợp khẩn cấp")
        verbose_name_plural = _("đề nghị trường hợp khẩn cấp")

    def __str__(self):
        return f"{self.dossier_id} {self.state}"


class ClockAlert(models.Model):
    """A deadline alert recorded once: (dossier, kind, due moment) is unique, so two
    overlapping sweeps cannot alert twice, and a moved due date can alert again."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Sắp đến hạn")
        OVERDUE = "overdue", _("Quá hạn")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dossier", "kind", "due_at"], name="one_alert_per_due")]

    def __str__(self):
        return f"{self.dossier_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """A message to a person, recorded once per (dossier, kind, channel, key)."""

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "Email"
        STAFF = "staff", _("Thông báo nội bộ")

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")  # claimed by a worker (claimed_at), committed before it sends
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi lỗi")

    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.CharField(max_length=200)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=6, choices=Channel.choices)
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=80, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "kind", "channel", "recipient", "key"], name="notify_once")
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="notification_outbox")]

    def __str__(self):
        return f"{self.channel} {self.kind} → {self.recipient}"


class TrackingFailure(models.Model):
    """One wrong answer to public tracking (dossiers/tracking.py): the per-client limit counts
    these rows, in the database so that every process agrees and a cache outage changes nothing."""

    client = models.CharField(max_length=40)  # a hash of the client's address
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client", "at"], name="tracking_failure_client")]

    def __str__(self):
        return f"{self.client[:8]} {self.at:%Y-%m-%d %H:%M}"


from .payments import Payment, PaymentCallback  # noqa: E402,F401
from .signed import SignedResult  # noqa: E402,F401
from .steps import DossierStep, StepAlert, StepOutcome  # noqa: E402,F401
from .store import StoredDocument  # noqa: E402,F401
