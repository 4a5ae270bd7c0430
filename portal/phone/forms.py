"""The phone confirmation's forms: the code, and a new number for the account."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import phone_validator
from .codes import CODE_DIGITS


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác nhận"),
        max_length=12,
        help_text=_("Mã gồm 6 chữ số trong tin nhắn SMS vừa gửi tới số điện thoại của bạn."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "maxlength": 12,
                "class": "code-input",
            }
        ),
        error_messages={"required": _("Vui lòng nhập mã xác nhận.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not (code.isdigit() and len(code) == CODE_DIGITS):
            raise forms.ValidationError(_("Mã xác nhận gồm %(n)d chữ số.") % {"n": CODE_DIGITS})
        return code


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Số điện thoại mới"),
        max_length=20,
        help_text=_("Sau khi đổi, số mới cần được xác nhận bằng mã gửi qua SMS."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": _("Vui lòng nhập số điện thoại.")},
    )

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip().replace(" ", "").replace(".", "")
        phone_validator(phone)
        if self.user is not None and phone == self.user.phone:
            raise forms.ValidationError(_("Đây đã là số điện thoại của tài khoản."))
        return phone
