"""Issue 13, point 2 under concurrency: officers accepting walk-in dossiers at the same desk and session at
once never pass the session's cap (the session counter's row lock), and a queue ticket booked at the same
moment competes for the same places."""

import pytest
import time_machine
from django.db import connection

from campaigns import tickets
from campaigns.testing import make_campaign, vn
from campaigns.walk_in import SessionFull
from dossiers import services
from dossiers.models import Dossier, Status
from portal.errors import Conflict
from tests.concurrency import run_together
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_concurrent_walk_in_acceptances_and_a_booking_never_pass_the_cap(settings):
    if not hasattr(settings, "TICKET_BOOKING_DAYS"):
        settings.TICKET_BOOKING_DAYS = 30
    officer = OfficerFactory()
    colleagues = [OfficerFactory(desk=officer.desk) for _ in range(4)]
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=2, documents=0)
    with time_machine.travel(vn(2020, 3, 28, 9), tick=False):
        make_campaign(
            officer.desk.province,
            status="active",
            starts_at=vn(2020, 3, 30, 0),
            rules={"walk_in_capacity_per_session": 3},
        )
    with time_machine.travel(vn(2020, 3, 31, 14), tick=False):
        drafts = []
        for i in range(5):
            draft = services.create_draft(
                officer,
                procedure=procedure,
                desk=officer.desk,
                intake_channel="walk_in",
                return_channel="desk",
                applicant={"full_name": f"Người {i}", "phone": f"091200000{i}"},
            )
            drafts.append(services.submit(draft, officer))

        def accept(dossier, who):
            return lambda: services.accept(Dossier.objects.get(pk=dossier.pk), who)

        def book():
            return tickets.book(
                officer.desk, day=vn(2020, 3, 31).date(), session="afternoon", full_name="Khách", phone="0950000009"
            )

        results = run_together([*(accept(d, who) for d, who in zip(drafts, [officer, *colleagues], strict=True)), book])
    accepted = [r for r in results if isinstance(r, Dossier)]
    booked = [r for r in results if isinstance(r, tickets.QueueTicket)]
    refused = [r for r in results if isinstance(r, SessionFull | Conflict)]
    assert len(accepted) + len(booked) == 3 and len(refused) == 3, results
    assert Dossier.objects.filter(status=Status.ACCEPTED).count() == len(accepted)
