"""Benchmark of the working calendar's deadline arithmetic (portal/calendar.py).

Run: ``.venv/bin/python bench/bench_calendar.py`` (no Django setup needed).

Reports µs per call (best of several timeit repeats) and, because the machine is shared and noisy, the cost
ratios add_working_days(30)/(1) and (250)/(30). A minute-by-minute loop would scale linearly with the duration
(ratios ≈ 30 and ≈ 8, with a huge absolute cost); the day-by-day walk should stay far below.
"""

from __future__ import annotations

import os
import platform
import sys
import timeit
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.calendar import VN_TZ, WorkingCalendar  # noqa: E402

REPEAT = 7


def best_us(stmt, number: int) -> float:
    """Best time per call in microseconds over REPEAT runs of ``number`` calls."""
    return min(timeit.repeat(stmt, number=number, repeat=REPEAT)) / number * 1e6


def main() -> None:
    cal = WorkingCalendar()
    start = datetime(2023, 10, 27, 9, 32, tzinfo=VN_TZ)  # Fri, mid-morning
    # Warm the per-date memo (and the lazy holidays years) so we time the arithmetic, not the first lookup.
    cal.add_working_days(start, 600)

    rows: dict[str, float] = {}
    for days in (1, 5, 30, 250):
        rows[f"add_working_days({days})"] = best_us(lambda d=days: cal.add_working_days(start, d), number=2000)
    month_end = datetime(2023, 11, 27, 9, 32, tzinfo=VN_TZ)
    year_end = datetime(2024, 10, 27, 9, 32, tzinfo=VN_TZ)
    rows["working_time_between(1 month)"] = best_us(lambda: cal.working_time_between(start, month_end), number=2000)
    rows["working_time_between(1 year)"] = best_us(lambda: cal.working_time_between(start, year_end), number=500)

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs (shared machine)")
    width = max(map(len, rows))
    for name, us in rows.items():
        print(f"{name:<{width}}  {us:9.2f} µs/call")
    r30 = rows["add_working_days(30)"] / rows["add_working_days(1)"]
    r250 = rows["add_working_days(250)"] / rows["add_working_days(30)"]
    ryear = rows["working_time_between(1 year)"] / rows["working_time_between(1 month)"]
    print(f"ratio add_working_days 30/1    = {r30:5.2f}  (minute-by-minute loop: ≈ 30)")
    print(f"ratio add_working_days 250/30  = {r250:5.2f}  (minute-by-minute loop: ≈ 8)")
    print(f"ratio working_time_between year/month = {ryear:5.2f}  (linear in calendar days: ≈ 12)")


if __name__ == "__main__":
    main()
