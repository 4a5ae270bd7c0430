"""Postal fees: the tariff in force (by leg, zone and date) and the waived part, as the
citizen and the Department of Finance see them on each order."""

from datetime import date

import pytest

from campaigns.testing import make_campaign, vn
from postal.fees import TariffRow, pick_amount, split, waiver
from postal.models import PostalOrder, SubsidyEntry
from tests.postal_factories import PostalTariffFactory, make_order, postal_world

ROWS = [
    TariffRow("pickup", "default", date(2019, 1, 1), 22000),
    TariffRow("pickup", "default", date(2020, 3, 30), 11000),  # Đồng Nai's reduced tariff for the window
    TariffRow("pickup", "default", date(2020, 4, 30), 22000),
    TariffRow("pickup", "noi-thanh", date(2019, 1, 1), 18000),
    TariffRow("return", "default", date(2019, 1, 1), 25000),
]


@pytest.mark.parametrize(
    ("leg", "zone", "on", "expected"),
    [
        ("pickup", "default", date(2019, 6, 1), 22000),
        ("pickup", "default", date(2020, 3, 29), 22000),  # the day before the reduction
        ("pickup", "default", date(2020, 3, 30), 11000),  # its first day
        ("pickup", "default", date(2020, 4, 29), 11000),  # its last day
        ("pickup", "default", date(2020, 4, 30), 22000),  # back to normal
        ("pickup", "noi-thanh", date(2020, 4, 1), 18000),  # the zone's own tariff
        ("pickup", "xa-dao", date(2020, 4, 1), 11000),  # an unknown zone: the default
        ("pickup", "", date(2020, 4, 1), 11000),  # no zone: the default
        ("return", "noi-thanh", date(2020, 4, 1), 25000),  # no zone row for this leg: the default
        ("pickup", "default", date(2018, 12, 31), None),  # before any tariff
    ],
)
def test_the_tariff_in_force(leg, zone, on, expected):
    assert pick_amount(ROWS, leg, zone, on) == expected


@pytest.mark.parametrize(
    ("fee", "percent", "waived", "charged"),
    [
        (22000, 0, 0, 22000),
        (22000, 100, 22000, 0),
        (22000, 50, 11000, 11000),
        (25000, 30, 7500, 17500),
        (12345, 50, 6173, 6172),  # 6172.5 rounds half up to a whole đồng
        (10001, 33, 3300, 6701),  # 3300.33
        (9999, 15, 1500, 8499),  # 1499.85
        (0, 100, 0, 0),
        (22000, 150, 22000, 0),  # never more than the fee
        (22000, -5, 0, 22000),  # never negative
    ],
)
def test_waiver_in_whole_dong(fee, percent, waived, charged):
    assert waiver(fee, percent) == waived
    assert split(fee, percent) == (waived, charged)


@pytest.mark.django_db
def test_an_order_snapshots_the_zone_tariff_of_its_trigger_date():
    world = postal_world(pickup_fee=22000)
    PostalTariffFactory(
        province=world.province, leg="pickup", zone="default", amount=11000, valid_from=date(2020, 3, 30)
    )
    order = make_order(world, at=vn(2020, 4, 1, 9, 0))
    assert (order.fee, order.fee_waived, order.fee_charged) == (11000, 0, 11000)
    # A later tariff change is not retroactive.
    PostalTariffFactory(
        province=world.province, leg="pickup", zone="default", amount=30000, valid_from=date(2020, 4, 2)
    )
    order.refresh_from_db()
    assert order.fee == 11000
    assert not SubsidyEntry.objects.exists()


@pytest.mark.django_db
def test_a_campaign_waiver_is_snapshotted_and_written_to_the_subsidy_ledger():
    world = postal_world(pickup_fee=22000, return_fee=25000)
    campaign = make_campaign(
        world.province,
        status="active",
        starts_at=vn(2020, 4, 1),
        ends_at=vn(2020, 4, 20),
        rules={"postal_fee_waived_percent": 100, "subsidy_budget": "Kinh phí cải cách hành chính 2020"},
    )
    inside = make_order(world, kind="return", at=vn(2020, 4, 6, 9, 0))
    assert (inside.fee, inside.fee_waived, inside.fee_charged) == (25000, 25000, 0)
    entry = SubsidyEntry.objects.get(order=inside)
    assert (entry.amount, entry.percent, entry.budget, entry.campaign_id) == (
        25000,
        100,
        "Kinh phí cải cách hành chính 2020",
        campaign.pk,
    )
    assert entry.agency_id == inside.agency_id and entry.province_id == world.province.pk

    after = make_order(world, kind="return", at=vn(2020, 4, 21, 9, 0))
    assert (after.fee, after.fee_waived) == (25000, 0)
    assert not SubsidyEntry.objects.filter(order=after).exists()
    assert PostalOrder.objects.count() == 2
