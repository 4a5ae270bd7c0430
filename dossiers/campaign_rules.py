"""What a campaign does to dossiers, applied here (beside the data it changes) and reading
the campaign as plain data (`campaigns.policy.CampaignRule`). Connected to the signals of
campaigns/signals.py and dossiers/events.py when this module is imported (DossiersConfig.ready).

- Clock stop (`clock_stop_until`, seed 001 Khánh Hòa "tạm thời dừng tính thời gian đến hết
  ngày 15/4/2020"): every open dossier of an in-scope procedure with field verification gets
  one `ClockPause(kind="campaign", campaign_id)` from the campaign's start (or its acceptance,
  if later) to the end of that day (midnight after it, local time: the whole day whatever
  the desk's hours), or to the campaign's end if that comes first; `due_at` is recomputed.
  Dossiers accepted during the stop get theirs from their acceptance. The one retroactive
  rule: applied however late the campaign is recorded, re-synced when an active campaign is
  edited (moved, extended or removed), cut short when the campaign ends early.
- Held results: at the start, ready results (completed) whose return channel the policy no
  longer allows are held when a campaign holds them (services.hold_result); whenever a
  campaign ends or changes, every held result of the province whose policy no longer holds
  it is released (`services.release_held`, which notifies the citizen). Overlapping campaigns
  that still hold keep it held. An urgent exception with a desk return is never held.
- Start notification (`notify_on_start`, seed 000 "gửi tin nhắn SMS"): one message per open
  dossier in scope, keyed by the campaign id (sent once however often the start is applied).
- Postal return offer (seeds 001, 003): citizens whose result is ready (or, when the
  campaign waives the postal fee, whose dossier is still open) and whose return is not
  postal are told they may switch to postal return, with a link to their dossier.
  Notifications are only sent while the campaign is in force (not for a historic record).
- Preview: what a campaign would pause and hold (campaigns.signals.campaign_preview).
- Records: the urgent exceptions granted in the campaign's province during its window, on
  dossiers in its scope (seed 003 "danh sách"; campaigns.signals.campaign_records)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns import signals as campaign_signals
from campaigns.policy import CampaignRule, campaigns_for, effective_policy, facts_of, policy_with
from campaigns.waivers import Leg, waiver_for

from . import events, services
from .models import CLOCK_STATUSES, OPEN_STATUSES, ClockPause, Dossier, ReturnChannel, Status

log = logging.getLogger("motcua.dossiers")
RETURN_RULES = (
    "notify_on_start",
    "hold_other_returns",
    "walk_in_suspended",
    "return_channels",
    "open_online_and_postal",
    "postal_fee_waived_percent",
)


def scope_q(rule: CampaignRule) -> Q:
    """The campaign's scope as a filter on dossiers (by their procedure and desk)."""
    scope = rule.scope
    q = Q(province_id=rule.province_id)
    if scope.levels is not None:
        q &= Q(procedure__level__in=scope.levels)
    if scope.sectors is not None:
        sectors = Q()
        for sector in rule.raw_scope.get("sectors") or ():
            sectors |= Q(procedure__sector__iexact=sector)
        q &= sectors
    if scope.agencies is not None:
        q &= Q(procedure__agency__code__in=scope.agencies)
    if scope.desks is not None:
        q &= Q(desk_id__in=scope.desks)
    if scope.procedures is not None:
        q &= Q(procedure__code__in=scope.procedures)
    if scope.exclude_in_person_only:
        q &= Q(procedure__in_person_only=False)
    return q


def _covers(rule, dossier):
    return rule.covers(facts_of(dossier.procedure), dossier.desk_id)


def switched_now(dossier):
    """The return leg of `dossier` as it would be if its return were switched to the post now."""
    return Leg("return", dossier.submitted_at, (timezone.now(),))


def _each(queryset):
    """Dossiers one by one (ids first, so each is handled in its own short transaction)."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        yield from (
            Dossier.objects.filter(pk__in=ids[start : start + 500])
            .select_related("procedure__agency", "desk", "owner")  # owner: the SMS rule (notifications.sms_recipient)
            .order_by("pk")
        )


# --- the clock stop ------------------------------------------------------------------------


def _stop_window(rule, dossier):
    end = rule.clock_stop_ends_at
    if end is None or dossier.received_at is None or not dossier.procedure.field_verification:
        return None
    if not _covers(rule, dossier):
        return None
    start = max(rule.starts_at, dossier.received_at)
    return (start, end) if end > start else None


def apply_clock_stop(rule: CampaignRule, dossier) -> bool:
    """Create, move or remove this campaign's pause on one dossier; True if it changed."""
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure__agency", "desk")
            .get(pk=dossier.pk)
        )
        window = _stop_window(rule, dossier)
        existing = ClockPause.objects.filter(dossier=dossier, kind=ClockPause.Kind.CAMPAIGN, campaign_id=rule.id)
        current = existing.first()
        if window is None:
            if current is None:
                return False
            existing.delete()
            note = _("Bỏ dừng tính thời hạn theo “%(title)s”.") % {"title": rule.title}
        elif current is not None and (current.started_at, current.ended_at) == window:
            return False
        else:
            if current is None:
                ClockPause.objects.create(
                    dossier=dossier,
                    kind=ClockPause.Kind.CAMPAIGN,
                    campaign_id=rule.id,
                    started_at=window[0],
                    ended_at=window[1],
                    reason=rule.reason(),
                )
            else:
                existing.update(started_at=window[0], ended_at=window[1])
            until = date_format(timezone.localtime(window[1]), "H:i d/m/Y")
            note = _("Dừng tính thời hạn đến %(until)s theo “%(title)s” (%(basis)s).") % {
                "until": until,
                "title": rule.title,
                "basis": rule.legal_basis,
            }
        dossier = services.recompute_clock(dossier)
        services.record_event(
            dossier,
            None,
            "campaign_clock_stop",
            note,
            locked=True,  # read with select_for_update at the top of this transaction
            campaign=rule.id,
            until=window[1].isoformat() if window else None,
            due_at=dossier.due_at.isoformat() if dossier.due_at else None,
        )
    return True


def sync_clock_stops(rule: CampaignRule) -> int:
    """Every running dossier in scope (and every one already paused by this campaign)."""
    running = Dossier.objects.filter(status__in=CLOCK_STATUSES, received_at__isnull=False)
    candidates = running.filter(pauses__kind=ClockPause.Kind.CAMPAIGN, pauses__campaign_id=rule.id)
    if rule.clock_stop_ends_at is not None:
        candidates = candidates | running.filter(
            scope_q(rule), procedure__field_verification=True, received_at__lt=rule.clock_stop_ends_at
        )
    return sum(apply_clock_stop(rule, dossier) for dossier in _each(candidates.distinct()))


def pause_on_accept(dossier) -> int:
    """A dossier accepted while a clock stop is in force pauses from its acceptance."""
    if dossier.received_at is None or not dossier.procedure.field_verification:
        return 0
    rules = campaigns_for(dossier.procedure, dossier.desk, dossier.received_at)
    return sum(apply_clock_stop(rule, dossier) for rule in rules if rule.clock_stop_until)


# --- held results --------------------------------------------------------------------------


def _holds(dossier, policy):
    if services.has_exception(dossier) and dossier.return_channel == ReturnChannel.DESK:
        return False
    return policy.hold_other_returns and not policy.allows_return(dossier.return_channel)


def hold_ready_results(rule: CampaignRule) -> int:
    """Ready results whose return the policy now holds (services.hold_result)."""
    hold = getattr(services, "hold_result", None)
    if hold is None or not rule.rules.get("hold_other_returns") or not rule.in_force(timezone.now()):
        return 0
    held = 0
    for dossier in _each(Dossier.objects.filter(scope_q(rule), status=Status.COMPLETED)):
        if _holds(dossier, effective_policy(dossier.procedure, dossier.desk)):
            try:
                hold(dossier, None, _("Kết quả được lưu giữ theo “%(title)s”.") % {"title": rule.title})
            except services.TransitionNotAllowed:  # returned or switched meanwhile
                continue
            held += 1
    return held


def release_results(rule: CampaignRule) -> int:
    """Release every held result of the province that no campaign holds any more."""
    released = 0
    note = _("Kết thúc hoặc thay đổi “%(title)s”: kết quả được trả theo hình thức đã đăng ký.") % {"title": rule.title}
    for dossier in _each(Dossier.objects.filter(province_id=rule.province_id, status=Status.RESULT_HELD)):
        if not _holds(dossier, effective_policy(dossier.procedure, dossier.desk)):
            try:
                services.release_held(dossier, None, note)
                released += 1
            except services.TransitionNotAllowed:  # released meanwhile by a switch of return channel
                continue
    return released


# --- notifications -------------------------------------------------------------------------


def _dossier_url(code):
    """The citizen's dossier page, at its form to switch the return channel (with the address)."""
    try:
        path = reverse("dossiers:detail", kwargs={"code": code})
    except NoReverseMatch:
        path = f"/ho-so/{code}/"
    return settings.SITE_URL.rstrip("/") + path + "#switch-title"


def notify_start(rule: CampaignRule) -> int:
    from .notifications import notify_applicant

    if not rule.rules.get("notify_on_start") or not rule.in_force(timezone.now()):
        return 0
    sent = 0
    start = date_format(timezone.localtime(rule.starts_at), "d/m/Y")
    for dossier in _each(Dossier.objects.filter(scope_q(rule), status__in=OPEN_STATUSES)):
        if not _covers(rule, dossier):
            continue
        subject = _("Thông báo về hồ sơ %(code)s: %(title)s") % {"code": dossier.code, "title": rule.title}
        body = _("Hồ sơ %(code)s: từ %(start)s áp dụng “%(title)s” (%(basis)s).") % {
            "code": dossier.code,
            "start": start,
            "title": rule.title,
            "basis": rule.legal_basis,
        }
        if rule.rules.get("notice"):
            body += " " + rule.rules["notice"]
        if rule.rules.get("hotline"):
            body += " " + _("Đường dây nóng: %(h)s.") % {"h": rule.rules["hotline"]}
        sent += bool(notify_applicant(dossier, "campaign_started", key=f"campaign-{rule.id}", text=(subject, body)))
    return sent


def offer_postal_return(rule: CampaignRule) -> int:
    from .notifications import notify_applicant

    if not any(rule.rules.get(key) for key in RETURN_RULES) or not rule.in_force(timezone.now()):
        return 0
    statuses = [Status.COMPLETED, Status.RESULT_HELD]
    if rule.rules.get("postal_fee_waived_percent"):
        statuses += list(OPEN_STATUSES)
    queryset = Dossier.objects.filter(scope_q(rule), status__in=statuses).exclude(return_channel=ReturnChannel.POSTAL)
    sent = 0
    for dossier in _each(queryset):
        policy = effective_policy(dossier.procedure, dossier.desk)
        if not _covers(rule, dossier) or not policy.allows_return(ReturnChannel.POSTAL):
            continue
        subject = _("Nhận kết quả hồ sơ %(code)s qua bưu chính công ích") % {"code": dossier.code}
        body = _("Hồ sơ %(code)s: theo “%(title)s”, bạn có thể đăng ký nhận kết quả tại nhà qua bưu chính công ích")
        body = body % {"code": dossier.code, "title": rule.title}
        # Quote only the waiver this dossier would get if switched now: a waiver of scope `switched` (seed 001)
        # covers only dossiers filed before its campaign (one activated after its start reaches later ones).
        percent, _campaign = waiver_for(campaigns_for(dossier.procedure, dossier.desk), switched_now(dossier))
        if percent:
            body += _(" (miễn, giảm %(p)s%% cước)") % {"p": percent}
        body += ": " + _dossier_url(dossier.code)
        sent += bool(
            notify_applicant(dossier, "campaign_postal_offer", key=f"campaign-{rule.id}", text=(subject, body))
        )
    return sent


# --- receivers -----------------------------------------------------------------------------


@receiver(campaign_signals.campaign_started, dispatch_uid="dossiers.campaign_started")
def _on_started(sender, campaign, **kwargs):
    sync_clock_stops(campaign)
    hold_ready_results(campaign)
    notify_start(campaign)
    offer_postal_return(campaign)


@receiver(campaign_signals.campaign_ended, dispatch_uid="dossiers.campaign_ended")
def _on_ended(sender, campaign, **kwargs):
    sync_clock_stops(campaign)
    release_results(campaign)


@receiver(campaign_signals.campaign_changed, dispatch_uid="dossiers.campaign_changed")
def _on_changed(sender, campaign, **kwargs):
    sync_clock_stops(campaign)
    release_results(campaign)
    hold_ready_results(campaign)


@receiver(events.dossier_accepted, dispatch_uid="dossiers.campaign_pause_on_accept")
def _on_accepted(sender, dossier_id, **kwargs):
    dossier = Dossier.objects.select_related("procedure__agency", "desk").filter(pk=dossier_id).first()
    if dossier is not None:
        pause_on_accept(dossier)


# --- preview -------------------------------------------------------------------------------


@receiver(campaign_signals.campaign_preview, dispatch_uid="dossiers.campaign_preview")
def _preview(sender, campaign, at, limit=200, **kwargs):
    rule = campaign
    paused = []
    end = rule.clock_stop_ends_at
    if end is not None and end > rule.starts_at:
        running = Dossier.objects.filter(
            scope_q(rule),
            status__in=CLOCK_STATUSES,
            received_at__isnull=False,
            received_at__lt=end,
            procedure__field_verification=True,
        ).select_related("procedure__agency")
        for dossier in running.order_by("received_at", "pk"):
            if _covers(rule, dossier):
                start = max(rule.starts_at, dossier.received_at)
                paused.append(
                    {"code": dossier.code, "due_at": dossier.due_at, "paused_from": start, "paused_until": end}
                )
    held = []
    candidates = Dossier.objects.filter(scope_q(rule), status__in=[*OPEN_STATUSES, Status.COMPLETED])
    policies = {}
    for dossier in candidates.select_related("procedure__agency", "desk").order_by("pk"):
        key = (dossier.procedure_id, dossier.desk_id)
        if key not in policies:
            policies[key] = policy_with(dossier.procedure, dossier.desk, at, rule, include=True)
        if _holds(dossier, policies[key]):
            held.append({"code": dossier.code, "status": dossier.status, "return_channel": dossier.return_channel})
    return {
        "dossiers_paused": {"count": len(paused), "items": paused[:limit]},
        "results_held": {"count": len(held), "items": held[:limit]},
    }


# --- records -------------------------------------------------------------------------------


@receiver(campaign_signals.campaign_records, dispatch_uid="dossiers.campaign_records")
def _records(sender, campaign, limit=200, **kwargs):
    from .models import DossierEvent

    rule = campaign
    if not rule.rules.get("walk_in_suspended"):
        return {}
    granted = DossierEvent.objects.filter(
        action="grant_exception", at__gte=rule.starts_at, dossier__province_id=rule.province_id
    )
    if rule.ends_at is not None:
        granted = granted.filter(at__lt=rule.ends_at)
    items = [
        {
            "at": event.at,
            "code": event.dossier.code,
            "applicant": event.dossier.applicant_name,
            "procedure": event.dossier.procedure.code,
            "procedure_name": event.dossier.procedure.name,
            "reason": event.note,
            # Who asked and when (an officer's request, or the head's own grant), who approved and when.
            "requested_by": (event.data or {}).get("requested_by") or (str(event.actor) if event.actor else ""),
            "requested_at": _moment((event.data or {}).get("requested_at")) or event.at,
            "approved_by": (event.data or {}).get("approved_by", ""),
            "approved_at": event.at,
            "officer": str(event.actor) if event.actor else "",
        }
        for event in granted.select_related("dossier__procedure__agency", "actor").order_by("at", "pk")
        if _covers(rule, event.dossier)
    ]
    return {"exceptions": {"count": len(items), "items": items[:limit]}}


def _moment(text):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(text) if text else None
