"""A counter in the shared cache over a fixed window, for allowances (look-ups per client, reset
mails per mailbox). For allowances only: while the cache is down it answers 1 (portal/cache.py
serves as an empty cache), so limits against guessing are counted in the database instead
(dossiers/tracking.py, django-axes)."""

from django.core.cache import cache


def count_in_window(key, window):
    """Add one to a counter that expires `window` seconds after its first use; the new count."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is down
        cache.set(key, 1, timeout=window)
        return 1
