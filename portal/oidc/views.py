"""The pages of single sign-on: the start (to the provider), the callback, the linking page (an existing
password account: its password first), the account page's link, and the refusal page.

With OIDC_ISSUER empty every one of them is a 404."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ..accounts import landing_url
from ..forms import LoginForm
from ..models import User
from . import identity, provider
from .identity import LinkNeeded, Refusal

log = logging.getLogger(__name__)

# A verified sign-in waits this long for the account's password on the linking page.
PENDING_SECONDS = 600

# Each refusal: its HTTP status, the page's title and what it tells the citizen.
REFUSALS = {
    identity.STATE: (
        400,
        _("Phiên đăng nhập không hợp lệ"),
        _(
            "Yêu cầu đăng nhập này không khớp với phiên làm việc của bạn (có thể bạn đã mở lại một liên kết cũ "
            "hoặc đăng nhập ở một thẻ khác). Vui lòng bắt đầu đăng nhập lại."
        ),
    ),
    identity.TOKEN: (
        400,
        _("Không xác thực được thông tin đăng nhập"),
        _(
            "Thông tin định danh nhận được không hợp lệ: chữ ký không đúng, đã bị thay đổi hoặc đã hết hạn. "
            "Vì an toàn, hệ thống không đăng nhập tài khoản nào."
        ),
    ),
    identity.NONCE: (
        400,
        _("Không xác thực được thông tin đăng nhập"),
        _(
            "Thông tin định danh nhận được không thuộc về lần đăng nhập này. "
            "Vì an toàn, hệ thống không đăng nhập tài khoản nào."
        ),
    ),
    identity.PROVIDER: (
        403,
        _("Cổng định danh điện tử không cho phép đăng nhập"),
        _("Việc đăng nhập đã bị huỷ hoặc bị cổng định danh điện tử từ chối. Chưa có tài khoản nào được đăng nhập."),
    ),
    identity.UNAVAILABLE: (
        503,
        _("Chưa kết nối được cổng định danh điện tử"),
        _("Vui lòng thử lại sau ít phút, hoặc đăng nhập bằng tên đăng nhập và mật khẩu."),
    ),
    identity.NO_NATIONAL_ID: (
        403,
        _("Thiếu số định danh cá nhân"),
        _(
            "Cổng định danh điện tử không cung cấp số định danh cá nhân của bạn nên không xác định được tài "
            "khoản. Chưa có tài khoản nào được đăng nhập."
        ),
    ),
    identity.STAFF: (
        403,
        _("Tài khoản cán bộ không đăng nhập bằng định danh điện tử"),
        _(
            "Số định danh này thuộc tài khoản của cán bộ, công chức. Tài khoản cán bộ chỉ đăng nhập bằng tên "
            "đăng nhập và mật khẩu."
        ),
    ),
    identity.INACTIVE: (403, _("Tài khoản đã bị khoá"), _("Tài khoản gắn với định danh này đã bị khoá.")),
    identity.CONFLICT: (
        403,
        _("Không thể liên kết tài khoản"),
        _(
            "Định danh điện tử này hoặc tài khoản của bạn đã được liên kết với một tài khoản khác, hoặc có nhiều "
            "tài khoản cùng số định danh. Vui lòng liên hệ Bộ phận Một cửa để được hỗ trợ."
        ),
    ),
    identity.EXPIRED: (
        400,
        _("Phiên liên kết đã hết hạn"),
        _(
            "Chưa có lần xác thực định danh điện tử nào đang chờ liên kết, hoặc đã quá 10 phút. Vui lòng đăng "
            "nhập lại bằng định danh điện tử."
        ),
    ),
    identity.MISMATCH: (
        403,
        _("Số định danh không khớp"),
        _(
            "Tài khoản đang đăng nhập mang số định danh cá nhân khác với số định danh vừa xác thực "
            "nên không thể liên kết."
        ),
    ),
}


def refused(request, refusal):
    """The refusal page; logged with its reason and detail (never a token, never the secret)."""
    log.warning("Single sign-on refused: %s (%s)", refusal.reason, refusal.detail)
    if refusal.reason in (identity.TOKEN, identity.NONCE):
        auth_logout(request)
    request.session.pop(provider.SESSION_LINK_FOR, None)
    status, title, message = REFUSALS[refusal.reason]
    context = {"title": title, "message": message, "signed_in": request.user.is_authenticated}
    return render(request, "registration/sso_error.html", context, status=status)


def require_enabled():
    if not provider.enabled():
        raise Http404


class StartView(OIDCAuthenticationRequestView):
    """To the provider's authorization endpoint with state, nonce and the PKCE challenge (the library's view;
    the endpoint from the discovery document). ?lien-ket=1 keeps a link asked for on the account page."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the library's __init__ reads the endpoint from settings

    def get(self, request):
        require_enabled()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.metadata()["authorization_endpoint"]
        except provider.ProviderUnavailable as exc:
            return refused(request, Refusal(identity.UNAVAILABLE, f"discovery: {exc}"))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        linking = request.GET.get("lien-ket") and request.user.is_authenticated
        if not (linking and request.session.get(provider.SESSION_LINK_FOR) == request.user.pk):
            request.session.pop(provider.SESSION_LINK_FOR, None)
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: the library checks the state and runs the backend (portal/oidc/backend.py);
    every refusal ends on a page of its own, and an existing password account goes to the linking page."""

    def get(self, request):
        require_enabled()
        states = request.session.get("oidc_states")
        state = request.GET.get("state")
        known = isinstance(states, dict) and state in states
        if request.GET.get("error"):
            if known:
                del states[state]
                request.session.modified = True
            return refused(request, Refusal(identity.PROVIDER, f"error={request.GET['error'][:60]!r}"))
        if not known or not request.GET.get("code"):
            return refused(request, Refusal(identity.STATE, "unknown state or no code"))
        try:
            return super().get(request)
        except Refusal as refusal:
            return refused(request, refusal)
        except LinkNeeded as needed:
            next_url = request.session.get("oidc_login_next")
            if request.user.is_authenticated:
                auth_logout(request)  # someone else's session in this browser: this person signs in anew
            request.session[provider.SESSION_PENDING_LINK] = {
                "user": needed.user.pk,
                "issuer": provider.issuer(),
                "subject": needed.subject,
                "id_token": needed.id_token,
                "at": timezone.now().timestamp(),
                "next": next_url,
            }
            return redirect("oidc:link")

    def login_failure(self):
        # authenticate() found nobody without saying why (the login lockout, an inactive account).
        return refused(self.request, Refusal(identity.INACTIVE, "authenticate returned no user"))

    @property
    def success_url(self):
        return self.request.session.get("oidc_login_next") or landing_url(self.user)

    def login_success(self):
        linked = self.request.session.get(provider.SESSION_LINK_FOR) == self.user.pk
        response = super().login_success()
        self.request.session[provider.SESSION_ID_TOKEN] = self.user.oidc_id_token
        self.request.session.pop(provider.SESSION_LINK_FOR, None)
        if linked:
            messages.success(self.request, _("Đã liên kết tài khoản với định danh điện tử."))
        else:
            messages.success(self.request, _("Đăng nhập bằng định danh điện tử thành công."))
        return response


def pending_link(request):
    pending = request.session.get(provider.SESSION_PENDING_LINK)
    if not isinstance(pending, dict) or pending.get("issuer") != provider.issuer():
        return None
    if timezone.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(provider.SESSION_PENDING_LINK, None)
        return None
    return pending


@never_cache
def link(request):
    """ "Tài khoản này đã có mật khẩu": the verified identity is linked to the account once its password is
    given here too (the login lockout counts these tries like the login page's)."""
    require_enabled()
    pending = pending_link(request)
    account = User.objects.filter(pk=pending["user"], is_active=True).first() if pending else None
    if account is None or not account.is_citizen:
        return refused(request, Refusal(identity.EXPIRED, "no pending link"))
    if request.method == "POST" and request.POST.get("cancel"):
        request.session.pop(provider.SESSION_PENDING_LINK, None)
        # Home, not the login page: a POST sent to the login page reads as an expired session there
        # (portal/expired_session.py).
        messages.info(request, _("Tài khoản chưa được liên kết với định danh điện tử."))
        return redirect("home")
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data["username"] = account.username  # that account's password, whatever else is posted
    form = LoginForm(request, data=data, initial={"username": account.username})
    if data is not None and form.is_valid():
        user = form.get_user()
        try:
            identity.store_link(user, pending["issuer"], pending["subject"])
        except Refusal as refusal:
            return refused(request, refusal)
        auth_login(request, user)
        request.session.pop(provider.SESSION_PENDING_LINK, None)
        request.session[provider.SESSION_ID_TOKEN] = pending["id_token"]
        messages.success(
            request, _("Đã liên kết tài khoản với định danh điện tử. Lần sau chỉ cần đăng nhập bằng định danh điện tử.")
        )
        return HttpResponseRedirect(pending.get("next") or landing_url(user))
    return render(request, "registration/sso_link.html", {"form": form, "account": account})


@login_required
@never_cache
def account(request):
    """The account's block "Định danh điện tử": the link, or a button to make it (sign in at the provider)."""
    require_enabled()
    if not request.user.is_citizen:
        raise Http404
    links = list(request.user.identity_links.filter(issuer=provider.issuer()))
    return render(request, "registration/sso_account.html", {"links": links})


@login_required
@require_POST
def start_link(request):
    require_enabled()
    if not request.user.is_citizen:
        raise Http404
    request.session[provider.SESSION_LINK_FOR] = request.user.pk
    query = urlencode({"lien-ket": 1, "next": reverse("oidc:account")})
    return redirect(f"{reverse('oidc:start')}?{query}")
