"""The life of a dossier through the service door: states, clocks, events, notifications."""

from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import services
from dossiers.models import ClockPause, DossierEvent, Notification, Status
from portal.calendar import vn
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def test_accept_sets_the_appointment_from_the_working_calendar():
    # 5 working days from 09:32 Friday 27/10/2023 → 09:32 Friday 03/11/2023 (the pinned convention).
    dossier = make_dossier("accepted", at=vn(2023, 10, 27, 9, 32))
    assert dossier.status == Status.ACCEPTED
    assert dossier.received_at == vn(2023, 10, 27, 9, 32)
    assert dossier.due_at == vn(2023, 11, 3, 9, 32)
    # "due soon" one working day (8 h) before: 09:32 Thursday 02/11/2023.
    assert dossier.warn_at == vn(2023, 11, 2, 9, 32)
    assert dossier.snap_processing_unit == "working_days" and dossier.snap_fee == dossier.procedure.fee
    assert dossier.events.filter(action="accept", from_status="submitted", to_status="accepted").count() == 1


def test_the_code_carries_the_unit_date_and_a_daily_sequence():
    officer = OfficerFactory()
    first = make_dossier("draft", officer=officer, at=vn(2023, 10, 27, 9, 0))
    second = make_dossier("draft", officer=officer, at=vn(2023, 10, 27, 10, 0))
    next_day = make_dossier("draft", officer=officer, at=vn(2023, 10, 30, 8, 0))
    prefix = officer.desk.agency.code
    assert [first.code, second.code, next_day.code] == [
        f"{prefix}-231027-0001",
        f"{prefix}-231027-0002",
        f"{prefix}-231030-0001",
    ]


def test_same_day_procedure_received_after_1500_is_due_next_working_day():
    officer = OfficerFactory()
    procedure = ProcedureFactory(same_day=True, province=officer.desk.province, agency=officer.desk.agency)
    # Wednesday 01/04/2020 15:20; Thursday 02/04/2020 is the Hùng Kings holiday → Friday 03/04 17:00.
    dossier = make_dossier("accepted", officer=officer, procedure=procedure, at=vn(2020, 4, 1, 15, 20))
    assert dossier.due_at == vn(2020, 4, 3, 17, 0)


def test_snapshot_is_not_rewritten_by_catalog_edits():
    dossier = make_dossier("accepted", at=vn(2023, 10, 27, 9, 32))
    procedure = dossier.procedure
    procedure.processing_time_value = 20
    procedure.fee = 500000
    procedure.save()
    officer = dossier.officer
    with time_machine.travel(vn(2023, 10, 30, 9, 0), tick=False):
        dossier = services.pause(dossier, officer, "Chờ xác minh")
        dossier = services.resume(dossier, officer)
    assert dossier.snap_fee == 0
    assert dossier.snap_processing_value == 5


def test_pause_moves_the_due_moment_by_the_working_time_paused():
    dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    officer = dossier.officer
    # Paused Monday 30/10 09:00 → resumed Tuesday 31/10 09:00: one working day (8 h) paused.
    with time_machine.travel(vn(2023, 10, 30, 9, 0), tick=False):
        dossier = services.pause(dossier, officer, "Chờ kết quả xác minh")
    assert dossier.status == Status.PAUSED
    with time_machine.travel(vn(2023, 10, 31, 9, 0), tick=False):
        dossier = services.resume(dossier, officer)
    assert dossier.status == Status.PROCESSING
    assert dossier.due_at == vn(2023, 11, 6, 9, 32)  # Friday 03/11 09:32 + 1 working day → Monday 06/11 09:32
    pause = ClockPause.objects.get(dossier=dossier)
    assert (pause.started_at, pause.ended_at) == (vn(2023, 10, 30, 9, 0), vn(2023, 10, 31, 9, 0))


def test_a_pause_over_a_weekend_counts_only_working_time():
    dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    officer = dossier.officer
    # Friday 27/10 16:00 → Monday 30/10 08:00: 1 h on Friday + 1 h on Monday.
    with time_machine.travel(vn(2023, 10, 27, 16, 0), tick=False):
        dossier = services.pause(dossier, officer, "Chờ ý kiến")
    with time_machine.travel(vn(2023, 10, 30, 8, 0), tick=False):
        dossier = services.resume(dossier, officer)
    # Friday 03/11 09:32 + 2 working hours: 1 h 58 min to the 11:30 closing, 2 min after 13:30 → 13:32.
    assert dossier.due_at == vn(2023, 11, 3, 13, 32)


def test_supplement_at_intake_is_asked_once_with_everything_missing():
    dossier = make_dossier("submitted")
    officer, citizen = dossier.officer, dossier.citizen
    dossier = services.request_supplement(dossier, officer, "Thiếu bản sao CCCD", missing=["CCCD"])
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    dossier = services.supplement(dossier, citizen)
    assert dossier.status == Status.SUBMITTED
    with pytest.raises(services.DossierError) as refused:
        services.request_supplement(dossier, officer, "Thiếu tờ khai")
    assert "một lần" in refused.value.message
    assert Notification.objects.filter(dossier=dossier, kind="supplement_requested", channel="sms").count() == 1


def test_supplement_during_processing_stops_the_clock_until_supplemented():
    dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    citizen = dossier.citizen
    with time_machine.travel(vn(2023, 10, 30, 9, 0), tick=False):
        dossier = services.request_supplement(dossier, dossier.officer, "Bổ sung bản vẽ")
    assert dossier.paused
    with time_machine.travel(vn(2023, 11, 1, 9, 0), tick=False):
        dossier = services.supplement(dossier, citizen)
    assert dossier.status == Status.PROCESSING and not dossier.paused
    # Two working days paused (Mon 09:00 → Wed 09:00) → Tuesday 07/11 09:32.
    assert dossier.due_at == vn(2023, 11, 7, 9, 32)


@pytest.mark.parametrize(
    ("completed_at", "expected"),
    [
        (vn(2023, 11, 2, 16, 0), "early"),  # the day before the due day
        (vn(2023, 11, 3, 9, 32), "on_time"),  # the due moment itself
        (vn(2023, 11, 3, 9, 33), "late"),  # a minute after
    ],
)
def test_completion_classifies_timeliness(completed_at, expected):
    dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    with time_machine.travel(completed_at, tick=False):
        dossier = services.complete(dossier, dossier.officer, "approved")
    assert dossier.status == Status.COMPLETED
    assert dossier.timeliness == expected
    assert dossier.completed_at == completed_at


def test_denied_result_needs_a_reason():
    dossier = make_dossier("processing")
    officer = dossier.officer
    with pytest.raises(services.DossierError) as refused:
        services.complete(dossier, officer, "denied")
    assert refused.value.field == "reason"
    dossier = services.complete(dossier, officer, "denied", reason="Không đủ điều kiện")
    assert (dossier.status, dossier.outcome) == (Status.COMPLETED, "denied")


def test_apology_moves_the_due_moment_once_and_only_before_it():
    dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    officer = dossier.officer
    with time_machine.travel(vn(2023, 11, 2, 10, 0), tick=False):
        dossier = services.apologize(dossier, officer, vn(2023, 11, 10, 16, 0), "Chờ ý kiến liên ngành")
        assert dossier.due_at == vn(2023, 11, 10, 16, 0)
        assert dossier.original_due_at == vn(2023, 11, 3, 9, 32)
        with pytest.raises(services.DossierError) as twice:
            services.apologize(dossier, officer, vn(2023, 11, 15, 16, 0), "Lần hai")
        assert "một lần" in twice.value.message
    assert Notification.objects.filter(dossier=dossier, kind="apology").exists()

    late = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    with time_machine.travel(vn(2023, 11, 3, 10, 0), tick=False), pytest.raises(services.DossierError) as after:
        services.apologize(late, late.officer, vn(2023, 11, 10, 16, 0), "Quá hạn rồi")
    assert "trước thời hạn" in after.value.message


def test_an_action_the_status_does_not_allow_is_refused_in_vietnamese():
    dossier = make_dossier("submitted")
    with pytest.raises(services.TransitionNotAllowed) as refused:
        services.complete(dossier, dossier.officer, "approved")
    assert "Mới đăng ký" in refused.value.message
    assert DossierEvent.objects.filter(dossier=dossier, action="complete").count() == 0


def test_withdraw_closes_an_open_pause():
    dossier = make_dossier("processing")
    citizen = dossier.citizen
    dossier = services.pause(dossier, dossier.officer, "Chờ")
    dossier = services.withdraw(dossier, citizen)
    assert dossier.status == Status.WITHDRAWN
    assert not ClockPause.objects.filter(dossier=dossier, ended_at__isnull=True).exists()


def test_return_and_rate_once():
    dossier = make_dossier("returned")
    citizen = dossier.citizen
    assert dossier.status == Status.RETURNED and dossier.returned_at is not None
    dossier = services.rate(dossier, citizen, 5, "Nhanh, chu đáo")
    assert dossier.rating == 5
    with pytest.raises(services.DossierError):
        services.rate(dossier, citizen, 4)


def test_only_the_officer_of_the_desk_may_accept():
    dossier = make_dossier("submitted")
    with pytest.raises(services.NotPermitted):
        services.accept(dossier, OfficerFactory())
    with pytest.raises(services.NotPermitted):
        services.accept(dossier, dossier.citizen)


def test_notifications_are_recorded_once_per_transition(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = make_dossier("returned")
    kinds = sorted(Notification.objects.filter(dossier=dossier, channel="sms").values_list("kind", flat=True))
    assert kinds == ["accepted", "result_ready", "returned"]
    assert Notification.objects.filter(dossier=dossier, channel="sms", state="sent").count() == 3


def test_a_claim_keeps_other_officers_off_until_it_runs_out():
    from dossiers.services import claims

    dossier = make_dossier("submitted", at=vn(2023, 10, 27, 9, 0))
    first, second = dossier.officer, OfficerFactory(desk=dossier.desk)
    with time_machine.travel(vn(2023, 10, 27, 9, 5), tick=False):
        claims.claim(dossier, first)
        with pytest.raises(services.ClaimTaken):
            claims.claim(dossier, second)
        with pytest.raises(services.ClaimTaken) as taken:
            services.accept(dossier, second)
        assert first.full_name in taken.value.message
    # The 30-minute lease ran out: the second officer may take it.
    with time_machine.travel(vn(2023, 10, 27, 9, 36), tick=False):
        claims.claim(dossier, second)
        assert services.accept(dossier, second).status == Status.ACCEPTED
