"""The dossiers' shared vocabulary on the model (issue 14): DossierQuerySet.running / overdue /
visible_to, Dossier.is_running and claim_is_live, and make_dossier reaching every status."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dossiers.models import Dossier, Status
from dossiers.services import claims
from portal.calendar import vn
from tests.dossier_helpers import STATES, make_dossier
from tests.factories import CitizenFactory, HeadFactory, OfficerFactory, PostalClerkFactory, ProvinceAdminFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", STATES)
def test_make_dossier_reaches_every_status_through_the_services(state):
    assert make_dossier(state).status == state


def test_every_status_has_a_builder():
    assert set(STATES) == set(Status.values)
    with pytest.raises(ValueError, match="no path to 'lost'"):
        make_dossier("lost")


def test_running_and_overdue_are_the_accepted_and_processing_dossiers_past_due():
    officer = OfficerFactory()
    accepted = make_dossier("accepted", officer=officer, at=vn(2024, 3, 4, 9))
    processing = make_dossier("processing", officer=officer, at=vn(2024, 3, 4, 9))
    paused = make_dossier("paused", officer=officer, at=vn(2024, 3, 4, 9))
    make_dossier("submitted", officer=officer)
    make_dossier("completed", officer=officer, at=vn(2024, 3, 4, 9))
    assert set(Dossier.objects.running()) == {accepted, processing}
    assert accepted.is_running and processing.is_running and not paused.is_running
    assert not Dossier.objects.overdue(accepted.due_at - timedelta(minutes=1)).exists()
    assert set(Dossier.objects.overdue(accepted.due_at + timedelta(minutes=1))) == {accepted, processing}


def test_visible_to_scopes_each_role():
    officer = OfficerFactory()
    dossier = make_dossier("submitted", officer=officer)
    make_dossier("submitted")  # another province's
    head = HeadFactory(agency=officer.desk.agency)
    admin = ProvinceAdminFactory(province=officer.desk.province)
    for user in (officer, head, admin, dossier.citizen):
        assert list(Dossier.objects.visible_to(user)) == [dossier], user.role
    for user in (OfficerFactory(), CitizenFactory(), PostalClerkFactory(province=officer.desk.province)):
        assert not Dossier.objects.visible_to(user).exists(), user.role


def test_a_claim_is_live_until_it_expires_and_only_another_persons_claim_stops_an_officer():
    officer = OfficerFactory()
    dossier = make_dossier("accepted", officer=officer)
    now = timezone.now()
    assert not dossier.claim_is_live(now)
    dossier = claims.claim(dossier, officer, minutes=15)
    colleague = OfficerFactory(desk=officer.desk)
    assert dossier.claim_is_live(now) and dossier.claimed_by_other(colleague, now)
    assert not dossier.claimed_by_other(officer, now)
    later = now + timedelta(minutes=16)
    assert not dossier.claim_is_live(later) and not dossier.claimed_by_other(colleague, later)
    with time_machine.travel(later, tick=False):
        assert claims.claim(dossier, colleague).claimed_by == colleague
