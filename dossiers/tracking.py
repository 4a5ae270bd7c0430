"""Public tracking (tra cứu hồ sơ): by code and the last 4 digits of the applicant's phone,
showing status, dates and postal legs, nothing personal. Higher apps (postal) add the
legs through `register_legs_provider` without dossiers importing them.

Four digits are a weak secret and codes are sequential, so look-ups are limited twice: per
client (the API's DRF throttle scope "tracking", the page's cache window in views_public) and
per dossier code: after TRACKING_CODE_FAILURES wrong answers for one code within
TRACKING_CODE_WINDOW seconds, that code answers 429 to everyone until the window ends, which
stops a guess spread over many addresses. The owner still sees the dossier after logging in."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from .models import Dossier, Status

# Defaults of the per-code limit (settings may override): 10 wrong answers per code per hour.
DEFAULT_CODE_FAILURES = 10
DEFAULT_CODE_WINDOW = 3600


class TooManyAttempts(Exception):
    """Too many wrong answers for this code: the caller answers 429."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window


def _code_key(code):
    # Hashed: a code typed by anyone may hold any character, and cache keys must stay plain.
    return f"motcua:tracking-code:{hashlib.sha256(code[:64].encode()).hexdigest()[:32]}"


def _code_limits():
    failures = getattr(settings, "TRACKING_CODE_FAILURES", DEFAULT_CODE_FAILURES)
    window = getattr(settings, "TRACKING_CODE_WINDOW", DEFAULT_CODE_WINDOW)
    return failures, window


def count_in_window(key, window):
    """Add one to a counter that expires `window` seconds after its first use; the new count."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def lookup(code, phone_last4):
    """`public_view` behind the per-code limit: raises TooManyAttempts once the code has had too
    many wrong answers in the window (the right answer then waits too: no oracle)."""
    failures, window = _code_limits()
    if (cache.get(_code_key(code)) or 0) >= failures:
        raise TooManyAttempts(window)
    view = public_view(code, phone_last4)
    if view is None:
        count_in_window(_code_key(code), window)
    return view


_legs_providers = []


def register_legs_provider(provider):
    """`provider(dossier) -> list[dict]` of postal legs (kind, status, due_at, tracking_code)."""
    if provider not in _legs_providers:
        _legs_providers.append(provider)


def postal_legs(dossier):
    return [leg for provider in _legs_providers for leg in provider(dossier)]


def public_view(code, phone_last4):
    phone_last4 = (phone_last4 or "").strip()
    if len(phone_last4) != 4 or not phone_last4.isdigit():
        return None
    dossier = Dossier.objects.select_related("procedure").filter(code=code).exclude(status=Status.DRAFT).first()
    if dossier is None or not dossier.applicant_phone.endswith(phone_last4):
        return None
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "completed_at": dossier.completed_at,
        "returned_at": dossier.returned_at,
        "return_channel": dossier.return_channel,
        "paused": dossier.paused,
        "postal_legs": postal_legs(dossier),
    }
