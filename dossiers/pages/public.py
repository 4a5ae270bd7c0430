"""Public tracking (tra cứu hồ sơ), no login: a dossier code and the last 4 digits of the
applicant's phone, or the receipt QR's token alone, give its status, dates, public history,
the unit handling it and the postal legs, nothing personal. Look-ups are allowed per client in
the cache (a fixed window) and wrong answers are limited per client in the database
(tracking.lookup); past either limit a friendly 429."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.client_address import client_address
from portal.counters import count_in_window

from ..tracking import TooManyAttempts, lookup

# TRACKING_PAGE_LOOKUPS look-ups per TRACKING_PAGE_WINDOW seconds per client (defaults: 20 per 10 minutes).
DEFAULT_LOOKUPS = 20
DEFAULT_WINDOW = 600
# The help text's example: a code as dossiers/codes.py issues it ({unit}-{yymmdd}-{nnnn}).
EXAMPLE_CODE = "000.00.06.H56-231027-0361"


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Mã hồ sơ"),
        max_length=80,
        help_text=_(
            "In trên giấy tiếp nhận hồ sơ và hẹn trả kết quả, ví dụ 000.00.06.H56-231027-0361 "
            "(chữ hoa hay chữ thường đều được)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    phone = forms.RegexField(
        label=_("4 chữ số cuối số điện thoại người nộp"),
        regex=r"^[0-9]{4}$",
        required=False,
        error_messages={"invalid": _("Nhập đúng 4 chữ số.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4", "size": "6"}),
    )
    # Carried by the receipt's QR code: the stronger secret, enough on its own.
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        phone = (self.cleaned_data.get("phone") or "").strip()
        if not phone and not (self.data.get("token") or "").strip():
            raise forms.ValidationError(_("Nhập 4 chữ số cuối số điện thoại người nộp."), code="required")
        return phone


def client_ident(request):
    """The client's address (portal.client_address: behind NUM_PROXIES proxies the one the
    nearest proxy appended to X-Forwarded-For, otherwise REMOTE_ADDR)."""
    return client_address(request) or "unknown"


def _over_limit(request):
    """Count one look-up for this client; True when the window's allowance is used up."""
    limit = getattr(settings, "TRACKING_PAGE_LOOKUPS", DEFAULT_LOOKUPS)
    window = getattr(settings, "TRACKING_PAGE_WINDOW", DEFAULT_WINDOW)
    used = count_in_window(f"motcua:tracking-page:{client_ident(request)}", window)
    return used > limit, window


@never_cache
@require_GET
def tracking(request):
    """GET /tra-cuu/?code=…&phone=… (or &token=…: the receipt's QR code opens it so, and the
    result shows at once)."""
    asked = "code" in request.GET and ("phone" in request.GET or "token" in request.GET)
    initial = {"code": request.GET.get("code", ""), "token": request.GET.get("token", "")}
    form = TrackingForm(request.GET if asked else None, initial=initial)
    result = None
    status = 200
    if asked:
        limited, window = _over_limit(request)
        if limited:
            return render(request, "dossiers/public/tracking_limited.html", {"minutes": window // 60}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = lookup(data["code"], client_ident(request), data["phone"], data["token"])
            except TooManyAttempts as locked:
                context = {"minutes": locked.window // 60, "wrong_answers": True}
                return render(request, "dossiers/public/tracking_limited.html", context, status=429)
            if result is None:
                status = 404
        else:
            status = 400
    context = {"form": form, "result": result, "asked": asked}
    return render(request, "dossiers/public/tracking.html", context, status=status)
