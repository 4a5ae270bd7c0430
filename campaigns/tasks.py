"""Campaign tasks: take ids or nothing, are idempotent.

- `sweep_campaigns()`: every minute (CELERY_BEAT_SCHEDULE "campaigns-sweep"): activate the
  scheduled campaigns whose start has passed, end the active ones whose end has passed, and
  apply any start or end effects not yet applied. It compares with now, so a missed tick
  (or a whole window missed while beat was down) is caught on the next run."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_campaigns():
    return services.sweep()
