"""The one door for every change of a campaign: create, edit, activate (schedule), end, and
the lifecycle sweep. Each change locks the row, writes a CampaignEvent (who, when, what
changed) beside django-simple-history's full snapshot, and sends the domain events of
campaigns/signals.py after commit. Also who may manage which campaigns, and the preview.

Lifecycle. `activate` turns a draft into scheduled (start ahead), active (start passed) or
straight to ended (the whole window is past: a historic record). The sweep moves scheduled
campaigns whose start has passed to active and active ones whose end has passed to ended,
comparing with now, so a missed tick loses nothing. `end` closes the window at that moment
(`ends_at` = now unless it is earlier). The effects on other apps' data (clock stops,
notifications, held results) are sent once the status is committed and marked done in
`start_effects_at` / `end_effects_at`; the sweep re-sends any that a crash left unmarked."""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import Conflict, Forbidden, RuleError
from portal.models import Agency, OneStopDesk, Procedure, Role

from . import signals
from .models import Campaign, CampaignEvent
from .policy import CampaignRule, policy_with, postal_fee, rule_from
from .rules import Invalid, clean_campaign

log = logging.getLogger("motcua.campaigns")
S = Campaign.Status
FIELDS = ("title", "legal_basis", "starts_at", "ends_at", "scope", "rules", "report_due")
EFFECTS_LOCK_SECONDS = 600


class CampaignInvalid(RuleError):
    """Bad scope or rules: every message at once, keyed by (dotted) field (HTTP 400)."""

    def __init__(self, errors):
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], first_field)
        self.errors = errors

    def as_dict(self):
        return self.errors


# --- who may -------------------------------------------------------------------------------


def is_manager(user):
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or (user.role == Role.PROVINCE_ADMIN and user.province_id is not None))
    )


def manageable(user, queryset=None):
    """The campaigns `user` may see and manage: a province admin's own province's."""
    queryset = Campaign.objects.all() if queryset is None else queryset
    if not is_manager(user):
        return queryset.none()
    return queryset if user.is_superuser else queryset.filter(province_id=user.province_id)


def require_manager(user):
    if not is_manager(user):
        raise Forbidden(_("Chỉ quản trị tỉnh được quản lý đợt áp dụng biện pháp."))


# --- audit ---------------------------------------------------------------------------------


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _record(campaign, user, action, from_status, note="", changes=None):
    return CampaignEvent.objects.create(
        campaign=campaign,
        at=timezone.now(),
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=campaign.status,
        note=note or "",
        changes=changes or {},
    )


def _locked(campaign):
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


# --- validation against the catalog --------------------------------------------------------


def _clean(province, starts_at, ends_at, scope, rules):
    try:
        scope, rules = clean_campaign(starts_at, ends_at, scope, rules)
    except Invalid as exc:
        raise CampaignInvalid(exc.errors)
    errors = {}
    checks = (
        ("agencies", Agency.objects.filter(province=province), "code", _("Không có cơ quan mã %(v)s trong tỉnh.")),
        ("desks", OneStopDesk.objects.filter(province=province), "pk", _("Không có Bộ phận Một cửa số %(v)s.")),
        ("procedures", Procedure.objects.filter(province=province), "code", _("Không có thủ tục mã %(v)s.")),
    )
    for axis, queryset, field, message in checks:
        wanted = scope.get(axis)
        if wanted:
            found = set(queryset.filter(**{f"{field}__in": wanted}).values_list(field, flat=True))
            missing = [str(v) for v in wanted if v not in found]
            if missing:
                errors[f"scope.{axis}"] = [message % {"v": ", ".join(missing)}]
    if errors:
        raise CampaignInvalid(errors)
    return scope, rules


def _require_text(value, field, message):
    if not (value or "").strip():
        raise RuleError(message, field)
    return value.strip()


# --- changes -------------------------------------------------------------------------------


def create_campaign(
    user, province, *, title, legal_basis, starts_at, ends_at=None, scope=None, rules=None, report_due=None
):
    """A new draft of `province` (nothing applies until it is activated)."""
    title = _require_text(title, "title", _("Vui lòng nhập tên đợt."))
    legal_basis = _require_text(legal_basis, "legal_basis", _("Vui lòng nhập căn cứ (số, ngày văn bản)."))
    scope, rules = _clean(province, starts_at, ends_at, scope, rules)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            province=province,
            title=title,
            legal_basis=legal_basis,
            starts_at=starts_at,
            ends_at=ends_at,
            scope=scope,
            rules=rules,
            report_due=report_due,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        _record(campaign, user, "create", "", changes={f: [None, _plain(getattr(campaign, f))] for f in FIELDS})
    return campaign


def update_campaign(campaign, user, **fields):
    """Edit a draft, scheduled or active campaign (an ended one is history). An active
    campaign's edit applies at once to new decisions; its start cannot move, and its end
    cannot be set in the past (use `end`)."""
    fields = {k: v for k, v in fields.items() if k in FIELDS}
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status == S.ENDED:
            raise Conflict(_("Đợt đã kết thúc, không thể sửa."))
        now = timezone.now()
        values = {f: fields.get(f, getattr(campaign, f)) for f in FIELDS}
        if "title" in fields:
            values["title"] = _require_text(values["title"], "title", _("Vui lòng nhập tên đợt."))
        if "legal_basis" in fields:
            values["legal_basis"] = _require_text(
                values["legal_basis"], "legal_basis", _("Vui lòng nhập căn cứ (số, ngày văn bản).")
            )
        if campaign.status == S.ACTIVE:
            if values["starts_at"] != campaign.starts_at:
                raise RuleError(_("Không thể đổi thời điểm bắt đầu của đợt đang áp dụng."), "starts_at")
            if values["ends_at"] is not None and values["ends_at"] <= now:
                raise RuleError(_("Để kết thúc đợt ngay, hãy dùng thao tác Kết thúc."), "ends_at")
        values["scope"], values["rules"] = _clean(
            campaign.province, values["starts_at"], values["ends_at"], values["scope"], values["rules"]
        )
        changes = {
            f: [_plain(getattr(campaign, f)), _plain(values[f])] for f in FIELDS if getattr(campaign, f) != values[f]
        }
        if not changes:
            return campaign
        for name, value in values.items():
            setattr(campaign, name, value)
        if "report_due" in changes:
            campaign.report_reminded_at = None  # a new due day is reminded again
        campaign.save()
        _record(campaign, user, "update", campaign.status, changes=changes)
        if campaign.status == S.ACTIVE:
            rule = rule_from(campaign)
            transaction.on_commit(
                lambda: signals.campaign_changed.send(
                    sender=Campaign, campaign_id=rule.id, campaign=rule, changes=changes
                ),
                robust=True,
            )
        elif campaign.status == S.SCHEDULED:
            _advance(campaign, now, user)
    return campaign


def _target(campaign, now):
    if now < campaign.starts_at:
        return S.SCHEDULED
    if campaign.ends_at is not None and now >= campaign.ends_at:
        return S.ENDED
    return S.ACTIVE


def _advance(campaign, now, user=None, action=None):
    """Move a (locked) campaign to the status its window gives now; effects after commit."""
    target = _target(campaign, now)
    if target == campaign.status:
        return False
    from_status = campaign.status
    campaign.status = target
    campaign.save(update_fields=["status", "updated_at"])
    default = {S.SCHEDULED: "schedule", S.ACTIVE: "start", S.ENDED: "end"}[target]
    _record(campaign, user, action or default, from_status)
    campaign_id = campaign.pk
    transaction.on_commit(lambda: apply_effects(campaign_id), robust=True)
    return True


def activate(campaign, user):
    """Kích hoạt: a draft becomes scheduled, or active if its start has passed."""
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status != S.DRAFT:
            raise Conflict(_("Chỉ kích hoạt được đợt đang ở trạng thái bản nháp."))
        _advance(campaign, timezone.now(), user, action="activate")
    return campaign


def end(campaign, user, note="", at=None):
    """Kết thúc: close the window now (an open-ended campaign, "until declared over", or an
    early end). `at` lets the demo record a historic end; the API always uses now."""
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status not in (S.SCHEDULED, S.ACTIVE):
            raise Conflict(_("Chỉ kết thúc được đợt đã lên lịch hoặc đang áp dụng."))
        moment = at or timezone.now()
        changes = {}
        if campaign.ends_at is None or campaign.ends_at > moment:
            new_end = max(moment, campaign.starts_at)
            changes["ends_at"] = [_plain(campaign.ends_at), _plain(new_end)]
            campaign.ends_at = new_end
        from_status = campaign.status
        campaign.status = S.ENDED
        campaign.save(update_fields=["status", "ends_at", "updated_at"])
        _record(campaign, user, "end", from_status, note, changes=changes)
        campaign_id = campaign.pk
        transaction.on_commit(lambda: apply_effects(campaign_id), robust=True)
    return campaign


# --- effects and the sweep -----------------------------------------------------------------


def apply_effects(campaign_id):
    """Send campaign_started / campaign_ended for what the campaign's status now calls for
    and has not been marked done. Receivers are idempotent; a cache lock keeps two
    processes from applying the same campaign at once."""
    lock = f"motcua:campaign-effects:{campaign_id}"
    if not cache.add(lock, 1, timeout=EFFECTS_LOCK_SECONDS):
        return []
    sent = []
    try:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None or campaign.status in (S.DRAFT, S.SCHEDULED):
            return sent
        rule = rule_from(campaign)
        if campaign.start_effects_at is None:
            # A campaign ended before its start was never in force: nothing to apply.
            if campaign.ends_at is None or campaign.starts_at < campaign.ends_at:
                signals.campaign_started.send(sender=Campaign, campaign_id=campaign.pk, campaign=rule)
                sent.append("started")
            _mark(campaign, "start_effects_at", "effects_started")
        if campaign.status == S.ENDED and campaign.end_effects_at is None:
            signals.campaign_ended.send(sender=Campaign, campaign_id=campaign.pk, campaign=rule)
            _mark(campaign, "end_effects_at", "effects_ended")
            sent.append("ended")
    finally:
        cache.delete(lock)
    return sent


def _mark(campaign, field, action):
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(**{field: now})
    setattr(campaign, field, now)
    CampaignEvent.objects.create(
        campaign=campaign, at=now, action=action, from_status=campaign.status, to_status=campaign.status
    )


def sweep(now=None):
    """Activate what is due, end what is over, then apply any effects not yet applied.
    Idempotent: a second run at the same moment changes nothing."""
    now = now or timezone.now()
    moved = 0
    due = Campaign.objects.filter(status=S.SCHEDULED, starts_at__lte=now) | Campaign.objects.filter(
        status=S.ACTIVE, ends_at__lte=now
    )
    for campaign_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update(skip_locked=True).filter(pk=campaign_id).first()
            if campaign is not None and campaign.status in (S.SCHEDULED, S.ACTIVE):
                moved += _advance(campaign, now)
    pending = Campaign.objects.filter(status__in=(S.ACTIVE, S.ENDED), start_effects_at__isnull=True) | (
        Campaign.objects.filter(status=S.ENDED, end_effects_at__isnull=True)
    )
    applied = 0
    for campaign_id in pending.values_list("pk", flat=True).distinct():
        try:
            applied += bool(apply_effects(campaign_id))
        except Exception:  # one campaign's failure must not stop the others; retried next tick
            log.exception("campaign %s: applying effects failed", campaign_id)
    return {"moved": moved, "applied": applied}


# --- preview -------------------------------------------------------------------------------


def _diff(before, after):
    keys = (
        "intake_channels",
        "return_channels",
        "online_payment",
        "postal_fee_waived_percent",
        "pickup_sla_hours",
        "return_sla_hours",
        "walk_in_capacity_per_session",
        "hold_other_returns",
        "clock_paused_until",
    )
    a, b = before.as_dict(), after.as_dict()
    return {k: [a[k], b[k]] for k in keys if a[k] != b[k]}


def waived_amount(fee, percent):
    """The part of `fee` (đồng) a `percent`% waiver covers, half rounded up (as postal/fees.py)."""
    amount = (Decimal(int(fee)) * Decimal(int(percent or 0)) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, min(int(fee), int(amount)))


def _fee_rows(procedure, desk, at, before, after):
    """Each postal leg whose charged fee the campaign changes: tariff, charged before → after."""
    if before.postal_fee_waived_percent == after.postal_fee_waived_percent:
        return []
    rows = []
    for leg, tariff in postal_fee(procedure, desk, at, policy=after).items():
        if tariff is None:
            continue
        charged = [tariff - waived_amount(tariff, p.postal_fee_waived_percent) for p in (before, after)]
        if charged[0] != charged[1]:
            rows.append(
                {
                    "code": procedure.code,
                    "name": procedure.name,
                    "desk": desk,
                    "leg": leg,
                    "tariff": tariff,
                    "waived_percent": [before.postal_fee_waived_percent, after.postal_fee_waived_percent],
                    "charged": charged,
                    "subsidy_budget": after.subsidy_budget,
                }
            )
    return rows


def procedure_policies(campaign, procedure, desk=None, at=None):
    """(without, with): the policy of one procedure at `at` without and with this campaign."""
    at = at or timezone.now()
    rule = rule_from(campaign)
    # As if activated: only the window counts (a draft too), never the status.
    inside = rule.starts_at <= at and (rule.ends_at is None or at < rule.ends_at)
    return policy_with(procedure, desk, at, rule, include=False), policy_with(procedure, desk, at, rule, include=inside)


def _policies(campaign, rule, at):
    """(procedure, desk id or None, policy without, policy with the campaign) for every active
    procedure of the campaign's province, at each desk of its scope (or desk-less)."""
    desks = sorted(rule.scope.desks) if rule.scope.desks is not None else [None]
    procedures = Procedure.objects.filter(province_id=campaign.province_id, active=True).select_related("agency")
    for procedure in procedures.order_by("code"):
        for desk in desks:
            yield (
                procedure,
                desk,
                policy_with(procedure, desk, at, rule, include=False),
                policy_with(procedure, desk, at, rule, include=True),
            )


def stranded(campaign, at=None):
    """The procedures the campaign would leave with no intake channel or no return channel at
    `at` (default: its start, or now if later), which had one without it: what its activation
    must be confirmed against. Each a dict: code, name, desk (id or None), no_intake, no_return."""
    at = at or max(timezone.now(), campaign.starts_at)
    rows = []
    for procedure, desk, before, after in _policies(campaign, rule_from(campaign), at):
        no_intake = bool(before.intake_channels) and not after.intake_channels
        no_return = bool(before.return_channels) and not after.return_channels
        if no_intake or no_return:
            rows.append(
                {
                    "code": procedure.code,
                    "name": procedure.name,
                    "desk": desk,
                    "no_intake": no_intake,
                    "no_return": no_return,
                }
            )
    return rows


def preview(campaign, at=None, limit=200):
    """What the campaign would change at `at` (default: its start, or now if later): the
    procedures whose channels, postal waiver or SLAs change, the postal fees whose charged
    amount changes (the tariffs from the quoter postal registers), and (from the receivers of
    campaign_preview) the dossiers whose clocks would stop and the results that would be
    held. Counts are exact; each list shows at most `limit` rows."""
    at = at or max(timezone.now(), campaign.starts_at)
    rule: CampaignRule = rule_from(campaign)
    changed, fees = [], []
    for procedure, desk, before, after in _policies(campaign, rule, at):
        diff = _diff(before, after)
        if diff:
            changed.append({"code": procedure.code, "name": procedure.name, "desk": desk, "changes": diff})
            fees += _fee_rows(procedure, desk, at, before, after)
    sections = {
        "procedures": {"count": len(changed), "items": changed[:limit]},
        "fees": {"count": len(fees), "items": fees[:limit]},
    }
    for _receiver, response in signals.campaign_preview.send(sender=Campaign, campaign=rule, at=at, limit=limit):
        sections.update(response or {})
    return {
        "campaign": campaign.pk,
        "at": at,
        "counts": {name: section["count"] for name, section in sections.items()},
        **{name: section["items"] for name, section in sections.items()},
    }


def records(campaign, limit=200):
    """What happened under the campaign in other apps (campaign_records), e.g. the urgent
    exceptions granted while walk-in was suspended."""
    sections = {}
    rule = rule_from(campaign)
    for _receiver, response in signals.campaign_records.send(sender=Campaign, campaign=rule, limit=limit):
        sections.update(response or {})
    return sections
