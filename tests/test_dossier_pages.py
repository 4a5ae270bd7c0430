"""The dossier pages as people use them: a citizen submits and follows a dossier, anyone
tracks one by code, an officer works the queue, acts on a dossier and prints its papers."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.policy import Policy
from dossiers import claims, queues, services
from dossiers.context_processors import links_for
from dossiers.models import Dossier, DossierDocument, Notification, Status
from tests.dossier_helpers import make_dossier, pdf, png
from tests.factories import CitizenFactory, HeadFactory, OfficerFactory, ProcedureFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def officer():
    return OfficerFactory()


@pytest.fixture
def procedure(officer):
    return ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        postal=True,
        fee=200000,
        documents=[
            {"code": "TK", "name": "Tờ khai đăng ký"},
            {"code": "CCCD", "name": "Bản sao căn cước"},
            {"code": "ANH", "name": "Ảnh chân dung", "required": False},
        ],
    )


def draft_payload(officer, **extra):
    data = {
        "desk": officer.desk_id,
        "full_name": "Trần Thị Bình",
        "phone": "0987654321",
        "email": "binh@example.test",
        "national_id": "",
        "content": "Cấp 02 bản sao",
        "intake_channel": "online",
        "return_channel": "desk",
        "address": "",
        "address_zone": "default",
    }
    data.update(extra)
    return data


def upload(client, code, document_code, file):
    return client.post(
        reverse("dossiers:documents", args=[code]),
        {"document": document_code, f"{document_code}-document_code": document_code, f"{document_code}-file": file},
    )


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
    monkeypatch.setattr("dossiers.forms.effective_policy", lambda *args, **kwargs: policy)
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


# --- officer: queues -------------------------------------------------------------------------------------


@pytest.fixture
def desk_set(officer, procedure):
    """A hand-built desk: 2 submitted, 1 supplement, 3 running (1 overdue, 1 due soon), 1 paused,
    1 completed, plus a returned and another desk's dossier that no tab counts."""
    start = datetime(2023, 10, 2, 8, 0, tzinfo=VN)  # Monday
    made = {}
    made["submitted"] = [make_dossier("submitted", officer=officer, procedure=procedure, at=start) for _ in range(2)]
    supplement = make_dossier("submitted", officer=officer, procedure=procedure, at=start)
    with time_machine.travel(start, tick=False):
        services.request_supplement(supplement, officer, "Thiếu tờ khai")
    made["overdue"] = make_dossier("accepted", officer=officer, procedure=procedure, at=start)  # due 09/10 08:00
    made["due_soon"] = make_dossier(
        "processing", officer=officer, procedure=procedure, at=datetime(2023, 10, 9, 10, 0, tzinfo=VN)
    )  # due 16/10 10:00, warned from 13/10 10:00
    made["fresh"] = make_dossier(
        "accepted", officer=officer, procedure=procedure, at=datetime(2023, 10, 16, 8, 0, tzinfo=VN)
    )
    paused = make_dossier("accepted", officer=officer, procedure=procedure, at=start)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        services.pause(paused, officer, "Chờ xác minh")
    make_dossier("completed", officer=officer, procedure=procedure, at=start)
    make_dossier("returned", officer=officer, procedure=procedure, at=start)
    make_dossier("submitted")  # another desk
    return made


def test_queue_counts_are_right_for_a_hand_built_desk(client, officer, desk_set):
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 16, 9, 0, tzinfo=VN), tick=False):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dossiers:queue"))
        counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
        counting = [q["sql"] for q in queries.captured_queries if 'COUNT("dossiers_dossier"' in q["sql"]]
    assert counts == {
        "intake": 2,
        "supplement": 1,
        "processing": 3,
        "due_soon": 1,
        "overdue": 1,
        "paused": 1,
        "to_return": 1,
        "held": 0,
    }
    assert len(counting) == 1  # every tab's count in one aggregate query
    page = html(response)
    for dossier in desk_set["submitted"]:
        assert dossier.code in page


def test_overdue_tab_lists_the_late_dossier(client, officer, desk_set):
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 16, 9, 0, tzinfo=VN), tick=False):
        page = html(client.get(reverse("dossiers:queue"), {"queue": "overdue"}))
    assert desk_set["overdue"].code in page
    assert desk_set["due_soon"].code not in page
    assert "quá " in page


@pytest.fixture
def many_running(officer, procedure):
    """30 accepted dossiers at one desk, due dates in a known order (some sharing a due moment)."""
    rows = []
    base = datetime(2023, 10, 2, 8, 0, tzinfo=VN)
    for i in range(30):
        # Pairs accepted at the same moment share a due date: the id breaks the tie.
        rows.append(make_dossier("accepted", officer=officer, procedure=procedure, at=base + timedelta(hours=i // 2)))
    return rows


def walk_pages(client, params):
    seen, url_params = [], dict(params)
    for _ in range(10):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dossiers:queue"), url_params)
        assert response.status_code == 200
        assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
        page = response.context["page"]
        seen.extend(d.code for d in page.rows)
        if not page.has_next:
            return seen, response
        url_params = {**params, "after": page.next_cursor}
    raise AssertionError("too many pages")


def test_keyset_pages_return_every_row_once_without_offset(client, officer, many_running, monkeypatch):
    monkeypatch.setattr(queues, "PAGE_SIZE", 7)
    monkeypatch.setattr(queues.keyset_page, "__defaults__", (None, None, 7))
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 2, 7, 0, tzinfo=VN), tick=False):
        seen, last = walk_pages(client, {"queue": "processing", "sort": "due"})
        expected = [
            d.code for d in Dossier.objects.filter(desk=officer.desk, status="accepted").order_by("due_at", "id")
        ]
        assert seen == expected and len(seen) == 30
        # And backwards from the last page with "before" cursors: the same rows, once each.
        page = last.context["page"]
        back = list(reversed([d.code for d in page.rows]))
        while page.has_previous:
            response = client.get(
                reverse("dossiers:queue"), {"queue": "processing", "sort": "due", "before": page.prev_cursor}
            )
            page = response.context["page"]
            back.extend(reversed([d.code for d in page.rows]))
        assert list(reversed(back)) == expected


def test_sort_by_due_date_descending_and_by_submission(client, officer, many_running):
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 2, 7, 0, tzinfo=VN), tick=False):
        desc = client.get(reverse("dossiers:queue"), {"queue": "processing", "sort": "-due"}).context["page"].rows
        assert [d.due_at for d in desc] == sorted((d.due_at for d in desc), reverse=True)
        assert desc[0].due_at == max(d.due_at for d in Dossier.objects.filter(desk=officer.desk))
        # A tab whose dossiers may have no due date sorts by submission whatever is asked.
        intake = client.get(reverse("dossiers:queue"), {"queue": "intake", "sort": "due"})
        assert intake.context["sort"] == "submitted"


def test_filter_by_procedure_and_channel(client, officer, procedure):
    other = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    mine = make_dossier(officer=officer, procedure=procedure)
    theirs = make_dossier(officer=officer, procedure=other)
    logged_in(client, officer)
    page = html(client.get(reverse("dossiers:queue"), {"queue": "intake", "procedure": other.pk}))
    assert theirs.code in page and mine.code not in page
    by_channel = html(client.get(reverse("dossiers:queue"), {"queue": "intake", "channel": "postal"}))
    assert theirs.code not in by_channel and mine.code not in by_channel


def test_queue_shows_who_claimed_a_row(client, officer, procedure):
    dossier = make_dossier(officer=officer, procedure=procedure)
    colleague = OfficerFactory(desk=officer.desk, full_name="Lê Văn Cường")
    claims.claim(dossier, colleague)
    logged_in(client, officer)
    assert "Lê Văn Cường" in html(client.get(reverse("dossiers:queue")))


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
    assert "window.print()" in receipt
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
