"""The postal SLA sweep, set-based: one batch of orders whose SLA timer has run out, in a
fixed number of statements whatever the batch size.

1. claim: the orders with `sla_timer_at <= now` (partial index `postal_sla_timer`), oldest
   first, `FOR UPDATE SKIP LOCKED OF` the order (an overlapping sweep takes the next rows),
   with the dossier's code; only the columns the alert needs;
2. read which of them already have their PostalAlert (one query);
3. insert the new PostalAlert rows; stop every timer (`sla_timer_at` cleared, `updated_at`
   stamped) and stamp `breached_at` on the newly breached (two UPDATEs);
4. insert one breach event per new alert, and one staff Notification per alert and
   recipient: the province's postal clerks and the desk's officers, read once for the batch;
5. store the `order.changed` webhooks of the newly breached orders for the subscribed
   clients of their provinces (nothing when no client subscribes), sent on commit.

Exactly once, as for the dossiers (dossiers/sweep.py): every writer of a PostalAlert holds the
order's row lock (this claim, or `services.record_breach` under `select_for_update`), so
step 2 is exact until commit; `one_postal_alert_per_kind` and `notify_once` back it up.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from django.utils import timezone

from dossiers.sweep import notify_staff_many
from portal.batches import insert_rows, staff_for
from portal.models import Role

from . import webhooks
from .models import PostalAlert, PostalOrder, PostalOrderEvent

log = logging.getLogger("motcua.postal")

BREACH = PostalAlert.Kind.BREACH


class Running(NamedTuple):
    id: int
    kind: str
    status: str
    due_at: object
    tracking_code: str
    province_id: int
    desk_id: int
    dossier_id: int
    dossier_code: str


CLAIM_FIELDS = (*Running._fields[:-1], "dossier__code")


def claim(now, size):
    """Lock up to `size` orders whose SLA timer has run out, skipping locked ones."""
    rows = (
        PostalOrder.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(sla_timer_at__isnull=False, sla_timer_at__lte=now)
        # Not (sla_timer_at, id): with many timers at the same moment (a burst) the id tie-break sorts them all
        # before the LIMIT; in index order the scan stops after `size` rows.
        .order_by("sla_timer_at")
        .values_list(*CLAIM_FIELDS)[:size]
    )
    return [Running(*row) for row in rows]


def enqueue_webhooks(rows, event):
    """Bulk `webhooks.enqueue` for the orders of `rows`: the orders are read (after the change)
    only where their province has a subscribed client. Returns the deliveries."""
    clients = webhooks.subscribed_clients({row.province_id for row in rows})
    if not clients:
        return []
    orders = (
        PostalOrder.objects.filter(pk__in=[row.id for row in rows if row.province_id in clients])
        .select_related("dossier", "province", "assigned_to")
        .order_by("id")
    )
    return webhooks.enqueue_many(orders, event, clients)


def sweep_batch(now, size):
    """Record the breaches of one batch of orders; call inside `transaction.atomic()`.
    Returns (orders claimed, breaches recorded)."""
    from .services import breach_texts

    rows = claim(now, size)
    if not rows:
        return 0, 0
    alerted = set(
        PostalAlert.objects.filter(order_id__in=[row.id for row in rows], kind=BREACH).values_list(
            "order_id", flat=True
        )
    )
    fresh = [row for row in rows if row.id not in alerted]
    stale = [row.id for row in rows if row.id in alerted]
    stamp = timezone.now()  # `updated_at`, as auto_now would set it
    if stale:  # recorded already (e.g. by a late pickup): the timer just stops
        PostalOrder.objects.filter(pk__in=stale).update(sla_timer_at=None, updated_at=stamp)
    if not fresh:
        return len(rows), 0
    insert_rows(
        PostalAlert,
        ("order_id", "kind", "due_at", "created_at"),
        ((row.id, BREACH, row.due_at, now) for row in fresh),
        ignore_conflicts=True,
    )
    PostalOrder.objects.filter(pk__in=[row.id for row in fresh]).update(
        breached_at=now, sla_timer_at=None, updated_at=stamp
    )
    texts = {row.id: breach_texts(row.kind, row.tracking_code, row.dossier_code, row.due_at) for row in fresh}
    insert_rows(
        PostalOrderEvent,
        ("order_id", "at", "action", "from_status", "to_status", "note"),
        ((row.id, now, "breach", row.status, row.status, texts[row.id][0][:300]) for row in fresh),
    )
    # The province's postal clerks and the desk's officers (`services.alert_recipients`).
    people = staff_for(fresh, (Role.POSTAL_CLERK, "province_id"), (Role.OFFICER, "desk_id"))
    notify_staff_many(
        (row.dossier_id, user, "postal_breach", f"postal-{row.id}", *texts[row.id])
        for row in fresh
        for user in people[row.province_id, row.desk_id]
    )
    enqueue_webhooks(fresh, webhooks.ORDER_CHANGED)
    return len(rows), len(fresh)
