"""Which campaign waives how much of one postal leg (api.md `postal_fee_waived_percent` and
`postal_fee_waived_scope`), as plain values: postal creates its orders by it (postal/waivers.py),
dossiers quotes it to the citizens it offers postal return (dossiers/campaign_rules.py).

`all` (the default): every leg created while the campaign is in force, in its scope. `switched` (seed 001,
Khánh Hòa 2964/UBND-KSTT: "Đối với những hồ sơ đã nộp cho cơ quan hành chính nhưng trước đó chưa đăng ký
nhận kết quả qua bưu chính công ích ... tạm thời chưa thu cước phí đối với các hồ sơ này"): only the return
leg of a dossier *filed* before the campaign started, that is submitted (`submitted_at`) before it, whether
or not the desk had accepted it yet, whose return was switched to the post during the campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Leg:
    kind: str  # pickup | return
    filed_at: datetime | None  # when the dossier was submitted (None: never)
    switched_at: tuple  # the moments the return was switched to the post


def scope_of(rules: dict) -> str:
    return rules.get("postal_fee_waived_scope") or "all"


def covers(rules: dict, starts_at, ends_at, leg: Leg) -> bool:
    """Whether a campaign's waiver applies to this leg."""
    if scope_of(rules) == "all":
        return True
    if leg.kind != "return" or leg.filed_at is None or leg.filed_at >= starts_at:
        return False
    return any(at >= starts_at and (ends_at is None or at < ends_at) for at in leg.switched_at)


def waiver_for(campaigns, leg: Leg):
    """(percent, campaign id) of the largest waiver of `campaigns` (CampaignRule values) that applies to
    `leg`; (0, None) when none does."""
    best = (0, None)
    for rule in campaigns:
        percent = int(rule.rules.get("postal_fee_waived_percent") or 0)
        if percent > best[0] and covers(rule.rules, rule.starts_at, rule.ends_at, leg):
            best = (percent, rule.id)
    return best
