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

from django import template

from portal.formatting import format_fee, format_level, format_processing_time, format_vnd

register = template.Library()


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
