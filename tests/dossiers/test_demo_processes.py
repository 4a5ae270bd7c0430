"""The demo's internal processes (issue 15, "Demo"): `load_demo` gives real Đồng Nai procedures realistic
processes (two inter-agency: Sở Tư pháp asking Công an tỉnh, a ward sending a land dossier to the city),
and dossiers walked through them by the right people, so that every specialist and head of those agencies
has work waiting at a step, one of them late; run again, it adds nothing."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from dossiers.models import Dossier, DossierStep
from portal.models import Procedure, ProcessStep, Role, User, process_budget_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_the_demo_catalog_has_realistic_processes_two_of_them_inter_agency(demo):
    with_process = Procedure.objects.filter(province__code="75", process_steps__isnull=False).distinct()
    assert with_process.count() >= 5
    inter_agency = []
    for procedure in with_process:
        steps = list(procedure.process_steps.order_by("order"))
        assert process_budget_error(procedure, [s.hours for s in steps]) is None, procedure.code
        assert steps[-1].role == "officer" and steps[-1].agency is None, procedure.code  # the desk returns it
        agencies = {s.agency_id for s in steps if s.agency_id}
        if agencies - {procedure.agency_id}:
            inter_agency.append(procedure.code)
    assert {"2.000488", "1.004227"} <= set(inter_agency)
    ward_step = ProcessStep.objects.get(procedure__province__code="75", procedure__code="1.004227", code="XM")
    assert (ward_step.agency.level, ward_step.agency.parent.name) == ("commune", "UBND thành phố Long Khánh")


def test_every_specialist_and_head_of_a_process_agency_has_work_waiting(demo):
    agencies = ProcessStep.objects.filter(procedure__province__code="75").exclude(agency=None).values("agency")
    people = User.objects.filter(role__in=[Role.SPECIALIST, Role.HEAD], agency__in=agencies, is_active=True)
    assert people.count() >= 9
    for person in people:
        waiting = Dossier.objects.waiting_for(person)
        assert waiting.exists(), f"{person.username} has nothing waiting"
        for dossier in waiting:
            step = dossier.current_step
            assert step.finished_at is None and step.agency_id == person.agency_id
            assert (step.assignee_id or person.pk) == person.pk
            # What they see is theirs to see, and the step is theirs to hand on.
            assert Dossier.objects.visible_to(person).filter(pk=dossier.pk).exists()
        assert f"    {person.username}: " in demo  # load_demo prints who has work waiting

    late = DossierStep.objects.filter(finished_at=None, due_at__lt=timezone.now())
    assert late.filter(agency__name="Công an tỉnh Đồng Nai").exists()
    assert late.filter(agency__name="UBND phường Xuân Trung, thành phố Long Khánh").exists()
    # A step sent back is worked again: a second row of the same step on the control sheet.
    resent = DossierStep.objects.filter(outcome="sent_back").get()
    assert resent.dossier.steps.filter(code="TD").count() == 2
    # The report printed by load_demo names the late steps.
    assert re.search(r"chuyenvien\.congan\.dongnai: \S+ bước XM .*\(quá hạn bước\)", demo)


def test_loading_the_demo_again_adds_no_dossier_and_no_step(demo):
    before = (Dossier.objects.count(), DossierStep.objects.count(), ProcessStep.objects.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert (Dossier.objects.count(), DossierStep.objects.count(), ProcessStep.objects.count()) == before
    assert "Hồ sơ mẫu: đã có, giữ nguyên." in out.getvalue()
