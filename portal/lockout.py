"""What a locked-out login gets (django-axes, AXES_LOCKOUT_CALLABLE): the API answers in
JSON, `429 {"detail": "..."}`, as API clients expect; pages get the lockout page, also 429.

Without this, axes answered the API's token endpoint with the HTML page (the JSON answer
in portal.api.TokenView never reached the client).

Who is locked (LockoutHandler, AXES_HANDLER): failures count per username, from any address,
and per client address (portal/client_address.py: the real client behind the proxies), never per
(username, address) pair, which gave every address fresh tries and, behind one proxy, let anyone
lock anyone. AXES_FAILURE_LIMIT failures lock a username; AXES_IP_FAILURE_LIMIT failures from one
address, whatever usernames, lock that address. The cool-off grows with repeated lockouts of the
username (`cool_off`), and a locked user recovers at once by the password-reset link of the
locked page (portal/views_password.py clears the username's failures)."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_cool_off_iso8601, get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

STATUS = 429
# Lockouts of one username within this span make its next cool-off longer.
GROWTH_SPAN = timedelta(days=1)


def _username(request):
    username = getattr(request, "motcua_login_username", None)
    if username is None and request is not None and request.method == "POST":
        username = request.POST.get(settings.AXES_USERNAME_FORM_FIELD) or None
    return username


def cool_off(request=None):
    """AXES_COOLOFF_TIME: AXES_COOLOFF_MINUTES for the first lockout of a username, doubled for each
    further lockout within a day (30, 60, 120 … minutes), at most AXES_COOLOFF_MAX_MINUTES."""
    base = settings.AXES_COOLOFF_MINUTES
    username = _username(request) if request is not None else None
    lockouts = 0
    if username:
        since = timezone.now() - GROWTH_SPAN
        lockouts = AccessFailureLog.objects.filter(username=username, locked_out=True, attempt_time__gte=since).count()
    minutes = min(base * 2 ** max(0, min(lockouts, 16) - 1), max(base, settings.AXES_COOLOFF_MAX_MINUTES))
    return timedelta(minutes=minutes)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with separate limits per username and per address, a
    cool-off per username (`cool_off`) and a success that clears only that username's failures."""

    @staticmethod
    def _remember(request, credentials):
        if request is not None:
            request.motcua_login_username = get_client_username(request, credentials)

    def is_allowed(self, request, credentials=None):
        self._remember(request, credentials)
        return super().is_allowed(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        self._remember(request, credentials)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        request.motcua_login_username = user.get_username()
        return super().user_logged_in(sender, request, user, **kwargs)

    def get_failures(self, request, credentials=None):
        """The failures that count, on the scale of AXES_FAILURE_LIMIT: the username's, or the
        address's scaled so that AXES_IP_FAILURE_LIMIT of them reach the limit."""
        by_user, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        return max(by_user, by_address * limit // max(1, settings.AXES_IP_FAILURE_LIMIT))

    def clean_expired_user_attempts(self, request=None, credentials=None):
        """Axes deletes every attempt older than the cool-off of the request at hand; cool-offs
        differ per username here, so: this username's expired attempts, and anyone's older than
        the longest cool-off."""
        count = 0
        username = _username(request) if request is not None else None
        if username:
            threshold = timezone.now() - cool_off(request)
            count, _rows = AccessAttempt.objects.filter(username=username, attempt_time__lte=threshold).delete()
        oldest = timezone.now() - timedelta(
            minutes=max(settings.AXES_COOLOFF_MINUTES, settings.AXES_COOLOFF_MAX_MINUTES)
        )
        old, _rows = AccessAttempt.objects.filter(attempt_time__lte=oldest).delete()
        return count + old

    def reset_user_attempts(self, request, credentials=None):
        """A successful login clears that username's failures, not its address's (else logging in
        to one's own account between guesses would reset the address's count)."""
        return clear_failures(get_client_username(request, credentials))


def clear_failures(username):
    """Unlock a username (after a successful login or a password reset)."""
    if not username:
        return 0
    count, _rows = AccessAttempt.objects.filter(username=username).delete()
    return count


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
