"""Forms of the public pages: the catalog search, citizen registration and login."""

import unicodedata

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .accounts import register_citizen
from .formatting import format_level
from .models import Agency, Procedure, Province, User, phone_validator

# Vietnamese alphabetical order: a ă â b c d đ e ê … o ô ơ … u ư; tone marks only break ties.
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve, circumflex, horn
_TONE_MARKS = {"\u0300": 1, "\u0301": 2, "\u0303": 3, "\u0309": 4, "\u0323": 5}  # huyền, sắc, ngã, hỏi, nặng


def vi_sort_key(text):
    """Sort key putting Vietnamese names in dictionary order (Đồng Nai after Dak Lak, before Gia Lai),
    whatever the database collation."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFD", (text or "").casefold()):
        if char in _LETTER_MARKS and letters:
            letters[-1] = (letters[-1][0], _LETTER_MARKS[char])
        elif char in _TONE_MARKS:
            tones.append(_TONE_MARKS[char])
        elif char == "đ":
            letters.append(("d", 9))
        else:
            letters.append((char, 0))
    return letters, tones


class ProcedureSearchForm(forms.Form):
    """GET filters of the procedure catalog. Invalid values are reported and ignored;
    the valid ones still filter (`cleaned_data` keeps them)."""

    q = forms.CharField(
        label=_("Tên hoặc mã thủ tục"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Ví dụ: khai sinh, 1.001193")}),
    )
    province = forms.ModelChoiceField(
        queryset=Province.objects.all(),
        required=False,
        label=_("Tỉnh, thành phố"),
        empty_label=_("Tất cả tỉnh, thành phố"),
    )
    sector = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    level = forms.TypedChoiceField(
        label=_("Mức độ dịch vụ công trực tuyến"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.all(),
        required=False,
        label=_("Cơ quan thực hiện"),
        empty_label=_("Tất cả cơ quan"),
    )
    postal = forms.BooleanField(label=_("Nộp hoặc nhận kết quả qua bưu chính công ích"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        active = Procedure.objects.filter(active=True)
        sectors = active.order_by("sector").values_list("sector", flat=True).distinct()
        self.fields["sector"].choices = [("", _("Tất cả lĩnh vực"))] + [(s, s) for s in sectors if s]
        self.fields["level"].choices = [("", _("Tất cả mức độ"))] + [(n, format_level(n)) for n in (4, 3, 2, 1)]
        provinces = sorted(Province.objects.all(), key=lambda province: vi_sort_key(province.name))
        self.fields["province"].widget.choices = [("", self.fields["province"].empty_label)] + [
            (province.pk, province.name) for province in provinces
        ]
        # Validation accepts any agency; the list offered narrows to the chosen province's.
        province_id = self.data.get("province") if self.is_bound else None
        offered = Agency.objects.filter(procedures__active=True).distinct().select_related("province")
        one_province = bool(province_id and str(province_id).isdigit())
        if one_province:
            offered = offered.filter(province_id=province_id)
        self.fields["agency"].widget.choices = [("", self.fields["agency"].empty_label)] + [
            (agency.pk, agency.name if one_province else f"{agency.name} ({agency.province.name})")
            for agency in offered.order_by("province__name", "name")
        ]

    def clean_agency(self):
        agency = self.cleaned_data.get("agency")
        province = self.cleaned_data.get("province")
        # An agency left over from another province is dropped rather than reported.
        if agency and province and agency.province_id != province.pk:
            return None
        return agency

    def filter(self, queryset):
        """Apply the valid filters to a Procedure queryset."""
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            queryset = queryset.filter(Q(code__icontains=q) | Q(name__icontains=q))
        if data.get("province"):
            queryset = queryset.filter(province=data["province"])
        if data.get("sector"):
            queryset = queryset.filter(sector=data["sector"])
        if data.get("level"):
            queryset = queryset.filter(level=data["level"])
        if data.get("agency"):
            queryset = queryset.filter(agency=data["agency"])
        if data.get("postal"):
            queryset = queryset.filter(Q(postal_intake=True) | Q(postal_return=True))
        return queryset

    @property
    def has_filters(self):
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class CitizenRegistrationForm(forms.Form):
    """Citizen self-registration; the rules live in `portal.accounts.register_citizen`."""

    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Tối đa 150 ký tự: chữ cái, chữ số và các ký tự @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    full_name = forms.CharField(
        label=_("Họ và tên"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        help_text=_("Dùng để nhận tin nhắn về hồ sơ và để bưu điện liên hệ khi nhận, trả hồ sơ."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử (không bắt buộc)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    national_id = forms.CharField(
        label=_("Số định danh cá nhân (không bắt buộc)"),
        required=False,
        max_length=12,
        help_text=_("12 chữ số trên thẻ Căn cước công dân, hoặc 9 chữ số CMND."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Built per request so it follows the active language and the configured validators.
        self.fields["password"].help_text = password_validation.password_validators_help_text_html()

    # The checks below run the same validators as register_citizen so that every error shows
    # at once; register_citizen stays the authority (it checks again when it creates the user).
    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("Tên đăng nhập đã được sử dụng."))
        return username

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip().replace(" ", "")
        phone_validator(phone)
        return phone

    def clean(self):
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("Mật khẩu nhập lại không khớp."))
        if password and "password" not in self.errors:
            candidate = User(
                username=cleaned.get("username") or self.data.get("username", ""),
                full_name=cleaned.get("full_name") or "",
                email=cleaned.get("email") or "",
                phone=cleaned.get("phone") or "",
            )
            try:
                password_validation.validate_password(password, user=candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned

    def save(self):
        """Create the citizen, or attach the service's errors to the fields and return None."""
        data = self.cleaned_data
        try:
            return register_citizen(
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                phone=data["phone"],
                email=data.get("email") or "",
                national_id=data.get("national_id") or "",
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        except IntegrityError:
            # Two registrations racing for the same username: the unique index decides.
            self.add_error("username", _("Tên đăng nhập đã được sử dụng."))
        return None


class LoginForm(AuthenticationForm):
    """Django's login form with the portal's wording."""

    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."),
        "inactive": _("Tài khoản này đã bị khoá."),
    }

    def __init__(self, request=None, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
        self.fields["password"].label = _("Mật khẩu")
