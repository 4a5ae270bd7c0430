"""The shared core: accounts with roles, the catalog (Cơ sở dữ liệu TTHC) and the
province's working-calendar overrides."""

from datetime import time

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .catalog_version import CatalogQuerySet  # a write of a catalog row gives its cache a new version


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Công dân / tổ chức")
    OFFICER = "officer", _("Cán bộ Bộ phận Một cửa")
    HEAD = "head", _("Lãnh đạo cơ quan")
    SPECIALIST = "specialist", _("Chuyên viên")
    POSTAL_CLERK = "postal_clerk", _("Nhân viên bưu chính")
    PROVINCE_ADMIN = "province_admin", _("Quản trị tỉnh")


phone_validator = RegexValidator(r"^\+?[0-9]{9,12}$", _("Số điện thoại gồm 9–12 chữ số."))


class Province(models.Model):
    """Tỉnh / thành phố trực thuộc trung ương."""

    code = models.CharField(_("mã"), max_length=8, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    # Postal SLA hours count in working time unless the province chooses clock hours.
    postal_sla_clock_hours = models.BooleanField(_("SLA bưu chính tính theo giờ đồng hồ"), default=False)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tỉnh")
        verbose_name_plural = _("tỉnh")

    def __str__(self):
        return self.name


class Agency(models.Model):
    """Cơ quan giải quyết: a department (sở), a district (huyện) or a commune (xã)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Cấp tỉnh")
        DISTRICT = "district", _("Cấp huyện")
        COMMUNE = "commune", _("Cấp xã")

    code = models.CharField(_("mã"), max_length=32, unique=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("tỉnh"))
    name = models.CharField(_("tên"), max_length=200)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["province", "code"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self):
        return self.name


class OneStopDesk(models.Model):
    """Bộ phận tiếp nhận và trả kết quả (Bộ phận Một cửa), with its opening hours."""

    code = models.CharField(_("mã"), max_length=32, unique=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="desks", verbose_name=_("tỉnh"))
    # Null for the provincial public-administration centre, which serves every agency.
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="desks", verbose_name=_("cơ quan")
    )
    name = models.CharField(_("tên"), max_length=200)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    morning_opens = models.TimeField(_("sáng mở cửa"), default=time(7, 0))
    morning_closes = models.TimeField(_("sáng đóng cửa"), default=time(11, 30))
    afternoon_opens = models.TimeField(_("chiều mở cửa"), default=time(13, 30))
    afternoon_closes = models.TimeField(_("chiều đóng cửa"), default=time(17, 0))

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["province", "code"]
        verbose_name = _("Bộ phận Một cửa")
        verbose_name_plural = _("Bộ phận Một cửa")

    def __str__(self):
        return self.name

    def clean(self):
        if not (self.morning_opens < self.morning_closes <= self.afternoon_opens < self.afternoon_closes):
            raise ValidationError(_("Giờ làm việc phải theo thứ tự: sáng mở < sáng đóng ≤ chiều mở < chiều đóng."))
        if self.agency_id and self.agency.province_id != self.province_id:
            raise ValidationError({"agency": _("Cơ quan phải thuộc cùng tỉnh với bộ phận một cửa.")})

    @property
    def sessions(self):
        return ((self.morning_opens, self.morning_closes), (self.afternoon_opens, self.afternoon_closes))


class ProcessingUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    SAME_DAY = "same_day", _("trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)")


class Procedure(models.Model):
    """Thủ tục hành chính: one catalog record of a province."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("tỉnh"))
    code = models.CharField(_("mã TTHC"), max_length=32)
    name = models.CharField(_("tên thủ tục"), max_length=400)
    sector = models.CharField(_("lĩnh vực"), max_length=120, db_index=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("cơ quan thực hiện")
    )
    level = models.PositiveSmallIntegerField(
        _("mức độ DVC trực tuyến"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    processing_time_value = models.DecimalField(_("thời hạn giải quyết"), max_digits=6, decimal_places=2, default=0)
    processing_time_unit = models.CharField(_("đơn vị thời hạn"), max_length=16, choices=ProcessingUnit.choices)
    fee = models.PositiveIntegerField(_("phí, lệ phí (đồng)"), default=0)
    fee_note = models.CharField(_("ghi chú phí"), max_length=300, blank=True)

    class FeeCollection(models.TextChoices):
        BEFORE_ACCEPTANCE = "before_acceptance", _("nộp khi nộp hồ sơ (trước khi tiếp nhận)")
        AT_RETURN = "at_return", _("nộp khi nhận kết quả")

    fee_collected_at = models.CharField(
        _("thời điểm thu phí"), max_length=20, choices=FeeCollection.choices, default=FeeCollection.BEFORE_ACCEPTANCE
    )
    postal_intake = models.BooleanField(_("nhận hồ sơ qua bưu chính"), default=False)
    postal_return = models.BooleanField(_("trả kết quả qua bưu chính"), default=False)
    in_person_only = models.BooleanField(_("buộc phải trực tiếp"), default=False)
    field_verification = models.BooleanField(_("cần xác minh thực địa"), default=False)
    result = models.CharField(_("kết quả"), max_length=400, blank=True)
    # What the result is, as a document code of the catalog (e.g. "GKS", Giấy khai sinh): an e-result of this
    # procedure in a citizen's store (kho dữ liệu) is offered for another procedure's required document of that
    # code (dossiers/services/store.py). Blank: its result is not a document other procedures ask for.
    result_document = models.CharField(
        _("mã giấy tờ kết quả"),
        max_length=32,
        blank=True,
        help_text=_("Mã giấy tờ mà kết quả của thủ tục là (ví dụ GKS: Giấy khai sinh), để dùng lại cho thủ tục khác."),
    )
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    active = models.BooleanField(_("đang áp dụng"), default=True)
    # The current version of its declaration form (the highest ProcedureForm.version), null: no form, the free
    # "form_data" of before. Kept by ProcedureForm.publish / withdraw, so that creating a draft knows without a
    # query whether there is a form to check (docs/performance.md: create + submit grow by two at most).
    form_version = models.PositiveIntegerField(_("phiên bản tờ khai hiện hành"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["province", "code"]
        constraints = [models.UniqueConstraint(fields=["province", "code"], name="procedure_code_unique_per_province")]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.agency_id and self.province_id and self.agency.province_id != self.province_id:
            raise ValidationError({"agency": _("Cơ quan phải thuộc cùng tỉnh với thủ tục.")})

    @property
    def online_full(self):
        """Level 4 (toàn trình): pay online and receive the result online or by post."""
        return self.level >= 4


class ProcedureForm(models.Model):
    """One version of a procedure's electronic declaration form (tờ khai điện tử, api.md "Electronic declaration
    forms"): ``definition`` is ``{"fields": [...]}`` as portal/eform.py checks it. Versions are never changed or
    deleted: a dossier keeps the version its draft was made with (``Dossier.form_version``); a new definition
    is a new version, and the current one is the highest (``Procedure.form_version``)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="forms", verbose_name=_("thủ tục"))
    version = models.PositiveIntegerField(_("phiên bản"))
    definition = models.JSONField(_("định nghĩa tờ khai"))
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    # Who published it in the admin's form editor; None for a version the catalog import wrote.
    published_by = models.ForeignKey(
        "portal.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người phát hành"),
    )

    class Meta:
        ordering = ["procedure", "-version"]
        constraints = [models.UniqueConstraint(fields=["procedure", "version"], name="procedure_form_version_unique")]
        verbose_name = _("tờ khai điện tử")
        verbose_name_plural = _("tờ khai điện tử")

    def __str__(self):
        return f"{self.procedure.code} v{self.version}"

    @classmethod
    def current(cls, procedure):
        """The procedure's current form, None when it has none."""
        if procedure.form_version is None:
            return None
        return cls.objects.filter(procedure_id=procedure.pk, version=procedure.form_version).first()

    @classmethod
    def publish(cls, procedure, definition, by=None):
        """Make ``definition`` the procedure's current form; True when anything changed. The same definition as
        the latest version keeps that version (made current again if the form had been withdrawn); another one
        is a new version, one above the highest, published ``by`` that user (the admin's editor says who)."""
        latest = cls.objects.filter(procedure_id=procedure.pk).order_by("-version").first()
        if latest is not None and latest.definition == definition:
            if procedure.form_version == latest.version:
                return False
            cls._point(procedure, latest.version)
            return True
        form = cls.objects.create(
            procedure=procedure,
            version=(latest.version + 1) if latest else 1,
            definition=definition,
            published_by=by,
        )
        cls._point(procedure, form.version)
        return True

    @classmethod
    def withdraw(cls, procedure):
        """The procedure has no form any more (its versions stay for the dossiers made with them); True if it had."""
        if procedure.form_version is None:
            return False
        cls._point(procedure, None)
        return True

    @staticmethod
    def _point(procedure, version):
        Procedure.objects.filter(pk=procedure.pk).update(form_version=version)
        procedure.form_version = version


class RequiredDocument(models.Model):
    """Thành phần hồ sơ."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("bản chính")
        COPY = "copy", _("bản sao")
        CERTIFIED_COPY = "certified_copy", _("bản sao chứng thực")
        ANY = "any", _("bản chính hoặc bản sao")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(_("mã"), max_length=32)
    name = models.CharField(_("tên giấy tờ"), max_length=400)
    required = models.BooleanField(_("bắt buộc"), default=True)
    form = models.CharField(_("hình thức"), max_length=16, choices=Form.choices, default=Form.ANY)
    copies = models.PositiveSmallIntegerField(_("số bản"), default=1)
    order = models.PositiveSmallIntegerField(default=0)
    # A blank form or a sample (mẫu đơn, tờ khai, bộ hồ sơ mẫu; api.md documents[].template_url): a public file,
    # stored under MEDIA by its content's digest (portal/document_templates.py), served by its own download URL.
    template = models.FileField(_("mẫu đơn, tờ khai"), upload_to="document-templates/", max_length=200, blank=True)
    template_name = models.CharField(_("tên tệp mẫu"), max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "code"], name="document_code_unique_per_procedure")]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self):
        return self.name

    @property
    def template_path(self):
        """The public download path of its template (portal/document_templates.py), "" when it has none."""
        from django.urls import reverse

        return reverse("document_template", args=[self.pk]) if self.template else ""


DEFAULT_FEE_GROUP = "default"
fee_group_validator = RegexValidator(
    r"^[a-z0-9_]{1,32}$", _("Mã đối tượng gồm chữ thường không dấu, chữ số và dấu gạch dưới (ví dụ: student).")
)


class ProcedureFee(models.Model):
    """Mức thu phí, lệ phí theo đối tượng (api.md ``fees``): one row per applicant group of a procedure. The
    ``default`` group's amount is the procedure's ``fee``; another group may ask for a proof document (a code of
    the procedure's documents), which becomes required for a dossier of that group. A procedure without rows has
    one group, ``default``, at its ``fee`` (portal/fees.py)."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="fee_groups", verbose_name=_("thủ tục")
    )
    group = models.CharField(_("mã đối tượng"), max_length=32, validators=[fee_group_validator])
    label = models.CharField(_("đối tượng nộp"), max_length=200)
    amount = models.PositiveIntegerField(_("mức thu (đồng)"))
    proof_document = models.CharField(
        _("giấy tờ chứng minh (mã thành phần hồ sơ)"),
        max_length=32,
        blank=True,
        help_text=_("Để trống nếu không cần; giấy tờ này trở thành bắt buộc với hồ sơ thuộc đối tượng."),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["procedure", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "group"], name="procedure_fee_group_unique")]
        verbose_name = _("mức phí theo đối tượng")
        verbose_name_plural = _("phí, lệ phí theo đối tượng")

    def __str__(self):
        return f"{self.label}: {self.amount}"


# A working day's length in the standard sessions (07:00–11:30, 13:30–17:00): a process's budget is checked
# against the procedure's processing time in these hours (portal.calendar.WorkingCalendar.day_length).
STANDARD_DAY_HOURS = 8


def processing_hours(value, unit):
    """The working hours a processing time stands for, in the standard day: what a process's steps may share."""
    if unit == ProcessingUnit.WORKING_DAYS:
        return float(value) * STANDARD_DAY_HOURS
    if unit == ProcessingUnit.WORKING_HOURS:
        return float(value)
    return float(STANDARD_DAY_HOURS)  # same day: at most one working day


class ProcessStep(models.Model):
    """One step of a procedure's internal electronic process (quy trình nội bộ, Decree 61/2018 and Circular
    01/2018/TT-VPCP): who works it (a role at an agency, or the receiving desk when `agency` is empty) and its
    budget in working hours. The steps run in `order` between acceptance and the result; their budgets share
    the procedure's processing time. A procedure without steps has one processing step at its own agency."""

    class StepRole(models.TextChoices):
        OFFICER = "officer", _("Cán bộ Bộ phận Một cửa")
        SPECIALIST = "specialist", _("Chuyên viên")
        HEAD = "head", _("Lãnh đạo cơ quan")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="process_steps", verbose_name=_("thủ tục")
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    code = models.CharField(_("mã bước"), max_length=16)
    name = models.CharField(_("tên bước"), max_length=200)
    role = models.CharField(_("vai trò thực hiện"), max_length=12, choices=StepRole.choices)
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="process_steps",
        verbose_name=_("cơ quan thực hiện"),
        help_text=_("Để trống: Bộ phận Một cửa đã tiếp nhận hồ sơ."),
    )
    hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["procedure", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "code"], name="process_step_code_unique")]
        verbose_name = _("bước quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.role == self.StepRole.OFFICER and self.agency_id:
            raise ValidationError({"agency": _("Bước của cán bộ một cửa thực hiện tại bộ phận đã tiếp nhận hồ sơ.")})
        if self.role in (self.StepRole.SPECIALIST, self.StepRole.HEAD) and not self.agency_id:
            raise ValidationError({"agency": _("Bước của chuyên viên hoặc lãnh đạo phải có cơ quan thực hiện.")})
        if self.agency_id and self.procedure_id and self.agency.province_id != self.procedure.province_id:
            raise ValidationError({"agency": _("Cơ quan thực hiện phải thuộc cùng tỉnh với thủ tục.")})
        if self.hours is not None and self.hours <= 0:
            raise ValidationError({"hours": _("Thời gian của bước phải lớn hơn 0.")})


def process_budget_overrun(procedure, hours):
    """(total, limit) in working hours when steps of `hours` exceed `procedure`'s processing time, else None: the
    rule the admin (process_budget_error, in Vietnamese) and the catalog import (its own English) both apply."""
    total = sum(float(h) for h in hours)
    limit = processing_hours(procedure.processing_time_value, procedure.processing_time_unit)
    return (total, limit) if total > limit + 1e-9 else None


def process_budget_error(procedure, hours):
    """The message when steps of `hours` (working hours each) exceed `procedure`'s processing time, or None."""
    overrun = process_budget_overrun(procedure, hours)
    if overrun:
        total, limit = overrun
        return _(
            "Tổng thời gian các bước (%(total)s giờ làm việc) vượt thời hạn giải quyết của thủ tục %(code)s "
            "(%(limit)s giờ làm việc)."
        ) % {"total": f"{total:g}", "limit": f"{limit:g}", "code": procedure.code}
    return None


class CalendarOverride(models.Model):
    """A province's change to the national calendar: an extra day off or an extra
    working day (a Saturday worked to bridge a holiday)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("ngày nghỉ bổ sung")
        WORKING_DAY = "working_day", _("ngày làm việc bù")

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="calendar_overrides")
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["province", "date"], name="one_override_per_province_day")]
        verbose_name = _("ngày điều chỉnh lịch làm việc")
        verbose_name_plural = _("ngày điều chỉnh lịch làm việc")

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class User(AbstractUser):
    """Every person: citizens register themselves; staff carry a role and its scope
    (officer → desk, head and specialist → agency, postal clerk and province admin → province)."""

    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices, default=Role.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=16, blank=True, validators=[phone_validator])
    national_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    desk = models.ForeignKey(OneStopDesk, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    # The phone number the person proved to hold (a code by SMS, portal/phone/codes.py, or the national identity
    # provider) and when. The phone is confirmed while it is still that number: changing `phone` anywhere (the
    # account page, the admin, an import) un-confirms it without a hook in save().
    confirmed_phone = models.CharField(_("số điện thoại đã xác nhận"), max_length=16, blank=True)
    phone_confirmed_at = models.DateTimeField(_("thời điểm xác nhận số điện thoại"), null=True, blank=True)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        needs = {
            Role.OFFICER: ("desk", _("Cán bộ một cửa phải gắn với một bộ phận một cửa.")),
            Role.HEAD: ("agency", _("Lãnh đạo phải gắn với một cơ quan.")),
            Role.SPECIALIST: ("agency", _("Chuyên viên phải gắn với một cơ quan.")),
            Role.POSTAL_CLERK: ("province", _("Nhân viên bưu chính phải gắn với một tỉnh.")),
            Role.PROVINCE_ADMIN: ("province", _("Quản trị tỉnh phải gắn với một tỉnh.")),
        }
        if self.role in needs:
            field, message = needs[self.role]
            if getattr(self, f"{field}_id") is None:
                raise ValidationError({field: message})

    def save(self, *args, **kwargs):
        # The scope's province follows from the desk or the agency, so querysets can filter on it.
        if self.desk_id and not self.province_id:
            self.province_id = self.desk.province_id
        if self.agency_id and not self.province_id:
            self.province_id = self.agency.province_id
        super().save(*args, **kwargs)

    @property
    def is_citizen(self):
        return self.role == Role.CITIZEN and not self.is_superuser

    @property
    def is_staff_role(self):
        return self.role != Role.CITIZEN

    @property
    def phone_confirmed(self):
        """Whether the account's current phone is the one confirmed (SMS about dossiers go only to it)."""
        return bool(self.phone) and self.confirmed_phone == self.phone


class PhoneCode(models.Model):
    """A one-time code sent by SMS to confirm an account's phone (portal/phone/codes.py). The code itself
    is kept only as a keyed hash; until the SMS gateway has taken it, the message waits encrypted in
    `sealed` (erased once sent, or when the code is used or expires)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_codes")
    phone = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=100)  # "salt$hmac-sha256"
    sealed = models.TextField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="phone_code_user"),
            models.Index(fields=["phone", "-created_at"], name="phone_code_phone"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class IdentityLink(models.Model):
    """A citizen account tied to an identity at an OpenID Connect provider (định danh điện tử): later sign-ins
    through that provider find the account by (issuer, subject), the provider's stable `sub` claim. Made when
    an account is created by single sign-on, or after the citizen proved both the provider's sign-in and the
    account's password (portal/oidc/identity.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_links")
    issuer = models.CharField(_("nhà cung cấp định danh"), max_length=255)
    subject = models.CharField(_("mã định danh tại nhà cung cấp"), max_length=255)
    linked_at = models.DateTimeField(_("liên kết lúc"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_identity"),
            models.UniqueConstraint(fields=["user", "issuer"], name="one_identity_per_account_and_issuer"),
        ]
        verbose_name = _("liên kết định danh điện tử")
        verbose_name_plural = _("liên kết định danh điện tử")

    def __str__(self):
        return f"{self.user} ↔ {self.issuer}"


class SigningCertificate(models.Model):
    """Chứng thư số của cơ quan: the public facts of an agency's signing certificate. The key itself (a PKCS#12
    under settings.SIGNING_DIR) never enters the database; a row is registered when the certificate is created or
    first used (portal/signing/keys.py). A certificate revoked here no longer signs, and every result it signed,
    earlier ones included, verifies as invalid."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="signing_certificates", verbose_name=_("cơ quan")
    )
    serial = models.CharField(_("số sê-ri"), max_length=64)
    fingerprint_sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    subject = models.CharField(_("chủ thể"), max_length=300)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    registered_at = models.DateTimeField(_("ghi nhận lúc"), default=timezone.now)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=300, blank=True)

    class Meta:
        ordering = ["agency", "-not_before"]
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")

    def __str__(self):
        return f"{self.agency} ({self.serial})"

    def clean(self):
        if self.revoked_at and not self.revoked_reason.strip():
            raise ValidationError({"revoked_reason": _("Vui lòng nêu lý do thu hồi chứng thư số.")})


from .counters import LimitHit  # noqa: E402,F401  (allowances counted while the cache is down, portal/counters.py)
from .outbox import OutboxMessage  # noqa: E402,F401  (the transactional outbox, portal/outbox.py)
