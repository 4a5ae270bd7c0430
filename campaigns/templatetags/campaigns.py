"""{% load campaigns %}

{% active_campaigns desk %}   the rules in force now at a desk (officers' queues, the desk page);
                              `links=False` leaves out the links to the ticket queue
{{ key|change_label }} / {{ value|change_value }}   a preview's policy change, in words
{{ e.action|campaign_action }} {{ e.from_status|campaign_status }} {{ e.changes|campaign_changes }}
{{ h.rules|rules_text }}      the change log (history page), in words: no key, no raw dict
{% procedure_campaigns procedure desk %}   the campaigns in force for a procedure (procedure pages,
                                           receipts): notices, hotlines, what they change, the
                                           channels open now and why the others are closed
"""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..policy import campaigns_for, desk_campaigns, effective_policy
from ..rules import INTAKE_CHANNELS, RETURN_CHANNELS, channel_label, describe, describe_scope

register = template.Library()

CHANGE_LABELS = {
    "intake_channels": gettext_lazy("Kênh nộp hồ sơ"),
    "return_channels": gettext_lazy("Kênh nhận kết quả"),
    "online_payment": gettext_lazy("Thanh toán trực tuyến"),
    "postal_fee_waived_percent": gettext_lazy("Miễn/giảm cước bưu chính (%)"),
    "pickup_sla_hours": gettext_lazy("Thời hạn nhận hồ sơ tại nhà (giờ)"),
    "return_sla_hours": gettext_lazy("Thời hạn chuyển trả kết quả (giờ)"),
    "walk_in_capacity_per_session": gettext_lazy("Số lượt tiếp dân mỗi buổi"),
    "hold_other_returns": gettext_lazy("Giữ kết quả không trả qua bưu chính"),
    "clock_paused_until": gettext_lazy("Dừng tính thời hạn đến hết ngày"),
}


@register.filter
def change_label(key):
    """The Vietnamese name of a policy field in a campaign preview."""
    return str(CHANGE_LABELS.get(key, key))


@register.filter
def change_value(value):
    """A policy value in words: channel lists by their labels, yes/no, dates dd/mm/yyyy."""
    if value is None or value == [] or value == ():
        return "—"
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if isinstance(value, list | tuple):
        return ", ".join(channel_label(item) for item in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


ACTION_LABELS = {
    "create": gettext_lazy("Tạo đợt"),
    "update": gettext_lazy("Sửa đợt"),
    "schedule": gettext_lazy("Lên lịch"),
    "start": gettext_lazy("Bắt đầu áp dụng (theo lịch)"),
    "activate": gettext_lazy("Kích hoạt"),
    "end": gettext_lazy("Kết thúc đợt"),
    "effects_started": gettext_lazy("Đã áp dụng biện pháp cho hồ sơ đang giải quyết"),
    "effects_ended": gettext_lazy("Đã gỡ biện pháp khi kết thúc đợt"),
}


@register.filter
def campaign_action(action):
    """A campaign event's action in words (the change log)."""
    return str(ACTION_LABELS.get(action, _("Cập nhật đợt")))


@register.filter
def campaign_status(status):
    """A campaign status key in words; "" for none."""
    from ..models import Campaign

    return str(Campaign.Status(status).label) if status in Campaign.Status.values else status or ""


def _logged_value(field, value):
    """One side of a logged change as people read it: rules and scope in sentences, moments dd/mm/yyyy HH:MM."""
    if value in (None, "", [], {}):
        return "—"
    if field == "rules" and isinstance(value, dict):
        return " ".join(describe(value)) or _("Không có quy tắc.")
    if field == "scope" and isinstance(value, dict):
        return describe_scope(value)
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and value[10] == "T":
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "d/m/Y H:i")
    return change_value(value)


@register.filter
def campaign_changes(changes):
    """A logged change `{field: [old, new]}` as [(field name, old, new)] in words, never a raw dict."""
    from ..models import Campaign

    rows = []
    for field, change in (changes or {}).items():
        try:
            name = Campaign._meta.get_field(field).verbose_name
        except FieldDoesNotExist:
            name = CHANGE_LABELS.get(field, field)
        old, new = (list(change) + [None, None])[:2] if isinstance(change, list | tuple) else (None, change)
        rows.append((str(name), _logged_value(field, old), _logged_value(field, new)))
    return rows


@register.filter
def rules_text(rules):
    """A campaign's rules as sentences (the saved versions on the change log)."""
    return _logged_value("rules", rules)


def _rows(campaigns):
    return [
        {
            "id": c.id,
            "title": c.title,
            "legal_basis": c.legal_basis,
            "starts_at": c.starts_at,
            "ends_at": c.ends_at,
            "scope": describe_scope(c.raw_scope),
            "lines": describe(c.rules),
            "notice": c.rules.get("notice", ""),
            "hotline": c.rules.get("hotline", ""),
        }
        for c in campaigns
    ]


@register.inclusion_tag("campaigns/includes/active_campaigns.html")
def active_campaigns(desk, links=True):
    """`links`: with a walk-in capacity in force, link the desk's call-next page and its kiosk."""
    campaigns = desk_campaigns(desk) if desk else ()
    capacity = any(c.rules.get("walk_in_capacity_per_session") is not None for c in campaigns)
    return {"campaigns": _rows(campaigns), "desk": desk, "queue_links": links and capacity}


def _channels(policy):
    """The channels open under the policy, and each channel a campaign closed with its reason."""

    def label(channel, intake):
        template = _("Nộp hồ sơ %(channel)s") if intake else _("Nhận kết quả %(channel)s")
        return template % {"channel": channel_label(channel)}

    intake = [label(c, True) for c in INTAKE_CHANNELS if policy.allows_intake(c)]
    returns = [label(c, False) for c in RETURN_CHANNELS if policy.allows_return(c)]
    # closed_because is keyed by channel; "postal" may be closed for intake, return or both.
    closed = [
        {"label": label(c, intake), "reason": policy.closed_because[c]}
        for channels, allowed, intake in (
            (INTAKE_CHANNELS, policy.intake_channels, True),
            (RETURN_CHANNELS, policy.return_channels, False),
        )
        for c in channels
        if c in policy.closed_because and c not in allowed
    ]
    return {"intake": intake, "returns": returns, "closed": closed}


@register.inclusion_tag("campaigns/includes/procedure_campaigns.html")
def procedure_campaigns(procedure, desk=None):
    if procedure is None:
        return {"campaigns": [], "policy": None}
    campaigns = campaigns_for(procedure, desk)
    policy = effective_policy(procedure, desk)
    return {
        "procedure": procedure,
        "campaigns": _rows(campaigns),
        "policy": policy,
        "channels": _channels(policy) if campaigns else None,
        "online_opened": bool(campaigns) and policy.allows_intake("online") and procedure.level < 3,
    }
