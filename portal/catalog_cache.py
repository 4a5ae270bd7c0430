"""The catalog rows every dossier request reads (issue 18): a one-stop desk, a procedure, an agency and a province,
each with the rows it points at (a desk's agency and province, a procedure's agency and province, an agency's
province), from the shared cache under one version key instead of the database.

Safe with several processes: what is cached is keyed by the version (portal/versions.py), and every write of a
catalog row through the ORM (save, delete, a queryset's update, bulk_create or bulk_update, a migration) gives a new
one, now and again after commit (portal/catalog_version.py), so every process and machine reads the change at its
next request. A write behind the ORM's back (raw SQL) is bounded by `SECONDS`, the life of an entry in the shared
cache and in a process's memo.

Each process keeps the pickled rows it read under the version it read them with (a request reads the version once,
portal/versions.py), and every caller gets its own copy, unpickled: nothing one request sets on a catalog object
reaches another. Without a cache that answers (Redis down) every read goes to the database, as before; on the
embedded default (the database cache) a version read is a statement of its own, which a request pays once."""

from __future__ import annotations

import hashlib
import pickle
import time

from django.core.cache import cache

from .catalog_version import VERSION
from .models import Agency, OneStopDesk, Procedure, Province

# A bound on what a change made behind the ORM's back (raw SQL) can leave in the caches.
SECONDS = 600

# (version, {key: (expires, pickled row)}): replaced whole when the version changes, so that a thread still
# filling the memo of an older version never writes into the new one.
_memo = (None, {})


def _rows(version):
    global _memo
    memo = _memo
    if memo[0] != version:
        memo = _memo = (version, {})
    return memo[1]


def _read(kind, key, load):
    """The row of `kind` at `key` (a copy of its own), or None when `load(key)` finds none (not cached)."""
    version = VERSION.current()
    rows = _rows(version)
    held = rows.get((kind, key))
    now = time.monotonic()
    if held is not None and held[0] > now:
        return pickle.loads(held[1])
    shared = f"motcua:catalog:{version}:{kind}:{key}"
    blob = cache.get(shared)
    if blob is None:
        row = load(key)
        if row is None:
            return None
        blob = pickle.dumps(row, pickle.HIGHEST_PROTOCOL)
        cache.set(shared, blob, timeout=SECONDS)
    rows[(kind, key)] = (now + SECONDS, blob)
    return pickle.loads(blob)


def _load_desk(pk):
    return OneStopDesk.objects.select_related("agency__province", "province").filter(pk=pk).first()


def _load_procedure(pk):
    return Procedure.objects.select_related("agency__province", "province").filter(pk=pk).first()


def _load_agency(pk):
    return Agency.objects.select_related("province").filter(pk=pk).first()


def _load_province(pk):
    return Province.objects.filter(pk=pk).first()


def desk(pk):
    """The one-stop desk `pk` with its agency (and the agency's province) and province; None if there is none."""
    return _read("desk", int(pk), _load_desk)


def procedure(pk):
    """The procedure `pk` with its agency (and the agency's province) and province; None if there is none."""
    return _read("procedure", int(pk), _load_procedure)


def agency(pk):
    return _read("agency", int(pk), _load_agency)


def province(pk):
    return _read("province", int(pk), _load_province)


def procedure_pk_by_code(code, province_code):
    """The pk of the procedure with this national code in this province (unique together), None if none. Keyed by
    a digest: the code and province come from a request."""
    digest = hashlib.blake2b(f"{province_code}\x1f{code}".encode(), digest_size=12).hexdigest()

    def load(_digest):
        return Procedure.objects.filter(code=code, province__code=province_code).values_list("pk", flat=True).first()

    return _read("procedure-code", digest, load)


# The dossier's foreign keys to catalog rows, and how each is read.
_DOSSIER_ROWS = (("procedure", procedure), ("desk", desk), ("agency", agency), ("province", province))


def attach(dossier):
    """Give a dossier read without joins its procedure, desk, agency and province (each a copy of its own), as
    `select_related` would: reading them costs no statement. Returns the dossier."""
    fields = type(dossier)._meta
    for name, read in _DOSSIER_ROWS:
        field = fields.get_field(name)
        key = getattr(dossier, field.attname)
        if key is None or field.is_cached(dossier):
            continue
        row = read(key)
        if row is not None:  # gone (a race with its deletion): the descriptor reads it, and raises as before
            field.set_cached_value(dossier, row)
    return dossier
