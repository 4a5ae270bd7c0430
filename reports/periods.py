"""Kỳ báo cáo: windows of whole local days [start, end), `end` exclusive.

window_for("month", date(2024, 3, 15))  → (01/03/2024, 01/04/2024)
split(start, end, "quarter")            → the quarters (cut to the window) with their keys and labels
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

PERIODS = ("day", "week", "month", "quarter", "half", "year")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _month_start(d: date, months_back=0) -> date:
    index = d.year * 12 + d.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_for(period: str, d: date) -> tuple[date, date]:
    """The period (day, week from Monday, month, quarter, half-year, year) that contains `d`."""
    if period == "day":
        return d, d + timedelta(days=1)
    if period == "week":
        monday = d - timedelta(days=d.weekday())
        return monday, monday + timedelta(days=7)
    if period == "month":
        start = date(d.year, d.month, 1)
        return start, add_months(start, 1)
    if period == "quarter":
        start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        return start, add_months(start, 3)
    if period == "half":
        start = date(d.year, 1 if d.month <= 6 else 7, 1)
        return start, add_months(start, 6)
    if period == "year":
        return date(d.year, 1, 1), date(d.year + 1, 1, 1)
    raise ValueError(f"unknown period {period!r}")


@dataclass(frozen=True)
class Slice:
    key: str
    label: str
    start: date
    end: date


def slice_key(kind: str, start: date) -> tuple[str, str]:
    if kind == "day":
        return start.isoformat(), start.strftime("%d/%m/%Y")
    if kind == "month":
        return f"{start:%Y-%m}", _("Tháng %(month)s/%(year)s") % {"month": f"{start.month:02d}", "year": start.year}
    if kind == "quarter":
        quarter = (start.month - 1) // 3 + 1
        return f"{start.year}-Q{quarter}", _("Quý %(quarter)s/%(year)s") % {
            "quarter": ROMAN[quarter],
            "year": start.year,
        }
    raise ValueError(kind)


def split(start: date, end: date, kind: str) -> list[Slice]:
    """The days, months or quarters that meet [start, end), each cut to the window."""
    slices = []
    cursor = start
    while cursor < end:
        if kind == "day":
            natural_start, natural_end = cursor, cursor + timedelta(days=1)
        else:
            natural_start, natural_end = window_for(kind, cursor)
        piece_end = min(natural_end, end)
        key, label = slice_key(kind, natural_start)
        slices.append(Slice(key, label, cursor, piece_end))
        cursor = piece_end
    return slices


def describe(start: date, end: date) -> str:
    """ "01/03/2024 – 31/03/2024" (the last day shown inclusive)."""
    last = end - timedelta(days=1)
    if last == start:
        return start.strftime("%d/%m/%Y")
    return f"{start:%d/%m/%Y} – {last:%d/%m/%Y}"
