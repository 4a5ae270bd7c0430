"""Outbound webhooks to the post office's software: stored, signed, retried, never dropped.

- `enqueue(order, event)` (called by services.py inside the change's transaction) stores a
  WebhookDelivery per active client of the order's province that has a `webhook_url`, and
  asks for it to be sent on commit. The stored row is the promise: if the worker, the
  broker or the receiver is down, the beat sweep (`tasks.deliver_pending_webhooks`) finds
  it later.
- The body is the order as the API shows it (`{"delivery": id, "event", "sent_for", "order"}`),
  JSON in UTF-8, signed with HMAC-SHA256 of the client's `webhook_secret`:
  `X-Motcua-Signature: sha256=<hex>`; `X-Motcua-Delivery: <id>` lets the receiver drop a
  duplicate (delivery is at least once) and `X-Motcua-Event` names the event. Deliveries of
  one order may arrive out of order: the order's `updated_at` tells the newer.
- A send is claimed first (its `next_attempt_at` moved a lease ahead, under a row lock
  taken with SKIP LOCKED), then made outside any transaction, so a slow receiver never
  holds a lock. 2xx = delivered; anything else is retried after 30 s, 1 min, 2 min, …
  capped at POSTAL_WEBHOOK_BACKOFF_MAX seconds (default 1 h), for as long as it takes.
- A revoked client (deactivated: `revoke`, the admin's action or its "active" box) receives
  nothing more: its pending deliveries are cancelled at once (state `cancelled`, the reason in
  `last_error`), the claim skips and cancels any left over, and an attempt re-reads the client
  right before sending.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import catalog_cache
from .models import IntegrationClient, WebhookDelivery

log = logging.getLogger("motcua.postal")

ORDER_CREATED = "order.created"
ORDER_CHANGED = "order.changed"

# A claimed delivery is not picked again by the sweep for this long (a send takes at most the timeout).
LEASE_SECONDS = 300


def _setting(name, default):
    return getattr(settings, name, default)


def backoff_seconds(attempts):
    """The wait after the `attempts`-th failed send: 30 s doubling, capped (1 h by default)."""
    base = _setting("POSTAL_WEBHOOK_BACKOFF_BASE", 30)
    cap = _setting("POSTAL_WEBHOOK_BACKOFF_MAX", 3600)
    return min(cap, base * 2 ** max(0, attempts - 1))


def sign(secret, body: bytes) -> str:
    return "sha256=" + hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()


def order_payload(order):
    from .serializers import PostalOrderSerializer

    return json.loads(json.dumps(PostalOrderSerializer(order).data, cls=DjangoJSONEncoder))


def subscribed_clients(province_ids):
    """{province id: [active clients with a webhook URL]} for the given provinces, from the shared cache
    (catalog_cache.py: a client saved, or revoked here, is read at once)."""
    clients = defaultdict(list)
    for province_id in province_ids:
        subscribed = catalog_cache.subscribed_clients(province_id)
        if subscribed:
            clients[province_id].extend(subscribed)
    return clients


def enqueue(order, event):
    """Store one delivery per subscribed client of the order's province; send on commit."""
    return enqueue_many([order], event, subscribed_clients([order.province_id]))


def enqueue_many(orders, event, clients):
    """One stored delivery per order and subscribed client of its province (`clients` from
    `subscribed_clients`), the body read from the order as it is now; sent on commit, and the
    beat's `deliver_pending_webhooks` sends whatever that misses. Returns the deliveries."""
    if not clients:
        return []
    now = timezone.now()
    deliveries = []
    for order in orders:
        payload = order_payload(order)
        deliveries += [
            WebhookDelivery(
                client=client, order=order, event=event, payload=payload, created_at=now, next_attempt_at=now
            )
            for client in clients.get(order.province_id, ())
        ]
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries]

    def send():
        for pk in ids:
            try:
                deliver_webhook.delay(pk)
            except Exception:  # the broker is down: the sweep sends it later
                log.warning("webhook %s not queued; the sweep will send it", pk, exc_info=True)

    transaction.on_commit(send)
    return deliveries


def body_of(delivery) -> bytes:
    document = {
        "delivery": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "order": delivery.payload,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


REVOKED = "Đã thu hồi quyền của phần mềm bưu điện: không gửi."


def cancel_pending(clients, reason=REVOKED):
    """Cancel the pending deliveries of `clients` (a queryset of IntegrationClient); returns how many."""
    return WebhookDelivery.objects.filter(client__in=clients, state=WebhookDelivery.State.PENDING).update(
        state=WebhookDelivery.State.CANCELLED, next_attempt_at=None, last_error=reason[:300]
    )


def revoke(client, reason=REVOKED):
    """Deactivate a client (its token stops working) and cancel its pending deliveries, in one
    transaction. Returns how many deliveries were cancelled."""
    with transaction.atomic():
        IntegrationClient.objects.filter(pk=client.pk).update(active=False)
        cancelled = cancel_pending(IntegrationClient.objects.filter(pk=client.pk), reason)
        catalog_cache.catalog_changed()  # update() sends no post_save: no process adds a delivery for it
    client.active = False
    log.info("postal client %s revoked; %s pending webhooks cancelled", client.pk, cancelled)
    return cancelled


def claim(ids=None, limit=100):
    """Lock and lease up to `limit` pending deliveries that are due (or those of `ids`),
    skipping rows another sender holds and those of clients no longer active (cancelled here,
    however the client was deactivated). Returns their ids."""
    now = timezone.now()
    cancel_pending(IntegrationClient.objects.filter(active=False))
    with transaction.atomic():
        queryset = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            state=WebhookDelivery.State.PENDING,
            client__active=True,
        )
        if ids is not None:
            queryset = queryset.filter(pk__in=ids)
        claimed = list(queryset.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=claimed).update(next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
    return claimed


def post(url, body, headers, timeout):
    """One HTTP POST (urllib, stdlib); returns the status code or raises."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL set by an admin)
        return response.status


def attempt(delivery_id):
    """Send one claimed delivery and record the outcome. Returns True when delivered."""
    delivery = WebhookDelivery.objects.select_related("client").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return False
    if not delivery.client.active:  # revoked after the claim: read just now, right before sending
        cancel_pending(IntegrationClient.objects.filter(pk=delivery.client_id))
        return False
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "motcua-webhooks/1",
        "X-Motcua-Delivery": str(delivery.pk),
        "X-Motcua-Event": delivery.event,
        "X-Motcua-Signature": sign(delivery.client.webhook_secret, body),
    }
    error = ""
    try:
        status = post(delivery.client.webhook_url, body, headers, _setting("POSTAL_WEBHOOK_TIMEOUT", 10))
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}"
    except Exception as exc:  # refused, timeout, DNS…: retried later
        error = f"{type(exc).__name__}: {exc}"
    now = timezone.now()
    attempts = delivery.attempts + 1
    if error:
        WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.State.PENDING).update(
            attempts=attempts,
            last_error=error[:300],
            next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)),
        )
        log.info("webhook %s to %s failed (%s), attempt %s", delivery.pk, delivery.client_id, error, attempts)
        return False
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, state=WebhookDelivery.State.DELIVERED, delivered_at=now, next_attempt_at=None, last_error=""
    )
    return True


# Named as in postal.tasks, where it was defined (queued messages and the outbox name it so); it lives
# here so that the webhooks module queues it without importing the tasks module back.
@shared_task(name="postal.tasks.deliver_webhook", acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id):
    """Send one stored webhook now if it is still pending and no one else is sending it."""
    for pk in claim(ids=[delivery_id]):
        return attempt(pk)
    return False
