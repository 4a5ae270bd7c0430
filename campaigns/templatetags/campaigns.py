"""{% load campaigns %}

{% active_campaigns desk %}   the rules in force now at a desk (officers' queues, the desk page)
{% procedure_campaigns procedure desk %}   the campaigns in force for a procedure (procedure pages,
                                           receipts): notices, hotlines and what they change
"""

from django import template

from ..policy import campaigns_for, desk_campaigns, effective_policy
from ..rules import describe, describe_scope

register = template.Library()


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
def active_campaigns(desk):
    return {"campaigns": _rows(desk_campaigns(desk)) if desk else [], "desk": desk}


@register.inclusion_tag("campaigns/includes/procedure_campaigns.html")
def procedure_campaigns(procedure, desk=None):
    if procedure is None:
        return {"campaigns": [], "policy": None}
    return {"campaigns": _rows(campaigns_for(procedure, desk)), "policy": effective_policy(procedure, desk)}
