"""The post's catalog rows every order reads, a province at a time: its tariff rows (fees.py) and its active
integration clients with a webhook URL (webhooks.py). Kept in the shared cache under one version key that every
save or delete of a PostalTariff or an IntegrationClient replaces, now and again after commit, so every process
reads the change at once (as portal/working_time.py and campaigns/policy.py do); each process also memoises what
it read under the version it read it with.

A change that sends no signal (a queryset `update()`, e.g. webhooks.revoke) calls `invalidate` itself. Without
the cache (Redis down) every read goes to the database, as before."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.versions import SharedVersion

from .models import IntegrationClient, PostalTariff

VERSION = SharedVersion("motcua:postal-catalog:version")
# A bound on what a change made behind the signals' back (a shell's update()) can leave in the cache.
SECONDS = 600

_memo = {"version": None, "tariffs": {}, "clients": {}}


def current_version():
    return VERSION.current()


def invalidate():
    """A new version: every process reads the tariffs and clients from the database again."""
    VERSION.bump()
    _memo.update(version=None, tariffs={}, clients={})


@receiver([post_save, post_delete], sender=PostalTariff, dispatch_uid="postal-catalog-tariff")
@receiver([post_save, post_delete], sender=IntegrationClient, dispatch_uid="postal-catalog-client")
def catalog_changed(**kwargs):
    # Now and after commit (portal/versions.py says why), and this process's memo with it.
    invalidate()
    transaction.on_commit(invalidate)


def _read(kind, province_id, load):
    version = current_version()
    if _memo["version"] != version:
        _memo.update(version=version, tariffs={}, clients={})
    rows = _memo[kind].get(province_id)
    if rows is None:
        key = f"motcua:postal-catalog:{version}:{kind}:{province_id}"
        rows = cache.get(key)
        if rows is None:
            rows = load(province_id)
            cache.set(key, rows, timeout=SECONDS)
        _memo[kind][province_id] = rows
    return rows


def _load_tariffs(province_id):
    rows = PostalTariff.objects.filter(province_id=province_id)
    return tuple(rows.values_list("leg", "zone", "valid_from", "amount"))


def _load_clients(province_id):
    return tuple(IntegrationClient.objects.filter(province_id=province_id, active=True).exclude(webhook_url=""))


def tariff_rows(province_id):
    """Every tariff row of the province as (leg, zone, valid_from, amount), whatever its leg, zone or date."""
    return _read("tariffs", province_id, _load_tariffs)


def subscribed_clients(province_id):
    """The province's active integration clients that have a webhook URL."""
    return _read("clients", province_id, _load_clients)
