"""Deadline alerts as the staff read them (issue 11, point 8): "sắp đến hạn" never fires at the moment of
acceptance, and a finished dossier's alerts stop showing as unread."""

from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from dossiers import services
from dossiers.models import ClockAlert, Notification
from dossiers.tasks import sweep_deadlines
from portal.calendar import vn
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return OfficerFactory()


def test_a_same_day_dossier_is_not_due_soon_the_moment_it_is_accepted(officer):
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, same_day=True)
    # Accepted Monday 13/11/2023 09:00, due that day at 17:00: 6 working hours, fewer than the 8 h warning.
    dossier = make_dossier("accepted", officer=officer, procedure=procedure, at=vn(2023, 11, 13, 9, 0))
    assert dossier.due_at == vn(2023, 11, 13, 17, 0)
    assert dossier.warn_at > dossier.received_at
    with time_machine.travel(vn(2023, 11, 13, 9, 0), tick=False):
        assert sweep_deadlines() == 0
    assert not ClockAlert.objects.filter(dossier=dossier).exists()
    assert not Notification.objects.filter(dossier=dossier, channel="staff").exists()
    # Half way through its working time (3 h of 6: 2 h 30 to the 11:30 lunch, 30 min after 13:30) it is due soon.
    assert dossier.warn_at == vn(2023, 11, 13, 14, 0)
    with time_machine.travel(vn(2023, 11, 13, 14, 1), tick=False):
        assert sweep_deadlines() == 1
    assert ClockAlert.objects.get(dossier=dossier).kind == "due_soon"


def test_a_long_dossier_still_warns_eight_working_hours_before(officer):
    dossier = make_dossier("processing", officer=officer, at=vn(2023, 10, 27, 9, 32))  # 5 days: due Fri 03/11
    assert dossier.warn_at == vn(2023, 11, 2, 9, 32)


def _unread(client, user):
    client.force_login(user)
    page = client.get(reverse("dossiers:notifications")).content.decode()
    return page.count("notification--unread")


def test_alerts_of_a_finished_dossier_stop_showing_as_unread(client, officer):
    running = make_dossier("processing", officer=officer, at=vn(2023, 10, 27, 9, 32))
    finished = make_dossier("processing", officer=officer, at=vn(2023, 10, 27, 9, 32))
    with time_machine.travel(vn(2023, 11, 6, 9, 0), tick=False):
        assert sweep_deadlines() == 4  # due soon and overdue, for each
        assert _unread(client, officer) == 4
        services.complete(finished, officer, "approved")
        assert _unread(client, officer) == 2
    left = Notification.objects.filter(channel="staff", recipient_user=officer, read_at__isnull=True)
    assert set(left.values_list("dossier_id", flat=True)) == {running.pk}
    # The alerts themselves stay on the record.
    assert ClockAlert.objects.filter(dossier=finished).count() == 2
