"""Statistics display: {% load reports_tags %}

{{ 0.8333|pct }}      → 83,3 % (locale separators, rounded: 2/3 → 66,7 %); "—" for None (nothing to divide by)
{{ 12345|num }}       → 12.345
{{ 4.04|days }}       → 4,04
{{ row|get:"key" }}   → row["key"]
"""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats

register = template.Library()
DASH = "—"


def _rounded(value, places):
    """`value` rounded half up to `places` decimals (Django's number_format cuts the digits off:
    2/3 would read 66,6 %)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


@register.filter
def pct(value, places=1):
    if value is None or value == "":
        return DASH
    return f"{formats.number_format(_rounded(float(value) * 100, places), decimal_pos=int(places))} %"


@register.filter
def num(value):
    if value is None or value == "":
        return DASH
    return formats.number_format(int(value), decimal_pos=0, force_grouping=True)


@register.filter
def days(value):
    if value is None or value == "":
        return DASH
    return formats.number_format(_rounded(float(value), 2), decimal_pos=2)


@register.filter
def get(mapping, key):
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""
