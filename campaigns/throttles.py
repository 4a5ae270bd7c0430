"""Rate limits on queue-ticket booking, shared by the API (campaigns/api.py) and the kiosk page
(campaigns/views.py): every caller is throttled, an anonymous one per client address
(TICKET_BOOKING_RATE: kiosks in a desk's hall share one, so it is generous), a signed-in one per
account whatever its address (TICKET_BOOKING_USER_RATE). REST framework's throttles keep their
counts in the default cache, Redis when REDIS_URL is set: every process sees the same counts; while
the cache is down, in the database (portal.counters.DatabaseFallback), so the limits still hold."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from portal.counters import DatabaseFallback


class TicketThrottle(DatabaseFallback, AnonRateThrottle):
    """Bookings per client address without an account."""

    scope = "tickets"

    def get_rate(self):
        return settings.TICKET_BOOKING_RATE


class TicketAccountThrottle(DatabaseFallback, UserRateThrottle):
    """Bookings per signed-in account (a token used from many machines counts once)."""

    scope = "tickets_user"

    def get_rate(self):
        return settings.TICKET_BOOKING_USER_RATE

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # TicketThrottle's
        return super().get_cache_key(request, view)


def booking_throttles():
    return [TicketThrottle(), TicketAccountThrottle()]


def refused_wait(request):
    """None when `request` may book now, else the seconds to wait (counts the request when allowed)."""
    waits = []
    for throttle in booking_throttles():
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 0)
    return max(waits) if waits else None
