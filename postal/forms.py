"""The forms of the postal pages: the queue's filters and one form per action (assign, pick up,
deliver, fail, cancel, handover). Rules live in postal/services.py; a refusal it raises lands
beside the field it names (see dossiers.pages.forms.attach_error)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.formatting import format_vnd
from portal.models import OneStopDesk, Role, User

from .models import PostalOrder

OPEN = "open"
ALL = "all"


class OrderFilterForm(forms.Form):
    """GET filters of the clerk's page; invalid values are ignored (the valid ones still filter).
    No status chosen = the open orders (created, assigned, picked up, failed)."""

    kind = forms.ChoiceField(label=_("Loại"), required=False)
    status = forms.ChoiceField(label=_("Trạng thái"), required=False)
    desk = forms.ModelChoiceField(
        label=_("Bộ phận Một cửa"),
        queryset=OneStopDesk.objects.none(),
        required=False,
        empty_label=_("Tất cả bộ phận"),
    )
    breached = forms.ChoiceField(
        label=_("Quá hạn SLA"),
        required=False,
        choices=[("", _("Tất cả")), ("yes", _("Đã quá hạn")), ("no", _("Chưa quá hạn"))],
    )
    assigned = forms.ChoiceField(
        label=_("Người phụ trách"),
        required=False,
        choices=[("", _("Tất cả")), ("me", _("Của tôi")), ("none", _("Chưa phân công"))],
    )

    def __init__(self, *args, desks, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tất cả"))] + list(PostalOrder.Kind.choices)
        self.fields["status"].choices = [
            ("", _("Đang mở (chưa phát, chưa huỷ)")),
            *PostalOrder.Status.choices,
            (ALL, _("Tất cả trạng thái")),
        ]
        self.fields["desk"].queryset = desks

    def values(self):
        """The valid filters only."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


def clerks_of(province_id):
    return User.objects.filter(role=Role.POSTAL_CLERK, province_id=province_id, is_active=True).order_by(
        "full_name", "username"
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, order=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.order = order


class DeliverForm(NoteForm):
    """Đã phát: who signed for it and any fee collected (both optional; the service checks the amount)."""

    receiver_name = forms.CharField(
        label=_("Người nhận"), required=False, max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    fee_collected = forms.IntegerField(
        label=_("Cước đã thu (đồng)"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1000"}),
        error_messages={"invalid": _("Nhập số đồng đã thu, ví dụ 25000."), "min_value": _("Số tiền không được âm.")},
    )

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, order=order, **kwargs)
        if order is not None and order.fee_charged:
            due = format_vnd(order.fee_charged)
            self.fields["fee_collected"].help_text = _("Người dân phải trả %(due)s.") % {"due": due}


class AssignForm(NoteForm):
    """Nhận đơn (to me) or phân công (to a named clerk of the order's province)."""

    assignee = forms.ModelChoiceField(
        label=_("Phân công cho"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Tôi (nhận đơn)"),
    )
    field_order = ["assignee", "note"]

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, order=order, **kwargs)
        if order is not None:
            self.fields["assignee"].queryset = clerks_of(order.province_id)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Vui lòng nêu lý do.")},
    )

    def __init__(self, *args, order=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.order = order


class HandoverForm(NoteForm):
    note = forms.CharField(
        label=_("Ghi chú bàn giao"),
        required=False,
        max_length=300,
        help_text=_("Ví dụ: bì hồ sơ còn nguyên niêm phong, đủ thành phần theo phiếu gửi."),
    )
