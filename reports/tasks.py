"""Report tasks: take ids, are idempotent.

- `refresh_daily_stats(days=2)`: every 5 minutes (beat), recompute today and yesterday in the daily tables
  (`DailyStat` flows, `DailyStock` stock) and roll their month up again into `MonthlyStat` (yesterday becomes
  final at the first run after midnight).
- `settle_daily_stats()`: nightly, recompute the last REPORTS_SETTLE_DAYS days, so that what may change after a
  day (an online payment, a return switched to the post, a stored due date moved) settles into the table.
- `build_export(export_id)`: build an export file, recording its progress on the row."""

import logging

from celery import shared_task
from django.conf import settings

log = logging.getLogger("motcua.reports")


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def refresh_daily_stats(days=2):
    from .refresh import refresh_recent

    days = max(1, min(int(days), settings.REPORTS_MAX_REFRESH_DAYS))
    written = refresh_recent(days)
    log.info("daily stats refreshed: %s", written)
    return written


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def settle_daily_stats():
    return refresh_daily_stats(settings.REPORTS_SETTLE_DAYS)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_export(export_id):
    from .exports import run_export

    return run_export(export_id)
