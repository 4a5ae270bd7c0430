"""The dossier pages as a citizen uses them (submit, follow, withdraw, rate, supplement), and public tracking."""

import re
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.policy import Policy
from dossiers import services
from dossiers.models import Dossier, DossierDocument, Status
from tests.dossier_helpers import make_dossier, pdf, png
from tests.dossiers.pages.common import VN, draft_payload, html, logged_in, upload  # noqa: F401
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


# --- citizen: submission ------------------------------------------------------------------------------


def test_citizen_submits_online_from_draft_to_code(client, officer, procedure):
    citizen = CitizenFactory(full_name="Trần Thị Bình", phone="0987654321")
    logged_in(client, citizen)
    start = client.get(reverse("dossiers:start", args=[procedure.pk]))
    assert start.status_code == 200
    page = html(start)
    assert "200.000 đ" in page  # the fee is shown
    assert 'value="0987654321"' in page  # prefilled from the account

    saved = client.post(reverse("dossiers:start", args=[procedure.pk]), draft_payload(officer))
    dossier = Dossier.objects.get(owner=citizen)
    assert dossier.status == Status.DRAFT
    assert dossier.form_data["content"] == "Cấp 02 bản sao"
    assert saved.url == reverse("dossiers:documents", args=[dossier.code])

    # A draft can be resumed from "my dossiers".
    assert reverse("dossiers:documents", args=[dossier.code]) in html(client.get(reverse("dossiers:my_dossiers")))

    early = client.post(reverse("dossiers:submit", args=[dossier.code]))
    assert early.status_code == 400
    assert "Còn thiếu giấy tờ bắt buộc" in html(early)

    assert upload(client, dossier.code, "TK", pdf("to-khai.pdf")).status_code == 302
    assert upload(client, dossier.code, "CCCD", png("cccd.png")).status_code == 302
    documents = html(client.get(reverse("dossiers:documents", args=[dossier.code])))
    assert "to-khai.pdf" in documents and "cccd.png" in documents

    submitted = client.post(reverse("dossiers:submit", args=[dossier.code]), follow=True)
    assert submitted.status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    page = html(submitted)
    assert dossier.code in page
    assert reverse("dossiers:detail", args=[dossier.code]) in page


def test_forged_upload_shows_its_error_beside_that_document_and_keeps_the_others(client, officer, procedure):
    citizen = CitizenFactory()
    dossier = make_dossier("draft", officer=officer, citizen=citizen, procedure=procedure)
    logged_in(client, citizen)
    assert upload(client, dossier.code, "TK", pdf("to-khai.pdf")).status_code == 302

    forged = SimpleUploadedFile("can-cuoc.pdf", b"just some text, not a PDF at all\n", content_type="application/pdf")
    response = upload(client, dossier.code, "CCCD", forged)
    assert response.status_code == 400
    page = html(response)
    # The error sits inside the CCCD document's block, naming the file; the earlier upload is still listed.
    block = re.search(r'id="giay-to-cccd".*?</li>\s*(?=<li class="doc-row|</ol>)', page, re.S).group(0)
    assert "can-cuoc.pdf" in block and "không phải PDF, JPEG hoặc PNG" in block
    tk_block = re.search(r'id="giay-to-tk".*?</li>\s*(?=<li class="doc-row|</ol>)', page, re.S).group(0)
    assert "to-khai.pdf" in tk_block and "không phải PDF" not in tk_block
    assert list(dossier.documents.values_list("document_code", flat=True)) == ["TK"]


def test_a_closed_channel_is_not_offered_and_says_why(client, officer, procedure, monkeypatch):
    reason = "Theo “Phòng chống dịch” (3515/KH-UBND): tạm dừng tiếp nhận trực tiếp."
    policy = Policy(
        intake_channels=("online", "postal"),
        return_channels=("postal",),
        closed_because={"walk_in": reason},
        notices=("Khuyến khích nộp hồ sơ trực tuyến.",),
    )
    monkeypatch.setattr("dossiers.pages.forms.effective_policy", lambda *args, **kwargs: policy)
    logged_in(client, CitizenFactory())
    page = html(client.get(reverse("dossiers:start", args=[procedure.pk])))
    walk_in = re.search(r'<input type="radio" name="intake_channel" id="id_intake_channel_walk_in"[^>]*>', page).group(
        0
    )
    assert "disabled" in walk_in
    assert reason in page
    assert "Khuyến khích nộp hồ sơ trực tuyến." in page
    online = re.search(r'<input type="radio" name="intake_channel" id="id_intake_channel_online"[^>]*>', page).group(0)
    assert "disabled" not in online

    refused = client.post(
        reverse("dossiers:start", args=[procedure.pk]),
        draft_payload(officer, intake_channel="walk_in", return_channel="postal", address="1 Lê Lợi"),
    )
    assert refused.status_code == 400
    assert reason in html(refused)
    assert not Dossier.objects.exists()


def test_postal_return_needs_an_address(client, officer, procedure):
    logged_in(client, CitizenFactory())
    response = client.post(
        reverse("dossiers:start", args=[procedure.pk]), draft_payload(officer, return_channel="postal")
    )
    assert response.status_code == 400
    assert "Vui lòng nhập địa chỉ" in html(response)


def test_my_dossiers_lists_only_mine_and_anothers_dossier_is_404(client, officer, procedure):
    mine = make_dossier(officer=officer, procedure=procedure)
    theirs = make_dossier(officer=officer, procedure=procedure)
    logged_in(client, mine.citizen)
    page = html(client.get(reverse("dossiers:my_dossiers")))
    assert mine.code in page and theirs.code not in page
    assert client.get(reverse("dossiers:detail", args=[theirs.code])).status_code == 404
    document = theirs.documents.first()
    assert client.get(reverse("dossiers:document_file", args=[theirs.code, document.pk])).status_code == 404
    assert client.get(reverse("dossiers:print", args=[theirs.code, "giay-tiep-nhan"])).status_code == 404
    own_document = mine.documents.first()
    served = client.get(reverse("dossiers:document_file", args=[mine.code, own_document.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"


def test_my_dossier_page_shows_due_date_timeline_and_the_citizens_actions(client):
    at = datetime(2023, 10, 27, 9, 32, tzinfo=VN)
    dossier = make_dossier("processing", at=at)
    logged_in(client, dossier.citizen)
    with time_machine.travel(datetime(2023, 10, 30, 9, 32, tzinfo=VN), tick=False):
        page = html(client.get(reverse("dossiers:detail", args=[dossier.code])))
    assert "03/11/2023 09:32" in page  # due date, dd/mm/yyyy HH:MM
    assert "32 giờ làm việc" in page  # Mon 09:32 → Fri 09:32: four working days left
    assert "Chuyển xử lý" in page and "Tiếp nhận hồ sơ" in page
    assert "Rút hồ sơ" in page
    assert "Đánh giá mức độ hài lòng" not in page
    listing = html(client.get(reverse("dossiers:my_dossiers")))
    assert "03/11/2023 09:32" in listing


def test_citizen_withdraws_only_after_confirming(client):
    dossier = make_dossier("submitted")
    logged_in(client, dossier.citizen)
    url = reverse("dossiers:citizen_action", args=[dossier.code, "withdraw"])
    unconfirmed = client.post(url, {"withdraw-note": "Nộp nhầm"})
    assert unconfirmed.status_code == 400
    assert "Vui lòng đánh dấu xác nhận" in html(unconfirmed)
    client.post(url, {"withdraw-note": "Nộp nhầm", "withdraw-confirm": "on"})
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN


def test_citizen_rates_after_return_and_switches_return_to_the_post(client, officer, procedure):
    returned = make_dossier("returned", officer=officer, procedure=procedure)
    logged_in(client, returned.citizen)
    page = html(client.get(reverse("dossiers:detail", args=[returned.code])))
    assert "Đánh giá mức độ hài lòng" in page
    client.post(
        reverse("dossiers:citizen_action", args=[returned.code, "rate"]), {"rate-score": "4", "rate-comment": "Nhanh"}
    )
    returned.refresh_from_db()
    assert (returned.rating, returned.rating_comment) == (4, "Nhanh")

    running = make_dossier("processing", officer=officer, procedure=procedure, citizen=returned.citizen)
    url = reverse("dossiers:citizen_action", args=[running.code, "switch_return"])
    missing_address = client.post(url, {"switch_return-return_channel": "postal"})
    assert missing_address.status_code == 400
    assert "Vui lòng nhập địa chỉ" in html(missing_address)
    client.post(url, {"switch_return-return_channel": "postal", "switch_return-address": "5 Hùng Vương, Biên Hòa"})
    running.refresh_from_db()
    assert (running.return_channel, running.address) == ("postal", "5 Hùng Vương, Biên Hòa")


def test_citizen_supplements_when_asked(client, officer, procedure):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    services.request_supplement(dossier, officer, "Ảnh mờ, chụp lại", missing=["Ảnh chân dung"])
    logged_in(client, dossier.citizen)
    detail = html(client.get(reverse("dossiers:detail", args=[dossier.code])))
    assert "Ảnh mờ, chụp lại" in detail and "Ảnh chân dung" in detail
    assert upload(client, dossier.code, "ANH", png("anh-moi.png")).status_code == 302
    assert dossier.documents.filter(document_code="ANH", kind=DossierDocument.Kind.SUPPLEMENT).exists()
    client.post(reverse("dossiers:supplement_done", args=[dossier.code]), {"supplement-note": "Đã chụp lại"})
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_officers_cannot_use_citizen_pages(client, officer):
    logged_in(client, officer)
    assert client.get(reverse("dossiers:my_dossiers")).status_code == 403


# --- public tracking -----------------------------------------------------------------------------------


def test_tracking_with_the_right_phone_shows_status_and_nothing_personal(client):
    at = datetime(2023, 10, 27, 9, 32, tzinfo=VN)
    dossier = make_dossier("accepted", at=at)
    last4 = dossier.applicant_phone[-4:]
    right = client.get(reverse("dossiers:tracking"), {"code": dossier.code, "phone": last4})
    assert right.status_code == 200
    page = html(right)
    assert "Đã tiếp nhận" in page and "03/11/2023 09:32" in page
    assert dossier.applicant_name not in page and dossier.applicant_phone not in page

    wrong = client.get(reverse("dossiers:tracking"), {"code": dossier.code, "phone": "0000"})
    assert wrong.status_code == 404
    assert "Không tìm thấy hồ sơ" in html(wrong)
    assert "03/11/2023" not in html(wrong)


def test_the_qr_link_prefills_the_code(client):
    response = client.get(reverse("dossiers:tracking"), {"code": "000.00.06.H56-231027-0361"})
    assert response.status_code == 200
    assert 'value="000.00.06.H56-231027-0361"' in html(response)


def test_tracking_is_rate_limited_per_ip(client, settings):
    settings.TRACKING_PAGE_LOOKUPS = 3
    for _ in range(3):
        assert client.get(reverse("dossiers:tracking"), {"code": "X-1", "phone": "1234"}).status_code == 404
    limited = client.get(reverse("dossiers:tracking"), {"code": "X-1", "phone": "1234"})
    assert limited.status_code == 429
    assert "quá nhiều lần" in html(limited)
    other_ip = client.get(reverse("dossiers:tracking"), {"code": "X-1", "phone": "1234"}, REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 404
