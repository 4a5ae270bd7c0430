"""Display filters of the public pages: money, processing time, online-service level.

{% load motcua %}
{{ procedure.fee|vnd }}                 → 200.000 đ (0 đ for 0)
{{ procedure.fee|fee }}                 → 200.000 đ, or "Miễn phí" for 0
{{ procedure|processing_time }}         → 5 ngày làm việc
{{ value|processing_time:unit }}        → the same from a snapshot (value, ProcessingUnit)
{{ procedure.level|level_label }}       → Mức độ 4 – toàn trình
{{ a_timedelta|minutes }}               → 30
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats
from django.utils.translation import gettext, ngettext

from portal.models import ProcessingUnit

register = template.Library()


def format_vnd(amount):
    """Amount in đồng, grouped by the active locale ("200.000 đ" in Vietnamese, "200,000 đ" in English)."""
    if amount is None or amount == "":
        return ""
    try:
        amount = int(Decimal(str(amount)))
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)
    return f"{formats.number_format(amount, decimal_pos=0, force_grouping=True)} đ"


def format_fee(amount):
    """A fee: "Miễn phí" (free) for zero, else the amount in đồng."""
    if amount in (None, ""):
        return ""
    try:
        if Decimal(str(amount)) == 0:
            return gettext("Miễn phí")
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)
    return format_vnd(amount)


def _number(value):
    """5.00 → "5"; 1.50 → "1,5" (locale decimal separator); returns (text, plural count)."""
    value = Decimal(str(value))
    if value == value.to_integral_value():
        count = int(value)
        return formats.number_format(count, decimal_pos=0, force_grouping=True), count
    normalized = value.normalize()
    places = max(0, -normalized.as_tuple().exponent)
    return formats.number_format(normalized, decimal_pos=places), 2


def format_processing_time(value, unit):
    """The catalog's processing time (thời hạn giải quyết) as citizens read it."""
    if unit == ProcessingUnit.SAME_DAY:
        return gettext("Trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)")
    if value in (None, ""):
        return ""
    try:
        text, count = _number(value)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if unit == ProcessingUnit.WORKING_HOURS:
        return ngettext("%(n)s giờ làm việc", "%(n)s giờ làm việc", count) % {"n": text}
    if unit == ProcessingUnit.WORKING_DAYS:
        return ngettext("%(n)s ngày làm việc", "%(n)s ngày làm việc", count) % {"n": text}
    return f"{text} {unit}"


LEVEL_LABELS = {
    1: lambda: gettext("Mức độ 1"),
    2: lambda: gettext("Mức độ 2"),
    3: lambda: gettext("Mức độ 3 – một phần"),
    4: lambda: gettext("Mức độ 4 – toàn trình"),
}


def format_level(level):
    """Online-service level (mức độ DVC trực tuyến) with its Decree 42/2022 name."""
    try:
        return LEVEL_LABELS[int(level)]()
    except (KeyError, TypeError, ValueError):
        return ""


@register.simple_tag
def date_input(name, value, id=""):
    """A date field of a hand-written form, as the project's forms show one (portal.widgets.DateInput):
    {% date_input "from" query.start id="id_from" %}."""
    from portal.widgets import DateInput

    return DateInput().render(name, value, attrs={"id": id or f"id_{name}"})


@register.filter
def vnd(amount):
    return format_vnd(amount)


@register.filter
def fee(amount):
    return format_fee(amount)


@register.filter
def processing_time(value, unit=None):
    """`procedure|processing_time`, or `value|processing_time:unit` for a snapshot."""
    if unit is None and hasattr(value, "processing_time_unit"):
        return format_processing_time(value.processing_time_value, value.processing_time_unit)
    return format_processing_time(value, unit)


@register.filter
def level_label(level):
    return format_level(level)


@register.filter
def minutes(value):
    """A timedelta (or seconds) as whole minutes, e.g. the lockout cool-off."""
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    try:
        return int(float(value) // 60)
    except (TypeError, ValueError):
        return ""


@register.filter
def as_notice(notice):
    """A site notice as a dict of title, body, level, url: from a plain string, a dict or an
    object with those attributes (a campaign's notice model), so templates never call str methods."""
    if isinstance(notice, str):
        return {"title": "", "body": notice, "level": "info", "url": ""}
    get = notice.get if isinstance(notice, dict) else lambda name: getattr(notice, name, "")
    return {name: get(name) or "" for name in ("title", "body", "level", "url")}
