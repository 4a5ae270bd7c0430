"""A version in the shared cache that every process reads before trusting what it cached: the one mechanism behind
the campaign policy's index (campaigns/policy.py), the working calendars (portal/working_time.py) and the post's
tariffs and webhook clients (postal/catalog_cache.py). Whatever is cached is keyed by the version, so a change
(`bump`) makes every process and machine read the rows again, without telling each one.

A new version is random, never a counter (two changes at once never end on the same one, as a get-then-set could).
`bump_with_commit` bumps now (this process reads the change at once) and again after commit (no other process can
have cached the old rows under the new version while the transaction was open)."""

from uuid import uuid4

from django.core.cache import cache
from django.db import transaction


class SharedVersion:
    def __init__(self, key):
        self.key = key

    def current(self):
        """The version now; the first reader (or the first after the cache lost it) sets one."""
        version = cache.get(self.key)
        if version is None:
            version = uuid4().hex
            if not cache.add(self.key, version, timeout=None):
                version = cache.get(self.key) or version
        return version

    def bump(self):
        cache.set(self.key, uuid4().hex, timeout=None)

    def bump_with_commit(self):
        self.bump()
        transaction.on_commit(self.bump)
