"""The dossier's answer (DossierSerializer and its lists: events, documents, steps) is rendered from fields built
once per serializer class (serializers.FieldsBuiltOnce, issue 18), not by DRF building them anew for every answer.
The two must never drift: for dossiers in many states, the answer of the API and of the serializer is compared byte
for byte with DRF's own rendering (Serializer.to_representation over freshly built fields)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from campaigns.models import QueueTicket
from dossiers import services
from dossiers.api import serializers as s
from dossiers.models import Dossier
from portal.calendar import VN_TZ
from portal.models import ProcedureFee, ProcedureForm, ProcessStep
from tests.clients import api_client
from tests.dossier_helpers import STATES, make_dossier
from tests.factories import AgencyFactory, CitizenFactory, OfficerFactory, ProcedureFactory, SpecialistFactory

pytestmark = pytest.mark.django_db

MONDAY_8 = datetime(2026, 4, 6, 8, 0, tzinfo=VN_TZ)
FORM = {
    "fields": [
        {"key": "ho_ten", "label": "Họ, chữ đệm, tên", "type": "text", "required": True},
        {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "required": True},
    ]
}


def both(monkeypatch, render):
    """render() with the fields built once, then as DRF renders it (every FieldsBuiltOnce serializer's fields built
    anew for each instance by Serializer.to_representation)."""
    built_once = render()
    with monkeypatch.context() as plain_drf:
        plain_drf.setattr(s.FieldsBuiltOnce, "to_representation", serializers.Serializer.to_representation)
        plain = render()
    return built_once, plain


def dossiers_in_many_states():
    """(dossier, a user who may see it): every lifecycle state, a process worked by three people, a form's data,
    a fee group, a postal dossier, a walk-in ticket, a rating, a pause."""
    officer, citizen = OfficerFactory(), CitizenFactory()
    desk = officer.desk
    procedure = ProcedureFactory(province=desk.province, agency=desk.agency)
    made = [make_dossier(state, officer=officer, citizen=citizen, procedure=procedure) for state in STATES]

    # An internal process of three steps, forwarded with an assignee, sent back: every column of a step filled.
    commune = AgencyFactory(province=desk.province, commune=True)
    stepped = ProcedureFactory(province=desk.province, agency=desk.agency, processing_time_value=Decimal(3))
    for order, (code, role, agency, hours) in enumerate(
        [
            ("TD", "specialist", commune, 8),
            ("XL", "specialist", desk.agency, Decimal("7.5")),
            ("PD", "head", desk.agency, 4),
        ]
    ):
        ProcessStep.objects.create(
            procedure=stepped, order=order, code=code, name=f"Bước {code}", role=role, agency=agency, hours=hours
        )
    td, xl = SpecialistFactory(agency=commune), SpecialistFactory(agency=desk.agency)
    with time_machine.travel(MONDAY_8, tick=False):
        worked = make_dossier("accepted", officer=officer, citizen=citizen, procedure=stepped)
    with time_machine.travel(datetime(2026, 4, 6, 10, 0, tzinfo=VN_TZ), tick=False):
        worked = services.forward(worked, td, "Đã thẩm tra", assignee=xl.username)
    with time_machine.travel(datetime(2026, 4, 7, 10, 0, tzinfo=VN_TZ), tick=False):
        worked = services.send_back(worked, xl, "Sai diện tích", to_step="TD")
    made.append(worked)

    # A form's data and its version, a claimed fee group (draft and submitted).
    formed = ProcedureFactory(province=desk.province, agency=desk.agency, fee=200000, documents=0)
    ProcedureForm.publish(formed, FORM)
    ProcedureFee.objects.create(procedure=formed, group="default", label="Công dân", amount=200000, order=0)
    ProcedureFee.objects.create(procedure=formed, group="student", label="Sinh viên", amount=100000, order=1)
    filled = {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1990-02-28"}
    for state in ("draft", "submitted", "accepted"):
        made.append(
            make_dossier(
                state, officer=officer, citizen=citizen, procedure=formed, form_data=filled, fee_group="student"
            )
        )

    # Postal both ways, an address; a walk-in dossier holding a queue ticket; a rated one.
    postal = ProcedureFactory(province=desk.province, agency=desk.agency, postal=True, documents=1)
    made.append(
        make_dossier(
            "accepted",
            officer=officer,
            citizen=citizen,
            procedure=postal,
            intake_channel="postal",
            return_channel="postal",
            address="Số 1 đường Phạm Văn Thuận, Biên Hòa",
        )
    )
    ticket = QueueTicket.objects.create(
        desk=desk,
        date=date(2026, 4, 6),
        session="morning",
        number=7,
        full_name="Trần Thị B",
        phone="0912345678",
        created_at=timezone.now(),
    )
    walk_in = made[0]
    Dossier.objects.filter(pk=walk_in.pk).update(ticket=ticket)
    returned = next(d for d in made if d.status == "returned")
    services.rate(returned, citizen, 4, "Nhanh")
    return made, citizen, officer


def test_the_api_answers_byte_for_byte_what_drf_renders(monkeypatch):
    made, citizen, officer = dossiers_in_many_states()
    seen = set()
    for dossier in made:
        dossier.refresh_from_db()
        api = api_client(citizen)
        url = f"/api/v1/dossiers/{dossier.code}/"
        built_once, plain = both(monkeypatch, lambda: api.get(url))  # noqa: B023
        assert built_once.status_code == plain.status_code == 200
        assert built_once.content == plain.content, dossier.status
        body = built_once.json()
        seen |= {key for key, value in body.items() if value not in (None, [], {}, "")}
        seen |= {f"steps.{key}" for step in body["steps"] for key, value in step.items() if value is not None}
        seen |= {f"events.{key}" for event in body["events"] for key, value in event.items() if value}
        seen |= {f"documents.{key}" for document in body["documents"] for key, value in document.items() if value}
        documents = f"/api/v1/dossiers/{dossier.code}/documents/"
        built_once, plain = both(monkeypatch, lambda: api.get(documents))  # noqa: B023
        assert built_once.content == plain.content
    # Every key of the answer and of its lists was compared with a value in at least one dossier.
    assert not set(s.DossierSerializer.Meta.fields) - seen
    assert not {f"steps.{f}" for f in s.StepSerializer.Meta.fields} - seen
    assert not {f"events.{f}" for f in s.EventSerializer.Meta.fields} - seen
    assert not {f"documents.{f}" for f in s.DocumentSerializer.Meta.fields} - seen


def test_the_serializer_renders_what_drf_renders_with_or_without_prefetched_lists_and_builds_no_field(monkeypatch):
    made, _, _ = dossiers_in_many_states()
    with_ticket = 0
    for dossier in made:
        for instance in (
            Dossier.objects.get(pk=dossier.pk),  # nothing prefetched: the serializer reads the lists itself
            Dossier.objects.select_related("procedure", "province", "ticket", "current_step")
            .prefetch_related("events__actor", "documents", "pauses", "steps__agency", "steps__assignee")
            .get(pk=dossier.pk),
        ):
            serializer = s.DossierSerializer(instance)
            built_once, plain = both(monkeypatch, lambda: s.DossierSerializer(instance).data)  # noqa: B023
            assert JSONRenderer().render(built_once) == JSONRenderer().render(plain)
            assert list(built_once) == list(plain) == s.DossierSerializer.Meta.fields
            assert serializer.data == built_once
            assert "fields" not in serializer.__dict__  # no field was built for this answer
        with_ticket += built_once["ticket"] is not None
    assert with_ticket == 1


def test_a_drift_would_be_seen(monkeypatch):
    """The comparison itself: a field of the class's plan rendered otherwise than DRF renders it is caught."""
    dossier = make_dossier("submitted")
    plan = {name: field for name, _, field in s.DossierSerializer._read_plan()}
    monkeypatch.setattr(plan["status"], "to_representation", lambda value: "other")
    built_once, plain = both(monkeypatch, lambda: s.DossierSerializer(dossier).data)
    assert built_once["status"] == "other" and plain["status"] == "submitted"
