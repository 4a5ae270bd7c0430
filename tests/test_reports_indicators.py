"""The Decision 766 service index on the hand-built world of tests/reports_world.py.

Every expected number below was worked out by hand from the table in that module's docstring (not by the code):
March 2024 receives A B C J K E G N R F D I (12: C by post, B at the desk, the rest online); L is never accepted
and H is refused. April carries over E F D I."""

from datetime import date

import pytest

from reports import engine
from reports.indicators import Scope
from reports.refresh import rebuild, refresh_day
from tests.reports_world import at, build_world

pytestmark = pytest.mark.django_db

MARCH = (date(2024, 3, 1), date(2024, 4, 1))
APRIL = (date(2024, 4, 1), date(2024, 5, 1))
NOW = at("2024-05-06 10:00")

# Province T75, March 2024.
MARCH_PROVINCE = {
    "received": {"online": 10, "postal": 1, "walk_in": 1},
    "carried_over": 0,
    "done_early": 4,  # K 05/03, J 06/03, A 07/03, R 18/03 (R returned late, but done early)
    "done_on_time": 2,  # B 11/03 08:30 (due 09:00), N 20/03 (the apology's new date)
    "done_late": 1,  # C 12/03
    "in_progress_within": 2,  # D (due 01/04 09:00), I (due 04/04)
    "in_progress_overdue": 1,  # E (due 12/03)
    "paused": 1,  # F (paused 21/03 – 02/04)
    "on_time_rate": 0.8333,  # 10 / 12
    "late_rate": 0.1667,  # (1 overdue + 1 done late) / (12 received + 0 carried over)
    "online_rate": 0.8333,  # 10 / 12
    "online_payment_rate": 0.5,  # J paid online of C, J (fee 50.000 đ)
    "postal_share": 0.5,  # C by post of C, J (P2 is the only postal procedure)
    # K 1 + J 2 + A 3.125 + B 4.9375 + C 6.125 + R 4 + N 7.125 = 28.3125 / 7
    "avg_processing_working_days": 4.04,
    "satisfaction_avg": 4.0,  # J 5 (07/03), A 3 (08/03)
}

APRIL_PROVINCE = {
    "received": {"online": 1, "postal": 0, "walk_in": 0},  # M
    "carried_over": 4,  # E F D I
    "done_early": 1,  # M
    "done_on_time": 0,
    "done_late": 1,  # D 03/04 (due 01/04)
    "in_progress_within": 0,
    "in_progress_overdue": 2,  # E, F (resumed 02/04, due 08/04 09:00)
    "paused": 0,
    "on_time_rate": 0.4,
    "late_rate": 0.6,  # (2 + 1) / (1 + 4)
    "online_rate": 1.0,
    "online_payment_rate": None,
    "postal_share": None,
    "avg_processing_working_days": 4.5,  # D 7, M 2
    "satisfaction_avg": None,
}


@pytest.fixture
def world():
    return build_world()


def index(scope, window, now=NOW):
    return engine.totals(scope, *window, now=now).api()


def test_march_and_april_live(world):
    province = Scope(province_id=world.province.pk)
    assert index(province, MARCH) == MARCH_PROVINCE
    assert index(province, APRIL) == APRIL_PROVINCE
    row = engine.totals(province, *MARCH, now=NOW).row()
    assert row["withdrawn"] == 1  # G
    assert row["refused"] == 1  # H (never received: in no denominator)
    assert row["done_on_time_share"] == 0.8571  # 6 / 7
    assert [row[f"rated_{n}"] for n in range(1, 6)] == [0, 0, 1, 0, 1]
    assert (row["postal_intake"], row["postal_return"], row["door_to_door"]) == (1, 1, 1)


def test_the_daily_table_gives_the_same_answers(world):
    rebuild(date(2024, 3, 1), date(2024, 5, 1), now=NOW)
    province = Scope(province_id=world.province.pk)
    assert index(province, MARCH) == MARCH_PROVINCE
    assert index(province, APRIL) == APRIL_PROVINCE
    # A quarter from the table: everything of March and April, nothing carried over into March.
    q2_start = index(province, (date(2024, 3, 1), date(2024, 5, 1)))
    assert q2_start["received"] == {"online": 11, "postal": 1, "walk_in": 1}
    assert (q2_start["done_early"], q2_start["done_on_time"], q2_start["done_late"]) == (5, 2, 2)
    assert q2_start["in_progress_overdue"] == 2 and q2_start["late_rate"] == round(4 / 13, 4)


def test_refresh_day_matches_rebuild(world):
    rebuild(date(2024, 3, 1), date(2024, 5, 1), now=NOW)
    refresh_day(date(2024, 3, 21), now=NOW)  # the day F was paused and R returned
    refresh_day(date(2024, 3, 31), now=NOW)
    assert index(Scope(province_id=world.province.pk), MARCH) == MARCH_PROVINCE


def test_desk_agency_procedure_and_a_window_cut_mid_month(world):
    desk2 = index(Scope(desk_id=world.desk2.pk), MARCH)
    assert desk2["received"] == {"online": 1, "postal": 0, "walk_in": 0}
    assert desk2["done_early"] == 1 and desk2["late_rate"] == 0.0 and desk2["on_time_rate"] == 1.0
    assert desk2["avg_processing_working_days"] == 1.0
    agency1 = index(Scope(agency_id=world.desk.agency_id), MARCH)
    assert agency1["received"] == {"online": 9, "postal": 1, "walk_in": 1}
    p2 = index(Scope(procedure_id=world.p2.pk), MARCH)
    assert p2["received"] == {"online": 1, "postal": 1, "walk_in": 0}
    assert p2["postal_share"] == 0.5 and p2["online_payment_rate"] == 0.5
    # 11/03 – 20/03 (to exclusive 21/03): carried over = open at 11/03 00:00 = B C E G;
    # received N R F; done B C R N (B on time, C late, R early, N on time); withdrawn G; open at the end: E (overdue)
    # and F (due 27/03: its pause starts on 21/03, after the window).
    window = (date(2024, 3, 11), date(2024, 3, 21))
    cut = index(Scope(desk_id=world.desk.pk), window)
    assert cut["carried_over"] == 4
    assert cut["received"] == {"online": 3, "postal": 0, "walk_in": 0}
    assert (cut["done_early"], cut["done_on_time"], cut["done_late"]) == (1, 2, 1)
    assert (cut["in_progress_within"], cut["in_progress_overdue"], cut["paused"]) == (1, 1, 0)
    assert cut["late_rate"] == 0.2857  # (1 + 1) / (3 + 4)


def test_group_by_desk_and_month(world):
    province = Scope(province_id=world.province.pk)
    by_desk = {g.id: g.totals.api() for g in engine.groups(province, *MARCH, "desk", now=NOW)}
    assert by_desk[world.desk2.pk]["received"]["online"] == 1
    assert by_desk[world.desk.pk]["received"] == {"online": 9, "postal": 1, "walk_in": 1}
    by_month = engine.groups(province, date(2024, 3, 1), date(2024, 5, 1), "month", now=NOW)
    assert [g.key for g in by_month] == ["2024-03", "2024-04"]
    assert by_month[0].totals.api() == MARCH_PROVINCE
    assert by_month[1].totals.api() == APRIL_PROVINCE


def test_a_window_that_reaches_now_counts_live(world, time_machine):
    time_machine.move_to(at("2024-03-21 12:00"), tick=False)
    today = index(Scope(desk_id=world.desk.pk), (date(2024, 3, 21), date(2024, 3, 22)), now=None)
    # Open at noon on 21/03: D and I not received yet; E overdue, F paused since 10:00, nothing else open.
    assert (today["in_progress_within"], today["in_progress_overdue"], today["paused"]) == (0, 1, 1)
    assert today["carried_over"] == 2  # E, F (N and R are done)
