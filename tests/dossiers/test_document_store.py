"""The citizen's document store, "Giấy tờ của tôi" (issue 16): what a citizen uploaded and the e-results they
received are kept, offered to a new draft for the same document (or the document a procedure's result is), reused
without uploading again (an event of the dossier), served to the owner only, and taken out of the store only when
no open dossier uses them. Through the services, the pages and the API."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from dossiers import services
from dossiers.models import DossierDocument, Status, StoredDocument
from dossiers.services import store, uploads
from tests.clients import api_client
from tests.dossier_helpers import make_dossier, pdf
from tests.dossiers.pages.common import html, logged_in
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """An officer's desk; a birth registration whose result is the birth certificate (GKS); a residence
    registration asking for an identity paper (GTTT) and a birth certificate; a citizen."""
    officer = OfficerFactory()
    place = {"province": officer.desk.province, "agency": officer.desk.agency}
    birth = ProcedureFactory(
        **place,
        name="Đăng ký khai sinh",
        result_document="GKS",
        documents=[{"code": "GTTT", "name": "Giấy tờ tùy thân"}],
    )
    residence = ProcedureFactory(
        **place,
        name="Đăng ký thường trú",
        documents=[
            {"code": "GTTT", "name": "Bản sao căn cước"},
            {"code": "GKS", "name": "Giấy khai sinh"},
            {"code": "CHO_O", "name": "Giấy tờ chứng minh chỗ ở", "required": False},
        ],
    )
    return {"officer": officer, "birth": birth, "residence": residence, "citizen": CitizenFactory()}


def _draft(world, procedure=None, citizen=None):
    return make_dossier(
        "draft",
        officer=world["officer"],
        citizen=citizen or world["citizen"],
        procedure=procedure or world["residence"],
    )


def _birth_result(world, outcome="approved", citizen=None):
    """A birth registration of the citizen completed with an e-result file."""
    citizen = citizen or world["citizen"]
    dossier = make_dossier("processing", officer=world["officer"], citizen=citizen, procedure=world["birth"])
    services.complete(
        dossier, world["officer"], outcome, reason="" if outcome == "approved" else "Thiếu", result_file=pdf("gks.pdf")
    )
    dossier.refresh_from_db()
    return dossier


def _offered(dossier, user):
    return {code: [entry.pk for entry in entries] for code, entries in store.offers(dossier, user).items()}


# --- what goes in, and whose it is ----------------------------------------------------------------------


def test_the_store_keeps_the_citizens_uploads_and_results_and_shows_them_to_nobody_else(client, world):
    citizen, other = world["citizen"], CitizenFactory()
    result = _birth_result(world)
    upload = result.documents.get(document_code="GTTT")
    entries = {entry.kind: entry for entry in store.store_of(citizen)}
    assert set(entries) == {"submission", "result"}
    assert entries["submission"].file.name == upload.file.name  # the dossier's own file, not a copy
    assert upload.stored == entries["submission"]
    assert entries["result"].file.name == result.result_file.name
    assert str(entries["result"].label) == "Kết quả: Đăng ký khai sinh"
    page = html(logged_in(client, citizen).get(reverse("dossiers:my_documents")))
    assert "Giấy tờ tùy thân" in page and "Kết quả: Đăng ký khai sinh" in page and result.code in page
    assert "Giấy tờ của tôi" in page  # the citizen's menu

    logged_in(client, other)
    assert store.store_of(other).count() == 0
    assert result.code not in html(client.get(reverse("dossiers:my_documents")))
    for entry in entries.values():
        assert client.get(reverse("dossiers:stored_file", args=[entry.pk])).status_code == 404
        assert api_client(other).get(f"/api/v1/me/documents/{entry.pk}/file/").status_code == 404
    assert api_client(other).get("/api/v1/me/documents/").json() == []


def test_the_file_is_served_to_its_owner_and_to_the_staff_of_a_dossier_holding_it_only(client, world):
    citizen = world["citizen"]
    first = make_dossier("submitted", officer=world["officer"], citizen=citizen, procedure=world["birth"])
    entry = store.store_of(citizen).get()
    draft = _draft(world)
    reused = uploads.reuse_document(draft, citizen, "GTTT", entry.pk)

    answer = logged_in(client, citizen).get(reverse("dossiers:stored_file", args=[entry.pk]) + "?download=1")
    assert answer.status_code == 200 and b"".join(answer.streaming_content).startswith(b"%PDF")
    assert answer["Content-Security-Policy"].endswith("sandbox") and "attachment" in answer["Content-Disposition"]
    assert client.get(reverse("dossiers:document_file", args=[draft.code, reused.pk])).status_code == 200

    logged_in(client, world["officer"])  # the desk's officer sees the dossiers' files, never the store
    assert client.get(reverse("dossiers:document_file", args=[draft.code, reused.pk])).status_code == 200
    assert client.get(reverse("dossiers:stored_file", args=[entry.pk])).status_code == 403
    logged_in(client, OfficerFactory())  # another desk: neither
    assert client.get(reverse("dossiers:document_file", args=[draft.code, reused.pk])).status_code == 404
    assert client.get(reverse("dossiers:document_file", args=[first.code, entry.uses.first().pk])).status_code == 404
    client.logout()
    assert client.get(reverse("dossiers:stored_file", args=[entry.pk])).status_code == 302  # to the login


# --- what a draft is offered --------------------------------------------------------------------------------


def test_a_draft_is_offered_the_same_document_code_and_the_results_that_are_that_document(world):
    citizen = world["citizen"]
    result = _birth_result(world)
    upload = StoredDocument.objects.get(owner=citizen, kind="submission")
    certificate = StoredDocument.objects.get(owner=citizen, kind="result")
    draft = _draft(world)
    assert _offered(draft, citizen) == {"GTTT": [upload.pk], "GKS": [certificate.pk]}
    assert _offered(draft, CitizenFactory()) == {}  # someone else's draft: nothing of this store

    # the same procedure's own result is no GTTT; a birth registration draft is offered the identity paper only
    assert _offered(_draft(world, world["birth"]), citizen) == {"GTTT": [upload.pk]}
    assert result.procedure.result_document == "GKS"


def test_a_refused_result_is_no_certificate_and_a_held_one_is_not_in_the_store_yet(world):
    citizen = world["citizen"]
    _birth_result(world, outcome="denied")
    assert "GKS" not in _offered(_draft(world), citizen)
    held = make_dossier("completed", officer=world["officer"], citizen=CitizenFactory(), procedure=world["birth"])
    assert held.status == Status.COMPLETED  # without a result file: nothing to keep
    assert not StoredDocument.objects.filter(kind="result", dossier=held).exists()


def test_the_api_lists_the_store_and_what_counts_as_a_document_code(world):
    citizen = world["citizen"]
    result = _birth_result(world)
    api = api_client(citizen)
    listed = api.get("/api/v1/me/documents/").json()
    assert [(row["kind"], row["document_code"], row["dossier"]) for row in listed] == [
        ("result", "GKS", result.code),
        ("submission", "GTTT", result.code),
    ]
    assert listed[0]["name"] == "Kết quả: Đăng ký khai sinh" and listed[0]["removable"] is True
    assert listed[1]["used_by"] == [result.code]
    assert [row["kind"] for row in api.get("/api/v1/me/documents/?document_code=GKS").json()] == ["result"]
    assert api.get("/api/v1/me/documents/?document_code=CHO_O").json() == []
    assert api.get(listed[0]["file_url"]).status_code == 200
    assert api.get("/api/v1/me/documents/abc/").status_code == 404


# --- reusing -----------------------------------------------------------------------------------------------


def test_reuse_on_the_documents_page_is_an_event_and_satisfies_the_submission_without_a_new_upload(client, world):
    citizen = world["citizen"]
    _birth_result(world)
    identity = StoredDocument.objects.get(owner=citizen, kind="submission")
    certificate = StoredDocument.objects.get(owner=citizen, kind="result")
    draft = _draft(world)
    logged_in(client, citizen)
    page = html(client.get(reverse("dossiers:documents", args=[draft.code])))
    assert page.count("Dùng lại từ kho") == 2 and "gks.pdf" not in page  # the result under its own name
    assert f"ket-qua-{certificate.dossier.code}.pdf" in page

    files_before = _stored_files()
    for code, entry in (("GTTT", identity), ("GKS", certificate)):
        answer = client.post(
            reverse("dossiers:reuse_document", args=[draft.code]), {"document": code, "stored_document": entry.pk}
        )
        assert answer.status_code == 302
    assert _stored_files() == files_before  # nothing uploaded, nothing copied
    attached = {d.document_code: d for d in draft.documents.all()}
    assert attached["GTTT"].file.name == identity.file.name and attached["GKS"].stored == certificate
    events = draft.events.filter(action="reuse_document").order_by("id")
    assert [(e.data["document_code"], e.data["stored_document"], e.actor) for e in events] == [
        ("GTTT", identity.pk, citizen),
        ("GKS", certificate.pk, citizen),
    ]
    assert "Dùng lại giấy tờ từ kho" in html(client.get(reverse("dossiers:detail", args=[draft.code])))
    assert "Dùng lại từ kho" not in html(client.get(reverse("dossiers:documents", args=[draft.code])))  # attached

    submitted = services.submit(draft, citizen)
    assert submitted.status == Status.SUBMITTED


def test_reuse_keeps_the_upload_rules_and_the_error_shows_beside_the_document(client, world, settings):
    citizen = world["citizen"]
    make_dossier("submitted", officer=world["officer"], citizen=citizen, procedure=world["birth"])
    entry = StoredDocument.objects.get(owner=citizen)
    draft = _draft(world)
    uploads.add_document(draft, citizen, "CHO_O", pdf("cho-o.pdf"))
    settings.UPLOAD_MAX_DOSSIER_BYTES = draft.documents.get().size + entry.size - 1
    logged_in(client, citizen)
    answer = client.post(
        reverse("dossiers:reuse_document", args=[draft.code]), {"document": "GTTT", "stored_document": entry.pk}
    )
    assert answer.status_code == 400
    assert "Tổng dung lượng hồ sơ vượt quá" in html(answer) and 'doc-reuse" open' in html(answer)
    assert not draft.documents.filter(document_code="GTTT").exists()
    assert not draft.events.filter(action="reuse_document").exists()


def test_the_api_reuses_a_stored_document_and_refuses_anothers_or_a_removed_one_with_field_messages(world):
    citizen, other = world["citizen"], CitizenFactory()
    make_dossier("withdrawn", officer=world["officer"], citizen=citizen, procedure=world["birth"])
    mine = StoredDocument.objects.get(owner=citizen)
    make_dossier("submitted", officer=world["officer"], citizen=other, procedure=world["birth"])
    theirs = StoredDocument.objects.get(owner=other)
    draft = _draft(world)
    api, url = api_client(citizen), f"/api/v1/dossiers/{draft.code}/documents/"

    refused = api.post(url, {"document_code": "GTTT", "stored_document": theirs.pk}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["stored_document"]
    assert api.post(url, {"document_code": "GTTT", "stored_document": 10**30}, format="json").status_code == 400
    both = api.post(url, {"document_code": "GTTT", "stored_document": mine.pk, "file": pdf()}, format="multipart")
    assert both.status_code == 400 and {"file", "stored_document"} <= set(both.json())
    assert api.post(url, {"document_code": "GTTT"}, format="json").status_code == 400
    wrong_code = api.post(url, {"document_code": "XYZ", "stored_document": mine.pk}, format="json")
    assert wrong_code.status_code == 400 and list(wrong_code.json()) == ["document_code"]

    made = api.post(url, {"document_code": "GTTT", "stored_document": mine.pk}, format="json")
    assert made.status_code == 201 and made.json()["document_code"] == "GTTT"
    again = api.post(url, {"document_code": "GTTT", "stored_document": mine.pk}, format="json")
    assert again.status_code == 400 and "đã có trong hồ sơ" in again.json()["stored_document"][0]

    other_draft = _draft(world)
    uploads.remove_document(draft, citizen, made.json()["id"])  # the draft lets it go; the store keeps it
    assert api.delete(f"/api/v1/me/documents/{mine.pk}/").status_code == 204
    gone = api.post(
        f"/api/v1/dossiers/{other_draft.code}/documents/",
        {"document_code": "GTTT", "stored_document": mine.pk},
        format="json",
    )
    assert gone.status_code == 400 and list(gone.json()) == ["stored_document"]


# --- taking out --------------------------------------------------------------------------------------------


def test_removal_is_refused_while_an_open_dossier_uses_it_and_allowed_once_it_is_closed(client, world):
    citizen = world["citizen"]
    first = make_dossier("submitted", officer=world["officer"], citizen=citizen, procedure=world["birth"])
    entry = StoredDocument.objects.get(owner=citizen)
    logged_in(client, citizen)
    page = html(client.get(reverse("dossiers:my_documents")))
    assert "Xoá khỏi kho" not in page and "Chưa xoá được" in page
    refused = client.post(reverse("dossiers:remove_stored", args=[entry.pk]), {"confirm": "1"}, follow=True)
    assert first.code in html(refused) and "chưa xoá được" in html(refused)
    with pytest.raises(store.StillInUse):
        store.remove_from_store(citizen, entry.pk)
    assert api_client(citizen).delete(f"/api/v1/me/documents/{entry.pk}/").status_code == 409

    services.withdraw(first, citizen)
    assert "Xoá khỏi kho" in html(client.get(reverse("dossiers:my_documents")))
    asking = client.post(reverse("dossiers:remove_stored", args=[entry.pk]))
    assert asking.status_code == 200 and "Xoá giấy tờ này khỏi kho?" in html(asking)
    assert StoredDocument.objects.in_store_of(citizen).exists()  # asking removes nothing
    done = client.post(reverse("dossiers:remove_stored", args=[entry.pk]), {"confirm": "1"}, follow=True)
    assert "Đã xoá" in html(done)
    assert not StoredDocument.objects.in_store_of(citizen).exists()
    assert default_storage.exists(entry.file.name)  # the withdrawn dossier keeps its record
    assert client.get(reverse("dossiers:stored_file", args=[entry.pk])).status_code == 404
    assert _offered(_draft(world), citizen) == {}


def test_a_file_removed_from_its_draft_leaves_the_store_unless_another_dossier_reused_it(
    world, django_capture_on_commit_callbacks
):
    citizen = world["citizen"]
    draft = _draft(world, world["birth"])
    alone = uploads.add_document(draft, citizen, "GTTT", pdf("mot.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        uploads.remove_document(draft, citizen, alone.pk)
    assert not StoredDocument.objects.filter(owner=citizen).exists()
    assert not default_storage.exists(alone.file.name)

    shared = uploads.add_document(draft, citizen, "GTTT", pdf("hai.pdf"))
    other = _draft(world)
    uploads.reuse_document(other, citizen, "GTTT", shared.stored_id)
    with django_capture_on_commit_callbacks(execute=True):
        uploads.remove_document(draft, citizen, shared.pk)
    assert StoredDocument.objects.in_store_of(citizen).get().pk == shared.stored_id
    assert default_storage.exists(shared.file.name)  # the other draft still holds it
    assert other.documents.get().file.name == shared.file.name


def test_a_walk_in_dossier_without_an_owner_fills_no_store(world):
    officer = world["officer"]
    dossier = services.create_draft(
        officer,
        procedure=world["birth"],
        desk=officer.desk,
        intake_channel="walk_in",
        return_channel="desk",
        applicant={"full_name": "Lê Văn Cường", "phone": "0912345678"},
    )
    document = uploads.add_document(dossier, officer, "GTTT", pdf())
    assert document.stored is None and not StoredDocument.objects.exists()
    assert DossierDocument.objects.filter(pk=document.pk).exists()


def _stored_files():
    names = set()
    pending = [""]
    while pending:
        folder = pending.pop()
        if not default_storage.exists(folder or "."):
            continue
        dirs, files = default_storage.listdir(folder)
        names.update(f"{folder}/{name}" for name in files)
        pending.extend(f"{folder}/{d}".strip("/") for d in dirs)
    return names


def test_the_demo_citizen_has_a_birth_certificate_offered_for_permanent_residence(settings):
    import io

    from django.core.management import call_command

    from portal.models import Procedure, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())
    citizen = User.objects.get(username="congdan")
    certificate = StoredDocument.objects.in_store_of(citizen).get(kind="result")
    assert certificate.counts_as == "GKS"
    residence = Procedure.objects.get(province=certificate.dossier.province, code="1.004222")
    draft = services.create_draft(
        citizen,
        procedure=residence,
        desk=certificate.dossier.desk,
        intake_channel="online",
        return_channel="desk",
        applicant={"full_name": citizen.full_name, "phone": citizen.phone or "0912345678"},
    )
    assert [entry.pk for entry in store.offers(draft, citizen)["GKS"]] == [certificate.pk]


def test_the_migration_fills_the_stores_with_what_was_uploaded_and_issued_before(world):
    """dossiers/migrations/0013: the uploads and e-results of before the store are put in it, one entry a file."""
    import importlib

    from django.apps import apps

    fill = importlib.import_module("dossiers.migrations.0013_stored_document").fill_the_stores
    citizen = world["citizen"]
    result = _birth_result(world)
    DossierDocument.objects.update(stored=None)
    StoredDocument.objects.all().delete()
    fill(apps, None)
    entries = {entry.kind: entry for entry in store.store_of(citizen)}
    assert set(entries) == {"submission", "result"}
    upload = result.documents.get()
    assert (entries["submission"].name, entries["submission"].file.name) == ("Giấy tờ tùy thân", upload.file.name)
    assert upload.stored_id == entries["submission"].pk
    assert entries["result"].file.name == result.result_file.name and entries["result"].counts_as == "GKS"
    fill(apps, None)  # run again: nothing twice
    assert StoredDocument.objects.filter(kind="submission").count() == 1
    assert StoredDocument.objects.filter(kind="result").count() == 1


def test_a_request_form_is_offered_again_for_the_same_procedure_only(world):
    """Catalogs reuse "TK" for every procedure's own tờ khai: a birth registration's declaration is no marriage
    registration's, though the code is the same; a paper the citizen holds (GTTT) still goes everywhere."""
    citizen = world["citizen"]
    place = {"province": world["officer"].desk.province, "agency": world["officer"].desk.agency}
    declaration = [{"code": "TK", "name": "Tờ khai đăng ký khai sinh"}, {"code": "GTTT", "name": "Giấy tờ tùy thân"}]
    birth = ProcedureFactory(**place, name="Đăng ký khai sinh", documents=declaration)
    marriage = ProcedureFactory(
        **place,
        name="Đăng ký kết hôn",
        documents=[{"code": "TK", "name": "Tờ khai  đăng ký kết hôn"}, {"code": "GTTT", "name": "Căn cước"}],
    )
    make_dossier("submitted", officer=world["officer"], citizen=citizen, procedure=birth)
    stored = {entry.document_code: entry.pk for entry in store.store_of(citizen)}
    assert set(stored) == {"TK", "GTTT"}
    assert _offered(_draft(world, marriage), citizen) == {"GTTT": [stored["GTTT"]]}
    assert _offered(_draft(world, birth), citizen) == {"TK": [stored["TK"]], "GTTT": [stored["GTTT"]]}
