"""The transactional outbox (hộp thư đi): what a change must tell the rest of the system
is written in the same transaction as the change, sent after commit, and sent again by a
beat sweep (`portal.tasks.drain_outbox`) when the broker (Redis) was down or the process
died between the commit and the send.

    outbox.enqueue_task("dossiers.tasks.send_notification", note.pk)
    outbox.enqueue_signal("dossiers.events.dossier_accepted", "dossiers.Dossier", dossier_id=7)

Two kinds of message, both named by dotted path and carrying JSON arguments:

- a **task** is published to the broker (`apply_async`, task id `outbox-<id>`). The row is
  locked while it is published and marked sent in that same transaction, so the on-commit
  send and the sweep never publish it both. A process killed after publishing and before
  committing publishes it again: tasks sent this way must be idempotent (send_notification
  skips a Notification already sent), which makes the delivery once in effect.
- a **signal** (a domain event) runs its receivers in-process, inside the transaction that
  marks the row sent: their database writes and the mark commit together or not at all, so a
  receiver that fails is retried by the sweep and one that succeeded never runs again. A signal
  may also be sent inside the transaction of the change itself (`send_signal_in_transaction`,
  what a dossier's transition does): then no row is written, unless a receiver failed: the row
  then waits for the delivery after commit and the sweep.

A failed send never fails the request that caused it (the change is committed; the row
waits for the sweep). Messages of one object may therefore arrive out of order after an
outage: receivers read the current state rather than trusting the order.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("motcua.outbox")


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        TASK = "task", "Celery task"
        SIGNAL = "signal", "domain event"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    name = models.CharField(max_length=200, help_text="dotted path of the task or the signal")
    sender = models.CharField(max_length=100, blank=True, help_text="app_label.Model sending a signal")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        app_label = "portal"
        indexes = [
            models.Index(fields=["id"], name="outbox_pending", condition=Q(sent_at__isnull=True)),
            models.Index(fields=["sent_at"], name="outbox_sent", condition=Q(sent_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.kind} {self.name} #{self.pk}"


def _enqueue(**fields):
    message = OutboxMessage.objects.create(created_at=timezone.now(), **fields)
    message_id = message.pk
    # robust: a send that fails after the commit is logged and left to the sweep, never
    # raised into the request (nor allowed to stop the other on-commit callbacks).
    transaction.on_commit(lambda: deliver(message_id), robust=True)
    return message


def enqueue_task(task, *args, **kwargs):
    """Publish `task` (a dotted path, or a task defined at module level) after commit."""
    name = task if isinstance(task, str) else f"{task.__module__}.{task.__name__}"
    return _enqueue(kind=OutboxMessage.Kind.TASK, name=name, args=list(args), kwargs=kwargs)


def enqueue_signal(signal_path, sender, **kwargs):
    """Send the signal at `signal_path` with `sender` (a model label) and JSON kwargs after commit."""
    return _enqueue(kind=OutboxMessage.Kind.SIGNAL, name=signal_path, sender=sender, kwargs=kwargs)


def send_signal_in_transaction(signal_path, sender, in_hand=None, **kwargs):
    """Send the signal at `signal_path` now, inside the caller's transaction, under a savepoint of its own: the
    receivers' writes commit with the change that sent it, or not at all, and nothing is left to send, so no row is
    written (issue 18: delivered after commit, the same work took its row, a transaction of its own, the row's claim
    and mark, and a second read of the row the change had just locked). `in_hand`: keyword arguments the receivers
    get besides the JSON ones and that are not stored (the object the caller holds locked, so that a receiver needs
    not read it again). Returns None, or the row of a message left to send.

    A receiver that raises rolls back to the savepoint (what the others wrote with it too), and the message is
    recorded unsent and sent as `enqueue_signal` sends it: after commit, else by the sweep, in its own transaction
    and without `in_hand`. Outside a transaction, this is `enqueue_signal`."""
    if not transaction.get_connection().in_atomic_block:
        return enqueue_signal(signal_path, sender, **kwargs)
    fields = {"kind": OutboxMessage.Kind.SIGNAL, "name": signal_path, "sender": sender, "kwargs": kwargs}
    try:
        with transaction.atomic():
            import_string(signal_path).send(
                sender=apps.get_model(sender) if sender else None, **kwargs, **(in_hand or {})
            )
    except Exception as exc:
        log.error(
            "signal %s failed in its transaction (%s: %s); sent again after commit",
            signal_path,
            type(exc).__name__,
            exc,
        )
        return _enqueue(**fields, attempts=1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
    return None


# What a broker that is down or unreachable raises when a task is published.
BROKER_ERRORS = (KombuOperationalError, OSError, RedisConnectionError, RedisTimeoutError)

SENT, SKIPPED, FAILED, BROKER_DOWN = "sent", "skipped", "failed", "broker_down"


def broker_connection():
    """A connection to the broker that fails at once when it is down (kombu's default retries
    until the connect timeout, about 6 s a message): the sweep sends the message later."""
    from .celery import app

    options = {**(app.conf.broker_transport_options or {}), "max_retries": 0, "socket_connect_timeout": 2}
    return app.connection_for_write(transport_options=options)


def _dispatch(message, connection):
    target = import_string(message.name)
    if message.kind == OutboxMessage.Kind.TASK:
        options = {"task_id": f"outbox-{message.pk}", "retry": False}
        if connection is None:
            with broker_connection() as own:
                target.apply_async(message.args, message.kwargs, connection=own, **options)
        else:
            target.apply_async(message.args, message.kwargs, connection=connection, **options)
    else:
        sender = apps.get_model(message.sender) if message.sender else None
        target.send(sender=sender, **message.kwargs)


def deliver(message_id, connection=None):
    """Send one message unless it is sent or being sent. Never raises: a failure is recorded
    on the row (attempts, last_error) for the sweep. Returns SENT, SKIPPED, FAILED or BROKER_DOWN."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, sent_at__isnull=True)
                .first()
            )
            if message is None:
                return SKIPPED  # sent already, or being sent by another process right now
            _dispatch(message, connection)
            OutboxMessage.objects.filter(pk=message.pk).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
        return SENT
    except Exception as exc:
        broker_down = isinstance(exc, BROKER_ERRORS)
        log.log(
            logging.WARNING if broker_down else logging.ERROR,
            "outbox message %s not sent (%s: %s); the sweep will try again",
            message_id,
            type(exc).__name__,
            exc,
        )
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return BROKER_DOWN if broker_down else FAILED


def drain(batch_size=500, keep_days=7):
    """Send every message still unsent, oldest first, stopping at the first one the broker
    refuses (it is down: the next sweep tries again); purge rows sent more than `keep_days`
    ago. Returns {"sent": n, "pending": n}."""
    with broker_connection() as connection:
        sent = _drain(connection, batch_size)
    if keep_days is not None:
        OutboxMessage.objects.filter(sent_at__lt=timezone.now() - timedelta(days=keep_days)).delete()
    return {"sent": sent, "pending": OutboxMessage.objects.filter(sent_at__isnull=True).count()}


def _drain(connection, batch_size):
    sent = 0
    last_id = 0
    broker_down = False
    while not broker_down:
        ids = list(
            OutboxMessage.objects.filter(sent_at__isnull=True, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        for message_id in ids:
            outcome = deliver(message_id, connection)
            sent += outcome == SENT
            if outcome == BROKER_DOWN:
                broker_down = True
                break
        if len(ids) < batch_size:
            break
        last_id = ids[-1]
    return sent
