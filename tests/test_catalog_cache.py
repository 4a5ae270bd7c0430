"""The catalog rows a dossier request reads (desk, procedure, agency, province) come from the shared cache
(portal/catalog_cache.py, issue 18) and are never stale after a change: an edit in the admin, a queryset update()
that sends no signal, a change made by another process. Each caller gets a copy of its own, and a request reads
the cache's version once (portal/versions.py)."""

from datetime import datetime

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import transaction
from django.test import Client

from portal import catalog_cache
from portal.calendar import VN_TZ
from portal.models import Agency, OneStopDesk, Procedure
from portal.versions import SharedVersion
from tests.clients import api_client
from tests.factories import AgencyFactory, CitizenFactory, OfficerFactory, ProcedureFactory, ProvinceAdminFactory

pytestmark = pytest.mark.django_db

MONDAY_8 = datetime(2026, 4, 6, 8, 0, tzinfo=VN_TZ)


@pytest.fixture
def world():
    officer, citizen = OfficerFactory(), CitizenFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, documents=0, fee=50000, processing_time_value=5
    )
    return {"officer": officer, "citizen": citizen, "procedure": procedure, "desk": officer.desk}


def create(world, **extra):
    procedure = world["procedure"]
    body = {
        "procedure": procedure.code,
        "province": procedure.province.code,
        "desk": world["desk"].pk,
        "intake_channel": "online",
        "return_channel": "desk",
        "applicant": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
        **extra,
    }
    return api_client(world["citizen"]).post("/api/v1/dossiers/", body, format="json")


def accepted_due_at(world):
    """A dossier created, submitted and accepted now: its due moment (from the procedure's processing time)."""
    code = create(world).json()["code"]
    assert api_client(world["citizen"]).post(f"/api/v1/dossiers/{code}/submit/", {}).status_code == 200
    answer = api_client(world["officer"]).post(f"/api/v1/dossiers/{code}/accept/", {})
    assert answer.status_code == 200, answer.json()
    return answer.json()["due_at"]


def admin_change_form(client, procedure):
    """The procedure's admin change form as the page renders it (its fields and its inlines' forms)."""
    page = client.get(f"/admin/portal/procedure/{procedure.pk}/change/")
    assert page.status_code == 200
    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{name}": management[name].value() for name in management.fields})
        forms += inline.formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value is not False:
                data[form.add_prefix(name)] = "" if value is None or hasattr(value, "url") else value
    return data


def test_an_admin_edit_of_a_procedures_fee_and_processing_time_is_followed_by_the_next_dossier(world):
    procedure = world["procedure"]
    with time_machine.travel(MONDAY_8, tick=False):
        assert create(world).json()["fee"] == 50000  # read once: now in the cache
        five_days = accepted_due_at(world)
        admin = Client()
        admin.force_login(ProvinceAdminFactory(province=procedure.province, is_staff=True))
        data = admin_change_form(admin, procedure)
        data.update(fee="80000", processing_time_value="12")
        saved = admin.post(f"/admin/portal/procedure/{procedure.pk}/change/", data)
        assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
        assert create(world).json()["fee"] == 80000
        assert accepted_due_at(world) > five_days


def test_a_queryset_update_which_sends_no_signal_is_followed_all_the_same(world):
    procedure, desk = world["procedure"], world["desk"]
    assert create(world).json()["fee"] == 50000
    Procedure.objects.filter(pk=procedure.pk).update(fee=65000)
    assert create(world).json()["fee"] == 65000

    # The desk's agency gives the code its prefix: a change of the agency's code through update() shows in the next.
    Agency.objects.filter(pk=desk.agency_id).update(code="000.99.01.H99")
    assert create(world).json()["code"].startswith("000.99.01.H99-")
    # A desk moved to another agency no longer serves this agency's procedure (desk_serves reads the cached desk).
    OneStopDesk.objects.filter(pk=desk.pk).update(agency=AgencyFactory(province=desk.province))
    moved = create(world)
    assert moved.status_code == 400 and "desk" in moved.json()

    Procedure.objects.filter(pk=procedure.pk).update(active=False)
    refused = create(world)
    assert refused.status_code == 400 and "procedure" in refused.json()


def test_a_change_made_by_another_process_is_read_at_the_next_request(world):
    procedure = world["procedure"]
    assert create(world).json()["fee"] == 50000
    # Another process changed the row and gave a new version (its own bump_with_commit): this process's memo and
    # the shared entries of the old version are not read any more.
    Procedure.objects.filter(pk=procedure.pk).update(fee=70000)  # (bumps here too; the next line is the other's)
    cache.set(catalog_cache.VERSION.key, "another-process", timeout=None)
    assert create(world).json()["fee"] == 70000


@pytest.mark.django_db(transaction=True)
def test_a_change_gets_a_new_version_again_at_commit():
    """A process that read the catalog between the change and its commit cached the old row under the version the
    change gave: the version changes again at commit, so that row is never read."""
    procedure = ProcedureFactory(documents=0, fee=1000)
    before = catalog_cache.VERSION.current()
    with transaction.atomic():
        Procedure.objects.filter(pk=procedure.pk).update(fee=2000)
        during = catalog_cache.VERSION.current()
        assert during != before
    assert catalog_cache.VERSION.current() not in (before, during)
    assert catalog_cache.procedure(procedure.pk).fee == 2000


def test_each_caller_gets_a_copy_of_its_own_with_the_rows_it_points_at(world, django_assert_num_queries):
    procedure = world["procedure"]
    first = catalog_cache.procedure(procedure.pk)
    first.fee = 1
    first.agency.name = "đã sửa trong bộ nhớ"
    with django_assert_num_queries(0):
        again = catalog_cache.procedure(procedure.pk)
        assert (again.fee, again.agency.name, again.province.code) == (
            50000,
            procedure.agency.name,
            procedure.province.code,
        )
        assert again.agency.province.code == procedure.province.code
    assert catalog_cache.procedure(10**12) is None


def test_a_request_reads_each_version_once_and_sees_its_own_change(monkeypatch):
    from django.core.signals import request_finished, request_started

    version = SharedVersion("motcua:test:version")
    reads = []
    backend = caches["default"]  # the backend itself: the `cache` proxy takes no patch back
    real_get = backend.get
    monkeypatch.setattr(backend, "get", lambda key, *a, **k: reads.append(key) or real_get(key, *a, **k))
    request_started.send(sender=None)
    try:
        first = version.current()
        assert version.current() == first and reads.count(version.key) == 1
        version.bump()  # a change made in the request itself is seen at once
        assert version.current() != first and reads.count(version.key) == 1
    finally:
        request_finished.send(sender=None)
    # Outside a request every read asks the shared cache.
    version.current(), version.current()
    assert reads.count(version.key) == 3


def test_a_procedure_form_published_through_update_is_checked_on_the_next_dossier(world):
    from portal.models import ProcedureForm

    assert create(world, form_data={"anything": 1}).status_code == 201  # no form yet: free form_data
    form = {"fields": [{"key": "ho_ten", "label": "Họ, chữ đệm, tên", "type": "text", "required": True}]}
    ProcedureForm.publish(world["procedure"], form)  # sets Procedure.form_version with a queryset update()
    refused = create(world, form_data={"ho_ten": 12})
    assert refused.status_code == 400 and "form_data" in refused.json()


def test_a_desk_that_does_not_exist_or_is_no_number_is_refused_as_before(world):
    for desk in (10**9, "abc", True, [1]):
        answer = create(world, desk=desk)
        assert answer.status_code == 400 and list(answer.json()) == ["desk"], (desk, answer.json())
    assert catalog_cache.desk(world["desk"].pk).agency.code == world["desk"].agency.code


def test_a_request_reads_all_the_versions_in_one_round_trip(monkeypatch):
    """The first version a request asks for fetches every version at once (issue 18: the pair asked the shared
    cache for the catalog's, the calendar's, the campaigns' and the post's one by one)."""
    from django.core.signals import request_finished, request_started

    from campaigns import policy
    from portal import working_time
    from postal import catalog_cache as postal_catalog

    versions = (catalog_cache.VERSION, working_time.VERSION, policy.VERSION, postal_catalog.VERSION)
    known = [version.current() for version in versions]  # outside a request: each read (and set) on its own
    backend = caches["default"]
    calls = []
    for name in ("get", "get_many"):
        real = getattr(backend, name)
        counted = lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k)  # noqa: E731
        monkeypatch.setattr(backend, name, counted)
    request_started.send(sender=None)
    try:
        assert [version.current() for version in versions] == known
        assert [version.current() for version in versions] == known
    finally:
        request_finished.send(sender=None)
    assert calls == ["get_many"]
