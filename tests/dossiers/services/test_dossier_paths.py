"""The paths the other dossier tests leave out or only touch: refusal, pause and resume to the end,
the citizen's notifications (each kind, SMS and email, once each, through the pluggable backend),
held results, the e-result file's checks, the citizen's file names, and the public tracking limits
(the API's throttle scope, the page's window; the per-client wrong-answer limit:
tests/dossiers/test_tracking_public.py)."""

from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from dossiers import services
from dossiers.api import views as dossier_api
from dossiers.models import ClockPause, DossierEvent, Notification, Status
from dossiers.services import uploads
from dossiers.tasks import send_notification
from portal.calendar import vn
from tests.dossier_helpers import PDF, make_dossier, pdf

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


class RecordingBackend:
    """A pluggable backend (NOTIFY_SMS_BACKEND / NOTIFY_EMAIL_BACKEND) that keeps what it is given."""

    sent = []

    def send(self, notification):
        RecordingBackend.sent.append((notification.channel, notification.kind, notification.recipient))


@pytest.fixture
def recording(settings):
    backend = "tests.dossiers.services.test_dossier_paths.RecordingBackend"
    settings.NOTIFY_SMS_BACKEND = settings.NOTIFY_EMAIL_BACKEND = backend
    RecordingBackend.sent = []
    return RecordingBackend.sent


# --- paths -----------------------------------------------------------------------------------------------


def test_refusal_closes_the_dossier_with_its_reason():
    dossier = make_dossier("submitted")
    officer = dossier.officer
    dossier = services.refuse(dossier, officer, "Hồ sơ không thuộc thẩm quyền giải quyết")
    assert dossier.status == Status.REFUSED and dossier.received_at is None
    event = DossierEvent.objects.get(dossier=dossier, action="refuse")
    assert (event.from_status, event.to_status, event.actor) == ("submitted", "refused", officer)
    assert "thẩm quyền" in event.note
    with pytest.raises(services.DossierError):
        services.refuse(make_dossier("submitted", officer=officer), officer, "  ")
    with pytest.raises(services.TransitionNotAllowed):
        services.accept(dossier, officer)


def test_accept_process_pause_resume_complete_return_keeps_every_step():
    dossier = make_dossier("accepted", at=vn(2023, 10, 27, 9, 32))  # due Fri 03/11 09:32
    officer = dossier.officer
    with time_machine.travel(vn(2023, 10, 27, 10, 0), tick=False):
        dossier = services.process(dossier, officer, "Chuyển phòng chuyên môn", handed_to="Phòng Tư pháp")
    with time_machine.travel(vn(2023, 10, 30, 8, 0), tick=False):
        dossier = services.pause(dossier, officer, "Chờ xác minh thực địa")
        assert dossier.status == Status.PAUSED
        with pytest.raises(services.TransitionNotAllowed):
            services.complete(dossier, officer, "approved")
    with time_machine.travel(vn(2023, 10, 30, 12, 0), tick=False):  # 3.5 working hours paused (08:00-11:30)
        dossier = services.resume(dossier, officer, "Đã có kết quả xác minh")
    assert dossier.due_at == vn(2023, 11, 3, 15, 2)  # 09:32 + 3.5 h: 1 h 58 min to 11:30, then 13:30 + 1 h 32 min
    with time_machine.travel(vn(2023, 11, 3, 9, 0), tick=False):
        dossier = services.complete(dossier, officer, "approved")
    assert dossier.timeliness == "on_time"
    with time_machine.travel(vn(2023, 11, 3, 15, 0), tick=False):
        dossier = services.return_result(dossier, officer, "Trả tại quầy")
    assert dossier.status == Status.RETURNED
    actions = list(dossier.events.values_list("action", flat=True))
    assert actions == ["create", "submit", "accept", "process", "pause", "resume", "complete", "return"]
    assert ClockPause.objects.get(dossier=dossier).ended_at == vn(2023, 10, 30, 12, 0)


def test_a_denied_result_completes_with_its_reason():
    dossier = make_dossier("processing")
    dossier = services.complete(dossier, dossier.officer, "denied", "Không đủ điều kiện theo quy định")
    assert (dossier.status, dossier.outcome) == (Status.COMPLETED, "denied")
    assert dossier.events.get(action="complete").note == "Không đủ điều kiện theo quy định"


def test_the_citizen_withdraws_a_running_dossier_through_the_api():
    dossier = make_dossier("processing")
    client = APIClient()
    client.force_authenticate(dossier.citizen)
    response = client.post(f"/api/v1/dossiers/{dossier.code}/withdraw/", {"note": "Không còn nhu cầu"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = client.post(f"/api/v1/dossiers/{dossier.code}/withdraw/", {}, format="json")
    assert again.status_code == 409


def test_a_held_result_is_held_once_and_released(recording, django_capture_on_commit_callbacks):
    dossier = make_dossier("completed")
    with django_capture_on_commit_callbacks(execute=True):
        dossier = services.hold_result(dossier, None, "Kết quả được lưu giữ theo đợt áp dụng")
    assert dossier.status == Status.RESULT_HELD
    with pytest.raises(services.TransitionNotAllowed):
        services.hold_result(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = services.release_held(dossier, None, "Kết thúc đợt")
    assert dossier.status == Status.COMPLETED
    assert ("sms", "result_held", dossier.applicant_phone) in recording
    assert ("sms", "result_released", dossier.applicant_phone) in recording
    with pytest.raises(services.TransitionNotAllowed):
        services.hold_result(make_dossier("processing"))


# --- notifications ------------------------------------------------------------------------------------------


def test_every_transition_that_concerns_the_citizen_is_sent_by_sms_and_email_once(
    recording, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        supplemented = make_dossier("submitted")
        services.request_supplement(supplemented, supplemented.officer, "Thiếu bản sao", missing=["CCCD"])
        refused = make_dossier("submitted")
        services.refuse(refused, refused.officer, "Không thuộc thẩm quyền")
        dossier = make_dossier("processing", at=vn(2023, 10, 27, 9, 32))
        with time_machine.travel(vn(2023, 11, 1, 9, 0), tick=False):
            services.apologize(dossier, dossier.officer, vn(2023, 11, 8, 16, 0), "Chờ ý kiến liên ngành")
            services.complete(dossier, dossier.officer, "approved")
            services.return_result(dossier, dossier.officer)
    expected = {
        supplemented: {"supplement_requested"},
        refused: {"refused"},
        dossier: {"accepted", "apology", "result_ready", "returned"},
    }
    for target, kinds in expected.items():
        target.refresh_from_db()
        for channel, recipient in (("sms", target.applicant_phone), ("email", target.applicant_email)):
            rows = Notification.objects.filter(dossier=target, channel=channel)
            assert sorted(rows.values_list("kind", flat=True)) == sorted(kinds), (target.code, channel)
            assert set(rows.values_list("state", flat=True)) == {"sent"}
            for kind in kinds:
                assert recording.count((channel, kind, recipient)) == 1, (kind, channel)
    accepted = Notification.objects.get(dossier=dossier, kind="accepted", channel="sms")
    assert dossier.code in accepted.body and "03/11/2023" in accepted.body
    apology = Notification.objects.get(dossier=dossier, kind="apology", channel="sms")
    assert "08/11/2023" in apology.body
    # A redelivered task sends nothing more; the same message recorded again is not a new row.
    assert send_notification.apply(args=[accepted.pk]).get() == "skipped"
    from dossiers.notifications import notify_applicant

    assert notify_applicant(dossier, "accepted") == []
    assert recording.count(("sms", "accepted", dossier.applicant_phone)) == 1


def test_a_failed_send_is_kept_for_the_retry(settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_SMS_BACKEND = "tests.dossiers.services.test_dossier_paths.FailingBackend"
    dossier = make_dossier("submitted")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.refuse(dossier, dossier.officer, "Không thuộc thẩm quyền")
    note = Notification.objects.get(dossier=dossier, kind="refused", channel="sms")
    with pytest.raises(Exception, match="gateway down"):  # raised for Celery's retry with backoff
        send_notification.apply(args=[note.pk], throw=True).get()
    note.refresh_from_db()
    assert (note.state, note.attempts) == ("failed", 1) and "gateway down" in note.last_error
    assert callbacks  # the send was scheduled on commit, not inline


class FailingBackend:
    def send(self, notification):
        raise RuntimeError("gateway down")


# --- files ---------------------------------------------------------------------------------------------------


def test_the_e_result_file_passes_the_upload_checks_through_the_api():
    dossier = make_dossier("processing")
    client = APIClient()
    client.force_authenticate(dossier.officer)
    url = f"/api/v1/dossiers/{dossier.code}/complete/"
    forged = SimpleUploadedFile("ketqua.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client.post(url, {"outcome": "approved", "result_file": forged}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["Tệp “ketqua.pdf” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp)."]}
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and not dossier.result_file
    good = SimpleUploadedFile("../../ket qua.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {"outcome": "approved", "result_file": good}, format="multipart").status_code == 200
    dossier.refresh_from_db()
    stored = dossier.result_file.name
    assert stored.startswith("results/") and stored.endswith(".pdf") and "ket" not in stored and ".." not in stored


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.ini.pdf", "system.ini.pdf"),
        ("C:\\Users\\an\\Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
        (".htaccess.pdf", "htaccess.pdf"),
        ("to\x00khai\n.pdf", "tokhai.pdf"),
    ],
)
def test_the_citizens_file_name_is_kept_as_a_bare_name_only(given, kept):
    dossier = make_dossier("draft")
    upload = pdf()
    upload.name = given  # as a client could send it (Django strips "/" parts, not "\\" ones)
    document = uploads.add_document(dossier, dossier.citizen, dossier.procedure.documents.first().code, upload)
    assert document.original_name == kept
    assert document.file.name == f"dossiers/{dossier.code}/{document.stored_token}.pdf"


# --- public tracking limits -----------------------------------------------------------------------------------


def test_the_tracking_api_is_throttled_per_client_and_a_forged_forwarded_for_does_not_help(monkeypatch):
    monkeypatch.setattr(dossier_api.TrackingThrottle, "THROTTLE_RATES", {"tracking": "3/min"})
    dossier = make_dossier("accepted")
    url = f"/api/v1/tracking/{dossier.code}/?phone={dossier.applicant_phone[-4:]}"
    client = APIClient()
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert client.get(url).status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert client.get(url, REMOTE_ADDR="198.51.100.2").status_code == 200  # another client


def test_the_tracking_page_ignores_a_forged_forwarded_for(client, settings):
    settings.TRACKING_PAGE_LOOKUPS = 2
    url = reverse("dossiers:tracking")
    for n in range(2):
        assert client.get(url, {"code": "X-1", "phone": "1234"}, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").status_code == 404
    assert client.get(url, {"code": "X-1", "phone": "1234"}, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
