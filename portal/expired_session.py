"""A form sent after the session expired (issue 11, point 7): what was typed is kept across the new
login, and nothing is done until the person sends the form again.

When SESSION_COOKIE_AGE runs out while a citizen fills the draft form or an officer a long note, the
POST still passes the CSRF check (the token lives in its own cookie) and reaches `login_required`,
which redirects to the login page. `ExpiredSessionFormMiddleware` sees that redirect and keeps the
form's fields in the new anonymous session (kept by `login()`, which cycles the key without flushing
it), then sends the person to the login page with `next` = the page the form was on (the Referer,
when it is ours) rather than the form's POST-only action address. The login page says plainly that
the session expired and nothing was saved. After the login, the page the form was on carries the
fields once (`request.restored_form`, base.html, static/js/restore-form.js puts them back into the
form posting to the same address) with a note to check them and send again.

What is kept, and what is not:
- the form's fields only: never a file (the note asks to choose them again), never the CSRF token,
  never a field whose name says password, secret, token or code-like one-time value;
- at most MAX_BYTES of them; a longer form is not kept, and the login page says it was lost and why;
- for MAX_AGE seconds, on the browser that typed it, for one showing of the same page.
The action itself is never replayed: the restored form is sent, with a fresh CSRF token, only when
the person presses its button again."""

import json
import re
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "motcua:expired_form"
MAX_BYTES = 32 * 1024
MAX_AGE = 30 * 60
# Field names never kept: the CSRF token, passwords and anything secret-like.
SENSITIVE = re.compile(r"csrf|pass|secret|token|otp", re.IGNORECASE)


def _login_path():
    return urlsplit(resolve_url(settings.LOGIN_URL)).path


def _page_of(request):
    """The page the form was on: the Referer when it is one of ours (not the login page), else the
    address the form posted to."""
    referer = request.META.get("HTTP_REFERER") or ""
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure()):
        parts = urlsplit(referer)
        if parts.path and parts.path != _login_path():
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def _kept(request):
    """The stash kept for the person's next login: the form's fields, or why they could not be kept."""
    fields = {name: values for name, values in request.POST.lists() if not SENSITIVE.search(name)}
    stash = {
        "action": request.path,
        "page": _page_of(request),
        "fields": fields,
        "files": bool(request.FILES),
        "too_long": False,
        "at": int(time.time()),
    }
    if len(json.dumps(fields, ensure_ascii=False).encode()) > MAX_BYTES:
        stash.update(fields={}, too_long=True)
    return stash


def pending(request, page):
    """The stash waiting for a login that goes on to `page` (a path, its query ignored), else None.
    A stash past MAX_AGE is dropped."""
    session = getattr(request, "session", None)
    stash = session.get(SESSION_KEY) if session is not None else None
    if not stash:
        return None
    if time.time() - stash.get("at", 0) > MAX_AGE:
        del session[SESSION_KEY]
        return None
    if urlsplit(stash.get("page", "")).path != urlsplit(page or "").path:
        return None
    return stash


class ExpiredSessionFormMiddleware:
    """After AuthenticationMiddleware (it reads request.user and request.session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        waiting = None
        if request.method == "GET" and request.user.is_authenticated:
            waiting = pending(request, request.path)
        # Nothing to put back (a form too long to keep, a bare button): the login page said so.
        request.restored_form = waiting if waiting and waiting["fields"] else None
        response = self.get_response(request)
        if waiting and response.status_code == 200:
            request.session.pop(SESSION_KEY, None)  # shown once
        if request.method == "POST" and not request.user.is_authenticated and self._sent_to_login(request, response):
            stash = _kept(request)
            request.session[SESSION_KEY] = stash
            response = redirect_to_login(stash["page"])
        return response

    @staticmethod
    def _sent_to_login(request, response):
        login = _login_path()
        return (
            response.status_code == 302
            and request.path != login
            and urlsplit(response.get("Location", "")).path == login
        )
