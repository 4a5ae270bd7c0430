"""Allowances over a window of time (look-ups per client, reset mails per mailbox, queue-ticket
bookings per client and per account), counted in the shared cache and, while the cache is down,
in the database: a limit never fails open. (portal/cache.py serves a stopped Redis as an empty
cache, so a count kept only there would start again from 1 at every request.) The limits against
guessing are counted in the database at all times (dossiers/tracking.py, django-axes).

- `count_in_window(key, window)`: one more use of `key`, and the uses in the window so far.
- `DatabaseFallback`: a mixin for REST framework's rate throttles, which keep their history in the
  cache: while the cache does not answer, the same rate is kept in the database.

While the cache is down a use is a `LimitHit` row (the key hashed: no client address is stored),
counted until it expires; expired rows of every key are deleted as new ones are written. Counts
start afresh in each store, so across an outage a client may get up to its allowance once more."""

import hashlib
import math
from datetime import timedelta

from django.core.cache import cache
from django.db import models
from django.utils import timezone

from .cache import CacheUnavailable, answers


class LimitHit(models.Model):
    """One use of an allowance while the cache was down."""

    key = models.CharField(max_length=40)  # a hash of the counter's key
    at = models.DateTimeField()
    expires = models.DateTimeField()

    class Meta:
        app_label = "portal"
        indexes = [
            models.Index(fields=["key", "expires"], name="limit_hit_key"),
            models.Index(fields=["expires"], name="limit_hit_expires"),
        ]

    def __str__(self):
        return f"{self.key[:8]} {self.at:%Y-%m-%d %H:%M}"


def _hashed(key):
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _record(key, window):
    """Write one use of `key` counting for `window` seconds; (the row, the moments of the key's live
    uses, oldest first, this one included). Written before counting: two uses at once both count."""
    now = timezone.now()
    LimitHit.objects.filter(expires__lte=now).delete()
    hit = LimitHit.objects.create(key=_hashed(key), at=now, expires=now + timedelta(seconds=window))
    live = LimitHit.objects.filter(key=hit.key, expires__gt=now).order_by("expires")
    return hit, list(live.values_list("expires", flat=True)), now


def count_in_window(key, window):
    """Add one to a counter that expires `window` seconds after its first use; the new count."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except CacheUnavailable:
        _hit, live, _now = _record(key, window)
        return len(live)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


class DatabaseFallback:
    """For a REST framework SimpleRateThrottle: while its cache does not answer, the rate is kept in
    the database (a sliding window, as the throttle's own: a refused request is not counted)."""

    fallback_wait = None

    def allow_request(self, request, view):
        if self.rate is None or answers(self.cache):
            self.fallback_wait = None
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        hit, live, now = _record(self.key, self.duration)
        if len(live) <= self.num_requests:
            return True
        hit.delete()
        self.fallback_wait = max(1, math.ceil((live[0] - now).total_seconds()))  # the oldest use leaves the window
        return False

    def wait(self):
        return self.fallback_wait if self.fallback_wait is not None else super().wait()
