"""Races that only a real database shows: two officers accepting at once, many
citizens creating dossiers at the same desk on the same day."""

import pytest
from django.db import connection

from dossiers import services
from dossiers.models import Dossier, DossierEvent, Status
from tests.concurrency import run_together
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_officers_accepting_at_once_exactly_one_wins():
    dossier = make_dossier("submitted")
    second = OfficerFactory(desk=dossier.desk)
    results = run_together(
        [lambda w=who: services.accept(Dossier.objects.get(pk=dossier.pk), w) for who in (dossier.officer, second)]
    )
    wins = [r for r in results if isinstance(r, Dossier)]
    losses = [r for r in results if isinstance(r, services.TransitionNotAllowed)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert DossierEvent.objects.filter(dossier=dossier, action="accept").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).status == Status.ACCEPTED


def test_concurrent_drafts_get_unique_gap_free_codes():
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    citizens = [CitizenFactory() for _ in range(8)]

    def create(citizen):
        return services.create_draft(
            citizen,
            procedure=procedure,
            desk=officer.desk,
            intake_channel="online",
            return_channel="desk",
            applicant={"full_name": citizen.full_name, "phone": citizen.phone},
        )

    results = run_together([lambda c=c: create(c) for c in citizens])
    assert all(isinstance(r, Dossier) for r in results), results
    numbers = sorted(int(r.code.rsplit("-", 1)[1]) for r in results)
    assert numbers == list(range(1, 9))


def test_two_officers_claiming_at_once_one_holds_the_lease():
    from dossiers.services import claims

    dossier = make_dossier("submitted")
    second = OfficerFactory(desk=dossier.desk)
    results = run_together(
        [lambda w=who: claims.claim(Dossier.objects.get(pk=dossier.pk), w) for who in (dossier.officer, second)]
    )
    wins = [r for r in results if isinstance(r, Dossier)]
    losses = [r for r in results if isinstance(r, services.ClaimTaken)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert Dossier.objects.get(pk=dossier.pk).claimed_by_id == wins[0].claimed_by_id


def test_overlapping_sweeps_alert_each_dossier_once():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from dossiers.models import ClockAlert, Notification
    from dossiers.tasks import sweep_deadlines

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    late = [
        make_dossier("processing", officer=officer, procedure=procedure, at=datetime(2023, 10, 2, 9, 0, tzinfo=vn))
        for _ in range(6)
    ]
    with time_machine.travel(datetime(2023, 11, 6, 9, 0, tzinfo=vn), tick=False):
        # Four sweeps at once, in batches of 2: each skips the rows another holds (SKIP LOCKED).
        results = run_together([lambda: sweep_deadlines(batch_size=2) for _ in range(4)])
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 12  # due soon + overdue for each of the six, once
    for dossier in late:
        assert ClockAlert.objects.filter(dossier=dossier).count() == 2
        assert Notification.objects.filter(dossier=dossier, channel="staff", recipient=officer.username).count() == 2
