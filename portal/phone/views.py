"""The phone confirmation pages: "Xác nhận số điện thoại" (enter the code, ask for a new one; the change
of number is on the account page, portal/profile.py). Nothing here blocks the portal: an unconfirmed phone only
means that SMS about dossiers wait for it (dossiers/notifications.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..accounts import landing_url
from . import codes
from .forms import CodeForm


def safe_next(request):
    """The `next` asked for, when it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def confirm_url(next_url=""):
    url = reverse("phone_confirm")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def send_code(request, user):
    """Ask for a code and say what happened in a message; True when a code was issued."""
    try:
        codes.request_code(user)
    except codes.PhoneCodeError as exc:
        messages.warning(request, exc.message)
        return False
    messages.success(
        request,
        _("Đã gửi mã xác nhận tới số %(phone)s. Mã có hiệu lực %(minutes)d phút.")
        % {"phone": codes.masked(user.phone), "minutes": codes.ttl_minutes()},
    )
    return True


@login_required
def confirm(request):
    """Enter the code. A right code confirms the phone and goes on to `next` (or the person's own work)."""
    user = request.user
    next_url = safe_next(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes.confirm_code(user, form.cleaned_data["code"])
        except codes.PhoneCodeError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, _("Số điện thoại %(phone)s đã được xác nhận.") % {"phone": user.phone})
            return redirect(next_url or landing_url(user))
    context = {
        "form": form,
        "state": codes.status(user),
        "masked_phone": codes.masked(user.phone),
        "next": next_url,
        "continue_url": next_url or landing_url(user),
    }
    return render(request, "registration/phone_confirm.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def send(request):
    """Send a code (the first, or again): too soon and the hourly allowance are said on the page."""
    send_code(request, request.user)
    return redirect(confirm_url(safe_next(request)))
