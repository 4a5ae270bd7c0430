"""The steps' alerts (issue 15): "sắp hết thời gian của bước" before a step's budget runs out and "quá hạn" after,
through the deadline sweep, once per step row, kind and due moment, to the people who hold the step."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import process, services
from dossiers.models import ClockAlert, Dossier, DossierStep, Notification, StepAlert
from dossiers.tasks import sweep_deadlines
from portal.calendar import VN_TZ
from portal.models import ProcessStep
from tests.concurrency import run_together
from tests.dossier_helpers import make_dossier
from tests.factories import AgencyFactory, HeadFactory, OfficerFactory, ProcedureFactory, SpecialistFactory

pytestmark = pytest.mark.django_db

# Monday 6 April 2026 in Vietnam (sessions 07:00–11:30, 13:30–17:00; no holiday that week or the next).
MONDAY_8 = datetime(2026, 4, 6, 8, 0, tzinfo=VN_TZ)


def at(day, hour, minute=0):
    return datetime(2026, 4, day, hour, minute, tzinfo=VN_TZ)


def build_world():
    """A department (XD) consulting another (TN): XL examine at XD (8 h), LT consult TN (8 h), PD the head of XD
    signs (4 h), VT the desk returns (4 h); accepted Monday 08:00. XL is due Tuesday 08:00 (3.5 h + 3.5 h on
    Monday, 1 h on Tuesday) and warns 4 working hours before: Monday 14:00."""
    officer = OfficerFactory()
    province = officer.desk.province
    xd = officer.desk.agency
    tn = AgencyFactory(province=province)
    procedure = ProcedureFactory(province=province, agency=xd, processing_time_value=Decimal(5), documents=0)
    for order, (code, role, agency, hours) in enumerate(
        [("XL", "specialist", xd, 8), ("LT", "specialist", tn, 8), ("PD", "head", xd, 4), ("VT", "officer", None, 4)]
    ):
        ProcessStep.objects.create(
            procedure=procedure, order=order, code=code, name=f"Bước {code}", role=role, agency=agency, hours=hours
        )
    p = SimpleNamespace(
        officer=officer,
        officer_2=OfficerFactory(desk=officer.desk),
        xd_specialist=SpecialistFactory(agency=xd),
        xd_specialist_2=SpecialistFactory(agency=xd),
        xd_gone=SpecialistFactory(agency=xd, is_active=False),
        tn_specialist=SpecialistFactory(agency=tn),
        tn_specialist_2=SpecialistFactory(agency=tn),
        xd_head=HeadFactory(agency=xd),
        tn_head=HeadFactory(agency=tn),
        elsewhere=OfficerFactory(),  # another desk
    )
    with time_machine.travel(MONDAY_8, tick=False):
        dossier = make_dossier("accepted", officer=officer, procedure=procedure)
    return dossier, p


@pytest.fixture
def world():
    return build_world()


def sweep(day, hour, minute=0, **kwargs):
    with time_machine.travel(at(day, hour, minute), tick=False):
        return sweep_deadlines(**kwargs)


def step(dossier, seq):
    return DossierStep.objects.get(dossier=dossier, seq=seq)


def told(dossier, kind):
    """{(recipient, key)} of the staff notifications of `kind` about `dossier`."""
    notes = Notification.objects.filter(dossier=dossier, kind=kind, channel="staff")
    return set(notes.values_list("recipient", "key"))


def test_a_step_warns_then_alerts_overdue_each_once_to_its_people(world):
    dossier, p = world
    xl = step(dossier, 1)
    assert (xl.warn_at, xl.due_at, xl.next_alert_at) == (at(6, 14), at(7, 8), at(6, 14))
    assert sweep(6, 13, 59) == 0
    assert sweep(6, 14, 1) == 1
    assert sweep(6, 14, 2) == 0  # two sweeps in a row: one alert
    key = process.alert_key(1, xl.due_at)
    assert key == "1:2026-04-07T01:00:00+00:00"  # the due moment in UTC
    specialists = {p.xd_specialist.username, p.xd_specialist_2.username}  # not the inactive one, nor TN's, nor heads
    assert told(dossier, "step_due_soon") == {(name, key) for name in specialists}
    note = Notification.objects.filter(kind="step_due_soon").first()
    assert note.subject == f"Hồ sơ {dossier.code}: bước XL sắp hết thời gian (08:00 07/04/2026)"
    assert note.body == (
        f"Bước “Bước XL” của hồ sơ {dossier.code} sắp hết thời gian của bước: hạn hoàn thành lúc 08:00 07/04/2026. "
        "Hoàn thành và chuyển bước tiếp theo trước hạn."
    )
    assert step(dossier, 1).next_alert_at == xl.due_at

    assert sweep(7, 8, 1) == 1
    assert sweep(7, 8, 1) == 0
    assert told(dossier, "step_overdue") == {(name, key) for name in specialists}
    assert set(StepAlert.objects.values_list("step_id", "kind", "due_at")) == {
        (xl.pk, "due_soon", xl.due_at),
        (xl.pk, "overdue", xl.due_at),
    }
    assert step(dossier, 1).next_alert_at is None
    # The dossier's own clock (due Monday 13/04) has not alerted; the step's alerts are not its events.
    assert not ClockAlert.objects.filter(dossier=dossier).exists()
    assert not dossier.events.filter(action__in=["due_soon", "overdue"]).exists()
    assert sweep(9, 9) == 0


def test_a_finished_step_alerts_no_more_and_the_next_one_tells_only_its_assignee(world):
    dossier, p = world
    assert sweep(6, 14, 1) == 1  # XL due soon
    with time_machine.travel(at(6, 15), tick=False):
        services.forward(dossier, p.xd_specialist, assignee=p.tn_specialist.username)
    xl, lt = step(dossier, 1), step(dossier, 2)
    assert xl.next_alert_at is None
    # XL's warning no longer shows as unread; LT: 8 h from Monday 15:00 → due Tuesday 15:00, warns Tuesday 09:00.
    assert not Notification.objects.filter(kind="step_due_soon", read_at__isnull=True).exists()
    assert (lt.warn_at, lt.due_at) == (at(7, 9), at(7, 15))
    assert sweep(7, 8, 1) == 0  # XL's due moment passes: finished, nothing
    assert sweep(7, 9, 1) == 1
    assert told(dossier, "step_due_soon") == {
        (p.xd_specialist.username, process.alert_key(1, xl.due_at)),
        (p.xd_specialist_2.username, process.alert_key(1, xl.due_at)),
        (p.tn_specialist.username, process.alert_key(2, lt.due_at)),  # the named one, not their colleague
    }
    assert set(StepAlert.objects.values_list("step__seq", "kind")) == {(1, "due_soon"), (2, "due_soon")}


def test_a_completed_or_withdrawn_dossier_stops_its_steps_alerts():
    dossier, p = build_world()
    withdrawn, _p = build_world()
    with time_machine.travel(at(6, 9), tick=False):
        services.withdraw(withdrawn, withdrawn.citizen)
        for user in (p.xd_specialist, p.tn_specialist, p.xd_head):
            dossier = services.forward(dossier, user)
        services.complete(dossier, p.officer, "approved")
    assert step(withdrawn, 1).next_alert_at is None
    assert not DossierStep.objects.filter(next_alert_at__isnull=False).exists()
    assert sweep(20, 9) == 0
    assert not StepAlert.objects.exists()


def test_a_pause_stops_the_step_alerts_and_the_moved_due_moment_alerts_again(world):
    dossier, p = world
    assert sweep(6, 14, 1) == 1  # due soon for Tuesday 08:00
    with time_machine.travel(at(6, 15), tick=False):
        services.pause(dossier, p.officer, "Chờ ý kiến cơ quan phối hợp")
    assert step(dossier, 1).next_alert_at is None
    assert sweep(7, 8, 1) == 0  # the old due moment passes while paused: nothing
    with time_machine.travel(at(7, 9), tick=False):
        services.resume(Dossier.objects.get(pk=dossier.pk), p.officer)
    # Paused 4 working hours (Monday 15:00–17:00, Tuesday 07:00–09:00): due Tuesday 14:00, warned already due.
    xl = step(dossier, 1)
    assert xl.due_at == at(7, 14)
    assert xl.warn_at == at(7, 8) and xl.next_alert_at == at(7, 8)
    assert sweep(7, 9, 1) == 1  # "sắp hết thời gian" again, for the new due moment
    assert sweep(7, 9, 2) == 0
    assert sweep(7, 14, 1) == 1
    assert list(StepAlert.objects.order_by("id").values_list("kind", "due_at")) == [
        ("due_soon", at(7, 8)),
        ("due_soon", at(7, 14)),
        ("overdue", at(7, 14)),
    ]
    assert told(dossier, "step_due_soon") == {
        (name, process.alert_key(1, due))
        for name in (p.xd_specialist.username, p.xd_specialist_2.username)
        for due in (at(7, 8), at(7, 14))
    }


def test_a_supplement_request_stops_the_step_alerts_until_the_citizen_supplements(world):
    dossier, p = world
    with time_machine.travel(at(6, 9), tick=False):
        services.request_supplement(dossier, p.xd_specialist, "Thiếu bản vẽ mặt bằng")
    assert step(dossier, 1).next_alert_at is None
    assert sweep(8, 9) == 0
    with time_machine.travel(at(8, 9), tick=False):
        services.supplement(Dossier.objects.get(pk=dossier.pk), dossier.citizen)
    xl = step(dossier, 1)
    assert xl.next_alert_at == xl.warn_at and xl.due_at > at(8, 9)


def test_a_procedure_without_a_process_has_no_step_alerts_of_its_own():
    dossier = make_dossier("processing", at=MONDAY_8)
    only = step(dossier, 1)
    assert (only.role, only.warn_at, only.next_alert_at) == ("", None, None)
    assert sweep(30, 9) == 2  # the dossier's own due soon and overdue, as before
    assert not StepAlert.objects.exists()


def test_each_step_is_told_to_the_people_who_hold_it(world):
    dossier, p = world

    def row(index, assignee=None):
        spec = dossier.snap_process[index]
        return SimpleNamespace(
            id=index,
            assignee_id=assignee and assignee.pk,
            agency_id=spec["agency"],
            role=spec["role"],
            desk_id=dossier.desk_id,
        )

    rows = [row(0), row(1), row(2), row(3)]
    found = process.holders_many([*rows, SimpleNamespace(**{**vars(row(1, p.tn_specialist_2)), "id": 9})])
    names = {key: {name for _id, name in users} for key, users in found.items()}
    assert names == {
        0: {p.xd_specialist.username, p.xd_specialist_2.username},
        1: {p.tn_specialist.username, p.tn_specialist_2.username},
        2: {p.xd_head.username},
        3: {p.officer.username, p.officer_2.username},
        9: {p.tn_specialist_2.username},
    }
    for index in range(4):  # the same people as the step's own rule
        assert set(found[index]) == {(u.pk, u.username) for u in process.staff_of(dossier, index)}
    # A named person who has left: the step's people hear of it instead.
    assert process.holders_many([SimpleNamespace(**{**vars(row(0)), "assignee_id": p.xd_gone.pk})]) == {0: found[0]}


def test_accepting_forwarding_and_sending_back_cost_no_statement_for_the_alerts(monkeypatch):
    counts = []
    schedule = process.schedule_alerts

    def counted(dossier):
        with CaptureQueriesContext(connection) as sent:
            schedule(dossier)
        counts.append(len(sent))

    monkeypatch.setattr(process, "schedule_alerts", counted)
    plain = make_dossier("submitted")
    services.accept(plain, plain.officer)  # a procedure without a process
    dossier, p = build_world()  # accepted
    dossier = services.forward(dossier, p.xd_specialist)
    services.send_back(dossier, p.tn_specialist, reason="Thiếu bản vẽ")
    assert len(counts) >= 4 and set(counts) == {0}  # every door.save of the way, the steps' included


def test_a_step_batch_costs_the_same_statements_for_one_step_or_many():
    build_world()
    with CaptureQueriesContext(connection) as one:
        assert sweep(6, 14, 1, batch_size=50) == 1
    for _ in range(4):
        build_world()
    with CaptureQueriesContext(connection) as many:
        assert sweep(6, 14, 2, batch_size=50) == 4
    assert len(many) == len(one), [q["sql"][:80] for q in many.captured_queries]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_overlapping_sweeps_alert_each_step_once():
    worlds = [build_world() for _ in range(5)]
    with time_machine.travel(at(7, 9), tick=False):
        # Four sweeps at once, in batches of 2: each skips the step rows another holds (SKIP LOCKED).
        results = run_together([lambda: sweep_deadlines(batch_size=2) for _ in range(4)])
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 10  # due soon and overdue of each XL, once
    for dossier, p in worlds:
        assert StepAlert.objects.filter(step__dossier=dossier).count() == 2
        mine = Notification.objects.filter(dossier=dossier, recipient=p.xd_specialist.username)
        assert sorted(mine.values_list("kind", flat=True)) == ["step_due_soon", "step_overdue"]
