"""The officer dossier page and its actions, printables, walk-in entry, scope, notifications and navigation."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers.context_processors import links_for
from dossiers.models import Dossier, Notification, Status
from dossiers.services import claims
from tests.dossier_helpers import make_dossier, pdf
from tests.dossiers.pages.common import VN, draft_payload, html, logged_in, upload  # noqa: F401
from tests.factories import CitizenFactory, HeadFactory, OfficerFactory

pytestmark = pytest.mark.django_db


# --- officer: the dossier page and its actions -----------------------------------------------------------------


def test_accept_from_the_dossier_page_shows_the_receipt_with_the_appointment(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    logged_in(client, officer)
    page = html(client.get(reverse("dossiers:officer_detail", args=[dossier.code])))
    assert "Tiếp nhận hồ sơ" in page and "Từ chối tiếp nhận" in page and "Trả kết quả" not in page
    # 5 working days from 09:32 Friday 27/10/2023 → 09:32 Friday 03/11/2023.
    with time_machine.travel(datetime(2023, 10, 27, 9, 32, tzinfo=VN), tick=False):
        response = client.post(
            reverse("dossiers:officer_action", args=[dossier.code, "accept"]), {"accept-note": "Đủ"}, follow=True
        )
    assert response.status_code == 200
    receipt = html(response)
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in receipt
    assert "09 giờ 32 phút, ngày 03/11/2023" in receipt
    assert dossier.applicant_name in receipt and procedure.name in receipt
    assert "Tờ khai đăng ký" in receipt
    assert "<svg" in receipt and "tra-cuu/?code=" in receipt


def test_a_transition_the_state_does_not_allow_is_409_with_the_vietnamese_message(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    logged_in(client, officer)
    response = client.post(reverse("dossiers:officer_action", args=[dossier.code, "return"]), {"return-note": ""})
    assert response.status_code == 409
    assert "Không thể thực hiện “Trả kết quả” khi hồ sơ đang ở trạng thái “Mới đăng ký”." in html(response)


def test_a_reason_is_required_to_refuse_and_the_refusal_prints(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    logged_in(client, officer)
    url = reverse("dossiers:officer_action", args=[dossier.code, "refuse"])
    assert client.post(url, {"refuse-reason": ""}).status_code == 400
    response = client.post(url, {"refuse-reason": "Không thuộc thẩm quyền"}, follow=True)
    assert "Phiếu từ chối tiếp nhận" in html(response) and "Không thuộc thẩm quyền" in html(response)


def test_a_colleagues_claim_blocks_the_actions(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    colleague = OfficerFactory(desk=officer.desk, full_name="Lê Văn Cường")
    claims.claim(dossier, colleague)
    logged_in(client, officer)
    page = html(client.get(reverse("dossiers:officer_detail", args=[dossier.code])))
    assert "Hồ sơ đang được Lê Văn Cường xử lý" in page
    assert 'action="/can-bo/ho-so/' + dossier.code + '/thao-tac/accept/"' not in page
    response = client.post(reverse("dossiers:officer_action", args=[dossier.code, "accept"]), {})
    assert response.status_code == 409
    assert "Lê Văn Cường" in html(response)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    # Claiming it is refused too; once the colleague releases, it is ours.
    assert client.post(reverse("dossiers:claim", args=[dossier.code])).status_code == 409
    claims.release(dossier, colleague)
    client.post(reverse("dossiers:claim", args=[dossier.code]))
    dossier.refresh_from_db()
    assert dossier.claimed_by == officer


def test_officer_walks_a_dossier_through_processing_and_return(client, officer, procedure):
    dossier = make_dossier("accepted", officer=officer, procedure=procedure)
    logged_in(client, officer)
    act = lambda name, data: client.post(reverse("dossiers:officer_action", args=[dossier.code, name]), data)  # noqa: E731
    assert act("process", {"process-handed_to": "Phòng Hộ tịch", "process-note": "Chuyển thụ lý"}).status_code == 302
    assert act("pause", {"pause-reason": "Chờ xác minh"}).status_code == 302
    assert act("resume", {"resume-note": ""}).status_code == 302
    assert act("complete", {"complete-outcome": "denied"}).status_code == 400  # a denial needs its reason
    result = SimpleUploadedFile("ket-qua.pdf", pdf().read(), content_type="application/pdf")
    assert act("complete", {"complete-outcome": "approved", "complete-result_file": result}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.COMPLETED and dossier.result_file
    assert "ket-qua" not in dossier.result_file.name  # stored under our own name
    assert act("return", {"return-note": "Trả tại quầy"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    sheet = html(client.get(reverse("dossiers:print", args=[dossier.code, "phieu-kiem-soat"])))
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ" in sheet
    assert "Phòng Hộ tịch" in sheet and "Chuyển xử lý" in sheet and "Trả kết quả" in sheet


def test_supplement_request_lists_the_missing_documents_and_prints(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    logged_in(client, officer)
    response = client.post(
        reverse("dossiers:officer_action", args=[dossier.code, "request_supplement"]),
        {"request_supplement-reason": "Bản sao không rõ", "request_supplement-missing": ["Bản sao căn cước"]},
        follow=True,
    )
    page = html(response)
    assert "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" in page
    assert "Bản sao căn cước" in page and "Bản sao không rõ" in page


def test_apology_moves_the_appointment_once_and_prints_the_letter(client, officer, procedure):
    dossier = make_dossier(
        "processing", officer=officer, procedure=procedure, at=datetime(2023, 10, 27, 9, 32, tzinfo=VN)
    )
    logged_in(client, officer)
    url = reverse("dossiers:officer_action", args=[dossier.code, "apologize"])
    with time_machine.travel(datetime(2023, 11, 2, 10, 0, tzinfo=VN), tick=False):
        response = client.post(
            url,
            {"apologize-new_due_at": "2023-11-08T16:00", "apologize-reason": "Chờ ý kiến cơ quan phối hợp"},
            follow=True,
        )
        letter = html(response)
        assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in letter
        assert "16 giờ 00 phút, ngày 08/11/2023" in letter and "09 giờ 32 phút, ngày 03/11/2023" in letter
        page = html(client.get(reverse("dossiers:officer_detail", args=[dossier.code])))
        assert "thao-tac/apologize/" not in page  # at most once


def test_printables_render_with_the_dossiers_data(client, officer, procedure, settings):
    settings.SITE_URL = "https://dichvucong.example.gov.vn"
    dossier = make_dossier("accepted", officer=officer, procedure=procedure)
    logged_in(client, officer)
    receipt = html(client.get(reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"])))
    assert f"https://dichvucong.example.gov.vn/tra-cuu/?code={dossier.code}" in receipt
    assert re.search(r'<svg [^>]*role="img"[^>]*>.*<path', receipt, re.S)
    # The print button's script is a static file (the CSP runs no inline script): linked, and it prints.
    assert "data-print" in receipt and '<script src="/static/js/print.js"' in receipt
    assert "window.print()" in (settings.BASE_DIR / "static/js/print.js").read_text()
    # Nothing to print yet: no refusal, no apology.
    assert client.get(reverse("dossiers:print", args=[dossier.code, "phieu-tu-choi"])).status_code == 404
    assert client.get(reverse("dossiers:print", args=[dossier.code, "phieu-xin-loi"])).status_code == 404
    # The owner prints the receipt but not the internal control sheet.
    client.force_login(dossier.citizen)
    assert client.get(reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"])).status_code == 200
    assert client.get(reverse("dossiers:print", args=[dossier.code, "phieu-kiem-soat"])).status_code == 403


def test_walk_in_entry_creates_an_ownerless_walk_in_dossier_and_accepts_it(client, officer, procedure):
    logged_in(client, officer)
    chooser = client.get(reverse("dossiers:walk_in"))
    assert procedure.name in html(chooser)
    url = reverse("dossiers:walk_in") + f"?procedure={procedure.pk}"
    form = client.get(url)
    assert form.status_code == 200
    response = client.post(
        url,
        {
            "full_name": "Phạm Thị Dung",
            "phone": "0911222333",
            "content": "Đăng ký tại quầy",
            "return_channel": "desk",
            "address_zone": "default",
        },
    )
    dossier = Dossier.objects.get(applicant_name="Phạm Thị Dung")
    assert response.status_code == 302
    assert dossier.owner is None and dossier.intake_channel == "walk_in" and dossier.created_by == officer
    upload_url = reverse("dossiers:officer_documents", args=[dossier.code])
    assert (
        client.post(upload_url, {"document": "TK", "TK-document_code": "TK", "TK-file": pdf("scan.pdf")}).status_code
        == 302
    )
    accepted = client.post(reverse("dossiers:officer_action", args=[dossier.code, "submit_accept"]), {}, follow=True)
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html(accepted)


def test_another_desks_officer_gets_404(client, procedure, officer):
    dossier = make_dossier(officer=officer, procedure=procedure)
    stranger = OfficerFactory()
    logged_in(client, stranger)
    assert client.get(reverse("dossiers:officer_detail", args=[dossier.code])).status_code == 404
    assert client.post(reverse("dossiers:officer_action", args=[dossier.code, "accept"])).status_code == 404
    assert client.get(reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"])).status_code == 404
    assert dossier.code not in html(client.get(reverse("dossiers:queue")))


def test_a_head_sees_the_agencys_dossiers_and_cannot_accept(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    head = HeadFactory(agency=officer.desk.agency)
    logged_in(client, head)
    assert dossier.code in html(client.get(reverse("dossiers:queue")))
    page = html(client.get(reverse("dossiers:officer_detail", args=[dossier.code])))
    assert "thao-tac/accept/" not in page
    assert client.post(reverse("dossiers:officer_action", args=[dossier.code, "accept"]), {}).status_code == 403
    assert client.get(reverse("dossiers:walk_in")).status_code == 403


def test_citizens_cannot_open_officer_pages(client):
    dossier = make_dossier()
    logged_in(client, dossier.citizen)
    assert client.get(reverse("dossiers:queue")).status_code == 403
    assert client.get(reverse("dossiers:officer_detail", args=[dossier.code])).status_code == 403


# --- notifications and navigation -------------------------------------------------------------------------


def test_staff_notifications_newest_first_and_mark_read(client, officer):
    dossier = make_dossier(officer=officer)
    now = timezone.now()
    older = Notification.objects.create(
        dossier=dossier, recipient=officer.username, recipient_user=officer, channel="staff", kind="due_soon",
        subject="Hồ sơ sắp đến hạn", body="…", created_at=now - timedelta(hours=2),
    )  # fmt: skip
    Notification.objects.create(
        dossier=dossier, recipient=officer.username, recipient_user=officer, channel="staff", kind="overdue",
        subject="Hồ sơ đã quá hạn", body="…", created_at=now,
    )  # fmt: skip
    Notification.objects.create(
        dossier=dossier, recipient="0900000000", channel="sms", kind="accepted", subject="SMS", body="…", created_at=now
    )
    logged_in(client, officer)
    page = html(client.get(reverse("dossiers:notifications")))
    assert page.index("Hồ sơ đã quá hạn") < page.index("Hồ sơ sắp đến hạn")
    assert "SMS" not in page
    request = client.get(reverse("dossiers:queue")).wsgi_request
    assert [link["count"] for link in links_for(request)] == [None, 2]
    client.post(reverse("dossiers:mark_read", args=[older.pk]))
    older.refresh_from_db()
    assert older.read_at is not None
    client.post(reverse("dossiers:mark_all_read"))
    assert not Notification.objects.filter(recipient_user=officer, read_at__isnull=True).exists()


def test_nav_links_follow_the_role(client, officer):
    citizen = CitizenFactory()
    logged_in(client, citizen)
    page = html(client.get(reverse("dossiers:my_dossiers")))
    assert "Hồ sơ của tôi" in page
    logged_in(client, officer)
    page = html(client.get(reverse("dossiers:queue")))
    assert "Hàng đợi hồ sơ" in page and reverse("dossiers:notifications") in page


def test_after_the_one_supplement_request_at_intake_the_page_no_longer_offers_another(client, officer, procedure):
    """The table's guard `supplement_once_at_intake` decides the button (services.can), not only the POST."""
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    logged_in(client, officer)
    url = reverse("dossiers:officer_detail", args=[dossier.code])
    assert "thao-tac/request_supplement/" in html(client.get(url))
    client.post(
        reverse("dossiers:officer_action", args=[dossier.code, "request_supplement"]),
        {"request_supplement-reason": "Thiếu bản sao giấy khai sinh"},
    )
    client.post(reverse("dossiers:officer_action", args=[dossier.code, "supplement"]), {"supplement-note": ""})
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    page = html(client.get(url))
    assert "thao-tac/accept/" in page and "thao-tac/request_supplement/" not in page
