"""Display filters of the dossier pages.

{% load dossier_tags %}
{{ dossier.due_at|dt }}               → 09:32 03/11/2023 is the portal's DATETIME_FORMAT; this gives 03/11/2023 09:32
{{ dossier.status|status_label }}     → Đang xử lý
{{ event.action|event_label }}        → Chuyển xử lý
{{ a_timedelta|work_duration }}       → 19 giờ 15 phút
{{ dossier.intake_channel|intake_label }} / {{ dossier.return_channel|return_label }}
"""

from datetime import timedelta

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from dossiers import printing
from dossiers.event_labels import event_label as label_of_event
from dossiers.models import IntakeChannel, Outcome, ReturnChannel, Status, Timeliness

register = template.Library()


@register.filter
def dt(value):
    """dd/mm/yyyy HH:MM in the local time zone, or "" for None."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "d/m/Y H:i")


@register.filter
def d(value):
    if not value:
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "d/m/Y")


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or ""


@register.filter
def status_label(value):
    return _label(Status, value)


@register.filter
def intake_label(value):
    return _label(IntakeChannel, value)


@register.filter
def return_label(value):
    return _label(ReturnChannel, value)


@register.filter
def timeliness_label(value):
    return _label(Timeliness, value) if value else ""


@register.filter
def outcome_label(value):
    return _label(Outcome, value) if value else ""


@register.filter
def event_label(action):
    return label_of_event(action)


@register.filter
def work_duration(value):
    """A working-time span as hours and minutes (working days are 8 h by default, but a desk
    may open longer: hours are what the calendar counts)."""
    if value is None:
        return ""
    if not isinstance(value, timedelta):
        return str(value)
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return gettext("%(h)s giờ %(m)s phút") % {"h": hours, "m": minutes}
    if hours:
        return ngettext("%(h)s giờ", "%(h)s giờ", hours) % {"h": hours}
    return ngettext("%(m)s phút", "%(m)s phút", minutes) % {"m": minutes}


@register.filter
def zone_label(zone, province):
    """`dossier.address_zone|zone_label:dossier.province` → "Nội thành", never the key."""
    from dossiers.plugins import zone_label as label

    return label(province, zone)


@register.filter
def get(mapping, key):
    """`mapping|get:key` for dicts in templates (e.g. the tab counts)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def dossier_nav_links(context):
    """The role's dossier links, when the `nav` context processor has not put them in the context."""
    from dossiers.context_processors import links_for

    request = context.get("request")
    return links_for(request) if request is not None else []


@register.filter
def long_date(value):
    """ "ngày 03 tháng 11 năm 2023", as the heading of an administrative letter reads."""
    return printing.long_date(value)


@register.filter
def has_signed_pdf(slug):
    """Whether the printable `slug` is also downloaded as a signed PDF (the legal papers)."""
    return printing.has_signed_pdf(slug)


@register.filter
def long_moment(value):
    """ "09 giờ 32 phút, ngày 03/11/2023", as the receipt's appointment reads."""
    return printing.long_moment(value)


# --- fees by applicant group (api.md "fees", issue 16) ------------------------------------------------------


@register.filter
def amount_due(dossier):
    """`dossier|amount_due|fee`: the applicant group's fee (snapshotted at submission)."""
    from dossiers.payments.service import amount_due as due

    return due(dossier)


@register.filter
def fee_group_name(dossier):
    """The name of a dossier's applicant group other than the default one ("" for the default: nothing to say)."""
    from dossiers.payments.service import fee_group_label

    return "" if dossier.fee_group == "default" else fee_group_label(dossier)
