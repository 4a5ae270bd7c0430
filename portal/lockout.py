"""What a locked-out login gets (django-axes, AXES_LOCKOUT_CALLABLE): the API answers in
JSON, `429 {"detail": "..."}`, as API clients expect; pages get the lockout page, also 429.

Without this, axes answered the API's token endpoint with the HTML page (the JSON answer
in portal.api.TokenView never reached the client)."""

from axes.helpers import get_client_username, get_cool_off, get_cool_off_iso8601, get_failure_limit
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

STATUS = 429


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    if request.path.startswith("/api/"):
        if minutes:
            detail = _("Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau %(minutes)s phút.") % {
                "minutes": minutes
            }
        else:
            detail = _("Tài khoản tạm khoá do đăng nhập sai nhiều lần.")
        response = JsonResponse({"detail": detail}, status=STATUS)
        if cool_off:
            response["Retry-After"] = str(int(cool_off.total_seconds()))
        return response
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
    }
    if cool_off:
        context.update({"cooloff_time": get_cool_off_iso8601(cool_off), "cooloff_timedelta": cool_off})
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=STATUS)
