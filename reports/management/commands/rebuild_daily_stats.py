"""Rebuild the statistics tables over a range of days (after a deploy, an import, a fix, or migration
reports 0002, which empties them): the days' flows (`DailyStat`) and stock (`DailyStock`), and the monthly roll-up
(`MonthlyStat`) of every month touched.

    manage.py rebuild_daily_stats --from 2024-01-01 [--to 2025-01-01] [--chunk-days 31]

`--to` is exclusive and defaults to tomorrow (today included); days in the future are skipped. Each chunk is one
pass per province over the dossier tables; each month's days are replaced, and the month rolled up, in one
transaction."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.refresh import rebuild


def _date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}")


class Command(BaseCommand):
    help = "Rebuild reports.DailyStat, DailyStock and MonthlyStat for the days of [--from, --to)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, type=_date)
        parser.add_argument("--to", dest="end", type=_date)
        parser.add_argument("--chunk-days", type=int, default=31)

    def handle(self, first, end=None, chunk_days=31, verbosity=1, **options):
        end = end or timezone.localdate() + timedelta(days=1)
        if end <= first:
            raise CommandError("--to must be after --from")
        if chunk_days < 1:
            raise CommandError("--chunk-days must be at least 1")
        total = 0
        cursor = first
        while cursor < end:
            chunk_end = min(cursor + timedelta(days=chunk_days), end)
            rows = rebuild(cursor, chunk_end)
            total += rows
            if verbosity:
                self.stdout.write(f"{cursor:%d/%m/%Y} – {chunk_end - timedelta(days=1):%d/%m/%Y}: {rows} rows")
            cursor = chunk_end
        self.stdout.write(self.style.SUCCESS(f"{total} rows written"))
