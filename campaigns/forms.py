"""The province admin's campaign form (checkboxes and numbers, not raw JSON) and the queue
ticket form of the kiosk page. Scope and rules are built here as plain dicts and validated
by the services (campaigns/rules.py), whose dotted field names map back to these fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, OneStopDesk, Procedure, Province
from portal.widgets import DateField, DateTimeField

from .models import Session
from .rules import RULE_KEYS, SCOPE_KEYS, parse_date

CHECKS = forms.CheckboxSelectMultiple
INTAKE = [("online", _("Trực tuyến")), ("postal", _("Qua bưu chính công ích")), ("walk_in", _("Trực tiếp"))]
RETURNS = [("desk", _("Tại Bộ phận Một cửa")), ("postal", _("Qua bưu chính công ích")), ("online", _("Trực tuyến"))]
# The form shows every scope axis and every rule, in the order rules.py defines them.
SCOPE_FIELDS = SCOPE_KEYS
RULE_FIELDS = RULE_KEYS


class CampaignForm(forms.Form):
    province = forms.ModelChoiceField(queryset=Province.objects.all(), label=_("Tỉnh"))
    title = forms.CharField(label=_("Tên đợt"), max_length=300)
    legal_basis = forms.CharField(
        label=_("Căn cứ (số, ngày văn bản)"), max_length=300, help_text=_("Ví dụ: 1318/UBND-KSTT ngày 22/7/2021")
    )
    starts_at = DateTimeField(label=_("Bắt đầu"))
    ends_at = DateTimeField(
        label=_("Kết thúc"),
        required=False,
        help_text=_("Để trống nếu áp dụng đến khi có thông báo (kết thúc bằng thao tác Kết thúc)."),
    )
    # Scope: nothing ticked on an axis = no restriction on it.
    levels = forms.TypedMultipleChoiceField(
        label=_("Mức độ dịch vụ công trực tuyến"),
        required=False,
        coerce=int,
        choices=lambda: [(n, _("Mức độ %(n)s") % {"n": n}) for n in (1, 2, 3, 4)],  # in the language of the page
        widget=CHECKS,
    )
    sectors = forms.MultipleChoiceField(label=_("Lĩnh vực"), required=False, widget=CHECKS)
    agencies = forms.MultipleChoiceField(label=_("Cơ quan thực hiện"), required=False, widget=CHECKS)
    desks = forms.TypedMultipleChoiceField(label=_("Bộ phận Một cửa"), required=False, coerce=int, widget=CHECKS)
    procedures = forms.CharField(
        label=_("Chỉ các thủ tục (mã)"),
        required=False,
        help_text=_("Các mã thủ tục, cách nhau bởi dấu phẩy; để trống: mọi thủ tục."),
    )
    exclude_in_person_only = forms.BooleanField(label=_("Trừ thủ tục buộc thực hiện trực tiếp"), required=False)
    # Rules.
    open_online_and_postal = forms.BooleanField(
        label=_("Mở nộp trực tuyến, qua bưu chính và thanh toán trực tuyến (trừ thủ tục buộc trực tiếp)"),
        required=False,
    )
    intake_channels = forms.MultipleChoiceField(
        label=_("Chỉ tiếp nhận hồ sơ qua"),
        required=False,
        choices=INTAKE,
        widget=CHECKS,
        help_text=_("Không chọn: không giới hạn kênh nộp."),
    )
    walk_in_suspended = forms.BooleanField(
        label=_("Tạm ngừng tiếp nhận và trả kết quả trực tiếp (trừ trường hợp khẩn cấp được duyệt)"), required=False
    )
    walk_in_capacity_per_session = forms.IntegerField(
        label=_("Số hồ sơ trực tiếp tối đa mỗi buổi tại mỗi Bộ phận"), required=False, min_value=0
    )
    return_channels = forms.MultipleChoiceField(
        label=_("Chỉ trả kết quả qua"),
        required=False,
        choices=RETURNS,
        widget=CHECKS,
        help_text=_("Không chọn: không giới hạn kênh trả."),
    )
    hold_other_returns = forms.BooleanField(
        label=_("Lưu giữ kết quả đăng ký nhận theo kênh khác đến khi kết thúc đợt"), required=False
    )
    postal_fee_waived_percent = forms.IntegerField(
        label=_("Miễn, giảm cước bưu chính (%)"), required=False, min_value=0, max_value=100
    )
    postal_fee_waived_scope = forms.ChoiceField(
        label=_("Phạm vi miễn, giảm cước"),
        required=False,
        choices=[
            ("all", _("Mọi lượt bưu chính trong đợt")),
            ("switched", _("Chỉ lượt trả kết quả của hồ sơ nộp trước đợt, chuyển sang nhận qua bưu chính trong đợt")),
        ],
    )
    subsidy_budget = forms.CharField(label=_("Nguồn kinh phí hỗ trợ cước"), required=False, max_length=200)
    report_due = DateField(
        label=_("Hạn gửi danh sách hồ sơ được miễn cước"),
        required=False,
        help_text=_("Quản trị tỉnh được nhắc trước hai ngày làm việc."),
    )
    pickup_sla_hours = forms.FloatField(label=_("Bưu điện nhận hồ sơ trong (giờ)"), required=False, min_value=0.5)
    return_sla_hours = forms.FloatField(label=_("Bưu điện nhận kết quả trong (giờ)"), required=False, min_value=0.5)
    clock_stop_until = DateField(
        label=_("Thủ tục cần xác minh thực địa dừng tính thời hạn đến hết ngày"), required=False
    )
    notice = forms.CharField(
        label=_("Thông báo cho người dân"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    hotline = forms.CharField(label=_("Đường dây nóng"), required=False, max_length=120)
    notify_on_start = forms.BooleanField(
        label=_("Nhắn tin, gửi thư cho người có hồ sơ đang giải quyết khi bắt đầu"), required=False
    )

    def __init__(self, *args, user, province=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not user.is_superuser:
            del self.fields["province"]
            province = user.province
        elif province is not None:
            self.fields["province"].initial = province.pk
        self.province = province
        procedures = Procedure.objects.filter(province=province) if province else Procedure.objects.none()
        sectors = procedures.order_by("sector").values_list("sector", flat=True).distinct()
        self.fields["sectors"].choices = [(s, s) for s in sectors]
        agencies = Agency.objects.filter(province=province) if province else Agency.objects.none()
        self.fields["agencies"].choices = [(a.code, f"{a.name} ({a.code})") for a in agencies]
        desks = OneStopDesk.objects.filter(province=province) if province else OneStopDesk.objects.none()
        self.fields["desks"].choices = [(d.pk, d.name) for d in desks]

    @staticmethod
    def initial_from(campaign):
        scope, rules = campaign.scope or {}, campaign.rules or {}
        initial = {
            "province": campaign.province_id,
            "title": campaign.title,
            "legal_basis": campaign.legal_basis,
            "starts_at": timezone.localtime(campaign.starts_at),
            "ends_at": timezone.localtime(campaign.ends_at) if campaign.ends_at else None,
            "report_due": campaign.report_due,
        }
        for name in SCOPE_FIELDS:
            value = scope.get(name)
            initial[name] = ", ".join(value) if name == "procedures" and value else value
        for name in RULE_FIELDS:
            initial[name] = parse_date(rules.get(name)) if name == "clock_stop_until" else rules.get(name)
        return initial

    def values(self):
        """The service's keyword arguments: title, legal_basis, window, scope, rules."""
        data = self.cleaned_data
        codes = [c.strip() for c in (data.get("procedures") or "").split(",") if c.strip()]
        scope = {
            "levels": data.get("levels") or None,
            "sectors": data.get("sectors") or None,
            "agencies": data.get("agencies") or None,
            "desks": data.get("desks") or None,
            "procedures": codes or None,
            "exclude_in_person_only": bool(data.get("exclude_in_person_only")),
        }
        rules = {}
        for name in RULE_FIELDS:
            value = data.get(name)
            if value in (None, "", [], False):
                continue
            if name == "clock_stop_until":
                value = value.isoformat()
            elif name in ("pickup_sla_hours", "return_sla_hours") and float(value).is_integer():
                value = int(value)
            rules[name] = value
        return {
            "title": data["title"],
            "legal_basis": data["legal_basis"],
            "starts_at": data["starts_at"],
            "ends_at": data.get("ends_at"),
            "scope": scope,
            "rules": rules,
            "report_due": data.get("report_due"),
        }

    def add_service_errors(self, errors):
        """Put the services' messages ("rules.notice", "scope.levels", "ends_at") on fields."""
        for key, messages in errors.items():
            name = key.split(".", 1)[1] if "." in key else key
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class TicketForm(forms.Form):
    date = DateField(label=_("Ngày"))
    session = forms.ChoiceField(label=_("Buổi"), choices=Session.choices, widget=forms.RadioSelect)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20)
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục (nếu biết)"), queryset=Procedure.objects.none(), required=False, empty_label=_("Chưa rõ")
    )

    def __init__(self, *args, desk, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.filter(province_id=desk.province_id, active=True)
        self.fields["date"].initial = timezone.localdate()


class PreviewForm(forms.Form):
    """The preview page's questions: at which moment, and (optionally) the policy of which
    procedure at which desk, without and with the campaign."""

    at = DateTimeField(label=_("Thời điểm"), required=False)
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục"), queryset=Procedure.objects.none(), required=False, empty_label=_("(không chọn)")
    )
    desk = forms.ModelChoiceField(
        label=_("Bộ phận Một cửa"), queryset=OneStopDesk.objects.none(), required=False, empty_label=_("(mọi nơi)")
    )

    def __init__(self, *args, province, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.filter(province=province).order_by("code")
        self.fields["procedure"].label_from_instance = lambda p: f"{p.code} – {p.name}"
        self.fields["desk"].queryset = OneStopDesk.objects.filter(province=province).order_by("name")
