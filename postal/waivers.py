"""Which campaign waives how much of one postal leg (api.md `postal_fee_waived_percent` and
`postal_fee_waived_scope`).

`all` (the default): every leg created while the campaign is in force, in its scope. `switched` (seed 001,
Khánh Hòa 2964/UBND-KSTT "tạm thời chưa thu cước phí đối với các hồ sơ này"): only the return leg of a
dossier received before the campaign started whose return was switched to the post during it.
`waiver_for` is pure (plain values); `for_order` reads the dossier's facts for postal.services.create_order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Leg:
    kind: str  # pickup | return
    received_at: datetime | None
    switched_at: tuple  # the moments the return was switched to the post


def covers(rule_values: dict, starts_at, ends_at, leg: Leg) -> bool:
    """Whether a campaign's waiver applies to this leg."""
    if (rule_values.get("postal_fee_waived_scope") or "all") == "all":
        return True
    if leg.kind != "return" or leg.received_at is None or leg.received_at >= starts_at:
        return False
    return any(at >= starts_at and (ends_at is None or at < ends_at) for at in leg.switched_at)


def waiver_for(campaigns, leg: Leg):
    """(percent, campaign id) of the largest waiver that applies; (0, None) when none does."""
    best = (0, None)
    for rule in campaigns:
        percent = int(rule.rules.get("postal_fee_waived_percent") or 0)
        if percent > best[0] and covers(rule.rules, rule.starts_at, rule.ends_at, leg):
            best = (percent, rule.id)
    return best


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
    return waiver_for(campaigns, Leg(kind, dossier.received_at, switched_to_post(dossier)))
