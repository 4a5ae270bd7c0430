"""Table-driven tests of the working calendar (portal/calendar.py).

Every expected value is worked out by hand from the calendar, with the reasoning in the row's comment; none is
computed by the code under test. Default desk hours: 07:00–11:30 and 13:30–17:00 (8 h a day).

Reference weeks used below (checked against a wall calendar):
  2023: Fri 27/10, Sat 28/10, Sun 29/10, Mon 30/10, Tue 31/10, Wed 1/11, Thu 2/11, Fri 3/11 — no holidays.
  Tết 2020: Thu 23/1 – Wed 29/1/2020 off (Wed 22/1 and Thu 30/1 are working days).
  Hùng Kings 2020: Thu 2/4/2020 off.   30/4–1/5/2020: Thu and Fri off.
  Tết 2021: Wed 10/2 – Tue 16/2/2021 off.   National Day 2021: Thu 2/9 and Fri 3/9 off.
  Swapped working Saturdays listed by holidays' VN calendar: Sat 4/5/2019, Sat 26/4/2025.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from portal.calendar import VN_TZ, WorkingCalendar, timeliness, vn

DEFAULT = WorkingCalendar()
SAT_WORK = WorkingCalendar(extra_working_days=frozenset({date(2023, 10, 28)}))  # province swaps Sat 28/10/2023 in
MON_OFF = WorkingCalendar(extra_days_off=frozenset({date(2023, 10, 30)}))  # province gives Mon 30/10/2023 off
SUN_WORK = WorkingCalendar(extra_working_days=frozenset({date(2023, 10, 29)}))  # a (hypothetical) worked Sunday
DESK = WorkingCalendar(sessions=((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))))  # also 8 h a day


H = timedelta(hours=1)
M = timedelta(minutes=1)


# --- is_working_day -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cal", "day", "expected"),
    [
        (DEFAULT, date(2020, 1, 22), True),  # Wed, the last working day before Tết 2020
        (DEFAULT, date(2020, 1, 23), False),  # Thu 29 Tết: first day of the break
        (DEFAULT, date(2020, 1, 29), False),  # Wed, last day of the Tết 2020 break
        (DEFAULT, date(2020, 1, 30), True),  # Thu, back to work
        (DEFAULT, date(2020, 4, 2), False),  # Thu, Giỗ Tổ Hùng Vương 10/3 âm lịch
        (DEFAULT, date(2020, 4, 30), False),  # Thu, 30/4
        (DEFAULT, date(2020, 5, 1), False),  # Fri, 1/5
        (DEFAULT, date(2021, 9, 2), False),  # Thu, National Day
        (DEFAULT, date(2021, 9, 3), False),  # Fri, the added National Day holiday
        (DEFAULT, date(2019, 5, 4), True),  # Sat, worked to bridge 29/4/2019 (weekend_workdays)
        (DEFAULT, date(2025, 4, 26), True),  # Sat, worked to bridge Fri 2/5/2025
        (DEFAULT, date(2025, 5, 2), False),  # Fri, the day off it was swapped for
        (DEFAULT, date(2023, 10, 28), False),  # an ordinary Saturday
        (DEFAULT, date(2023, 10, 29), False),  # an ordinary Sunday
        (DEFAULT, date(2023, 10, 30), True),  # an ordinary Monday
        (SAT_WORK, date(2023, 10, 28), True),  # the province's extra working Saturday
        (MON_OFF, date(2023, 10, 30), False),  # the province's extra day off
    ],
)
def test_is_working_day(cal, day, expected):
    assert cal.is_working_day(day) is expected


# --- next_working_moment --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cal", "moment", "expected"),
    [
        (DEFAULT, vn(2023, 10, 30, 9, 15), vn(2023, 10, 30, 9, 15)),  # inside the morning session: itself
        (DEFAULT, vn(2023, 10, 30, 6, 30), vn(2023, 10, 30, 7, 0)),  # before opening → 07:00
        (DEFAULT, vn(2023, 10, 30, 11, 30), vn(2023, 10, 30, 13, 30)),  # a closing instant is not working time
        (DEFAULT, vn(2023, 10, 30, 12, 10), vn(2023, 10, 30, 13, 30)),  # lunch → afternoon opening
        (DEFAULT, vn(2023, 10, 30, 17, 0), vn(2023, 10, 31, 7, 0)),  # closing → next morning
        (DEFAULT, vn(2023, 10, 27, 18, 0), vn(2023, 10, 30, 7, 0)),  # Fri evening → Mon 07:00
        (DEFAULT, vn(2023, 10, 29, 10, 0), vn(2023, 10, 30, 7, 0)),  # Sunday → Mon 07:00
        (DEFAULT, vn(2020, 4, 1, 17, 30), vn(2020, 4, 3, 7, 0)),  # Wed evening, Thu 2/4 Hùng Kings → Fri
        (DESK, vn(2023, 10, 30, 7, 10), vn(2023, 10, 30, 7, 30)),  # this desk opens at 07:30
        (DESK, vn(2023, 10, 30, 12, 45), vn(2023, 10, 30, 13, 0)),  # and reopens at 13:00
        (DEFAULT, datetime(2023, 10, 30, 5, 0, tzinfo=UTC), vn(2023, 10, 30, 13, 30)),  # 05:00 UTC = 12:00 lunch
    ],
)
def test_next_working_moment(cal, moment, expected):
    assert cal.next_working_moment(moment) == expected


# --- add_working_hours ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cal", "start", "hours", "expected"),
    [
        # Wed 15:00–17:00 = 2 h; Thu 2/4 Hùng Kings; Fri 07:00 + 2 h = 09:00 (the pinned postal example)
        (DEFAULT, vn(2020, 4, 1, 15, 0), 4, vn(2020, 4, 3, 9, 0)),
        # received at lunch: counting starts 13:30, + 2 h = 15:30
        (DEFAULT, vn(2023, 10, 30, 12, 10), 2, vn(2023, 10, 30, 15, 30)),
        # received after closing: counting starts Tue 07:00, + 1 h
        (DEFAULT, vn(2023, 10, 30, 18, 0), 1, vn(2023, 10, 31, 8, 0)),
        # received before opening: 07:00 + 1 h
        (DEFAULT, vn(2023, 10, 31, 6, 15), 1, vn(2023, 10, 31, 8, 0)),
        # received on Sunday: Mon 07:00 + 3 h
        (DEFAULT, vn(2023, 10, 29, 10, 0), 3, vn(2023, 10, 30, 10, 0)),
        # 09:00 + 2.5 h ends exactly at 11:30: stays at the closing time, not 13:30
        (DEFAULT, vn(2023, 10, 30, 9, 0), 2.5, vn(2023, 10, 30, 11, 30)),
        # 13:30 + 3.5 h ends exactly at 17:00: stays at 17:00, not Tue 07:00
        (DEFAULT, vn(2023, 10, 30, 13, 30), 3.5, vn(2023, 10, 30, 17, 0)),
        # a full 8 h day from the opening ends at that day's closing
        (DEFAULT, vn(2023, 10, 30, 7, 0), 8, vn(2023, 10, 30, 17, 0)),
        # 16:00 + 1 h = exactly 17:00
        (DEFAULT, vn(2023, 10, 30, 16, 0), 1, vn(2023, 10, 30, 17, 0)),
        # 16:00 + 1.25 h: 1 h to 17:00, 15 min on Tue from 07:00
        (DEFAULT, vn(2023, 10, 30, 16, 0), 1.25, vn(2023, 10, 31, 7, 15)),
        # across lunch: 10:30–11:30 = 1 h, then 13:30 + 1 h
        (DEFAULT, vn(2023, 10, 30, 10, 30), 2, vn(2023, 10, 30, 14, 30)),
        # zero hours = the next working moment: lunch → 13:30
        (DEFAULT, vn(2023, 10, 30, 12, 0), 0, vn(2023, 10, 30, 13, 30)),
        # zero hours inside working time → itself
        (DEFAULT, vn(2023, 10, 30, 9, 15), 0, vn(2023, 10, 30, 9, 15)),
        # zero hours at 17:00 → next opening
        (DEFAULT, vn(2023, 10, 30, 17, 0), 0, vn(2023, 10, 31, 7, 0)),
        # Decimal hours: 07:00 + 1 h 30
        (DEFAULT, vn(2023, 10, 30, 7, 0), Decimal("1.5"), vn(2023, 10, 30, 8, 30)),
        # a timedelta of working time: 07:00 + 90 min
        (DEFAULT, vn(2023, 10, 30, 7, 0), timedelta(minutes=90), vn(2023, 10, 30, 8, 30)),
        # Tết 2020: Wed 16:00–17:00 = 1 h; Thu 23/1 – Wed 29/1 off; Thu 30/1 07:00 + 1 h
        (DEFAULT, vn(2020, 1, 22, 16, 0), 2, vn(2020, 1, 30, 8, 0)),
        # received in the middle of Tết (Sat 25/1/2020): counting starts Thu 30/1 07:00
        (DEFAULT, vn(2020, 1, 25, 10, 0), 1, vn(2020, 1, 30, 8, 0)),
        # Wed 1/9/2021 16:00–17:00 = 1 h; Thu 2/9, Fri 3/9 holidays, weekend; Mon 6/9 07:00 + 1 h
        (DEFAULT, vn(2021, 9, 1, 16, 0), 2, vn(2021, 9, 6, 8, 0)),
        # Fri 3/5/2019 16:00–17:00 = 1 h; Sat 4/5/2019 is a swapped working Saturday: 07:00 + 1 h
        (DEFAULT, vn(2019, 5, 3, 16, 0), 2, vn(2019, 5, 4, 8, 0)),
        # Fri 25/4/2025 16:00–17:00 = 1 h; Sat 26/4/2025 is a swapped working Saturday: 07:00 + 1 h
        (DEFAULT, vn(2025, 4, 25, 16, 0), 2, vn(2025, 4, 26, 8, 0)),
        # the province made Sat 28/10/2023 a working day (default hours): Fri 1 h + Sat 07:00 + 1 h
        (SAT_WORK, vn(2023, 10, 27, 16, 0), 2, vn(2023, 10, 28, 8, 0)),
        # same start on the national calendar: the weekend is skipped, Mon 07:00 + 1 h
        (DEFAULT, vn(2023, 10, 27, 16, 0), 2, vn(2023, 10, 30, 8, 0)),
        # the province gave Mon 30/10/2023 off: Fri 1 h, then Tue 07:00 + 1 h
        (MON_OFF, vn(2023, 10, 27, 16, 0), 2, vn(2023, 10, 31, 8, 0)),
        # desk 07:30–11:30 / 13:00–17:00: received 07:00, starts 07:30, + 4 h = 11:30 (closing, stays)
        (DESK, vn(2023, 10, 30, 7, 0), 4, vn(2023, 10, 30, 11, 30)),
        # desk: received 12:00 (lunch), starts 13:00, + 1 h
        (DESK, vn(2023, 10, 30, 12, 0), 1, vn(2023, 10, 30, 14, 0)),
        # desk: Fri 16:30–17:00 = 30 min, Mon 07:30 + 30 min
        (DESK, vn(2023, 10, 27, 16, 30), 1, vn(2023, 10, 30, 8, 0)),
    ],
)
def test_add_working_hours(cal, start, hours, expected):
    assert cal.add_working_hours(start, hours) == expected


# --- add_working_days -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cal", "start", "days", "expected"),
    [
        # the pinned example: 5 × 8 h from Fri 09:32 → Mon, Tue, Wed, Thu, Fri 3/11 at 09:32
        (DEFAULT, vn(2023, 10, 27, 9, 32), 5, vn(2023, 11, 3, 9, 32)),
        # Tết 2021 (Wed 10/2 – Tue 16/2 off): Tue 9/2 (1), Wed 17 (2), Thu 18 (3), Fri 19 (4), Mon 22 (5),
        # Tue 23 (6), Wed 24 (7), Thu 25 (8), Fri 26 (9), Mon 1/3 (10) at 09:00
        (DEFAULT, vn(2021, 2, 8, 9, 0), 10, vn(2021, 3, 1, 9, 0)),
        # 30/4–1/5/2020: Tue 28 (1), Wed 29 (2), Mon 4/5 (3), Tue 5 (4), Wed 6 (5), Thu 7 (6), Fri 8 (7),
        # Mon 11 (8), Tue 12 (9), Wed 13/5 (10) at 08:00
        (DEFAULT, vn(2020, 4, 27, 8, 0), 10, vn(2020, 5, 13, 8, 0)),
        # Wed 29/4/2020 09:00: Thu 30/4, Fri 1/5 and the weekend skipped: Mon 4/5 (1), Tue 5/5 (2) at 09:00
        (DEFAULT, vn(2020, 4, 29, 9, 0), 2, vn(2020, 5, 5, 9, 0)),
        # Wed 1/9/2021 10:00: Thu 2/9, Fri 3/9 holidays, weekend → Mon 6/9 10:00
        (DEFAULT, vn(2021, 9, 1, 10, 0), 1, vn(2021, 9, 6, 10, 0)),
        # Tet 2020: Tue 21/1 10:00 → Wed 22/1 (1), Thu 30/1 (2), Fri 31/1 (3) at 10:00
        (DEFAULT, vn(2020, 1, 21, 10, 0), 3, vn(2020, 1, 31, 10, 0)),
        # Fri 3/5/2019 09:00 + 1 day → Sat 4/5/2019 (swapped working Saturday) 09:00
        (DEFAULT, vn(2019, 5, 3, 9, 0), 1, vn(2019, 5, 4, 9, 0)),
        # received after closing on Friday: counting from Mon 07:00, 8 h → Mon 17:00 (stays at closing)
        (DEFAULT, vn(2023, 10, 27, 17, 30), 1, vn(2023, 10, 30, 17, 0)),
        # received Fri after closing: counting from Mon 07:00, five full days end Fri 3/11 at 17:00 (not Mon 07:00)
        (DEFAULT, vn(2023, 10, 27, 17, 30), 5, vn(2023, 11, 3, 17, 0)),
        # received Sat 21/10: two full weeks from Mon 23/10 07:00 end Fri 3/11 17:00
        (DEFAULT, vn(2023, 10, 21, 10, 0), 10, vn(2023, 11, 3, 17, 0)),
        # from the opening: one day ends at the same day's closing
        (DEFAULT, vn(2023, 10, 30, 7, 0), 1, vn(2023, 10, 30, 17, 0)),
        # Mon 13:30–17:00 = 3.5 h, Tue 07:00–11:30 = 4.5 h: exactly 8 h at 11:30 → Tue 11:30 (not 13:30)
        (DEFAULT, vn(2023, 10, 30, 13, 30), 1, vn(2023, 10, 31, 11, 30)),
        # Mon 14:00–17:00 = 3 h, Tue morning 4.5 h, Tue 13:30 + 0.5 h = 14:00
        (DEFAULT, vn(2023, 10, 30, 14, 0), 1, vn(2023, 10, 31, 14, 0)),
        # half a day = 4 h: 07:00 + 4 h
        (DEFAULT, vn(2023, 10, 30, 7, 0), Decimal("0.5"), vn(2023, 10, 30, 11, 0)),
        # Fri 09:32–17:00 = 5 h 28; Mon 30/10 is the province's day off; Tue 07:00 + 2 h 32 = 09:32
        (MON_OFF, vn(2023, 10, 27, 9, 32), 1, vn(2023, 10, 31, 9, 32)),
        # zero days on a Sunday → Mon 07:00
        (DEFAULT, vn(2023, 10, 29, 10, 0), 0, vn(2023, 10, 30, 7, 0)),
        # October 2023 has 22 weekdays and no holiday: from Sun 1/10 00:00 the 22nd day ends Tue 31/10 17:00
        (DEFAULT, vn(2023, 10, 1, 0, 0), 22, vn(2023, 10, 31, 17, 0)),
    ],
)
def test_add_working_days(cal, start, days, expected):
    assert cal.add_working_days(start, days) == expected


# --- same_day_due ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cal", "start", "expected"),
    [
        (DEFAULT, vn(2023, 10, 30, 12, 10), vn(2023, 10, 30, 17, 0)),  # lunch → 13:30 ≤ 15:00 → Mon 17:00
        (DEFAULT, vn(2023, 10, 30, 15, 20), vn(2023, 10, 31, 17, 0)),  # after 15:00 → Tue 17:00
        (DEFAULT, vn(2023, 10, 30, 18, 0), vn(2023, 10, 31, 17, 0)),  # → Tue 07:00 ≤ 15:00 → Tue 17:00
        (DEFAULT, vn(2023, 10, 28, 10, 0), vn(2023, 10, 30, 17, 0)),  # Saturday → Mon 07:00 → Mon 17:00
        (DEFAULT, vn(2023, 10, 30, 14, 59), vn(2023, 10, 30, 17, 0)),  # 14:59 ≤ 15:00 → same day
        (DEFAULT, vn(2023, 10, 30, 15, 0), vn(2023, 10, 30, 17, 0)),  # exactly 15:00 → same day
        (DEFAULT, vn(2023, 10, 30, 15, 1), vn(2023, 10, 31, 17, 0)),  # 15:01 → next working day
        (DEFAULT, vn(2023, 10, 30, 6, 0), vn(2023, 10, 30, 17, 0)),  # before opening → 07:00 → same day
        (DEFAULT, vn(2023, 10, 30, 11, 30), vn(2023, 10, 30, 17, 0)),  # 11:30 → 13:30 → same day
        (DEFAULT, vn(2023, 10, 30, 17, 0), vn(2023, 10, 31, 17, 0)),  # 17:00 → Tue 07:00 → Tue 17:00
        (DEFAULT, vn(2023, 10, 27, 15, 30), vn(2023, 10, 30, 17, 0)),  # Fri after 15:00 → Mon 17:00
        (DEFAULT, vn(2020, 4, 1, 15, 30), vn(2020, 4, 3, 17, 0)),  # Wed after 15:00, Thu Hùng Kings → Fri
        (DEFAULT, vn(2020, 1, 22, 15, 30), vn(2020, 1, 30, 17, 0)),  # Wed after 15:00, then Tết → Thu 30/1
        (SAT_WORK, vn(2023, 10, 27, 15, 30), vn(2023, 10, 28, 17, 0)),  # Fri after 15:00, Sat worked
    ],
)
def test_same_day_due(cal, start, expected):
    assert cal.same_day_due(start) == expected


# --- working_time_between -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cal", "a", "b", "expected"),
    [
        (DEFAULT, vn(2023, 10, 30, 10, 0), vn(2023, 10, 30, 15, 0), 3 * H),  # 10:00–11:30 + 13:30–15:00
        (DEFAULT, vn(2023, 10, 27, 16, 0), vn(2023, 10, 30, 8, 0), 2 * H),  # Fri 1 h + weekend 0 + Mon 1 h
        (DEFAULT, vn(2023, 10, 30, 15, 0), vn(2023, 10, 30, 10, 0), timedelta(0)),  # reversed → 0
        (DEFAULT, vn(2023, 10, 30, 10, 0), vn(2023, 10, 30, 10, 0), timedelta(0)),  # empty → 0
        (DEFAULT, vn(2023, 10, 28, 10, 0), vn(2023, 10, 29, 18, 0), timedelta(0)),  # Sat–Sun → 0
        (DEFAULT, vn(2023, 10, 30, 0, 0), vn(2023, 11, 4, 0, 0), 40 * H),  # Mon–Fri, 5 × 8 h
        (DEFAULT, vn(2020, 1, 22, 7, 0), vn(2020, 1, 30, 17, 0), 16 * H),  # Wed 22/1 + Thu 30/1; Tết = 0
        (DEFAULT, vn(2023, 10, 30, 11, 45), vn(2023, 10, 30, 13, 0), timedelta(0)),  # inside lunch
        (DEFAULT, vn(2023, 10, 30, 12, 0), vn(2023, 10, 30, 14, 0), 30 * M),  # 13:30–14:00
        (DEFAULT, vn(2023, 10, 1, 0, 0), vn(2023, 11, 1, 0, 0), 176 * H),  # Oct 2023: 22 weekdays × 8 h
        (DEFAULT, vn(2020, 4, 1, 15, 0), vn(2020, 4, 3, 9, 0), 4 * H),  # Wed 2 h, Thu holiday, Fri 2 h
        (DESK, vn(2023, 10, 30, 7, 0), vn(2023, 10, 30, 13, 30), 4 * H + 30 * M),  # 07:30–11:30 + 13:00–13:30
        (MON_OFF, vn(2023, 10, 27, 16, 0), vn(2023, 10, 31, 8, 0), 2 * H),  # Fri 1 h, Mon off, Tue 1 h
        # Sun 22/10 0, Mon 23/10 – Fri 27/10 = 40 h, Sat 0, the worked Sunday 29/10 07:00–09:00 = 2 h
        (SUN_WORK, vn(2023, 10, 22, 0, 0), vn(2023, 10, 29, 9, 0), 42 * H),
        # the same Sunday as a start: Sun 07:00–17:00 = 8 h, then Mon 30/10 07:00–09:00 = 2 h
        (SUN_WORK, vn(2023, 10, 29, 0, 0), vn(2023, 10, 30, 9, 0), 10 * H),
        # 03:00 UTC = 10:00 local, 08:00 UTC = 15:00 local: same as the first row
        (DEFAULT, datetime(2023, 10, 30, 3, 0, tzinfo=UTC), datetime(2023, 10, 30, 8, 0, tzinfo=UTC), 3 * H),
    ],
)
def test_working_time_between(cal, a, b, expected):
    assert cal.working_time_between(a, b) == expected


# --- due_at with pauses ---------------------------------------------------------------------------------------
TUE = (2023, 10, 31)


@pytest.mark.parametrize(
    ("start", "value", "unit", "pauses", "as_of", "expected"),
    [
        # no pause: the pinned 5-working-day example
        (vn(2023, 10, 27, 9, 32), 5, "working_days", (), None, vn(2023, 11, 3, 9, 32)),
        # no pause: the pinned 4-working-hour example across Hùng Kings
        (vn(2020, 4, 1, 15, 0), 4, "working_hours", (), None, vn(2020, 4, 3, 9, 0)),
        # no pause: same day received 15:20 → next day's closing
        (vn(2023, 10, 30, 15, 20), 1, "same_day", (), None, vn(2023, 10, 31, 17, 0)),
        # 2 days from Mon 09:00 = Wed 09:00; paused Tue 09:00 → Wed 09:00 = 8 h (one working day) → Thu 09:00
        (
            vn(2023, 10, 30, 9, 0),
            2,
            "working_days",
            [(vn(*TUE, 9, 0), vn(2023, 11, 1, 9, 0))],
            None,
            vn(2023, 11, 2, 9, 0),
        ),
        # 5 days from Mon 23/10 09:00 = Mon 30/10 09:00; paused Fri 16:00 → Mon 08:00 = 1 h + 0 + 1 h → 11:00
        (
            vn(2023, 10, 23, 9, 0),
            5,
            "working_days",
            [(vn(2023, 10, 27, 16, 0), vn(2023, 10, 30, 8, 0))],
            None,
            vn(2023, 10, 30, 11, 0),
        ),
        # open pause since Tue 10:00, as of Tue 14:00: 10:00–11:30 + 13:30–14:00 = 2 h; Wed 09:00 + 2 h
        (vn(2023, 10, 30, 9, 0), 2, "working_days", [(vn(*TUE, 10, 0), None)], vn(*TUE, 14, 0), vn(2023, 11, 1, 11, 0)),
        # overlapping pauses 09:00–11:00 and 10:00–14:00 = one pause 09:00–14:00 = 2.5 h + 0.5 h = 3 h;
        # Wed 09:00 + 3 h: 2.5 h to 11:30, 0.5 h from 13:30 → 14:00 (double counting would give 15:00)
        (
            vn(2023, 10, 30, 9, 0),
            2,
            "working_days",
            [(vn(*TUE, 9, 0), vn(*TUE, 11, 0)), (vn(*TUE, 10, 0), vn(*TUE, 14, 0))],
            None,
            vn(2023, 11, 1, 14, 0),
        ),
        # a pause nested in another (10:00–11:00 inside 09:00–14:00) adds nothing: 3 h → Wed 14:00
        (
            vn(2023, 10, 30, 9, 0),
            2,
            "working_days",
            [(vn(*TUE, 10, 0), vn(*TUE, 11, 0)), (vn(*TUE, 9, 0), vn(*TUE, 14, 0))],
            None,
            vn(2023, 11, 1, 14, 0),
        ),
        # adjacent pauses 09:00–10:00 and 10:00–11:00 = 2 h: Wed 09:00 + 2 h
        (
            vn(2023, 10, 30, 9, 0),
            2,
            "working_days",
            [(vn(*TUE, 9, 0), vn(*TUE, 10, 0)), (vn(*TUE, 10, 0), vn(*TUE, 11, 0))],
            None,
            vn(2023, 11, 1, 11, 0),
        ),
        # 4 working hours (Fri 3/4/2020 09:00) + a 30 min pause on Wed 16:00–16:30 → Fri 09:30
        (
            vn(2020, 4, 1, 15, 0),
            4,
            "working_hours",
            [(vn(2020, 4, 1, 16, 0), vn(2020, 4, 1, 16, 30))],
            None,
            vn(2020, 4, 3, 9, 30),
        ),
        # same day from Mon 15:20 is 1 h 40 + 8 h; pause Tue 08:00–09:00 adds 1 h: Mon 1 h 40, Tue 8 h, Wed 07:00 + 1 h
        (
            vn(2023, 10, 30, 15, 20),
            1,
            "same_day",
            [(vn(*TUE, 8, 0), vn(*TUE, 9, 0))],
            None,
            vn(2023, 11, 1, 8, 0),
        ),
        # 3 days from Mon 20/1/2020 09:00 = Tue 21, Wed 22, Thu 30/1 09:00; pause Wed 22/1 16:00 → Thu 30/1 08:00
        # covers only 1 h + 1 h of working time (Tết is not working time) → Thu 30/1 11:00
        (
            vn(2020, 1, 20, 9, 0),
            3,
            "working_days",
            [(vn(2020, 1, 22, 16, 0), vn(2020, 1, 30, 8, 0))],
            None,
            vn(2020, 1, 30, 11, 0),
        ),
        # paused from acceptance Mon 09:00, still open as of Wed 09:00 = 16 h; 1 day + 16 h = 24 h → Thu 09:00
        (
            vn(2023, 10, 30, 9, 0),
            1,
            "working_days",
            [(vn(2023, 10, 30, 9, 0), None)],
            vn(2023, 11, 1, 9, 0),
            vn(2023, 11, 2, 9, 0),
        ),
        # a pause that began before acceptance counts only from acceptance: Mon 09:00–10:00 = 1 h; 1 h + 1 h → 11:00
        (
            vn(2023, 10, 30, 9, 0),
            1,
            "working_hours",
            [(vn(2023, 10, 27, 9, 0), vn(2023, 10, 30, 10, 0))],
            None,
            vn(2023, 10, 30, 11, 0),
        ),
        # 2.5 working days = 20 h from Mon 07:00: Mon 8 h, Tue 8 h, Wed 07:00 + 4 h
        (vn(2023, 10, 30, 7, 0), Decimal("2.5"), "working_days", (), None, vn(2023, 11, 1, 11, 0)),
        # pause in UTC: 02:00–03:00 UTC on Tue = 09:00–10:00 local = 1 h → Wed 09:00 + 1 h
        (
            vn(2023, 10, 30, 9, 0),
            2,
            "working_days",
            [(datetime(*TUE, 2, 0, tzinfo=UTC), datetime(*TUE, 3, 0, tzinfo=UTC))],
            None,
            vn(2023, 11, 1, 10, 0),
        ),
    ],
)
def test_due_at(start, value, unit, pauses, as_of, expected):
    assert DEFAULT.due_at(start, value, unit, pauses=pauses, as_of=as_of) == expected


@pytest.mark.parametrize(
    "start",
    [
        vn(2023, 10, 27, 9, 32),
        vn(2023, 10, 30, 12, 10),
        vn(2023, 10, 30, 15, 0),
        vn(2023, 10, 30, 15, 1),
        vn(2023, 10, 30, 17, 0),
        vn(2023, 10, 28, 10, 0),
        vn(2020, 1, 22, 16, 0),
        vn(2020, 4, 1, 15, 0),
    ],
)
def test_due_at_without_pauses_equals_the_unit_functions(start):
    assert DEFAULT.due_at(start, 3, "working_days") == DEFAULT.add_working_days(start, 3)
    assert DEFAULT.due_at(start, 4, "working_hours") == DEFAULT.add_working_hours(start, 4)
    assert DEFAULT.due_at(start, 1, "same_day") == DEFAULT.same_day_due(start)


# --- timeliness -----------------------------------------------------------------------------------------------
DUE = vn(2023, 11, 3, 9, 32)  # Fri 3/11/2023 09:32


@pytest.mark.parametrize(
    ("completed", "due", "expected"),
    [
        (vn(2023, 11, 2, 16, 0), DUE, "early"),  # the day before the due day
        (vn(2023, 11, 2, 23, 59), DUE, "early"),  # last minute of the day before
        (vn(2023, 11, 3, 8, 0), DUE, "on_time"),  # on the due day, before the due moment
        (vn(2023, 11, 3, 9, 32), DUE, "on_time"),  # exactly at the due moment
        (vn(2023, 11, 3, 9, 33), DUE, "late"),  # a minute after the due moment
        (vn(2023, 11, 6, 8, 0), DUE, "late"),  # the next working day
        (datetime(2023, 11, 2, 17, 30, tzinfo=UTC), DUE, "on_time"),  # 17:30 UTC Thu = 00:30 Fri local
        (datetime(2023, 11, 2, 16, 59, tzinfo=UTC), DUE, "early"),  # 16:59 UTC Thu = 23:59 Thu local
        (vn(2023, 10, 31, 17, 0, 1), vn(2023, 10, 31, 17, 0), "late"),  # one second after a 17:00 due moment
    ],
)
def test_timeliness(completed, due, expected):
    assert timeliness(completed, due, VN_TZ) == expected


# --- errors and the value itself ------------------------------------------------------------------------------
NAIVE = datetime(2023, 10, 30, 9, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: DEFAULT.next_working_moment(NAIVE),
        lambda: DEFAULT.add_working_hours(NAIVE, 1),
        lambda: DEFAULT.add_working_days(NAIVE, 1),
        lambda: DEFAULT.same_day_due(NAIVE),
        lambda: DEFAULT.working_time_between(NAIVE, vn(2023, 10, 30, 10, 0)),
        lambda: DEFAULT.working_time_between(vn(2023, 10, 30, 8, 0), NAIVE),
        lambda: DEFAULT.due_at(NAIVE, 1, "working_days"),
        lambda: DEFAULT.due_at(vn(2023, 10, 30, 9, 0), 1, "working_days", pauses=[(NAIVE, None)], as_of=NAIVE),
        lambda: timeliness(NAIVE, DUE, VN_TZ),
        lambda: timeliness(DUE, NAIVE, VN_TZ),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: DEFAULT.due_at(vn(2023, 10, 30, 9, 0), 1, "calendar_days"), ValueError),  # unknown unit
        (lambda: DEFAULT.due_at(vn(2023, 10, 30, 9, 0), 1, "working_days", [(vn(*TUE, 9, 0), None)]), ValueError),
        (
            lambda: DEFAULT.due_at(vn(2023, 10, 30, 9, 0), 1, "working_days", [(vn(*TUE, 9, 0), vn(*TUE, 8, 0))]),
            ValueError,
        ),  # a pause resumed before it started
        (lambda: DEFAULT.add_working_hours(vn(2023, 10, 30, 9, 0), -1), ValueError),
        (lambda: DEFAULT.add_working_days(vn(2023, 10, 30, 9, 0), Decimal("-0.5")), ValueError),
        (lambda: DEFAULT.add_working_hours(vn(2023, 10, 30, 9, 0), True), TypeError),
        (lambda: DEFAULT.add_working_hours(vn(2023, 10, 30, 9, 0), "4"), TypeError),
        (lambda: DEFAULT.add_working_days(vn(2023, 10, 30, 9, 0), timedelta(days=1)), TypeError),
        (lambda: WorkingCalendar(sessions=((time(7), time(12)), (time(11), time(17)))), ValueError),  # overlap
        (lambda: WorkingCalendar(sessions=((time(13), time(17)), (time(7), time(11)))), ValueError),  # unordered
        (lambda: WorkingCalendar(sessions=((time(11), time(7)),)), ValueError),  # closes before it opens
        (lambda: WorkingCalendar(sessions=()), ValueError),
        (lambda: DEFAULT.is_working_day(NAIVE), TypeError),  # a datetime is not a date here
    ],
)
def test_invalid_input(call, error):
    with pytest.raises(error):
        call()


def test_results_are_in_the_calendar_zone():
    start = datetime(2023, 10, 30, 2, 0, tzinfo=UTC)  # 09:00 local
    due = DEFAULT.add_working_hours(start, 1)
    assert due.tzinfo is VN_TZ
    assert (due.hour, due.minute) == (10, 0)
    assert DEFAULT.next_working_moment(start).tzinfo is VN_TZ


def test_day_length():
    assert DEFAULT.day_length() == 8 * H
    assert DESK.day_length() == 8 * H
    assert WorkingCalendar(sessions=((time(8), time(12)),)).day_length() == 4 * H


def test_calendar_is_a_hashable_value():
    a = WorkingCalendar(extra_days_off={date(2023, 10, 30)})  # a plain set is accepted and frozen
    b = WorkingCalendar(extra_days_off=frozenset({date(2023, 10, 30)}))
    assert a == b == MON_OFF
    assert hash(a) == hash(b)
    assert isinstance(a.extra_days_off, frozenset)
    assert a != DEFAULT


# --- cross-check against an independent minute-by-minute oracle -----------------------------------------------
# Not hand-written rows: a deliberately naive reference (walks the calendar one minute at a time, reading the
# holidays package directly) to catch errors in the day/week skipping on spans the tables above do not cover.
def _oracle_minute_is_working(cal, moment, vn_holidays):
    d = moment.date()
    if d in cal.extra_working_days:
        works = True
    elif d in cal.extra_days_off:
        works = False
    else:
        works = vn_holidays.is_working_day(d)
    return works and any(opening <= moment.time() < closing for opening, closing in cal.sessions)


def _oracle_add_minutes(cal, start, minutes, vn_holidays):
    moment, elapsed = start, 0
    while True:
        if _oracle_minute_is_working(cal, moment, vn_holidays):
            elapsed += 1
            if elapsed == minutes:
                return moment + M
        moment += M


ORACLE_CASES = [
    (DEFAULT, vn(2020, 1, 20, 10, 17), 3 * 480 + 7),  # through Tết 2020
    (DEFAULT, vn(2020, 1, 2, 16, 59), 30 * 480),  # 30 days through Tết 2020
    (DEFAULT, vn(2020, 3, 30, 11, 29), 25 * 480 + 1),  # Hùng Kings and 30/4–1/5/2020
    (DEFAULT, vn(2020, 4, 26, 3, 0), 5 * 480),  # from a Sunday night, across 30/4–1/5
    (DEFAULT, vn(2021, 2, 5, 13, 31), 12 * 480 + 210),  # Tết 2021
    (DEFAULT, vn(2021, 8, 30, 17, 0), 4 * 480),  # 2/9 + 3/9/2021
    (DEFAULT, vn(2019, 4, 26, 12, 0), 7 * 480 + 270),  # 29/4–1/5/2019 and the worked Saturday 4/5/2019
    (DEFAULT, vn(2025, 4, 21, 7, 0), 10 * 480),  # worked Saturday 26/4/2025, 30/4, 1/5, 2/5/2025
    (DEFAULT, vn(2023, 12, 25, 9, 45), 20 * 480),  # New Year 2024 and the following weeks
    (SAT_WORK, vn(2023, 10, 23, 8, 8), 6 * 480),
    (MON_OFF, vn(2023, 10, 16, 7, 0), 15 * 480 - 1),
    (DESK, vn(2023, 10, 26, 11, 59), 9 * 480 + 33),
    (DEFAULT, vn(2023, 10, 21, 10, 0), 10 * 480),  # whole weeks from a Saturday
    (SUN_WORK, vn(2023, 10, 20, 16, 0), 7 * 480),
]


@pytest.mark.parametrize(("cal", "start", "minutes"), ORACLE_CASES)
def test_matches_minute_by_minute_oracle(cal, start, minutes):
    import holidays

    vn_holidays = holidays.country_holidays("VN")
    expected = _oracle_add_minutes(cal, start, minutes, vn_holidays)
    assert cal.add_working_hours(start, minutes * M) == expected
    assert cal.working_time_between(start, expected) == minutes * M
    if minutes % 480 == 0:
        assert cal.add_working_days(start, minutes // 480) == expected


def test_pickled_calendar_leaves_its_memos_behind():
    import pickle

    cal = WorkingCalendar(extra_days_off=frozenset({date(2023, 10, 30)}))
    fresh = len(pickle.dumps(cal))
    cal.add_working_days(vn(2023, 1, 2, 9, 0), 250)  # fills the per-date memo with about a year of dates
    copy = pickle.loads(pickle.dumps(cal))
    assert len(pickle.dumps(cal)) == fresh
    assert copy == cal
    assert copy.add_working_days(vn(2023, 10, 27, 9, 32), 1) == vn(2023, 10, 31, 9, 32)  # Mon 30/10 still off
