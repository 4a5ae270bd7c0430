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
