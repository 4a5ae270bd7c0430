"""The effective policy for (procedure, desk, moment): which intake and return channels are
open, postal fee waiver, postal SLA hours, walk-in capacity, clock stop, notices.
Dossiers and postal decide through `effective_policy` alone.

The procedure's own flags give the baseline:
- intake: online from level 3 up; postal when the procedure allows it; walk-in always;
  in-person-only procedures accept walk-in only;
- return: at the desk always; by post when the procedure allows it; online at level 4;
- online payment at level 4.

Which campaigns count. A campaign of the procedure's province counts at moment `at` when
it is not a draft and `starts_at <= at < ends_at` (ends_at null = until ended), whatever its
status says: the resolver reads windows, so a scheduled campaign whose start the sweep has
not yet seen already counts, an ended one still counts for moments inside its window
(replaying history, previews, a dossier's timeline), and ending a campaign early sets its
`ends_at` to that moment. It must also be in scope: every scope axis that is not null
(levels, sectors, agencies by code, desks by id, procedures by code) contains the
procedure (or desk), and `exclude_in_person_only` leaves out in-person-only procedures.
Asked without a desk (a procedure page), campaigns limited to some desks do not count.

How overlapping campaigns combine (`combine`, a pure function over plain values), in
order of start (then id):
1. Opening first: `open_online_and_postal` adds online and postal intake, postal return
   and online payment, except for in-person-only procedures.
2. Then the most restrictive channels: each `intake_channels` / `return_channels`
   intersects the allowed set; `walk_in_suspended` removes walk-in intake and desk return
   (urgent exceptions on a dossier still pass, see dossiers.services.check_channels). A
   channel closed by a campaign maps, in `closed_because`, to that campaign's notice
   ("Theo “title” (legal basis): notice"): the first campaign that closed it.
3. The largest `postal_fee_waived_percent` (its `subsidy_budget` and `postal_fee_waived_scope` come
   with it: `all`, or `switched` when only seed 001's "these cases" get it, campaigns/waivers.py; between
   equal waivers `all` wins, it covers more), and apart from it the largest waiver of the campaigns whose
   scope is `all` (`postal_fee_waived_percent_every_leg`: what a dossier filed now gets on every leg); the
   shortest `pickup_sla_hours` / `return_sla_hours` among the campaigns that set one (else
   the settings' default); the latest `clock_stop_until` (for procedures with field
   verification only, and only until the end of that day); the smallest
   `walk_in_capacity_per_session`; `hold_other_returns` if any campaign holds; every
   notice and every distinct hotline; the ids of every campaign that counted.

The database shell is cached: each province's campaigns are compiled once into an index
(kept in the Django cache and in process memory) under a version key that every save or
delete of a campaign replaces, so an edit takes effect at once for new decisions. The
index cuts time at every campaign boundary (starts, ends, clock-stop day ends): a moment
is placed by bisection and each (segment, procedure facts, desk) combination is combined
once. See docs/performance.md, "Campaign policy".
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.calendar import VN_TZ
from portal.registry import Registry
from portal.versions import SharedVersion

from .rules import INTAKE_CHANNELS, RETURN_CHANNELS, empty_scope, parse_date
from .waivers import scope_of as waiver_scope

__all__ = [
    "INTAKE_CHANNELS",
    "RETURN_CHANNELS",
    "Policy",
    "baseline",
    "combine",
    "effective_policy",
    "postal_fee",
    "postal_fee_quoters",
]

VERSION = SharedVersion("motcua:campaigns:version")
INDEX_SECONDS = 3600
MEMO_LIMIT = 20_000


@dataclass(frozen=True)
class Policy:
    intake_channels: tuple[str, ...]
    return_channels: tuple[str, ...]
    online_payment: bool = False
    postal_fee_waived_percent: int = 0
    # `all` | `switched` (seed 001): whom `postal_fee_waived_percent` covers; with `switched`, only the return
    # of a dossier filed before the campaign and switched to the post during it (campaigns/waivers.py).
    postal_fee_waived_scope: str = "all"
    # The waiver every postal leg gets, a new applicant's too (the campaigns of scope `all`).
    postal_fee_waived_percent_every_leg: int = 0
    subsidy_budget: str = ""
    pickup_sla_hours: float = 0
    return_sla_hours: float = 0
    walk_in_suspended: bool = False
    walk_in_capacity_per_session: int | None = None
    hold_other_returns: bool = False
    clock_paused_until: date | None = None
    notices: tuple[str, ...] = ()
    hotlines: tuple[str, ...] = ()
    campaigns: tuple[int, ...] = ()
    # Why a channel is closed: channel → the notice of the rule that closed it.
    closed_because: dict = field(default_factory=dict)

    def allows_intake(self, channel):
        return channel in self.intake_channels

    def allows_return(self, channel):
        return channel in self.return_channels

    def as_dict(self):
        data = asdict(self)
        data["intake_channels"] = list(self.intake_channels)
        data["return_channels"] = list(self.return_channels)
        data["notices"] = list(self.notices)
        data["hotlines"] = list(self.hotlines)
        data["campaigns"] = list(self.campaigns)
        data["clock_paused_until"] = self.clock_paused_until.isoformat() if self.clock_paused_until else None
        return data


class Facts(NamedTuple):
    """What the resolver needs of a procedure, as a plain (hashable) value."""

    code: str
    level: int
    sector: str
    agency_code: str
    in_person_only: bool = False
    field_verification: bool = False
    postal_intake: bool = False
    postal_return: bool = False


def facts_of(procedure, agency_code=None) -> Facts:
    if isinstance(procedure, Facts):
        return procedure
    return Facts(
        procedure.code,
        procedure.level,
        procedure.sector,
        agency_code if agency_code is not None else procedure.agency.code,
        procedure.in_person_only,
        procedure.field_verification,
        procedure.postal_intake,
        procedure.postal_return,
    )


@dataclass(frozen=True)
class Scope:
    levels: frozenset | None = None
    sectors: frozenset | None = None
    agencies: frozenset | None = None
    desks: frozenset | None = None
    procedures: frozenset | None = None
    exclude_in_person_only: bool = False

    @classmethod
    def from_dict(cls, scope):
        scope = {**empty_scope(), **(scope or {})}

        def axis(key, normalise=lambda item: item):
            value = scope.get(key)
            return None if value is None else frozenset(normalise(item) for item in value)

        return cls(
            levels=axis("levels"),
            sectors=axis("sectors", lambda item: item.casefold()),
            agencies=axis("agencies"),
            desks=axis("desks"),
            procedures=axis("procedures"),
            exclude_in_person_only=bool(scope.get("exclude_in_person_only")),
        )


def end_of_day(day: date) -> datetime:
    """The end of a local day (midnight after it), as an aware moment."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=VN_TZ)


@dataclass(frozen=True)
class CampaignRule:
    """A campaign as plain data: what the resolver and the dossier-side sweeps read."""

    id: int
    province_id: int
    title: str
    legal_basis: str
    starts_at: datetime
    ends_at: datetime | None
    status: str
    scope: Scope
    rules: dict
    raw_scope: dict = field(default_factory=dict, compare=False)

    def in_force(self, at) -> bool:
        return self.status != "draft" and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def covers(self, facts: Facts, desk_id=None) -> bool:
        scope = self.scope
        if scope.exclude_in_person_only and facts.in_person_only:
            return False
        if scope.desks is not None and desk_id not in scope.desks:
            return False
        return (
            (scope.levels is None or facts.level in scope.levels)
            and (scope.sectors is None or facts.sector.casefold() in scope.sectors)
            and (scope.agencies is None or facts.agency_code in scope.agencies)
            and (scope.procedures is None or facts.code in scope.procedures)
        )

    def covers_desk(self, desk_id) -> bool:
        return self.scope.desks is None or desk_id in self.scope.desks

    @cached_property
    def clock_stop_until(self) -> date | None:
        return parse_date(self.rules.get("clock_stop_until"))

    @cached_property
    def clock_stop_ends_at(self) -> datetime | None:
        """When the clock stop ends: the end of its day, or the campaign's end if sooner."""
        day = self.clock_stop_until
        if day is None:
            return None
        end = end_of_day(day)
        return min(end, self.ends_at) if self.ends_at else end

    def reason(self) -> str:
        if self.legal_basis:
            head = _("Theo “%(title)s” (%(basis)s)") % {"title": self.title, "basis": self.legal_basis}
        else:
            head = _("Theo “%(title)s”") % {"title": self.title}
        notice = self.rules.get("notice")
        return f"{head}: {notice}" if notice else f"{head}."

    def boundaries(self):
        yield self.starts_at
        if self.ends_at is not None:
            yield self.ends_at
        if self.clock_stop_until is not None:
            yield end_of_day(self.clock_stop_until)


def rule_from(campaign) -> CampaignRule:
    return CampaignRule(
        id=campaign.pk,
        province_id=campaign.province_id,
        title=campaign.title,
        legal_basis=campaign.legal_basis,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        status=campaign.status,
        scope=Scope.from_dict(campaign.scope),
        rules=dict(campaign.rules or {}),
        raw_scope=dict(campaign.scope or {}),
    )


# --- the pure core -------------------------------------------------------------------------


def baseline(procedure) -> Policy:
    """The procedure's own behaviour, with no campaign (a Procedure or its Facts)."""
    if procedure.in_person_only:
        intake = ("walk_in",)
    else:
        intake = tuple(
            channel
            for channel, open_ in (
                ("online", procedure.level >= 3),
                ("postal", procedure.postal_intake),
                ("walk_in", True),
            )
            if open_
        )
    returns = tuple(
        channel
        for channel, open_ in (
            ("desk", True),
            ("postal", procedure.postal_return),
            ("online", procedure.level >= 4),
        )
        if open_
    )
    return Policy(
        intake_channels=intake,
        return_channels=returns,
        online_payment=procedure.level >= 4,
        pickup_sla_hours=settings.POSTAL_PICKUP_SLA_HOURS,
        return_sla_hours=settings.POSTAL_RETURN_SLA_HOURS,
    )


def _restrict(channels, allowed, removed, campaign, closed):
    keep = []
    for channel in channels:
        if (allowed is not None and channel not in allowed) or channel in removed:
            if channel not in closed:
                closed[channel] = campaign.reason()
        else:
            keep.append(channel)
    return keep


def combine(base: Policy, campaigns, facts: Facts, at: datetime) -> Policy:
    """The baseline plus `campaigns` (already in force at `at` and in scope), by the rule in
    the module docstring. Pure: no database, no clock."""
    campaigns = sorted(campaigns, key=lambda c: (c.starts_at, c.id))
    if not campaigns:
        return base
    intake, returns = set(base.intake_channels), set(base.return_channels)
    online_payment = base.online_payment
    if not facts.in_person_only and any(c.rules.get("open_online_and_postal") for c in campaigns):
        intake |= {"online", "postal"}
        returns.add("postal")
        online_payment = True
    intake = [c for c in INTAKE_CHANNELS if c in intake]
    returns = [c for c in RETURN_CHANNELS if c in returns]
    closed = {}
    waived, budget = base.postal_fee_waived_percent, base.subsidy_budget
    scope, every_leg = base.postal_fee_waived_scope, base.postal_fee_waived_percent_every_leg
    pickup = return_sla = capacity = stop = None
    notices, hotlines = [], []
    for campaign in campaigns:
        rules = campaign.rules
        suspended = bool(rules.get("walk_in_suspended"))
        if "intake_channels" in rules or "return_channels" in rules or suspended:
            intake = _restrict(intake, rules.get("intake_channels"), {"walk_in"} if suspended else (), campaign, closed)
            returns = _restrict(returns, rules.get("return_channels"), {"desk"} if suspended else (), campaign, closed)
        percent = rules.get("postal_fee_waived_percent") or 0
        covers_all = waiver_scope(rules) == "all"
        if percent > waived:
            waived, budget, scope = percent, rules.get("subsidy_budget", ""), waiver_scope(rules)
        elif percent and percent == waived and covers_all:
            scope = "all"
        if covers_all and percent > every_leg:
            every_leg = percent
        if rules.get("pickup_sla_hours"):
            pickup = min(pickup or rules["pickup_sla_hours"], rules["pickup_sla_hours"])
        if rules.get("return_sla_hours"):
            return_sla = min(return_sla or rules["return_sla_hours"], rules["return_sla_hours"])
        if rules.get("walk_in_capacity_per_session") is not None:
            value = rules["walk_in_capacity_per_session"]
            capacity = value if capacity is None else min(capacity, value)
        until = campaign.clock_stop_until
        if facts.field_verification and until and at < end_of_day(until):
            stop = max(stop or until, until)
        if rules.get("notice"):
            notices.append(rules["notice"])
        if rules.get("hotline") and rules["hotline"] not in hotlines:
            hotlines.append(rules["hotline"])
    return Policy(
        intake_channels=tuple(intake),
        return_channels=tuple(returns),
        online_payment=online_payment,
        postal_fee_waived_percent=waived,
        postal_fee_waived_scope=scope,
        postal_fee_waived_percent_every_leg=every_leg,
        subsidy_budget=budget,
        pickup_sla_hours=pickup if pickup is not None else base.pickup_sla_hours,
        return_sla_hours=return_sla if return_sla is not None else base.return_sla_hours,
        walk_in_suspended=any(c.rules.get("walk_in_suspended") for c in campaigns),
        walk_in_capacity_per_session=capacity,
        hold_other_returns=any(c.rules.get("hold_other_returns") for c in campaigns),
        clock_paused_until=stop,
        notices=tuple(notices),
        hotlines=tuple(hotlines),
        campaigns=tuple(c.id for c in campaigns),
        closed_because=closed,
    )


# --- the cached database shell -------------------------------------------------------------


class _ProvinceIndex:
    """One province's campaigns (drafts left out), cut into segments at every boundary."""

    __slots__ = ("campaigns", "agency_codes", "boundaries", "segments", "policies", "desk_scoped")

    def __init__(self, campaigns, agency_codes):
        self.campaigns = tuple(sorted(campaigns, key=lambda c: (c.starts_at, c.id)))
        self.agency_codes = agency_codes
        self.boundaries = sorted({moment for c in self.campaigns for moment in c.boundaries()})
        self.segments = self._sweep()
        self.policies = {}
        self.desk_scoped = any(c.scope.desks is not None for c in self.campaigns)

    def _sweep(self):
        """The campaigns in force in each segment [boundary i-1, boundary i), in one pass over
        the boundaries (segment 0 is before the first). Unchanged segments share one tuple."""
        starting, ending = {}, {}
        for c in self.campaigns:
            if c.ends_at is None or c.ends_at > c.starts_at:
                starting.setdefault(c.starts_at, []).append(c)
                if c.ends_at is not None:
                    ending.setdefault(c.ends_at, []).append(c)
        active, segments, current = {}, [()], ()
        for moment in self.boundaries:
            changed = False
            for c in ending.get(moment, ()):
                changed = active.pop(c.id, None) is not None or changed
            for c in starting.get(moment, ()):
                active[c.id] = c
                changed = True
            if changed:  # insertion order is (start, id) order, as combine wants
                current = tuple(active.values())
            segments.append(current)
        return segments

    def in_force(self, at):
        segment = bisect_right(self.boundaries, at)
        return segment, self.segments[segment]


_memo = {"version": None, "provinces": {}}


def current_version():
    """The campaigns' cache version, shared by every process (a new one on every campaign change)."""
    return VERSION.current()


def invalidate():
    """Every campaign save or delete: a new version, so every process rebuilds its index."""
    VERSION.bump()
    _memo["version"] = None
    _memo["provinces"] = {}


def campaign_changed(**kwargs):
    """The receiver of a Campaign's post_save and post_delete (connected in CampaignsConfig.ready)."""
    # Now (this process reads the change at once) and after commit (no other process can
    # have cached the old rows under the new version while the transaction was open).
    invalidate()
    transaction.on_commit(invalidate)


def _load(province_id):
    from portal.models import Agency

    from .models import Campaign

    campaigns = [
        rule_from(c) for c in Campaign.objects.filter(province_id=province_id).exclude(status=Campaign.Status.DRAFT)
    ]
    agency_codes = dict(Agency.objects.filter(province_id=province_id).values_list("id", "code"))
    return campaigns, agency_codes


def _index(province_id) -> _ProvinceIndex:
    version = current_version()
    if _memo["version"] != version:
        _memo["version"], _memo["provinces"] = version, {}
    index = _memo["provinces"].get(province_id)
    if index is None:
        key = f"motcua:campaigns:{version}:{province_id}"
        data = cache.get(key)
        if data is None:
            data = _load(province_id)
            cache.set(key, data, timeout=INDEX_SECONDS)
        index = _memo["provinces"][province_id] = _ProvinceIndex(*data)
    return index


def _moment(at):
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        return timezone.make_aware(at)
    return at


def _desk_id(desk):
    if desk is None or isinstance(desk, int):
        return desk
    return desk.pk


def _facts(index, procedure):
    if isinstance(procedure, Facts):
        return procedure
    code = index.agency_codes.get(procedure.agency_id)
    return facts_of(procedure, code)


def effective_policy(procedure, desk=None, at=None) -> Policy:
    """The policy in force for `procedure` at `desk` (an OneStopDesk, its id, or None) at
    moment `at` (default: now): the baseline plus every campaign in force and in scope."""
    at = _moment(at)
    index = _index(procedure.province_id)
    segment, active = index.in_force(at)
    if not active:
        return baseline(procedure)
    facts = _facts(index, procedure)
    desk_id = _desk_id(desk)
    key = (
        segment,
        facts,
        desk_id if index.desk_scoped else None,
        get_language(),
        settings.POSTAL_PICKUP_SLA_HOURS,
        settings.POSTAL_RETURN_SLA_HOURS,
    )
    policy = index.policies.get(key)
    if policy is None:
        if len(index.policies) >= MEMO_LIMIT:
            index.policies.clear()
        scoped = [c for c in active if c.covers(facts, desk_id)]
        policy = index.policies[key] = combine(baseline(facts), scoped, facts, at)
    return policy


def campaigns_for(procedure, desk=None, at=None) -> tuple[CampaignRule, ...]:
    """The campaigns in force and in scope for this procedure (and desk) at `at`."""
    at = _moment(at)
    index = _index(procedure.province_id)
    _segment, active = index.in_force(at)
    facts = _facts(index, procedure)
    desk_id = _desk_id(desk)
    return tuple(c for c in active if c.covers(facts, desk_id))


def province_campaigns(province_id, at=None) -> tuple[CampaignRule, ...]:
    """Every campaign of the province in force at `at`, whatever its scope."""
    return _index(province_id).in_force(_moment(at))[1]


def desk_campaigns(desk, at=None) -> tuple[CampaignRule, ...]:
    """The campaigns in force at a desk (its province's, not limited to other desks)."""
    return tuple(c for c in province_campaigns(desk.province_id, at) if c.covers_desk(desk.pk))


def desk_capacity(desk, at=None) -> int | None:
    """The smallest walk-in capacity per session among the campaigns in force at the desk."""
    values = [
        c.rules["walk_in_capacity_per_session"]
        for c in desk_campaigns(desk, at)
        if c.rules.get("walk_in_capacity_per_session") is not None
    ]
    return min(values) if values else None


def policy_with(procedure, desk, at, campaign: CampaignRule, include=True) -> Policy:
    """The policy at `at` with `campaign` counted (include=True, even a draft, as if in force
    then) or left out (include=False): the two sides of a preview. Not memoised."""
    at = _moment(at)
    index = _index(procedure.province_id)
    _segment, active = index.in_force(at)
    facts = _facts(index, procedure)
    desk_id = _desk_id(desk)
    others = [c for c in active if c.id != campaign.id and c.covers(facts, desk_id)]
    if include and campaign.covers(facts, desk_id):
        others.append(campaign)
    return combine(baseline(facts), others, facts, at)


# --- postal fees (the tariffs live in postal, above us) ------------------------------------

postal_fee_quoters = Registry("postal fee quoter")
"""Entries `quoter(procedure, desk, at, zone="default") -> {"pickup": int | None, "return": int | None}`:
the post's published tariff (VND, before any waiver) for each leg. The postal app registers one
in its AppConfig.ready (campaigns never imports postal)."""


def postal_fee(procedure, desk=None, at=None, zone="default", policy: Policy | None = None) -> dict:
    """The tariff of each postal leg at `at`: None where no quoter knows it, or where the
    policy (given or resolved) does not open that leg (no postal intake → no pickup fee)."""
    at = _moment(at)
    policy = policy or effective_policy(procedure, desk, at)
    fees = {"pickup": None, "return": None}
    for quoter in postal_fee_quoters:
        quote = quoter(procedure, desk, at, zone=zone) or {}
        for leg in fees:
            if fees[leg] is None and quote.get(leg) is not None:
                fees[leg] = int(quote[leg])
    if not policy.allows_intake("postal"):
        fees["pickup"] = None
    if not policy.allows_return("postal"):
        fees["return"] = None
    return fees
