"""The deadline sweep: each dossier alerted once per due moment, however often it runs."""

from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import services
from dossiers.models import ClockAlert, DossierEvent, Notification
from dossiers.tasks import sweep_deadlines
from portal.calendar import vn
from tests.dossier_helpers import make_dossier
from tests.factories import HeadFactory, OfficerFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def test_due_soon_then_overdue_each_alerted_once_to_desk_and_head():
    officer = OfficerFactory()
    colleague = OfficerFactory(desk=officer.desk)
    head = HeadFactory(agency=officer.desk.agency)
    dossier = make_dossier("processing", officer=officer, at=vn(2023, 10, 27, 9, 32))  # due Fri 03/11 09:32
    with time_machine.travel(vn(2023, 11, 2, 9, 0), tick=False):
        assert sweep_deadlines() == 0  # warn_at is Thu 02/11 09:32
    with time_machine.travel(vn(2023, 11, 2, 9, 33), tick=False):
        assert sweep_deadlines() == 1
        assert sweep_deadlines() == 0  # run twice: one alert
    staff_notes = Notification.objects.filter(dossier=dossier, channel="staff", kind="due_soon")
    assert sorted(staff_notes.values_list("recipient", flat=True)) == sorted(
        [officer.username, colleague.username, head.username]
    )
    assert "phiếu xin lỗi" in staff_notes.first().body
    with time_machine.travel(vn(2023, 11, 3, 9, 33), tick=False):
        assert sweep_deadlines() == 1
        assert sweep_deadlines() == 0
    assert ClockAlert.objects.filter(dossier=dossier).count() == 2
    assert DossierEvent.objects.filter(dossier=dossier, action="overdue").count() == 1
    dossier.refresh_from_db()
    assert dossier.next_alert_at is None


def test_a_dossier_missed_by_several_ticks_gets_both_alerts_in_one_run():
    dossier = make_dossier("accepted", at=vn(2023, 10, 27, 9, 32))
    with time_machine.travel(vn(2023, 11, 6, 8, 0), tick=False):
        assert sweep_deadlines() == 2
    assert set(ClockAlert.objects.filter(dossier=dossier).values_list("kind", flat=True)) == {"due_soon", "overdue"}


def test_paused_and_completed_dossiers_are_not_alerted():
    paused = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    with time_machine.travel(vn(2023, 10, 30, 9, 0), tick=False):
        services.pause(paused, paused.officer, "Chờ xác minh")
    done = make_dossier("completed", at=vn(2023, 10, 27, 9, 32))
    with time_machine.travel(vn(2023, 12, 1, 9, 0), tick=False):
        assert sweep_deadlines() == 0
    assert not ClockAlert.objects.filter(dossier__in=[paused, done]).exists()


def test_an_apology_moves_the_due_moment_and_the_new_one_alerts_again():
    dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    officer = dossier.officer
    with time_machine.travel(vn(2023, 11, 2, 9, 40), tick=False):
        assert sweep_deadlines() == 1  # due soon
        services.apologize(dossier, officer, vn(2023, 11, 10, 16, 0), "Chờ ý kiến")
    with time_machine.travel(vn(2023, 11, 3, 10, 0), tick=False):
        assert sweep_deadlines() == 0  # the old due moment no longer alerts
    with time_machine.travel(vn(2023, 11, 10, 16, 1), tick=False):
        assert sweep_deadlines() == 2  # due soon and overdue for the new moment


def _texts(kind, code, due):
    if kind == "due_soon":
        return (
            f"Hồ sơ {code} sắp đến hạn ({due})",
            f"Hồ sơ {code} đến hạn trả kết quả lúc {due}. Nếu không kịp, lập phiếu xin lỗi và hẹn lại ngày trả "
            "kết quả trước thời hạn.",
        )
    return f"Hồ sơ {code} đã quá hạn ({due})", f"Hồ sơ {code} đã quá hạn trả kết quả (hạn {due})."


def test_one_batch_mixing_due_soon_and_overdue_at_several_desks_tells_each_desk_its_own_once():
    officer_a = OfficerFactory()
    colleague_a = OfficerFactory(desk=officer_a.desk)
    OfficerFactory(desk=officer_a.desk, is_active=False)
    head_a = HeadFactory(agency=officer_a.desk.agency)
    officer_b = OfficerFactory()  # another desk, agency and province
    head_b = HeadFactory(agency=officer_b.desk.agency)
    soon = make_dossier("processing", officer=officer_a, at=vn(2023, 10, 27, 9, 32))  # due Fri 03/11 09:32
    late = make_dossier("accepted", officer=officer_b, at=vn(2023, 10, 20, 9, 32))  # due Fri 27/10 09:32
    with time_machine.travel(vn(2023, 11, 2, 10, 0), tick=False):
        assert sweep_deadlines(batch_size=10) == 3
        assert sweep_deadlines(batch_size=10) == 0
    expected = {
        (soon.pk, "due_soon"): ("03/11/2023", {officer_a, colleague_a, head_a}),
        (late.pk, "due_soon"): ("27/10/2023", {officer_b, head_b}),
        (late.pk, "overdue"): ("27/10/2023", {officer_b, head_b}),
    }
    alerts = set(ClockAlert.objects.values_list("dossier_id", "kind"))
    assert alerts == set(expected)
    for (dossier_id, kind), (day, people) in expected.items():
        dossier = soon if dossier_id == soon.pk else late
        subject, body = _texts(kind, dossier.code, f"09:32 {day}")
        notes = Notification.objects.filter(dossier_id=dossier_id, kind=kind)
        assert sorted(notes.values_list("recipient", flat=True)) == sorted(u.username for u in people)
        assert set(notes.values_list("channel", "key", "subject", "body", "state", "recipient_user_id")) == {
            ("staff", dossier.due_at.isoformat(), subject, body, "pending", u.pk) for u in people
        }
        event = DossierEvent.objects.get(dossier_id=dossier_id, action=kind)
        assert (event.note, event.from_status, event.to_status) == (subject, dossier.status, dossier.status)
        assert event.actor_id is None and event.data == {}
    soon.refresh_from_db()
    late.refresh_from_db()
    assert soon.next_alert_at == soon.due_at  # overdue still to come
    assert late.next_alert_at is None
    assert not Notification.objects.exclude(channel="staff").filter(kind__in=["due_soon", "overdue"]).exists()


def test_an_alert_already_recorded_is_not_repeated_and_the_clock_moves_on():
    dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
    ClockAlert.objects.create(dossier=dossier, kind="due_soon", due_at=dossier.due_at, at=dossier.warn_at)
    with time_machine.travel(vn(2023, 11, 2, 10, 0), tick=False):
        assert sweep_deadlines() == 0
    assert not Notification.objects.filter(kind="due_soon", channel="staff").exists()
    assert not DossierEvent.objects.filter(dossier=dossier, action="due_soon").exists()
    dossier.refresh_from_db()
    assert dossier.next_alert_at == dossier.due_at


def test_a_batch_costs_the_same_statements_for_one_dossier_or_many():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = OfficerFactory()
    HeadFactory(agency=officer.desk.agency)
    make_dossier("processing", officer=officer, at=vn(2023, 10, 20, 9, 32))
    with time_machine.travel(vn(2023, 11, 6, 8, 0), tick=False), CaptureQueriesContext(connection) as one:
        assert sweep_deadlines(batch_size=50) == 2
    for _ in range(5):
        make_dossier("processing", officer=OfficerFactory(), at=vn(2023, 10, 23, 9, 32))
    with time_machine.travel(vn(2023, 11, 13, 8, 0), tick=False), CaptureQueriesContext(connection) as many:
        assert sweep_deadlines(batch_size=50) == 10
    assert len(many) == len(one) <= 12, [q["sql"][:80] for q in many.captured_queries]
