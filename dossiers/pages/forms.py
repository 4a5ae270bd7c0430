"""Forms of the dossier pages. They parse and present; every rule stays in services (a
DossierError the services raise is attached to the field it names by `attach_error`).

The intake and return channels offered are exactly those of the effective policy
(`campaigns.policy.effective_policy`); a closed channel is shown disabled with the reason."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.policy import effective_policy
from portal import fees
from portal.declaration import DeclarationForm, prefilled
from portal.models import DEFAULT_FEE_GROUP, Agency, OneStopDesk, Procedure, phone_validator
from portal.widgets import DateField, DateTimeField, FilePicker

from .. import declarations, process
from ..models import IntakeChannel, Outcome, ReturnChannel
from ..plugins import zone_choices, zone_label  # noqa: F401  (zone_label: the templatetag's)
from ..services import FormDataError, desk_serves, has_exception

# --- channels under the effective policy -----------------------------------------------------------


def _default_reason(procedure, channel, intake):
    """Why a channel is closed when the policy does not say: the procedure's own flags."""
    if intake:
        if channel == IntakeChannel.WALK_IN:
            return _("Tạm dừng tiếp nhận hồ sơ trực tiếp theo biện pháp đang áp dụng.")
        if procedure.in_person_only:
            return _("Thủ tục này buộc phải nộp trực tiếp tại Bộ phận Một cửa.")
        if channel == IntakeChannel.ONLINE and procedure.level < 3:
            return _("Thủ tục chưa cung cấp dịch vụ công trực tuyến mức độ 3, 4.")
        if channel == IntakeChannel.POSTAL and not procedure.postal_intake:
            return _("Thủ tục không nhận hồ sơ qua bưu chính công ích.")
    else:
        if channel == ReturnChannel.DESK:
            return _("Tạm dừng trả kết quả trực tiếp theo biện pháp đang áp dụng.")
        if channel == ReturnChannel.POSTAL and not procedure.postal_return:
            return _("Thủ tục không trả kết quả qua bưu chính công ích.")
        if channel == ReturnChannel.ONLINE and procedure.level < 4:
            return _("Chỉ thủ tục mức độ 4 (toàn trình) trả kết quả trực tuyến.")
    return _("Không áp dụng cho thủ tục này lúc này.")


def channel_options(procedure, desk, at=None):
    """(policy, intake options, return options): each option a dict with value, label,
    available, reason (why closed) and warning (open, but the result will be held)."""
    policy = effective_policy(procedure, desk, at or timezone.now())

    def option(channel, label, intake):
        allowed = policy.allows_intake(channel) if intake else policy.allows_return(channel)
        reason = "" if allowed else policy.closed_because.get(channel) or _default_reason(procedure, channel, intake)
        held = not intake and not allowed and policy.hold_other_returns
        return {
            "value": channel,
            "label": label,
            "available": allowed or held,
            "reason": "" if held else reason,
            "warning": (reason or _("Kết quả sẽ được lưu giữ đến khi biện pháp kết thúc.")) if held else "",
        }

    intake = [option(value, label, True) for value, label in IntakeChannel.choices]
    returns = [option(value, label, False) for value, label in ReturnChannel.choices]
    return policy, intake, returns


# --- postal zones: dossiers.plugins (zone_providers, filled by postal) ------------------------------


# --- the draft ------------------------------------------------------------------------------------

FORM_CONTENT_KEY = "content"


class ChannelField(forms.ChoiceField):
    """A channel radio whose rendering (with disabled options and reasons) is done by the template."""

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, widget=forms.RadioSelect, **kwargs)
        self.options = list(options)


WALK_IN_FOR_CITIZENS = _(
    "Hồ sơ nộp trực tiếp do cán bộ tiếp nhận tại Bộ phận Một cửa; trên Cổng, vui lòng chọn nộp trực tuyến "
    "hoặc qua bưu chính công ích."
)


class DraftForm(forms.Form):
    """The applicant data, the procedure's form fields and the channels of a dossier.

    `mode="citizen"`: a new online draft (desk chosen here, applicant prefilled from the account);
    `mode="edit"`: an existing draft (the desk is fixed); `mode="walk_in"`: the officer enters a
    dossier at their desk, intake walk-in.

    A procedure with a declaration form (tờ khai điện tử) has its fields (`declaration`, a
    portal.declaration.DeclarationForm) instead of the free "Nội dung yêu cầu" box: a new draft those of the
    procedure's current version, prefilled from the citizen's profile (never the officer's); an existing
    draft those of the version it was made with (`Dossier.form_version`), holding what it saved."""

    desk = forms.ModelChoiceField(
        label=_("Nơi nộp hồ sơ (Bộ phận Một cửa)"), queryset=OneStopDesk.objects.none(), empty_label=None
    )
    full_name = forms.CharField(label=_("Họ và tên người nộp"), max_length=200)
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=16,
        validators=[phone_validator],
        help_text=_("Dùng để nhận tin nhắn và tra cứu hồ sơ (4 chữ số cuối)."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    national_id = forms.RegexField(
        label=_("Số định danh cá nhân"),
        regex=r"^([0-9]{9}|[0-9]{12})$",
        required=False,
        error_messages={"invalid": _("Số định danh cá nhân gồm 12 chữ số (hoặc CMND 9 chữ số).")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    content = forms.CharField(
        label=_("Nội dung yêu cầu"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Nêu ngắn gọn yêu cầu giải quyết (ví dụ: cấp 02 bản sao trích lục)."),
    )
    intake_channel = ChannelField(label=_("Hình thức nộp hồ sơ"))
    return_channel = ChannelField(label=_("Hình thức nhận kết quả"))
    address = forms.CharField(
        label=_("Địa chỉ nhận/gửi qua bưu chính"),
        required=False,
        max_length=300,
        help_text=_("Bắt buộc khi bưu điện nhận hồ sơ tại nhà hoặc chuyển trả kết quả."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    address_zone = forms.ChoiceField(label=_("Vùng cước bưu chính"), required=False)

    def __init__(self, *args, procedure, mode="citizen", desk=None, user=None, dossier=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        self.mode = mode
        self.dossier = dossier
        if mode == "citizen":
            desks = [
                d for d in OneStopDesk.objects.filter(province_id=procedure.province_id) if desk_serves(d, procedure)
            ]
            self.fields["desk"].queryset = OneStopDesk.objects.filter(pk__in=[d.pk for d in desks])
            chosen = self._chosen_desk(desks)
            if user is not None and not self.is_bound:
                for name, value in (
                    ("full_name", user.full_name),
                    ("phone", user.phone),
                    ("email", user.email),
                    ("national_id", user.national_id),
                ):
                    self.fields[name].initial = value
        else:
            del self.fields["desk"]
            chosen = desk
        self.desk_obj = chosen
        if mode == "walk_in":
            self.fields["intake_channel"].required = False
            # A ticket holder's dossier takes the ticket's place in the session's walk-in cap (seed 004).
            self.fields["ticket"] = forms.IntegerField(
                label=_("Số thứ tự (nếu người nộp đã lấy số)"),
                required=False,
                min_value=1,
                help_text=_("Số thứ tự của buổi hiện tại; hồ sơ dùng chỗ của số thứ tự, không tính hai lần."),
            )
        zones = zone_choices(procedure.province)
        if zones:
            self.fields["address_zone"].choices = zones
            self.fields["address_zone"].initial = zones[0][0]
        else:
            self.fields["address_zone"].choices = [("default", _("Mặc định"))]
            self.fields["address_zone"].widget = forms.HiddenInput()
            self.fields["address_zone"].initial = "default"
        self.declaration = self._declaration(procedure, mode, user, dossier)
        if self.declaration is not None:
            del self.fields["content"]
        self.refresh_channels()
        self._add_fee_group()

    # --- fee groups (api.md "fees"): a choice only when the procedure has more than one ------------------
    def _add_fee_group(self):
        groups = fees.groups_of(self.procedure)
        self.fee_group_options = []
        if len(groups) < 2:
            return
        names = {}
        if any(group.proof_document for group in groups):
            names = dict(self.procedure.documents.values_list("code", "name"))
        self.fee_group_options = [
            {
                "value": group.group,
                "label": group.label,
                "amount": group.amount,
                "proof": names.get(group.proof_document, "") if group.proof_document else "",
            }
            for group in groups
        ]
        self.fields["fee_group"] = forms.ChoiceField(
            label=_("Đối tượng nộp phí, lệ phí"),
            choices=[(group.group, group.label) for group in groups],
            initial=DEFAULT_FEE_GROUP,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": _("Vui lòng chọn một đối tượng nộp phí trong danh sách.")},
        )

    def chosen_fee_group(self):
        return self.cleaned_data.get("fee_group") or DEFAULT_FEE_GROUP

    def _declaration(self, procedure, mode, user, dossier):
        version = dossier.form_version if dossier is not None else procedure.form_version
        definition = declarations.definition_of(procedure.pk, version)
        if definition is None:
            return None
        start = dossier.form_data if dossier is not None else None
        if start is None and mode == "citizen" and user is not None and not self.is_bound:
            start = prefilled(definition, declarations.profile(user))
        data = self.data if self.is_bound else None
        return DeclarationForm(definition, data, initial=start, provinces=declarations.provinces())

    @property
    def repeat_action(self):
        """A row of a repeated group was added or removed (no JavaScript): show the page again, save nothing."""
        return self.declaration is not None and self.declaration.repeat_action

    def is_valid(self):
        valid = super().is_valid()
        if self.declaration is not None:
            valid = self.declaration.is_valid() and valid
        return valid

    def _chosen_desk(self, desks):
        key = self.data.get(self.add_prefix("desk")) if self.is_bound else None
        for desk in desks:
            if key and str(desk.pk) == str(key):
                return desk
        return desks[0] if desks else None

    def refresh_channels(self):
        self.policy, intake, returns = channel_options(self.procedure, self.desk_obj)
        if self.mode != "walk_in":
            # Walk-in dossiers are entered by the desk's officer: never a choice for a citizen online.
            for option in intake:
                if option["value"] == IntakeChannel.WALK_IN and option["available"]:
                    option["available"] = False
                    option["reason"] = str(WALK_IN_FOR_CITIZENS)
        self.fields["intake_channel"].options = intake
        self.fields["return_channel"].options = returns
        # Only what the policy allows is a valid choice; walk-in entry may go through on an urgent
        # exception, so the officer's walk-in keeps its channel whatever the policy says.
        self.fields["intake_channel"].choices = [(o["value"], o["label"]) for o in intake if o["available"]]
        self.fields["return_channel"].choices = [(o["value"], o["label"]) for o in returns if o["available"]]
        for name, options in (("intake_channel", intake), ("return_channel", returns)):
            open_ = [o["value"] for o in options if o["available"]]
            if not self.is_bound and self.fields[name].initial not in open_ and open_:
                self.fields[name].initial = open_[0]

    def _channel_error(self, name, value):
        for option in self.fields[name].options:
            if option["value"] == value and not option["available"]:
                return forms.ValidationError(f"{option['label']}: {option['reason']}")
        return None

    def clean_intake_channel(self):
        value = self.cleaned_data.get("intake_channel")
        return IntakeChannel.WALK_IN if self.mode == "walk_in" else value

    def full_clean(self):
        if self.repeat_action:  # the page comes back with one row more or less: no error for what is not typed yet
            self._errors, self.cleaned_data = forms.utils.ErrorDict(), {}
            return
        # A closed channel gets its reason, not Django's "select a valid choice".
        super().full_clean()
        if not self.is_bound:
            return
        for name in ("intake_channel", "return_channel"):
            if name in self.errors:
                error = self._channel_error(name, self.data.get(self.add_prefix(name)))
                if error is not None:
                    self.errors[name] = self.error_class(error.messages)

    def clean(self):
        data = super().clean()
        postal = (
            data.get("intake_channel") == IntakeChannel.POSTAL or data.get("return_channel") == ReturnChannel.POSTAL
        )
        if postal and not (data.get("address") or "").strip():
            self.add_error("address", _("Vui lòng nhập địa chỉ để bưu điện nhận hồ sơ hoặc chuyển trả kết quả."))
        return data

    def applicant(self):
        data = self.cleaned_data
        return {
            "full_name": data["full_name"],
            "phone": data["phone"],
            "email": data.get("email") or "",
            "national_id": data.get("national_id") or "",
        }

    def form_data(self):
        if self.declaration is not None:
            return self.declaration.form_data()
        base = dict(self.dossier.form_data) if self.dossier is not None else {}
        base[FORM_CONTENT_KEY] = self.cleaned_data.get("content") or ""
        return base

    def draft_fields(self):
        """Keyword arguments of services.update_draft."""
        data = self.cleaned_data
        return {
            "intake_channel": data["intake_channel"],
            "return_channel": data["return_channel"],
            "address": data.get("address") or "",
            "address_zone": data.get("address_zone") or "default",
            "form_data": self.form_data(),
            "applicant_name": data["full_name"],
            "applicant_phone": data["phone"],
            "applicant_email": data.get("email") or "",
            "applicant_national_id": data.get("national_id") or "",
            **({"fee_group": self.chosen_fee_group()} if "fee_group" in self.fields else {}),
        }

    @classmethod
    def initial_for(cls, dossier):
        return {
            "full_name": dossier.applicant_name,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "national_id": dossier.applicant_national_id,
            "content": (dossier.form_data or {}).get(FORM_CONTENT_KEY, ""),
            "intake_channel": dossier.intake_channel,
            "return_channel": dossier.return_channel,
            "address": dossier.address,
            "address_zone": dossier.address_zone,
            "fee_group": dossier.fee_group,
        }


class WalkInProcedureForm(forms.Form):
    """Step one of walk-in entry: the procedure, among those the officer's desk serves."""

    procedure = forms.ModelChoiceField(label=_("Thủ tục hành chính"), queryset=Procedure.objects.none())

    def __init__(self, *args, desk, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        candidates = Procedure.objects.filter(province_id=desk.province_id, active=True).select_related("agency")
        ids = [p.pk for p in candidates if desk_serves(desk, p)]
        self.fields["procedure"].queryset = Procedure.objects.filter(pk__in=ids).order_by("code")
        self.fields["procedure"].label_from_instance = lambda p: f"{p.code} – {p.name}"


# --- documents --------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    document_code = forms.CharField(widget=forms.HiddenInput, max_length=32)
    file = forms.FileField(
        label=_("Chọn tệp"),
        widget=FilePicker(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- actions ------------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: a prefix per action keeps ids unique on one page."""

    field_map = {}

    def __init__(self, *args, dossier=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.dossier = dossier


def _note(label=None, required=False):
    return forms.CharField(
        label=label or _("Ghi chú"), required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _reason(label):
    return forms.CharField(label=label, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(ActionForm):
    note = _note()


class ReasonForm(ActionForm):
    reason = _reason(_("Lý do"))


class RefuseForm(ActionForm):
    reason = _reason(_("Lý do từ chối tiếp nhận"))


class PauseForm(ActionForm):
    reason = _reason(_("Lý do tạm dừng"))


class SupplementRequestForm(ActionForm):
    reason = _reason(_("Nội dung yêu cầu bổ sung, hoàn thiện"))
    missing = forms.MultipleChoiceField(
        label=_("Giấy tờ còn thiếu hoặc cần hoàn thiện"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, dossier=None, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        documents = dossier.procedure.documents.all() if dossier is not None else []
        self.fields["missing"].choices = [(d.name, d.name) for d in documents]


class ProcessForm(ActionForm):
    handed_to = forms.CharField(
        label=_("Chuyển cho (cơ quan, bộ phận, người xử lý)"),
        required=False,
        max_length=200,
        help_text=_("Để trống: chuyển cơ quan giải quyết của thủ tục."),
    )
    note = _note(_("Nội dung chuyển / kết quả"))


class CompleteForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Kết quả giải quyết"), choices=Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Lý do không giải quyết"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi không giải quyết."),
    )
    result_file = forms.FileField(
        label=_("Kết quả điện tử (không bắt buộc)"),
        required=False,
        help_text=_(
            "Tệp kết quả PDF sẽ được ký số bằng chứng thư số của cơ quan. Ảnh JPEG hoặc PNG (bản quét) được chuyển "
            "thành PDF rồi ký số."
        ),
        widget=FilePicker(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    field_map = {"file": "result_file"}


class ServiceChoiceField(forms.ChoiceField):
    """A select whose posted value the service judges (the step guards name the field in their refusal), so
    the page says what the API says: a person who does not work the next step, a step that is not earlier."""

    def valid_value(self, value):
        return True


def _step_label(spec, agencies):
    agency = agencies.get(spec["agency"]) if spec["agency"] else None
    place = agency.name if agency is not None else _("Bộ phận Một cửa")
    return f"{spec['code']} – {spec['name']} ({place})"


def _agencies(specs):
    ids = {spec["agency"] for spec in specs if spec["agency"]}
    return Agency.objects.in_bulk(ids) if ids else {}


class ForwardForm(ActionForm):
    """Chuyển bước tiếp theo: optionally to one person of the next step (process.staff_of)."""

    assignee = ServiceChoiceField(label=_("Người nhận ở bước tiếp theo"), required=False)
    note = _note(_("Ý kiến, kết quả xử lý của bước"))

    def __init__(self, *args, dossier=None, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        index = process.next_index(dossier) if dossier is not None and dossier.current_step_id else None
        if index is None:
            self.fields["assignee"].choices = [("", _("Không chỉ định người nhận"))]
            return
        spec = process.steps_of(dossier)[index]
        people = process.staff_of(dossier, index).order_by("full_name", "username")
        self.fields["assignee"].choices = [("", _("Không chỉ định người nhận"))] + [
            (person.username, f"{person} ({person.username})") for person in people
        ]
        self.fields["assignee"].help_text = _(
            "Bước tiếp theo: %(step)s. Không chỉ định: hồ sơ chờ mọi người của bước đó, trong “Việc chờ tôi xử lý”."
        ) % {"step": _step_label(spec, _agencies([spec]))}


class SendBackForm(ActionForm):
    """Trả lại bước trước: the reason is required; the previous step unless an earlier one is chosen."""

    reason = _reason(_("Lý do trả lại"))
    to_step = ServiceChoiceField(label=_("Trả lại bước"), required=False)

    def __init__(self, *args, dossier=None, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        step = dossier.current_step if dossier is not None and dossier.current_step_id else None
        earlier = process.steps_of(dossier)[: step.index] if step is not None else []
        agencies = _agencies(earlier)
        choices = [("", _("Bước liền trước"))]
        if earlier:
            choices = [("", _("Bước liền trước: %(step)s") % {"step": _step_label(earlier[-1], agencies)})]
            choices += [(spec["code"], _step_label(spec, agencies)) for spec in earlier[:-1]]
        self.fields["to_step"].choices = choices


class ApologizeForm(ActionForm):
    new_due_at = DateTimeField(label=_("Ngày giờ hẹn trả kết quả mới"))
    reason = _reason(_("Lý do chậm trả kết quả"))


class ExceptionForm(ActionForm):
    """An officer's request goes to the heads of the agency; a head's grant is the approval (seed 003)."""

    reason = _reason(_("Lý do khẩn cấp"))


class WithdrawForm(ActionForm):
    confirm = forms.BooleanField(
        label=_("Tôi xác nhận rút hồ sơ này; hồ sơ sẽ không được tiếp tục giải quyết."),
        error_messages={"required": _("Vui lòng đánh dấu xác nhận để rút hồ sơ.")},
    )
    note = _note(_("Lý do rút hồ sơ"))


class SwitchReturnForm(ActionForm):
    return_channel = ChannelField(label=_("Hình thức nhận kết quả mới"))
    address = forms.CharField(label=_("Địa chỉ nhận kết quả qua bưu chính"), required=False, max_length=300)

    def __init__(self, *args, dossier=None, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        if dossier is not None:
            _policy, _intake, returns = channel_options(dossier.procedure, dossier.desk)
            if has_exception(dossier):  # a head's urgent exception opens the desk (services.allows_return_for)
                urgent = _("Hồ sơ đã được lãnh đạo phê duyệt là trường hợp khẩn cấp.")
                returns = [
                    {**o, "available": True, "reason": "", "warning": urgent}
                    if o["value"] == ReturnChannel.DESK and not o["available"]
                    else o
                    for o in returns
                ]
            current = _("Hình thức hồ sơ đang dùng.")
            returns = [
                {**o, "available": False, "reason": current, "warning": ""}
                if o["value"] == dossier.return_channel
                else o
                for o in returns
            ]
            self.fields["return_channel"].options = returns
            self.fields["return_channel"].choices = [(o["value"], o["label"]) for o in returns if o["available"]]
            self.fields["address"].initial = dossier.address


class RateForm(ActionForm):
    score = forms.TypedChoiceField(
        label=_("Mức độ hài lòng"),
        coerce=int,
        choices=[
            (5, _("5 – Rất hài lòng")),
            (4, _("4 – Hài lòng")),
            (3, _("3 – Bình thường")),
            (2, _("2 – Không hài lòng")),
            (1, _("1 – Rất không hài lòng")),
        ],
        widget=forms.RadioSelect,
    )
    comment = _note(_("Góp ý"))


class QueueFilterForm(forms.Form):
    """GET filters of the queue page; invalid values are ignored (the valid ones still filter)."""

    procedure = forms.ModelChoiceField(
        label=_("Thủ tục"), queryset=Procedure.objects.none(), required=False, empty_label=_("Tất cả thủ tục")
    )
    channel = forms.ChoiceField(label=_("Kênh nộp"), required=False)
    status = forms.ChoiceField(label=_("Trạng thái"), required=False)
    date_from = DateField(label=_("Nộp từ ngày"), required=False)
    date_to = DateField(label=_("đến ngày"), required=False)

    def __init__(self, *args, procedures, statuses, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures
        self.fields["procedure"].label_from_instance = lambda p: f"{p.code} – {p.name}"
        self.fields["channel"].choices = [("", _("Tất cả kênh"))] + list(IntakeChannel.choices)
        self.fields["status"].choices = [("", _("Tất cả trạng thái"))] + [(s.value, s.label) for s in statuses]

    def values(self):
        """The valid filters only."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


def attach_error(form, error):
    """Put a service's DossierError beside the field it names (or at the top of the form); a declaration's
    errors beside the declaration's fields."""
    if isinstance(error, FormDataError) and getattr(form, "declaration", None) is not None:
        form.declaration.attach(error.errors)
        return
    field = form.field_map.get(error.field, error.field) if hasattr(form, "field_map") else error.field
    form.add_error(field if field in form.fields else None, error.message)
