"""The public procedure page's channels (portal.views.procedure_channels asks here: portal sits
below campaigns, so campaigns registers `channels_of` in CampaignsConfig.ready): the *effective*
policy now (`effective_policy`, not the catalog's flags), each closed channel with the reason the
campaign gave, the post's fee of each leg with the campaign's waiver, and whether online
submission is open. `intake`, `result`: rows of key, label, available, reason (the intake's
walk-in row keeps the page's key "desk"); `postal_fees`: rows of leg, label, tariff, waived,
charged; `waived_percent`, `hold_other_returns`, `online_open`, `in_campaign`.

The fee rows are what a new applicant pays: the tariff less the waiver every leg gets (the campaigns of
waiver scope `all`). A larger waiver limited to seed 001's "these cases" (scope `switched`: the return of a
dossier filed before the campaign and switched to the post during it) is never shown as a new applicant's
price: `switched_waiver` says it apart, with whom it covers (`percent`, `since` the campaign's start,
`tariff` and `charged` of the return leg)."""

from datetime import time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.calendar import VN_TZ

from .policy import campaigns_for, effective_policy, postal_fee
from .rules import INTAKE_CHANNELS, RETURN_CHANNELS
from .services import waived_amount
from .waivers import scope_of as waiver_scope

INTAKE_LABELS = {
    "online": _("Nộp trực tuyến trên Cổng"),
    "postal": _("Gửi hồ sơ qua bưu chính công ích"),
    "walk_in": _("Nộp trực tiếp tại Bộ phận Một cửa"),
}
RETURN_LABELS = {
    "desk": _("Nhận trực tiếp tại Bộ phận Một cửa"),
    "postal": _("Nhận qua bưu chính công ích tại địa chỉ"),
    "online": _("Nhận bản điện tử trên Cổng"),
}
# The page's own key of a channel where it differs (its intake list says "desk" for walk-in).
PAGE_KEYS = {"walk_in": "desk"}
LEG_LABELS = {
    "pickup": _("Bưu điện nhận hồ sơ tại nhà"),
    "return": _("Bưu điện chuyển trả kết quả tại nhà"),
}


def _short_reasons(procedure, at, closed_because):
    """channel → "Theo “<campaign title>”": the page's channel list names the campaign that closed
    the channel; its full reason and notice are in the campaigns' block of the same page."""
    titles = {c.reason(): c.title for c in campaigns_for(procedure, None, at)}
    return {
        channel: (_("Theo “%(title)s”") % {"title": titles[text]}) if text in titles else text
        for channel, text in closed_because.items()
    }


def _rows(channels, labels, allows, reasons):
    return [
        {
            "key": PAGE_KEYS.get(channel, channel),
            "label": str(labels[channel]),
            "available": allows(channel),
            "reason": "" if allows(channel) else reasons.get(channel, ""),
        }
        for channel in channels
    ]


def _switched_waiver(procedure, at, percent, tariff):
    """The waiver of scope `switched` (seed 001) as the page states it: for which dossiers, since when."""
    starts = [
        c.starts_at
        for c in campaigns_for(procedure, None, at)
        if waiver_scope(c.rules) == "switched" and (c.rules.get("postal_fee_waived_percent") or 0) == percent
    ]
    if not starts:
        return None
    waived = waived_amount(tariff, percent)
    start = timezone.localtime(min(starts), VN_TZ)
    day = start.strftime("%d/%m/%Y")
    if start.time() == time(0):
        since = _("ngày %(day)s") % {"day": day}
    else:
        since = _("%(time)s ngày %(day)s") % {"time": start.strftime("%H:%M"), "day": day}
    return {"percent": percent, "since": since, "tariff": tariff, "charged": tariff - waived}


def channels_of(procedure, at=None):
    """The channels of `procedure` at `at` (default now) as the public page shows them."""
    policy = effective_policy(procedure, None, at)
    postal_open = policy.allows_intake("postal") or policy.allows_return("postal")
    fees = postal_fee(procedure, None, at, policy=policy) if postal_open else {}
    percent = policy.postal_fee_waived_percent_every_leg or 0
    postal_fees = []
    for leg in ("pickup", "return"):
        tariff = fees.get(leg)
        if tariff is None:
            continue
        waived = waived_amount(tariff, percent)
        postal_fees.append(
            {"leg": leg, "label": str(LEG_LABELS[leg]), "tariff": tariff, "waived": waived, "charged": tariff - waived}
        )
    reasons = _short_reasons(procedure, at, policy.closed_because) if policy.closed_because else {}
    switched = None
    if policy.postal_fee_waived_percent > percent and fees.get("return") is not None:
        switched = _switched_waiver(procedure, at, policy.postal_fee_waived_percent, fees["return"])
    return {
        "intake": _rows(INTAKE_CHANNELS, INTAKE_LABELS, policy.allows_intake, reasons),
        "result": _rows(RETURN_CHANNELS, RETURN_LABELS, policy.allows_return, reasons),
        "postal_fees": postal_fees,
        "waived_percent": percent,
        "switched_waiver": switched,
        "hold_other_returns": policy.hold_other_returns,
        "online_open": bool(procedure.active) and policy.allows_intake("online"),
        "notices": list(policy.notices),
        "in_campaign": bool(policy.campaigns),
    }
