"""The waiver of one postal order: campaigns.waivers decides (the scope `all` or `switched`, seed 001, a
dossier filed, i.e. submitted, before the campaign); this module reads the dossier's facts for
postal.services.create_order."""

from __future__ import annotations

from campaigns.waivers import Leg, waiver_for


def switched_to_post(dossier):
    """The moments the dossier's return was switched to the post (its `switch_return` events)."""
    events = dossier.events.filter(action="switch_return", data__to="postal").values_list("at", flat=True)
    return tuple(events)


def for_order(dossier, kind, at):
    """(percent, campaign id) for a leg of `dossier` created at `at`."""
    from campaigns.policy import campaigns_for

    campaigns = campaigns_for(dossier.procedure, dossier.desk, at)
    if not any(rule.rules.get("postal_fee_waived_percent") for rule in campaigns):
        return 0, None
    return waiver_for(campaigns, Leg(kind, dossier.submitted_at, switched_to_post(dossier)))
