"""What is kept of a payment callback that was refused, and how many of those are kept.

Anyone may post to /api/v1/payments/callback/<provider>/: a refused callback (bad signature,
the provider switched off) is kept only as a bounded summary, and at most
PAYMENT_CALLBACK_REFUSALS_PER_MINUTE of them per client address and provider, counted in the
shared cache (every web process agrees); when the cache cannot count, none is kept."""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

REFUSED_HEAD_BYTES = 512
# The outcome of a refused callback beyond the limit: answered 429, never saved.
THROTTLED = "throttled"


def text(value):
    # PostgreSQL stores no U+0000 in text or JSON.
    return str(value or "").replace("\x00", "\ufffd")


def refused_summary(data, raw=None):
    """What is kept of a refused callback: its size, its SHA-256 and its first 512 bytes, never
    the whole body (anyone may post here)."""
    if raw is None:
        raw = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8", "replace")
    return {
        "refused": True,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "head": text(raw[:REFUSED_HEAD_BYTES].decode("utf-8", "replace")),
    }


def refusal_allowed(provider, remote_addr):
    """Count a refused callback against its client address in the shared cache (one minute
    windows); False beyond the limit, and False when the cache cannot count (fail closed)."""
    key = f"payment-callback-refused:{provider}:{remote_addr or 'unknown'}:{int(timezone.now().timestamp() // 60)}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except ValueError:  # the key is missing: the cache is down (portal.cache answers so, and logs the outage)
        return False
    return count <= settings.PAYMENT_CALLBACK_REFUSALS_PER_MINUTE
