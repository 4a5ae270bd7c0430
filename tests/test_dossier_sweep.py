"""The deadline sweep: each dossier alerted once per due moment, however often it runs."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import services
from dossiers.models import ClockAlert, DossierEvent, Notification
from dossiers.tasks import sweep_deadlines
from tests.dossier_helpers import make_dossier
from tests.factories import HeadFactory, OfficerFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def vn(*args):
    return datetime(*args, tzinfo=VN)


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
