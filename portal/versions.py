"""A version in the shared cache that every process reads before trusting what it cached: the one mechanism behind
the campaign policy's index (campaigns/policy.py), the working calendars (portal/working_time.py), the catalog rows
(portal/catalog_cache.py) and the post's tariffs and webhook clients (postal/catalog_cache.py). Whatever is cached is
keyed by the version, so a change (`bump`) makes every process and machine read the rows again, without telling
each one.

A new version is random, never a counter (two changes at once never end on the same one, as a get-then-set could).
`bump_with_commit` bumps now (this process reads the change at once) and again after commit (no other process can
have cached the old rows under the new version while the transaction was open).

Within one HTTP request a version is read from the shared cache once (issue 18: a create + submit read the same
four versions a dozen times, a cache round trip each): the request sees the catalog as it was when it first looked,
as a transaction sees its snapshot, and a change made by another process is read by the next request. A change
made in the request itself (`bump`) is seen at once. The first version a request asks for reads every version
there is in one round trip (`get_many`), so a request costs one read of the shared cache for all of them. Outside a
request (a Celery task, a shell, the sweeps) every `current()` reads the shared cache, as before."""

import threading
from uuid import uuid4

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

# This thread's request: {key: version read} while it serves a request, None otherwise (gthread serves many
# requests with one thread, one at a time; the signals below open and close the scope).
_request = threading.local()


def _open_scope(**kwargs):
    _request.versions = {}


def _close_scope(**kwargs):
    _request.versions = None


request_started.connect(_open_scope, dispatch_uid="portal-versions-open")
request_finished.connect(_close_scope, dispatch_uid="portal-versions-close")


def _scope():
    return getattr(_request, "versions", None)


# Every version's key (the module-level SharedVersions register themselves at import).
_keys = set()


class SharedVersion:
    def __init__(self, key):
        self.key = key
        _keys.add(key)

    def current(self):
        """The version now; the first reader (or the first after the cache lost it) sets one."""
        seen = _scope()
        if seen is not None:
            if self.key in seen:
                return seen[self.key]
            if not seen:  # the request's first: all of them at once
                seen.update(cache.get_many(sorted(_keys)))
                if self.key in seen:
                    return seen[self.key]
        version = cache.get(self.key)
        if version is None:
            version = uuid4().hex
            if not cache.add(self.key, version, timeout=None):
                version = cache.get(self.key) or version
        if seen is not None:
            seen[self.key] = version
        return version

    def bump(self):
        version = uuid4().hex
        cache.set(self.key, version, timeout=None)
        seen = _scope()
        if seen is not None:
            seen[self.key] = version

    def bump_with_commit(self):
        self.bump()
        transaction.on_commit(self.bump)
