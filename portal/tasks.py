"""Housekeeping tasks of the shared core."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "motcua:worker-heartbeat"


@shared_task
def heartbeat():
    """Record that a worker ran a beat task; /healthz reports how long ago."""
    now = timezone.now()
    cache.set(HEARTBEAT_KEY, now.isoformat(), timeout=3600)
    return now.isoformat()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def drain_outbox(batch_size=500):
    """Every minute: send what the outbox still holds (the broker was down, or a process died
    between a commit and its send). Each message is sent once; see portal/outbox.py."""
    from .outbox import drain

    return drain(batch_size=batch_size)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=60,
    max_retries=6,
)
def send_phone_code(code_id):
    """Send a phone-confirmation code's SMS (published through the outbox by portal/phone/codes.py). A
    gateway failure is retried with backoff while the code lasts; once sent, or expired, it is skipped."""
    from .phone.codes import deliver

    return deliver(code_id)
