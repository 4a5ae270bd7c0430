"""Public tracking (tra cứu hồ sơ): a dossier code and a secret show its status, dates, history
(public events only) and the unit handling it, with the postal legs; nothing personal. Higher
apps (postal) add the legs to `dossiers.plugins.legs_providers` without dossiers importing them.

The secret is either the last 4 digits of the applicant's phone (the form api.md keeps) or the
random token the receipt's QR code carries (`Dossier.tracking_token`, `?token=`), which works
alone. Codes are sequential and four digits are weak, so wrong answers are limited per client:
after TRACKING_CLIENT_FAILURES wrong answers within TRACKING_CLIENT_WINDOW seconds that client
answers 429 until the window ends. Never per code: a stranger's guesses never lock the owner out.
The wrong answers are counted in the database (TrackingFailure), not in the cache: every process
and machine sees the same count, and a cache outage lets no extra guess through."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .event_labels import event_label
from .models import Dossier, Status, TrackingFailure
from .plugins import postal_legs

# Defaults of the per-client limit (settings may override): 10 wrong answers per client per hour.
DEFAULT_CLIENT_FAILURES = 10
DEFAULT_CLIENT_WINDOW = 3600

# The events a stranger holding the code and secret may see: what happened and when, never who
# did it or the notes (reasons may name people).
PUBLIC_ACTIONS = (
    "submit",
    "accept",
    "refuse",
    "request_supplement",
    "supplement",
    "process",
    "pause",
    "resume",
    "complete",
    "hold",
    "release",
    "apologize",
    "switch_return",
    "return",
    "withdraw",
    # not transitions (labelled by dossiers/event_labels.py like every page): where the papers and the
    # money are, and why the deadline moved
    "postal_order",
    "postal_handover",
    "postal_delivered",
    "payment_paid",
    "payment_refunded",
    "campaign_clock_stop",
)


class TooManyAttempts(Exception):
    """Too many wrong answers from this client: the caller answers 429."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window


def normalise_code(code):
    """A code as typed (any letter case, spaces around it) in the form motcua issues it."""
    return "".join((code or "").split()).upper()[:64]


def _limits():
    failures = getattr(settings, "TRACKING_CLIENT_FAILURES", DEFAULT_CLIENT_FAILURES)
    window = getattr(settings, "TRACKING_CLIENT_WINDOW", DEFAULT_CLIENT_WINDOW)
    return failures, window


def _client_key(client):
    # Hashed: the table keeps no addresses, and any string fits the column.
    return hashlib.sha256(str(client or "unknown").encode()).hexdigest()[:40]


def lookup(code, client, phone_last4="", token=""):
    """`public_view` behind the per-client limit: raises TooManyAttempts once this client has given
    too many wrong answers in the window (a right answer then waits too: no oracle)."""
    failures, window = _limits()
    key = _client_key(client)
    now = timezone.now()
    since = now - timedelta(seconds=window)
    if TrackingFailure.objects.filter(client=key, at__gt=since).count() >= failures:
        raise TooManyAttempts(window)
    view = public_view(code, phone_last4, token)
    if view is None:
        # Anyone's expired rows go too: the table holds one window's wrong answers, never more.
        TrackingFailure.objects.filter(at__lte=since).delete()
        TrackingFailure.objects.create(client=key, at=now)
    return view


def _answers(dossier, phone_last4, token):
    """The secret given matches: the receipt's token (alone), or the phone's last 4 digits."""
    token = (token or "").strip()
    if token:
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500, found by the fuzz test).
        given, expected = token.encode(), dossier.tracking_token.encode()
        return bool(expected) and secrets.compare_digest(given, expected)
    phone_last4 = (phone_last4 or "").strip()
    return len(phone_last4) == 4 and phone_last4.isdigit() and dossier.applicant_phone.endswith(phone_last4)


def history(dossier):
    """The public events, oldest first: {action, label, at}."""
    events = dossier.events.filter(action__in=PUBLIC_ACTIONS).order_by("at", "id").only("action", "at")
    return [{"action": e.action, "label": str(event_label(e.action)), "at": e.at} for e in events]


def handling_unit(dossier):
    """The unit that has the dossier now: the agency while it is being processed there, the
    one-stop desk before (intake, supplement) and after (the result waits at the desk)."""
    if dossier.status in (Status.PROCESSING, Status.PAUSED):
        return dossier.agency.name
    return dossier.desk.name


def public_view(code, phone_last4="", token=""):
    code = normalise_code(code)
    if not code:
        return None
    dossier = (
        Dossier.objects.select_related("procedure", "desk", "agency")
        .filter(code=code)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if dossier is None or not _answers(dossier, phone_last4, token):
        return None
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "handling_unit": handling_unit(dossier),
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "completed_at": dossier.completed_at,
        "returned_at": dossier.returned_at,
        "return_channel": dossier.return_channel,
        "paused": dossier.paused,
        "history": history(dossier),
        "postal_legs": postal_legs(dossier),
    }
