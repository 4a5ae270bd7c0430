"""The two caches of motcua: Redis when REDIS_URL is set (ResilientRedisCache), else the database
(SharedDatabaseCache, the embedded default that every process shares).

The Redis cache, but a Redis that is down does not take the site down with it.

Django's RedisCache raises when Redis is unreachable, so every page or API call that
reads a cached value (the campaign policy index, the working calendar, throttles) would
answer 500 while Redis is stopped, although the database holds everything needed. This
backend logs the outage and answers as an empty cache: reads miss, writes and `add`
report failure (a lock is never taken while Redis is down), `incr` raises CacheUnavailable (a
ValueError, as for a missing key) and `ping` answers False, so that a limit can count elsewhere
(portal/counters.py). /healthz still reports the cache as down.

Settings: CACHES["default"]["OPTIONS"] may set socket_connect_timeout / socket_timeout
(seconds; default 1 and 2 here) so that an unreachable Redis fails fast instead of
holding a request.
"""

import logging
import math
import time
from datetime import UTC

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import connections, models, router, transaction
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("motcua.cache")
DOWN = (RedisConnectionError, RedisTimeoutError)


class CacheUnavailable(ValueError):
    """The cache did not answer an `incr`: the count is not known."""


def answers(backend):
    """False while `backend` (a cache) is a ResilientRedisCache whose Redis does not answer."""
    ping = getattr(backend, "ping", None)
    return ping() if ping is not None else True


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, but one `redis.Redis` per connection pool instead of a new one for every call: Django
    builds a client (and its table of ~150 response callbacks) each time a value is read or written, which cost a
    third of a millisecond of CPU a call, more than the round trip (issue 18). A `redis.Redis` is safe to share
    between threads (each command takes a connection from the pool) and after a fork (the pool notices the new
    process and opens its own connections)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _down(self, operation, exc, answer):
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning > 30:  # one line every 30 s, not one per call
            ResilientRedisCache._last_warning = now
            log.warning("cache unavailable (%s: %s); serving without it", operation, exc)
        return answer

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except DOWN as exc:
            return self._down("add", exc, False)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except DOWN as exc:
            return self._down("get", exc, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except DOWN as exc:
            return self._down("set", exc, None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except DOWN as exc:
            return self._down("touch", exc, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except DOWN as exc:
            return self._down("delete", exc, False)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except DOWN as exc:
            return self._down("get_many", exc, {})

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except DOWN as exc:
            return self._down("has_key", exc, False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except DOWN as exc:
            self._down("incr", exc, None)
            raise CacheUnavailable(f"Key '{key}' not counted (cache unavailable)") from exc

    def ping(self):
        """True when Redis answers."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except DOWN as exc:
            return self._down("ping", exc, False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except DOWN as exc:
            return self._down("set_many", exc, list(data))

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except DOWN as exc:
            return self._down("delete_many", exc, None)

    def clear(self):
        try:
            return super().clear()
        except DOWN as exc:
            return self._down("clear", exc, False)


class SharedDatabaseCache(DatabaseCache):
    """Django's database cache (the default without Redis: one table every process reads), with an `incr`
    that loses no count. Django's takes get-then-set, so two processes counting at once (the tracking
    look-up limits of dossiers/tracking.py, any counter) both write the same next value; here the row's
    write lock is taken before it is read, and the count keeps the key's expiry."""

    def incr(self, key, delta=1, version=None):
        made = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, cache_key, expires = quote(self._table), quote("cache_key"), quote("expires")
        with transaction.atomic(using=db), connection.cursor() as cursor:
            if connection.features.has_select_for_update:
                cursor.execute(f"SELECT {expires} FROM {table} WHERE {cache_key} = %s FOR UPDATE", [made])
            else:  # SQLite: a write takes the database's write lock, so the next incr waits for this one
                cursor.execute(f"UPDATE {table} SET {cache_key} = {cache_key} WHERE {cache_key} = %s", [made])
                cursor.execute(f"SELECT {expires} FROM {table} WHERE {cache_key} = %s", [made])
            row = cursor.fetchone()
            value = self.get(key, self._missing_key, version=version)
            if row is None or value is self._missing_key:
                raise ValueError(f"Key '{key}' not found")
            new_value = value + delta
            self._base_set("set", made, new_value, self._remaining(connection, row[0]))
        return new_value

    @staticmethod
    def _remaining(connection, stored):
        """The seconds left before a stored expiry (None: never expires), as `set` takes them."""
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            stored = converter(stored, expression, connection)
        if stored.year >= 9999:
            return None
        if timezone.is_naive(stored):
            stored = timezone.make_aware(stored, UTC)
        return max(1, math.ceil((stored - timezone.now()).total_seconds()))
