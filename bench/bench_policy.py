"""Benchmark of the campaign policy resolver (campaigns/policy.py) with 1,000 campaigns.

Run: ``.venv/bin/python bench/bench_policy.py`` (a throw-away test database: SQLite in memory
by default; set DATABASE_URL / REDIS_URL to measure on PostgreSQL and with Redis as the cache).

One province holds 1,000 campaigns with random windows of 1–60 days over 2019–2021 (about 40
overlap at any moment), random scopes (levels, sectors, desks, procedure lists) and random
rules; 40 procedures and 4 desks. Reported, in µs per call (best of several repeats):
- the index build after an invalidation (one query for the campaigns, one for agency codes);
- a warm call (moment already seen: bisection + memo);
- a call at a moment never seen before (bisection + scope filter + combine of ~40 campaigns);
- the same without any campaign (baseline only), and a naive resolver that queries the
  database and filters every campaign on each call, for comparison.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import timeit
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

REPEAT = 5
CAMPAIGNS = 1000


def best_us(stmt, number):
    return min(timeit.repeat(stmt, number=number, repeat=REPEAT)) / number * 1e6


def build(rng):
    from campaigns.models import Campaign
    from campaigns.rules import clean_rules, clean_scope, empty_scope
    from campaigns.testing import vn
    from portal.models import Agency, OneStopDesk, Procedure, Province

    province = Province.objects.create(code="99", name="Tỉnh đo")
    empty = Province.objects.create(code="98", name="Tỉnh không có đợt")
    agencies = [
        Agency.objects.create(code=f"A{i}", province=province, name=f"Sở {i}", level="province") for i in range(4)
    ]
    desks = [OneStopDesk.objects.create(code=f"D{i}", province=province, name=f"Quầy {i}") for i in range(4)]
    sectors = ["Hộ tịch", "Đất đai", "Xây dựng", "Cư trú", "Chứng thực"]
    procedures = [
        Procedure.objects.create(
            province=province,
            code=f"1.{i:06d}",
            name=f"Thủ tục {i}",
            sector=sectors[i % 5],
            agency=agencies[i % 4],
            level=1 + i % 4,
            processing_time_unit="working_days",
            processing_time_value=5,
            postal_intake=i % 2 == 0,
            postal_return=i % 3 != 0,
            in_person_only=i % 11 == 0,
            field_verification=i % 7 == 0,
        )
        for i in range(40)
    ]
    lonely = Procedure.objects.create(
        province=empty,
        code="9.000001",
        name="x",
        sector="Hộ tịch",
        agency=Agency.objects.create(code="B0", province=empty, name="Sở", level="province"),
        level=4,
        processing_time_unit="working_days",
        processing_time_value=5,
    )
    origin = vn(2019, 1, 1)
    rows = []
    for n in range(CAMPAIGNS):
        start = origin + timedelta(days=rng.randrange(730), hours=rng.randrange(24))
        scope = empty_scope()
        roll = rng.random()
        if roll < 0.3:
            scope["levels"] = sorted(rng.sample([1, 2, 3, 4], 2))
        elif roll < 0.5:
            scope["sectors"] = rng.sample(sectors, 2)
        elif roll < 0.6:
            scope["desks"] = [rng.choice(desks).pk]
        elif roll < 0.7:
            scope["procedures"] = [p.code for p in rng.sample(procedures, 5)]
        rules = rng.choice(
            [
                {"intake_channels": ["online", "postal"]},
                {"walk_in_suspended": True},
                {"open_online_and_postal": True},
                {"return_channels": ["postal"], "hold_other_returns": True},
                {"postal_fee_waived_percent": rng.randrange(0, 101, 10), "subsidy_budget": "Ngân sách"},
                {"pickup_sla_hours": rng.choice([2, 4, 8]), "return_sla_hours": 4},
                {"clock_stop_until": (start + timedelta(days=10)).date().isoformat()},
                {"walk_in_capacity_per_session": rng.randrange(5, 50)},
            ]
        )
        rules["notice"] = f"Thông báo {n}"
        rows.append(
            Campaign(
                province=province,
                title=f"Đợt {n}",
                legal_basis=f"{n}/UBND",
                starts_at=start,
                ends_at=start + timedelta(days=rng.randrange(1, 61)),
                status=Campaign.Status.ENDED,
                scope=clean_scope(scope),
                rules=clean_rules(rules),
            )
        )
    Campaign.objects.bulk_create(rows)
    return procedures, desks, lonely, origin


def naive(procedure, desk, at):
    """What a resolver without the index would do: query and filter every call."""
    from campaigns.models import Campaign
    from campaigns.policy import baseline, combine, facts_of, rule_from

    rules = [
        rule_from(c)
        for c in Campaign.objects.filter(province_id=procedure.province_id, starts_at__lte=at, ends_at__gt=at)
    ]
    facts = facts_of(procedure, procedure.agency.code)
    return combine(baseline(facts), [r for r in rules if r.covers(facts, desk.pk)], facts, at)


def main():
    from campaigns import policy

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(20200330)
        procedures, desks, lonely, origin = build(rng)
        for p in procedures:
            p.agency  # noqa: B018  (load the relation once, as callers do)
        moments = [origin + timedelta(minutes=rng.randrange(730 * 24 * 60)) for _ in range(4000)]
        calls = [(rng.choice(procedures), rng.choice(desks), at) for at in moments]
        rows = {}

        def cold():
            policy.invalidate()
            policy.effective_policy(procedures[0], desks[0], moments[0])

        rows["index build after an invalidation (1,000 campaigns)"] = best_us(cold, number=5)
        index = policy._index(procedures[0].province_id)
        rows["  of which boundaries in the index"] = len(index.boundaries)
        warm = calls[:200]
        for procedure, desk, at in warm:
            policy.effective_policy(procedure, desk, at)

        def warm_calls():
            for procedure, desk, at in warm:
                policy.effective_policy(procedure, desk, at)

        rows["warm call (moment seen before)"] = best_us(warm_calls, number=20) / len(warm)
        fresh = iter(calls[200:])

        def fresh_call():
            procedure, desk, at = next(fresh)
            policy.effective_policy(procedure, desk, at)

        rows["call at a new moment (segment + combine)"] = best_us(fresh_call, number=700)
        active = [len(index.in_force(at)[1]) for at in moments[:500]]
        rows["  campaigns in force at a moment (mean)"] = sum(active) / len(active)
        rows["province without campaigns"] = best_us(lambda: policy.effective_policy(lonely, None, moments[0]), 2000)
        rows["naive: query + filter every call"] = best_us(lambda: naive(*calls[0]), number=50)
        for procedure, desk, at in calls[:300]:
            assert naive(procedure, desk, at) == policy.effective_policy(procedure, desk, at), (procedure, desk, at)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)

    from django.conf import settings

    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs (shared machine); "
        f"database {connection.vendor}; cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    width = max(map(len, rows))
    for label, value in rows.items():
        unit = "" if label.startswith("  ") else " µs/call"
        print(f"{label:<{width}}  {value:10.1f}{unit}")
    print("(the naive resolver and the indexed one agreed on 300 random calls)")


if __name__ == "__main__":
    main()
