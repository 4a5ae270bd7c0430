"""The internal process (quy trình nội bộ, liên thông; issue 15, api.md "Internal processes"): acceptance
starts the first step, only the step's own people forward or send back, an inter-agency step is worked at
the other agency, a step's due moment is its start plus its budget in working time (a pause stops it), the
result is recorded at the last step, and the steps are the control sheet."""

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine

from dossiers import process, services
from dossiers.models import Dossier, Status
from portal.calendar import VN_TZ
from portal.errors import Conflict
from portal.models import ProcessStep
from tests.dossier_helpers import make_dossier
from tests.factories import (
    AgencyFactory,
    HeadFactory,
    OfficerFactory,
    ProcedureFactory,
    SpecialistFactory,
)

pytestmark = pytest.mark.django_db

# Monday 6 April 2026, 08:00 in Vietnam: the Hùng Kings holiday (26 April) is far away, no weekend in between.
MONDAY_8 = datetime(2026, 4, 6, 8, 0, tzinfo=VN_TZ)


def at(day, hour, minute=0):
    return datetime(2026, 4, day, hour, minute, tzinfo=VN_TZ)


@pytest.fixture
def world():
    """A construction-permit-like procedure of a department (XD) that consults another department (TN):
    XL examine at XD (16 h), LT consult TN (8 h), PD head of XD signs (4 h), VT the desk returns (4 h)."""
    officer = OfficerFactory()
    province = officer.desk.province
    xd = officer.desk.agency
    tn = AgencyFactory(province=province, name="Sở Tài nguyên và Môi trường")
    procedure = ProcedureFactory(province=province, agency=xd, processing_time_value=Decimal(5))
    for order, (code, role, agency, hours) in enumerate(
        [("XL", "specialist", xd, 16), ("LT", "specialist", tn, 8), ("PD", "head", xd, 4), ("VT", "officer", None, 4)]
    ):
        ProcessStep.objects.create(
            procedure=procedure, order=order, code=code, name=f"Bước {code}", role=role, agency=agency, hours=hours
        )
    people = {
        "officer": officer,
        "xd_specialist": SpecialistFactory(agency=xd),
        "xd_specialist_2": SpecialistFactory(agency=xd),
        "tn_specialist": SpecialistFactory(agency=tn),
        "tn_specialist_2": SpecialistFactory(agency=tn),
        "xd_head": HeadFactory(agency=xd),
        "tn_head": HeadFactory(agency=tn),
    }
    with time_machine.travel(MONDAY_8, tick=False):
        dossier = make_dossier("accepted", officer=officer, procedure=procedure)
    return dossier, people


def fresh(dossier):
    return Dossier.objects.select_related("current_step").get(pk=dossier.pk)


def test_acceptance_starts_the_first_step_with_its_budget_in_working_time(world):
    dossier, _people = world
    dossier = fresh(dossier)
    step = dossier.current_step
    assert (step.code, step.seq, step.agency_id) == ("XL", 1, dossier.agency_id)
    assert step.started_at.astimezone(VN_TZ) == MONDAY_8
    # 16 working hours from Monday 08:00: 7 h on Monday (to 11:30, then 13:30–17:00), 8 h on Tuesday, 1 h on Wednesday.
    assert step.due_at.astimezone(VN_TZ) == at(8, 8)
    assert dossier.due_at.astimezone(VN_TZ) == at(13, 8)  # the statutory 5 working days, untouched by steps
    assert [s["code"] for s in dossier.snap_process] == ["XL", "LT", "PD", "VT"]


def test_only_the_steps_people_forward_and_the_consulted_agency_works_its_step(world):
    dossier, p = world
    for outsider in (p["officer"], p["tn_specialist"], p["xd_head"]):
        with pytest.raises(services.NotPermitted):
            services.forward(dossier, outsider)
    # The other agency's specialists do not see the dossier before it reaches them.
    assert not Dossier.objects.visible_to(p["tn_specialist"]).filter(pk=dossier.pk).exists()

    with time_machine.travel(at(7, 10), tick=False):
        dossier = services.forward(
            dossier, p["xd_specialist"], note="Đủ điều kiện", assignee=p["tn_specialist"].username
        )
    dossier = fresh(dossier)
    assert dossier.status == Status.PROCESSING
    step = dossier.current_step
    assert (step.code, step.agency.name, step.assignee_id) == (
        "LT",
        "Sở Tài nguyên và Môi trường",
        p["tn_specialist"].pk,
    )
    assert step.due_at.astimezone(VN_TZ) == at(8, 10)  # 8 working hours from Tuesday 10:00
    first = dossier.steps.get(seq=1)
    assert (first.outcome, first.timeliness, first.finished_by_id) == ("forwarded", "early", p["xd_specialist"].pk)
    # Named: only that specialist of the other agency holds it, though a colleague there now sees the dossier.
    assert Dossier.objects.visible_to(p["tn_specialist_2"]).filter(pk=dossier.pk).exists()
    with pytest.raises(services.NotPermitted):
        services.forward(dossier, p["tn_specialist_2"])
    assert list(Dossier.objects.waiting_for(p["tn_specialist"])) == [dossier]
    assert not Dossier.objects.waiting_for(p["tn_specialist_2"]).exists()
    assert not Dossier.objects.waiting_for(p["xd_specialist"]).exists()


def test_an_assignee_who_does_not_work_at_the_next_step_is_refused(world):
    dossier, p = world
    with pytest.raises(services.DossierError) as refused:
        services.forward(dossier, p["xd_specialist"], assignee=p["xd_specialist_2"].username)
    assert refused.value.field == "assignee"
    assert fresh(dossier).current_step.code == "XL"


def test_send_back_reopens_an_earlier_step_as_a_new_line_and_complete_waits_for_the_last_step(world):
    dossier, p = world
    dossier = services.forward(dossier, p["xd_specialist"])
    with pytest.raises(services.DossierError):
        services.send_back(dossier, p["tn_specialist"], reason="")
    with pytest.raises(services.DossierError) as wrong:
        services.send_back(dossier, p["tn_specialist"], reason="Thiếu bản vẽ", to_step="PD")  # PD is later
    assert wrong.value.field == "to_step"
    dossier = services.send_back(dossier, p["tn_specialist"], reason="Thiếu bản vẽ mặt bằng")
    dossier = fresh(dossier)
    assert [(s.seq, s.code, s.outcome) for s in dossier.steps.all()] == [
        (1, "XL", "forwarded"),
        (2, "LT", "sent_back"),
        (3, "XL", ""),
    ]
    assert dossier.current_step.code == "XL" and dossier.current_step.given_by_id == p["tn_specialist"].pk
    with pytest.raises(Conflict):
        services.complete(dossier, p["officer"], "approved")
    assert fresh(dossier).status == Status.PROCESSING

    dossier = services.forward(dossier, p["xd_specialist_2"])  # unnamed: any specialist of XD
    dossier = services.forward(dossier, p["tn_specialist_2"])
    with pytest.raises(services.NotPermitted):
        services.forward(dossier, p["tn_head"])  # the head's step is XD's head's
    dossier = services.forward(dossier, p["xd_head"])
    with pytest.raises(Conflict):
        services.forward(dossier, p["officer"])  # the last step: no next one
    dossier = services.complete(dossier, p["officer"], "approved")
    dossier = fresh(dossier)
    assert dossier.status == Status.COMPLETED and dossier.current_step is None
    assert [s.code for s in dossier.steps.all()] == ["XL", "LT", "XL", "LT", "PD", "VT"]
    assert dossier.steps.get(seq=6).outcome == "completed"
    assert [e.action for e in dossier.events.all()][-6:] == [
        "forward",
        "send_back",
        "forward",
        "forward",
        "forward",
        "complete",
    ]


def test_a_step_finished_after_its_budget_is_late_though_the_dossier_is_on_time(world):
    dossier, p = world
    with time_machine.travel(at(8, 9), tick=False):  # Wednesday 09:00: XL was due at 08:00
        dossier = services.forward(dossier, p["xd_specialist"])
    first = fresh(dossier).steps.get(seq=1)
    assert first.timeliness == "late"
    assert fresh(dossier).due_at.astimezone(VN_TZ) == at(13, 8)


def test_a_pause_stops_the_step_clock_as_it_stops_the_dossiers(world):
    dossier, p = world
    with time_machine.travel(at(6, 9), tick=False):
        dossier = services.pause(dossier, p["officer"], "Chờ ý kiến cơ quan phối hợp")
    with time_machine.travel(at(6, 11), tick=False):
        dossier = services.resume(dossier, p["officer"])
    step = fresh(dossier).current_step
    assert step.due_at.astimezone(VN_TZ) == at(8, 10)  # two working hours later than Wednesday 08:00
    # A specialist holding the step may pause it too (the step's role at any step).
    with time_machine.travel(at(6, 14), tick=False):
        dossier = services.pause(dossier, p["xd_specialist"], "Chờ chủ đầu tư bổ sung bản vẽ")
    assert fresh(dossier).status == Status.PAUSED


def test_a_catalog_edit_after_acceptance_changes_no_running_dossier(world):
    dossier, p = world
    ProcessStep.objects.filter(procedure=dossier.procedure, code="LT").delete()
    ProcessStep.objects.filter(procedure=dossier.procedure, code="XL").update(hours=40)
    dossier = services.forward(dossier, p["xd_specialist"])
    assert fresh(dossier).current_step.code == "LT"


def test_a_procedure_without_a_process_has_one_step_its_officer_completes_as_before():
    made = make_dossier("processing")
    dossier = fresh(made)
    assert [(s.code, s.role, s.agency_id) for s in dossier.steps.all()] == [("XL", "", dossier.agency_id)]
    specialist = SpecialistFactory(agency=dossier.agency)
    assert list(Dossier.objects.waiting_for(specialist)) == [dossier]
    with pytest.raises(Conflict):
        services.forward(dossier, made.officer)
    dossier = services.complete(dossier, made.officer, "approved")
    assert fresh(dossier).steps.get().outcome == "completed"


def test_a_withdrawn_dossier_closes_its_open_step(world):
    dossier, _p = world
    dossier = services.withdraw(dossier, dossier.citizen)
    dossier = fresh(dossier)
    assert dossier.current_step is None
    assert dossier.steps.get().outcome == "closed"
    assert not Dossier.objects.waiting_for(_p["xd_specialist"]).exists()


def holders_view(person):
    """The queue as dossiers/process.py `holds` defines it, one open dossier at a time."""
    running = Dossier.objects.filter(current_step__isnull=False).select_related("current_step", "desk")
    return {d.pk for d in running if process.holds(person, d, d.current_step)}


def test_each_queue_is_what_its_person_holds_and_a_step_named_to_someone_who_moved_stays_theirs(world):
    dossier, p = world
    no_process = ProcedureFactory(province=dossier.province, agency=dossier.agency)
    other = make_dossier("processing", officer=p["officer"], procedure=no_process)
    with time_machine.travel(at(7, 10), tick=False):
        dossier = services.forward(dossier, p["xd_specialist"], assignee=p["tn_specialist"].username)
    for person in p.values():
        assert set(Dossier.objects.waiting_for(person).values_list("pk", flat=True)) == holders_view(person)
    assert holders_view(p["xd_specialist"]) == {other.pk}  # the default step of no role, at XD
    # The TN specialist named to the consultation moves to XD: the step stays theirs (holds: the named person),
    # beside the XD steps of their new role; the queue reads it through the general form then.
    moved = p["tn_specialist"]
    moved.agency = dossier.agency
    moved.save(update_fields=["agency"])
    assert set(Dossier.objects.waiting_for(moved).values_list("pk", flat=True)) == {dossier.pk, other.pk}
    assert holders_view(moved) == {dossier.pk, other.pk}
