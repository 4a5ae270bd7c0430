"""A supplement adds versions and never loses a submitted document (issue 11, point 4): through the
service door, the API and the citizen's and officer's pages."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import DossierDocument, Status
from dossiers.services import uploads
from tests.clients import api_client
from tests.dossier_helpers import make_dossier, pdf
from tests.dossiers.pages.common import html, logged_in, upload
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked():
    """A submitted online dossier with two required documents, asked for a supplement of its CCCD."""
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        documents=[{"code": "TK", "name": "Tờ khai đăng ký"}, {"code": "CCCD", "name": "Bản sao căn cước"}],
    )
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    services.request_supplement(dossier, officer, "Bản CCCD mờ", missing=["Bản sao căn cước"])
    dossier.refresh_from_db()
    dossier.officer = officer
    dossier.citizen = dossier.owner
    return dossier


def _submitted(dossier, code):
    return dossier.documents.get(document_code=code, kind=DossierDocument.Kind.SUBMISSION)


# --- the service door -------------------------------------------------------------------------------------


def test_a_submitted_document_cannot_be_removed_during_a_supplement(asked):
    original = _submitted(asked, "CCCD")
    with pytest.raises(services.DossierError) as refused:
        uploads.remove_document(asked, asked.citizen, original.pk)
    assert "đã nộp nên không xoá được" in refused.value.message
    assert asked.documents.filter(pk=original.pk).exists()


def test_a_supplement_upload_is_a_new_version_with_an_event_and_the_old_one_stays(asked):
    original = _submitted(asked, "CCCD")
    new = uploads.add_document(asked, asked.citizen, "CCCD", pdf("cccd-ro.pdf"))
    assert new.kind == DossierDocument.Kind.SUPPLEMENT
    versions = [d for d in uploads.with_versions(asked.documents.all()) if d.document_code == "CCCD"]
    assert [(d.pk, d.version, d.latest) for d in versions] == [(original.pk, 1, False), (new.pk, 2, True)]
    event = asked.events.get(action="supplement_upload")
    assert (event.note, event.data["document_code"], event.data["version"]) == ("cccd-ro.pdf", "CCCD", 2)
    assert event.actor == asked.citizen


def test_a_file_of_this_round_can_be_removed_and_the_removal_is_recorded(asked):
    new = uploads.add_document(asked, asked.citizen, "CCCD", pdf("nham.pdf"))
    uploads.remove_document(asked, asked.citizen, new.pk)
    assert not asked.documents.filter(pk=new.pk).exists()
    assert asked.events.filter(action="supplement_remove", note="nham.pdf").exists()


def test_completing_a_supplement_needs_every_required_document(asked):
    # However a required document went missing, "Đã bổ sung" does not complete without it.
    _submitted(asked, "TK").delete()
    with pytest.raises(services.DossierError) as refused:
        services.supplement(asked, asked.citizen)
    assert "Tờ khai đăng ký" in refused.value.message
    asked.refresh_from_db()
    assert asked.status == Status.SUPPLEMENT_REQUESTED
    uploads.add_document(asked, asked.citizen, "TK", pdf("to-khai.pdf"))
    assert services.supplement(asked, asked.citizen).status == Status.SUBMITTED


# --- the API ------------------------------------------------------------------------------------------------


def test_api_supplement_refuses_with_a_missing_required_document(asked):
    _submitted(asked, "TK").delete()
    url = f"/api/v1/dossiers/{asked.code}/supplement/"
    answer = api_client(asked.citizen).post(url, {}, format="json")
    assert answer.status_code == 400
    assert "Tờ khai đăng ký" in str(answer.json())
    uploads.add_document(asked, asked.citizen, "TK", pdf("to-khai.pdf"))
    answer = api_client(asked.citizen).post(url, {}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "submitted"


# --- the pages -------------------------------------------------------------------------------------------------


def test_the_supplement_page_offers_no_removal_of_a_submitted_file(client, asked):
    logged_in(client, asked.citizen)
    original = _submitted(asked, "CCCD")
    remove_url = reverse("dossiers:remove_document", args=[asked.code, original.pk])
    page = html(client.get(reverse("dossiers:documents", args=[asked.code])))
    assert remove_url not in page
    assert "Đã nộp, không xoá được" in page
    # Even posted (and confirmed) by hand, the submitted file stays.
    answer = client.post(remove_url, {"confirm": "1"}, follow=True)
    assert "không xoá được" in html(answer)
    assert asked.documents.filter(pk=original.pk).exists()
    # …and "Đã bổ sung" then succeeds with every required document still there.
    client.post(reverse("dossiers:supplement_done", args=[asked.code]), {"supplement-note": ""})
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED


def test_removing_a_new_file_asks_for_confirmation_first(client, asked):
    logged_in(client, asked.citizen)
    assert upload(client, asked.code, "CCCD", pdf("cccd-moi.pdf")).status_code == 302
    new = asked.documents.get(original_name="cccd-moi.pdf")
    remove_url = reverse("dossiers:remove_document", args=[asked.code, new.pk])
    assert remove_url in html(client.get(reverse("dossiers:documents", args=[asked.code])))

    asking = client.post(remove_url)
    assert asking.status_code == 200
    assert "Xoá tệp này?" in html(asking) and "cccd-moi.pdf" in html(asking)
    assert asked.documents.filter(pk=new.pk).exists()

    done = client.post(remove_url, {"confirm": "1"}, follow=True)
    assert "Đã xoá tệp “cccd-moi.pdf”" in html(done)
    assert not asked.documents.filter(pk=new.pk).exists()


def test_the_officer_sees_every_version_and_the_uploads_in_the_history(client, asked):
    uploads.add_document(asked, asked.citizen, "CCCD", pdf("cccd-ro.pdf"))
    logged_in(client, asked.officer)
    page = html(client.get(reverse("dossiers:officer_detail", args=[asked.code])))
    assert "Bản 1/2" in page and "Bản 2/2" in page and "mới nhất" in page
    assert "Tải lên giấy tờ bổ sung" in page  # the event, in Vietnamese


def test_the_supplement_page_names_a_missing_required_document_before_sending(client, asked):
    _submitted(asked, "TK").delete()
    logged_in(client, asked.citizen)
    page = html(client.get(reverse("dossiers:documents", args=[asked.code])))
    assert "Còn thiếu giấy tờ bắt buộc: Tờ khai đăng ký." in page
    refused = client.post(reverse("dossiers:supplement_done", args=[asked.code]), {"supplement-note": ""})
    assert refused.status_code == 400 and "Còn thiếu giấy tờ bắt buộc: Tờ khai đăng ký." in html(refused)
    asked.refresh_from_db()
    assert asked.status == Status.SUPPLEMENT_REQUESTED
