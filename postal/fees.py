"""Postal fees (cước bưu chính công ích): the tariff in force and the waived part.

Pure functions over plain values (`pick_amount`, `waiver`, `split`) with a thin cached
database shell (`tariff_amount`). Money is whole đồng (integers).

- The tariff of a (province, leg, zone) on a date is the row with the latest
  `valid_from <= date`. A zone the province has no row for falls back to `default`;
  with no row at all the fee is 0 (the province has not published a tariff yet).
- A waiver of `percent`% is `round(fee * percent / 100)` đồng, half rounded up (ROUND_HALF_UP,
  as a cashier would), never more than the fee, never negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

DEFAULT_ZONE = "default"


class TariffRow(NamedTuple):
    leg: str
    zone: str
    valid_from: date
    amount: int


def pick_amount(rows: Iterable[TariffRow], leg: str, zone: str, on: date) -> int | None:
    """The amount in force on `on` for `leg` in `zone` (falling back to `default`), or None."""
    rows = [r for r in rows if r.leg == leg and r.valid_from <= on]
    for wanted in dict.fromkeys((zone or DEFAULT_ZONE, DEFAULT_ZONE)):
        candidates = [r for r in rows if r.zone == wanted]
        if candidates:
            return max(candidates, key=lambda r: r.valid_from).amount
    return None


def waiver(fee: int, percent) -> int:
    """The part of `fee` a `percent`% waiver covers, in whole đồng."""
    percent = max(Decimal(0), min(Decimal(100), Decimal(str(percent or 0))))
    amount = (Decimal(int(fee)) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, min(int(fee), int(amount)))


def split(fee: int, percent) -> tuple[int, int]:
    """(waived, charged): what the budget pays and what the citizen pays."""
    waived = waiver(fee, percent)
    return waived, int(fee) - waived


def tariff_amount(province_id, leg: str, zone: str, on: date) -> int:
    """The published fee for one leg (0 when the province has none), from the province's tariff rows as the
    shared cache holds them (catalog_cache.py: a tariff saved or deleted is read at once)."""
    from .catalog_cache import tariff_rows

    return pick_amount((TariffRow(*row) for row in tariff_rows(province_id)), leg, zone, on) or 0


def zone_choices(province):
    """The tariff zones a province defined as (key, label), `default` first (for the dossier form's
    zone field and every page naming a zone; registered with dossiers.pages.forms in PostalConfig.ready).
    A zone's label is its tariff rows' `zone_label` (the key only if the catalog gave none). None
    beyond `default`: []."""
    from django.utils.translation import gettext as _

    from .models import PostalTariff

    labels = {}
    rows = PostalTariff.objects.filter(province=province).exclude(zone=DEFAULT_ZONE).order_by("zone", "valid_from")
    for zone, label in rows.values_list("zone", "zone_label"):
        labels[zone] = label or labels.get(zone) or zone  # the latest row with a label names the zone
    if not labels:
        return []
    return [(DEFAULT_ZONE, _("Khác (mặc định)")), *labels.items()]
