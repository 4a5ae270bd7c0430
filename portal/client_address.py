"""The client's address, one answer for every limit (login lockout, tracking, API throttles).

Behind NUM_PROXIES reverse proxies (settings.REST_FRAMEWORK["NUM_PROXIES"]; docker-compose sets
1), the client is the address the nearest trusted proxy appended to X-Forwarded-For; with 0 it is
REMOTE_ADDR and X-Forwarded-For is ignored. This is DRF's `get_ident`, the rule the API's
throttles already use, so a forged X-Forwarded-For buys no fresh allowance anywhere. django-axes
reads it through AXES_CLIENT_IP_CALLABLE."""

import ipaddress

from rest_framework.throttling import BaseThrottle

_ident = BaseThrottle()


def client_address(request):
    """The client's IP address as a string (REMOTE_ADDR when the forwarded one is not an address)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    ident = (_ident.get_ident(request) or "").strip()
    for candidate in (ident, remote):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
