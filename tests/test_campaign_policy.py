"""The campaign policy resolver: the pure combine rule, table-driven (one row a case,
overlaps included), which campaigns count at a moment and in scope, and the cached shell."""

from datetime import date, datetime

import pytest

from campaigns.policy import CampaignRule, Facts, Scope, baseline, combine, effective_policy
from campaigns.testing import make_campaign, vn
from tests.factories import OneStopDeskFactory, ProcedureFactory

L4 = Facts("1.001193", 4, "Hộ tịch", "A1", postal_intake=True, postal_return=True)
L3 = Facts("1.000001", 3, "Hộ tịch", "A1", postal_intake=True, postal_return=True)
L2 = Facts("2.000002", 2, "Đất đai", "A2")
L2_FIELD = Facts("2.000003", 2, "Đất đai", "A2", field_verification=True, postal_return=True)
IN_PERSON = Facts("2.000004", 2, "Cư trú", "A2", in_person_only=True)
AT = vn(2020, 4, 2, 10, 0)


def rule(rules, ident=1, *, scope=None, start=None, end=None, status="active", title=None, basis="CV 1/UBND"):
    return CampaignRule(
        id=ident,
        province_id=1,
        title=title or f"Đợt {ident}",
        legal_basis=basis,
        starts_at=start or vn(2020, 3, 30) + (ident - 1) * (vn(2020, 3, 31) - vn(2020, 3, 30)),
        ends_at=end,
        status=status,
        scope=Scope.from_dict(scope),
        rules=rules,
    )


def test_baseline_follows_the_procedure_flags():
    assert baseline(L4).intake_channels == ("online", "postal", "walk_in")
    assert baseline(L4).return_channels == ("desk", "postal", "online")
    assert baseline(L4).online_payment
    assert baseline(L2).intake_channels == ("walk_in",) and baseline(L2).return_channels == ("desk",)
    assert baseline(IN_PERSON).intake_channels == ("walk_in",)


# Each row: (case, facts, campaigns, expected fields of the combined policy).
CASES = [
    ("no campaign: the baseline", L4, [], {"intake_channels": ("online", "postal", "walk_in"), "campaigns": ()}),
    (
        "online-only intake",
        L4,
        [rule({"intake_channels": ["online"]})],
        {"intake_channels": ("online",), "return_channels": ("desk", "postal", "online"), "campaigns": (1,)},
    ),
    (
        "walk-in suspended closes walk-in intake and desk return",
        L4,
        [rule({"walk_in_suspended": True})],
        {"intake_channels": ("online", "postal"), "return_channels": ("postal", "online"), "walk_in_suspended": True},
    ),
    (
        "open online and postal opens intake, postal return and online payment",
        L2,
        [rule({"open_online_and_postal": True})],
        {
            "intake_channels": ("online", "postal", "walk_in"),
            "return_channels": ("desk", "postal"),
            "online_payment": True,
        },
    ),
    (
        "open online and postal leaves in-person-only procedures alone",
        IN_PERSON,
        [rule({"open_online_and_postal": True})],
        {"intake_channels": ("walk_in",), "return_channels": ("desk",), "online_payment": False},
    ),
    (
        "overlap: opening first, then the restriction of another campaign",
        L2,
        [rule({"open_online_and_postal": True}, 1), rule({"intake_channels": ["online"]}, 2)],
        {"intake_channels": ("online",), "online_payment": True, "campaigns": (1, 2)},
    ),
    (
        "overlap: allowed intake sets intersect",
        L4,
        [rule({"intake_channels": ["online", "postal"]}, 1), rule({"intake_channels": ["postal", "walk_in"]}, 2)],
        {"intake_channels": ("postal",)},
    ),
    (
        "postal-only return with held results",
        L4,
        [rule({"return_channels": ["postal"], "hold_other_returns": True})],
        {"return_channels": ("postal",), "hold_other_returns": True},
    ),
    (
        "postal-only return on a procedure without postal return: nothing left but holding",
        L2,
        [rule({"return_channels": ["postal"], "hold_other_returns": True})],
        {"return_channels": (), "hold_other_returns": True},
    ),
    (
        "overlap: the largest waiver and its budget",
        L4,
        [
            rule({"postal_fee_waived_percent": 50, "subsidy_budget": "Ngân sách A"}, 1),
            rule({"postal_fee_waived_percent": 100, "subsidy_budget": "Ngân sách B"}, 2),
            rule({"postal_fee_waived_percent": 30, "subsidy_budget": "Ngân sách C"}, 3),
        ],
        {"postal_fee_waived_percent": 100, "subsidy_budget": "Ngân sách B"},
    ),
    (
        "overlap: the shortest SLA among the campaigns that set one",
        L4,
        [rule({"pickup_sla_hours": 8}, 1), rule({"pickup_sla_hours": 4, "return_sla_hours": 6}, 2)],
        {"pickup_sla_hours": 4, "return_sla_hours": 6},
    ),
    (
        "a campaign's SLA replaces the default even when longer",
        L4,
        [rule({"pickup_sla_hours": 24})],
        {"pickup_sla_hours": 24, "return_sla_hours": 16},
    ),
    (
        "overlap: the latest clock stop, for field verification only",
        L2_FIELD,
        [rule({"clock_stop_until": "2020-04-15"}, 1), rule({"clock_stop_until": "2020-04-20"}, 2)],
        {"clock_paused_until": date(2020, 4, 20)},
    ),
    (
        "no clock stop for a procedure without field verification",
        L2,
        [rule({"clock_stop_until": "2020-04-15"})],
        {"clock_paused_until": None},
    ),
    (
        "overlap: the smallest walk-in capacity (0 counts)",
        L2,
        [rule({"walk_in_capacity_per_session": 30}, 1), rule({"walk_in_capacity_per_session": 0}, 2)],
        {"walk_in_capacity_per_session": 0},
    ),
    (
        "overlap: every notice, distinct hotlines, campaigns by start",
        L4,
        [
            rule({"notice": "Hai", "hotline": "0251-1022"}, 2),
            rule({"notice": "Một", "hotline": "0251-1022"}, 1),
            rule({"hotline": "1900 1234"}, 3),
        ],
        {"notices": ("Một", "Hai"), "hotlines": ("0251-1022", "1900 1234"), "campaigns": (1, 2, 3)},
    ),
    (
        "overlap: allowed return sets intersect, and walk-in suspension removes the desk from what is left",
        L4,
        [rule({"return_channels": ["desk", "postal"]}, 1), rule({"walk_in_suspended": True}, 2)],
        {"return_channels": ("postal",), "intake_channels": ("online", "postal")},
    ),
    (
        "overlap: results are held when any campaign holds",
        L4,
        [
            rule({"return_channels": ["postal"], "hold_other_returns": True}, 1),
            rule({"return_channels": ["postal"]}, 2),
        ],
        {"hold_other_returns": True, "return_channels": ("postal",)},
    ),
    (
        "overlap: opening online and postal while walk-in is suspended (seeds 001 and 003)",
        L2,
        [rule({"open_online_and_postal": True}, 1), rule({"walk_in_suspended": True}, 2)],
        {"intake_channels": ("online", "postal"), "return_channels": ("postal",), "online_payment": True},
    ),
    (
        "overlap: a capacity stays with walk-in suspended, but walk-in is closed",
        L2,
        [rule({"walk_in_capacity_per_session": 20}, 1), rule({"walk_in_suspended": True}, 2)],
        {"walk_in_capacity_per_session": 20, "walk_in_suspended": True, "intake_channels": ()},
    ),
    (
        "overlap: equal waivers keep the first campaign's budget",
        L4,
        [
            rule({"postal_fee_waived_percent": 50, "subsidy_budget": "Ngân sách A"}, 1),
            rule({"postal_fee_waived_percent": 50, "subsidy_budget": "Ngân sách B"}, 2),
        ],
        {"postal_fee_waived_percent": 50, "subsidy_budget": "Ngân sách A"},
    ),
    (
        "overlap: a clock stop of one campaign and no stop in another",
        L2_FIELD,
        [rule({"clock_stop_until": "2020-04-15"}, 1), rule({"walk_in_capacity_per_session": 5}, 2)],
        {"clock_paused_until": date(2020, 4, 15), "walk_in_capacity_per_session": 5},
    ),
    (
        "notify_on_start changes no decision",
        L4,
        [rule({"notify_on_start": True})],
        {
            "intake_channels": ("online", "postal", "walk_in"),
            "return_channels": ("desk", "postal", "online"),
            "postal_fee_waived_percent": 0,
            "closed_because": {},
            "campaigns": (1,),
        },
    ),
]


@pytest.mark.parametrize(("facts", "campaigns", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_combine(facts, campaigns, expected):
    policy = combine(baseline(facts), campaigns, facts, AT)
    for name, value in expected.items():
        assert getattr(policy, name) == value, name


def test_closed_channels_name_the_campaign_that_closed_them_first():
    first = rule({"intake_channels": ["online", "postal"], "notice": "Nộp trực tuyến."}, 1, title="Đợt A", basis="A/1")
    second = rule({"intake_channels": ["postal"]}, 2, title="Đợt B", basis="B/2")
    policy = combine(baseline(L4), [first, second], L4, AT)
    assert policy.closed_because == {
        "walk_in": "Theo “Đợt A” (A/1): Nộp trực tuyến.",
        "online": "Theo “Đợt B” (B/2).",
    }
    assert "postal" not in policy.closed_because


def test_a_clock_stop_ends_with_its_day():
    stop = rule({"clock_stop_until": "2020-04-15"})
    assert combine(baseline(L2_FIELD), [stop], L2_FIELD, vn(2020, 4, 15, 23, 59)).clock_paused_until == date(
        2020, 4, 15
    )
    assert combine(baseline(L2_FIELD), [stop], L2_FIELD, vn(2020, 4, 16, 0, 0)).clock_paused_until is None


IN_FORCE = [
    ("draft never counts", "draft", vn(2020, 4, 1), None, vn(2020, 4, 2), False),
    ("scheduled counts once its start is reached", "scheduled", vn(2020, 4, 1), None, vn(2020, 4, 1), True),
    ("not before its start", "active", vn(2020, 4, 1), None, vn(2020, 3, 31, 23, 59), False),
    ("ended counts inside its window (replays)", "ended", vn(2020, 4, 1), vn(2020, 4, 10), vn(2020, 4, 5), True),
    ("the end is exclusive", "ended", vn(2020, 4, 1), vn(2020, 4, 10), vn(2020, 4, 10), False),
    ("until declared over", "active", vn(2020, 4, 1), None, vn(2030, 1, 1), True),
]


@pytest.mark.parametrize(
    ("status", "start", "end", "at", "expected"), [c[1:] for c in IN_FORCE], ids=[c[0] for c in IN_FORCE]
)
def test_in_force(status, start, end, at, expected):
    assert rule({}, start=start, end=end, status=status).in_force(at) is expected


SCOPES = [
    ("no restriction", {}, L2, 5, True),
    ("by level", {"levels": [3, 4]}, L2, 5, False),
    ("by level, in", {"levels": [3, 4]}, L3, 5, True),
    ("by sector, case-insensitive", {"sectors": ["đất đai"]}, L2, 5, True),
    ("by agency code", {"agencies": ["A1"]}, L2, 5, False),
    ("by desk", {"desks": [5]}, L2, 5, True),
    ("by desk, another desk", {"desks": [5]}, L2, 6, False),
    ("by desk, asked without a desk", {"desks": [5]}, L2, None, False),
    ("by procedure code", {"procedures": ["2.000002"]}, L2, 5, True),
    ("in-person-only excluded", {"exclude_in_person_only": True}, IN_PERSON, 5, False),
]


@pytest.mark.parametrize(("scope", "facts", "desk", "expected"), [c[1:] for c in SCOPES], ids=[c[0] for c in SCOPES])
def test_scope(scope, facts, desk, expected):
    assert rule({}, scope=scope).covers(facts, desk) is expected


# --- the database shell --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_resolver_reads_windows_so_history_replays():
    procedure = ProcedureFactory(level=4, postal=True)
    make_campaign(
        procedure.province,
        status="active",
        starts_at=vn(2020, 3, 30),
        ends_at=vn(2020, 4, 30),
        rules={"intake_channels": ["online"]},
    )
    assert effective_policy(procedure, None, vn(2020, 3, 29, 23)).allows_intake("walk_in")
    assert not effective_policy(procedure, None, vn(2020, 4, 2)).allows_intake("walk_in")
    assert effective_policy(procedure, None, vn(2020, 4, 30)).allows_intake("walk_in")
    assert effective_policy(procedure).allows_intake("walk_in")  # now: long over


@pytest.mark.django_db
def test_drafts_never_count_and_other_provinces_never_count():
    procedure = ProcedureFactory(level=4)
    other = ProcedureFactory(level=4)
    make_campaign(procedure.province, rules={"intake_channels": ["online"]})  # a draft
    make_campaign(other.province, status="active", rules={"intake_channels": ["online"]})
    assert effective_policy(procedure).allows_intake("walk_in")
    assert not effective_policy(other).allows_intake("walk_in")


@pytest.mark.django_db
def test_an_edit_or_delete_takes_effect_at_once_and_calls_are_cached(django_assert_num_queries):
    procedure = ProcedureFactory(level=4, postal=True)
    campaign = make_campaign(procedure.province, status="active", rules={"postal_fee_waived_percent": 50})
    assert effective_policy(procedure).postal_fee_waived_percent == 50
    with django_assert_num_queries(0):
        for _ in range(3):
            assert effective_policy(procedure).postal_fee_waived_percent == 50
    from campaigns import services

    services.update_campaign(campaign, None, rules={"postal_fee_waived_percent": 100})
    assert effective_policy(procedure).postal_fee_waived_percent == 100
    campaign.delete()
    assert effective_policy(procedure).postal_fee_waived_percent == 0


@pytest.mark.django_db
def test_a_desk_scoped_campaign_applies_at_that_desk_only():
    procedure = ProcedureFactory(level=2)
    desk = OneStopDeskFactory(province=procedure.province, agency=procedure.agency)
    other = OneStopDeskFactory(province=procedure.province, agency=procedure.agency)
    make_campaign(
        procedure.province, status="active", scope={"desks": [desk.pk]}, rules={"walk_in_capacity_per_session": 10}
    )
    assert effective_policy(procedure, desk).walk_in_capacity_per_session == 10
    assert effective_policy(procedure, other).walk_in_capacity_per_session is None
    assert effective_policy(procedure, None).walk_in_capacity_per_session is None


@pytest.mark.django_db
def test_a_naive_moment_is_read_in_local_time():
    procedure = ProcedureFactory(level=4)
    make_campaign(
        procedure.province,
        status="active",
        starts_at=vn(2020, 4, 1),
        ends_at=vn(2020, 4, 2),
        rules={"intake_channels": ["online"]},
    )
    assert not effective_policy(procedure, None, datetime(2020, 4, 1, 0, 30)).allows_intake("walk_in")
