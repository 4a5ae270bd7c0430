"""A statement compiled once per process (portal/statements.py, issue 18) reads what its queryset reads, and reads it
afresh every time: a changed column, a deleted row, a dossier that changed hands or a user who changed desk is seen
by the very next run. The detail GET reads its dossier with one (dossiers/api/views.py `VISIBLE`): whoever may not
see the dossier now gets a 404, whoever may gets it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.access import visible_dossiers
from dossiers.api import views
from dossiers.models import ClockPause, Dossier, DossierDocument, DossierEvent, visibility_scope
from portal.models import User
from portal.statements import Statement
from tests.clients import api_client
from tests.dossier_helpers import make_dossier
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProvinceAdminFactory,
    SpecialistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def values(rows):
    return [[getattr(row, f.attname) for f in type(row)._meta.concrete_fields] for row in rows]


def test_a_statement_reads_the_rows_and_joined_rows_its_queryset_reads():
    dossier = make_dossier("paused")
    DossierEvent.objects.create(dossier=dossier, at=timezone.now(), action="alert", from_status="", to_status="")
    for name, queryset in (
        ("events", views.EVENTS.filter(dossier_id=dossier.pk)),
        ("documents", DossierDocument.objects.filter(dossier_id=dossier.pk)),
        ("pauses", ClockPause.objects.filter(dossier_id=dossier.pk)),
    ):
        with CaptureQueriesContext(connection) as statements:
            rows = views.LISTS[name](dossier.pk)
            actors = [str(row.actor) for row in rows] if name == "events" else []
        assert len(statements) == 1, name  # the actors came with the events (select_related)
        expected = list(queryset)
        assert rows and values(rows) == values(expected), name
        assert all(not row._state.adding and row._state.db == "default" for row in rows)
        if name == "events":
            assert actors == [str(event.actor) for event in expected]
            assert any(event.actor_id for event in rows) and any(event.actor_id is None for event in rows)


def test_compiled_once_it_still_sees_a_new_value_and_a_deleted_row():
    dossier = make_dossier("submitted")
    builds = []

    def build(pk):
        builds.append(pk)
        return DossierEvent.objects.select_related("actor").filter(dossier_id=pk)

    events = Statement(build)
    first = events(dossier.pk)
    assert len(first) == 2  # create, submit
    DossierEvent.objects.filter(pk=first[0].pk).update(note="đã sửa")
    User.objects.filter(pk=first[0].actor_id).update(full_name="Tên Mới")
    again = events(dossier.pk)
    assert (again[0].note, again[0].actor.full_name) == ("đã sửa", "Tên Mới")
    DossierEvent.objects.filter(pk=first[1].pk).delete()
    assert [event.pk for event in events(dossier.pk)] == [first[0].pk]
    assert events(dossier.pk + 1000) == []
    assert len(builds) == 1  # compiled once, with a stand-in: never with a caller's value


def test_none_is_a_shape_of_its_own_and_an_argument_must_reach_the_sql_unchanged():
    walk_in = make_dossier("submitted")
    Dossier.objects.filter(pk=walk_in.pk).update(owner=None)
    owned = make_dossier("submitted")
    by_owner = Statement(lambda owner: Dossier.objects.filter(owner_id=owner).only("code"))
    assert [d.code for d in by_owner(None)] == [walk_in.code]  # IS NULL, not "= NULL"
    assert [d.code for d in by_owner(owned.owner_id)] == [owned.code]
    assert by_owner(owned.owner_id)[0].get_deferred_fields()  # only(): the rest deferred, as the queryset leaves it

    with pytest.raises(ValueError, match="do not reach"):
        Statement(lambda code: Dossier.objects.filter(code__icontains=code))("HCC")  # the lookup wraps it in %…%
    with pytest.raises(TypeError):
        Statement(lambda pk: Dossier.objects.filter(pk=pk))(1.5)
    with pytest.raises(TypeError):
        Statement(lambda pk: Dossier.objects.filter(pk=pk).values("code"))(1)
    assert Statement(lambda pk: Dossier.objects.none())(1) == []


def test_the_detail_is_read_within_what_the_caller_may_see_now():
    dossier = make_dossier("accepted")
    officer, citizen = dossier.officer, dossier.citizen
    desk = officer.desk
    users = {
        "owner": citizen,
        "other citizen": CitizenFactory(),
        "officer of the desk": officer,
        "officer elsewhere": OfficerFactory(),
        "officer without a desk": OfficerFactory(desk=None),
        "head of the agency": HeadFactory(agency=desk.agency),
        "head elsewhere": HeadFactory(),
        "specialist of the agency": SpecialistFactory(agency=desk.agency),  # its acceptance step is there
        "specialist elsewhere": SpecialistFactory(),
        "province admin": ProvinceAdminFactory(province=desk.province),
        "admin elsewhere": ProvinceAdminFactory(),
        "postal clerk": PostalClerkFactory(province=desk.province),
        "superuser": UserFactory(is_superuser=True),
    }

    def answers():
        found = {}
        for label, user in users.items():
            user.refresh_from_db()
            status = api_client(user).get(f"/api/v1/dossiers/{dossier.code}/").status_code
            expected = 200 if visible_dossiers(user).filter(code=dossier.code).exists() else 404
            assert status == expected, (label, visibility_scope(user))
            found[label] = status == 200
        return found

    seen = answers()
    assert {label for label, yes in seen.items() if yes} == {
        "owner",
        "officer of the desk",
        "head of the agency",
        "specialist of the agency",
        "province admin",
        "superuser",
    }
    # The dossier changes hands, the officer changes desk, another officer comes to it: the next request knows.
    other_desk = OneStopDeskFactory(province=desk.province, agency=desk.agency)
    User.objects.filter(pk=officer.pk).update(desk=other_desk)
    User.objects.filter(pk=users["officer elsewhere"].pk).update(desk=desk)
    Dossier.objects.filter(pk=dossier.pk).update(owner=users["other citizen"])
    seen = answers()
    assert not seen["owner"] and seen["other citizen"]
    assert not seen["officer of the desk"] and seen["officer elsewhere"]
    assert api_client(citizen).get("/api/v1/dossiers/KHONG-CO/").status_code == 404
    # One compiled form per kind of scope (and per argument left None), never one per user or dossier.
    compiled = set(views.VISIBLE._compiled)
    own = make_dossier("draft")  # another citizen's
    for other, code in ((own.citizen, own.code), (OfficerFactory(), dossier.code), (HeadFactory(), dossier.code)):
        api_client(other).get(f"/api/v1/dossiers/{code}/")
    assert set(views.VISIBLE._compiled) == compiled


def test_a_dossier_refreshed_by_fields_reads_them_afresh_as_django_does():
    dossier = make_dossier("submitted")
    other_desk = OneStopDeskFactory(province=dossier.desk.province, agency=dossier.desk.agency)
    assert dossier.desk.pk != other_desk.pk  # the desk is now a cached row
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name="Trần Thị Mới", desk=other_desk, form_data={"a": 1})
    with CaptureQueriesContext(connection) as statements:
        dossier.refresh_from_db(fields=views.OWN_COLUMNS)
    assert len(statements) == 1
    assert (dossier.applicant_name, dossier.form_data) == ("Trần Thị Mới", {"a": 1})
    assert dossier.desk_id != other_desk.pk  # not among the fields: left as it was, as Django leaves it
    dossier.refresh_from_db(fields=["desk_id"])
    assert dossier.desk_id == other_desk.pk and dossier.desk == other_desk  # the stale cached desk was dropped

    deferred = Dossier.objects.only("pk").get(pk=dossier.pk)
    with CaptureQueriesContext(connection) as statements:
        assert deferred.applicant_name == "Trần Thị Mới"  # a deferred column loads through refresh_from_db(fields=…)
    assert len(statements) == 1

    Dossier.objects.filter(pk=dossier.pk).update(status="withdrawn")
    dossier.refresh_from_db()  # every column: Django's own path
    assert dossier.status == "withdrawn"
    DossierEvent.objects.filter(dossier=dossier).delete()
    DossierDocument.objects.filter(dossier=dossier).delete()
    Dossier.objects.filter(pk=dossier.pk).delete()
    with pytest.raises(Dossier.DoesNotExist):
        dossier.refresh_from_db(fields=views.OWN_COLUMNS)


def test_a_transitions_row_lock_finds_the_dossier_only_within_what_the_caller_may_see_now():
    """`door.Visible` (the API's transitions) locks with a statement compiled once per kind of scope: it finds the
    dossier exactly when `visible_dossiers` does, and follows a change of hands at the next lock."""
    from django.db import transaction

    from dossiers import door

    dossier = make_dossier("accepted")
    desk = dossier.officer.desk
    users = [
        dossier.citizen,
        CitizenFactory(),
        dossier.officer,
        OfficerFactory(),
        HeadFactory(agency=desk.agency),
        HeadFactory(),
        SpecialistFactory(agency=desk.agency),
        SpecialistFactory(),
        ProvinceAdminFactory(province=desk.province),
        PostalClerkFactory(province=desk.province),
        UserFactory(is_superuser=True),
    ]

    def locks(user):
        named = door.Visible(user, dossier.code)
        with transaction.atomic():
            try:
                locked = door.lock(named)
            except Dossier.DoesNotExist:
                assert not named.found
                return False
        assert named.found and locked.pk == dossier.pk
        return True

    for user in users:
        assert locks(user) == visible_dossiers(user).filter(code=dossier.code).exists(), visibility_scope(user)
    assert sum(locks(user) for user in users) == 6
    Dossier.objects.filter(pk=dossier.pk).update(owner=users[1])
    assert not locks(users[0]) and locks(users[1])
    with transaction.atomic(), pytest.raises(Dossier.DoesNotExist):
        door.lock(door.Visible(users[1], "KHONG-CO"))


def test_the_pickups_missing_paper_question_follows_uploads_and_the_fee_groups_proof(monkeypatch):
    """The post's pickup asks whether a required document is still at the citizen's (a statement compiled once):
    an upload answers it, and a fee group's proof document counts as required for that dossier only."""
    from dossiers.services.actions import lacks_documents
    from portal.models import RequiredDocument

    dossier = make_dossier("draft")
    RequiredDocument.objects.filter(procedure_id=dossier.procedure_id).delete()
    assert not lacks_documents(dossier)
    needed = RequiredDocument.objects.create(procedure_id=dossier.procedure_id, code="DON", name="Đơn", required=True)
    assert lacks_documents(dossier)
    DossierDocument.objects.create(dossier=dossier, document_code=needed.code, file="x.pdf", size=1)
    assert not lacks_documents(dossier)
    RequiredDocument.objects.create(procedure_id=dossier.procedure_id, code="THE-SV", name="Thẻ SV", required=False)
    assert not lacks_documents(dossier)
    from dossiers.services import actions

    monkeypatch.setattr(actions.payments, "proof_document_of", lambda d: "THE-SV")
    assert lacks_documents(dossier)  # a student's dossier needs its card
