"""Public tracking (tra cứu hồ sơ), no login: a dossier code and the last 4 digits of the
applicant's phone give its status, dates and postal legs, nothing personal. Look-ups are
rate-limited per client in the cache (a fixed window) and per code (tracking.lookup); past
either limit a friendly 429."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.throttling import BaseThrottle

from .tracking import TooManyAttempts, count_in_window, lookup

# TRACKING_PAGE_LOOKUPS look-ups per TRACKING_PAGE_WINDOW seconds per IP (defaults: 20 per 10 minutes).
DEFAULT_LOOKUPS = 20
DEFAULT_WINDOW = 600


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Mã hồ sơ"),
        max_length=64,
        help_text=_("In trên giấy tiếp nhận hồ sơ và hẹn trả kết quả, ví dụ 000.00.06.H56-231027-0361."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.RegexField(
        label=_("4 chữ số cuối số điện thoại người nộp"),
        regex=r"^[0-9]{4}$",
        error_messages={"invalid": _("Nhập đúng 4 chữ số.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4", "size": "6"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def client_ident(request):
    """The client's address as the API's throttles see it (DRF's get_ident with NUM_PROXIES: behind
    a reverse proxy the address it appends to X-Forwarded-For, otherwise REMOTE_ADDR), so a
    forged X-Forwarded-For header does not buy a fresh allowance."""
    return BaseThrottle().get_ident(request) or "unknown"


def _over_limit(request):
    """Count one look-up for this client; True when the window's allowance is used up."""
    limit = getattr(settings, "TRACKING_PAGE_LOOKUPS", DEFAULT_LOOKUPS)
    window = getattr(settings, "TRACKING_PAGE_WINDOW", DEFAULT_WINDOW)
    used = count_in_window(f"motcua:tracking-page:{client_ident(request)}", window)
    return used > limit, window


@never_cache
@require_GET
def tracking(request):
    """GET /tra-cuu/?code=…&phone=…; the receipt's QR code opens it with the code filled in."""
    asked = "code" in request.GET and "phone" in request.GET
    form = TrackingForm(request.GET if asked else None, initial={"code": request.GET.get("code", "")})
    result = None
    status = 200
    if asked:
        limited, window = _over_limit(request)
        if limited:
            return render(request, "dossiers/public/tracking_limited.html", {"minutes": window // 60}, status=429)
        if form.is_valid():
            try:
                result = lookup(form.cleaned_data["code"].strip(), form.cleaned_data["phone"])
            except TooManyAttempts as locked:
                context = {"minutes": locked.window // 60, "per_code": True}
                return render(request, "dossiers/public/tracking_limited.html", context, status=429)
            if result is None:
                status = 404
        else:
            status = 400
    context = {"form": form, "result": result, "asked": asked}
    return render(request, "dossiers/public/tracking.html", context, status=status)
