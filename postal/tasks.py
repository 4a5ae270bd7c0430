"""Postal tasks: take ids, are idempotent, run from the beat schedule in settings.

- `sweep_postal_sla()`: every minute, orders whose SLA timer has run out (`sla_timer_at <=
  now`, a partial index holds only running timers) are taken in batches with FOR UPDATE
  SKIP LOCKED, so overlapping sweeps split the work; each breach is recorded once
  (PostalAlert is unique per order) and the province's postal clerks and the desk's
  officers are told, a batch at a time in a fixed number of statements (postal/sweep.py).
  No ETA task per order.
- `deliver_webhook(id)` (named postal.tasks.deliver_webhook, defined in postal/webhooks.py, which
  queues it): send one stored webhook (queued on commit of the change).
- `deliver_pending_webhooks()`: every minute, resend the stored webhooks that are due
  (receiver was down, worker lost, broker down): nothing is dropped.
"""

import logging

from celery import shared_task

from . import webhooks

log = logging.getLogger("motcua.postal")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_postal_sla(batch_size=500):
    """Record every newly breached postal SLA once. Returns the number of breaches recorded.
    Each batch is one transaction of a fixed number of statements (postal/sweep.py)."""
    from portal.batches import in_batches

    from .sweep import sweep_batch

    return in_batches(sweep_batch, batch_size)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_pending_webhooks(batch_size=100):
    """Send the stored webhooks that are due, batch after batch. Returns how many were delivered."""
    delivered = 0
    while True:
        ids = webhooks.claim(limit=batch_size)
        for pk in ids:
            delivered += webhooks.attempt(pk)
        if len(ids) < batch_size:
            return delivered
