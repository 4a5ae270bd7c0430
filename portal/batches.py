"""Batch helpers of the set-based sweeps (the dossiers' deadline sweep, postal's SLA sweep): run a
sweep in batches, each in its own transaction; find who hears of each row of a batch in one query;
insert plain tuples in one statement. Nothing here knows a dossier."""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import User


def in_batches(sweep_batch, batch_size):
    """Run `sweep_batch(now, batch_size)` → (rows claimed, rows acted on), each batch in a transaction of
    its own, until a batch comes back short. Returns how many rows were acted on in all."""
    done = 0
    while True:
        with transaction.atomic():
            claimed, acted = sweep_batch(timezone.now(), batch_size)
        done += acted
        if claimed < batch_size:
            return done


def staff_for(rows, *groups):
    """Who hears of each row, by the row's scope: `groups` are (role, field) pairs, e.g.
    (Role.OFFICER, "desk_id"), (Role.HEAD, "agency_id"): the active users of that role whose own
    `field` is the row's. Returns {(the row's value of each field): [(user id, username)] by id},
    in one query for the batch."""
    fields = [field for _role, field in groups]
    wanted = Q()
    for role, field in groups:
        wanted |= Q(role=role, **{f"{field}__in": {getattr(row, field) for row in rows}})
    found = defaultdict(list)
    users = User.objects.filter(is_active=True).filter(wanted).order_by("id")
    for user_id, username, role, *values in users.values_list("id", "username", "role", *fields):
        for (group_role, _field), value in zip(groups, values, strict=True):
            if role == group_role:
                found[role, value].append((user_id, username))
    keys = {tuple(getattr(row, field) for field in fields) for row in rows}
    return {
        key: sorted(user for (role, _field), value in zip(groups, key, strict=True) for user in found[role, value])
        for key in keys
    }


def insert_rows(model, fields, rows, ignore_conflicts=False):
    """`bulk_create` of plain tuples (values of `fields`, every other column at its default).
    On PostgreSQL one `INSERT … SELECT FROM unnest(arrays)` without building model instances
    (most of a batch's Python time); elsewhere `bulk_create`."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], ignore_conflicts=ignore_conflicts
        )
        return
    columns = [model._meta.get_field(name) for name in fields]
    defaults = [f for f in model._meta.concrete_fields if not (f.primary_key or {f.name, f.attname} & set(fields))]
    arrays = [f"%s::{f.db_type(connection)}[]" for f in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in (*columns, *defaults))
    extra = "".join(f", %s::{f.db_type(connection)}" for f in defaults)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) "
        f"SELECT *{extra} FROM unnest({', '.join(arrays)})" + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    values = [f.get_db_prep_save(f.get_default(), connection) for f in defaults]  # the SELECT list comes first
    values += [list(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
