"""The internal process on the pages (issue 15): the specialist's and the head's queue of what waits for them
(the due order of the step, overdue first, keyset pages, their agency only), where a specialist lands, the
process on the staff dossier page with its buttons for the step's holder alone, forward and send-back posted
through the page (the service's refusals as form errors), and the printed control sheet with a late step."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dossiers import queues, services
from dossiers.models import Dossier, Status
from portal.calendar import VN_TZ
from portal.models import ProcessStep
from tests.dossier_helpers import make_dossier
from tests.dossiers.pages.common import html, logged_in
from tests.factories import (
    DEFAULT_PASSWORD,
    AgencyFactory,
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    ProcedureFactory,
    SpecialistFactory,
)
from tests.test_ui_language import visible_text

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    """A moment of April 2026 in Vietnam (Monday the 6th to Friday the 10th: no holiday, no weekend)."""
    return datetime(2026, 4, day, hour, minute, tzinfo=VN_TZ)


@pytest.fixture
def world():
    """A construction permit of the Sở Xây dựng (XD) consulting the Sở Tài nguyên và Môi trường (TN):
    XL examine at XD (16 h), LT consult TN (8 h), PD XD's head signs (4 h), VT the desk returns (4 h)."""
    officer = OfficerFactory(full_name="Cán bộ Một Cửa")
    province = officer.desk.province
    xd = officer.desk.agency
    tn = AgencyFactory(province=province, name="Sở Tài nguyên và Môi trường")
    procedure = ProcedureFactory(
        province=province, agency=xd, processing_time_value=Decimal(5), name="Cấp giấy phép xây dựng"
    )
    for order, (code, name, role, agency, hours) in enumerate(
        [
            ("XL", "Thẩm định hồ sơ", "specialist", xd, 16),
            ("LT", "Lấy ý kiến Sở TN&MT", "specialist", tn, 8),
            ("PD", "Phê duyệt, ký", "head", xd, 4),
            ("VT", "Vào sổ, trả kết quả", "officer", None, 4),
        ]
    ):
        ProcessStep.objects.create(
            procedure=procedure, order=order, code=code, name=name, role=role, agency=agency, hours=hours
        )
    return {
        "procedure": procedure,
        "officer": officer,
        "xd": xd,
        "tn": tn,
        "xd_specialist": SpecialistFactory(agency=xd, full_name="Lê Minh Linh"),
        "tn_specialist": SpecialistFactory(agency=tn, full_name="Phạm Thanh Nam"),
        "tn_specialist_2": SpecialistFactory(agency=tn, full_name="Đỗ Thu Trang"),
        "xd_head": HeadFactory(agency=xd, full_name="Giám đốc Sở Xây dựng"),
    }


def accepted(world, moment):
    return make_dossier("accepted", officer=world["officer"], procedure=world["procedure"], at=moment)


def post(client, dossier, action, data, **extra):
    fields = {f"{action}-{name}": value for name, value in data.items()}
    return client.post(reverse("dossiers:officer_action", args=[dossier.code, action]), fields, **extra)


def steps_of(dossier):
    return [(s.seq, s.code, s.outcome) for s in Dossier.objects.get(pk=dossier.pk).steps.all()]


# --- the queue ---------------------------------------------------------------------------------------------------


def test_the_queue_lists_what_waits_in_the_steps_due_order_overdue_first_in_keyset_pages(client, world, monkeypatch):
    later = accepted(world, at(7, 8))  # XL due Thursday 08:00
    soon = accepted(world, at(6, 10))  # due Wednesday 10:00
    late = accepted(world, at(6, 8))  # due Wednesday 08:00: overdue at 09:00
    elsewhere = accepted(world, at(6, 8))
    with time_machine.travel(at(6, 9), tick=False):
        services.forward(elsewhere, world["xd_specialist"])  # now at TN's step: not XD's work any more
    logged_in(client, world["xd_specialist"])
    with time_machine.travel(at(8, 9), tick=False):
        response = client.get(reverse("dossiers:waiting"))
    assert [d.code for d in response.context["page"].rows] == [late.code, soon.code, later.code]
    page = html(response)
    assert "Việc chờ tôi xử lý" in page and "Thẩm định hồ sơ" in page and "Cán bộ Một Cửa" in page
    late_row = re.search(rf'<tr class="([^"]*)">\s*<td[^>]*><a class="code"[^>]*>{late.code}</a>.*?</tr>', page, re.S)
    assert "queue-row--late" in late_row.group(1)
    assert "⚠" in late_row.group(0) and "Quá hạn 1 giờ" in late_row.group(0)
    assert "còn 1 giờ" in page  # the one due at 10:00
    assert elsewhere.code not in page

    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    with time_machine.travel(at(8, 9), tick=False):
        first = client.get(reverse("dossiers:waiting"))
        cursor = first.context["page"].next_cursor
        second = client.get(reverse("dossiers:waiting"), {"after": cursor})
    assert [d.code for d in first.context["page"].rows] == [late.code, soon.code]
    assert [d.code for d in second.context["page"].rows] == [later.code]
    assert not second.context["page"].has_next

    # Another agency's specialist has nothing waiting; the consulted agency's one has the forwarded dossier.
    logged_in(client, world["tn_specialist"])
    with time_machine.travel(at(8, 9), tick=False):
        theirs = client.get(reverse("dossiers:waiting"))
    assert [d.code for d in theirs.context["page"].rows] == [elsewhere.code]
    logged_in(client, SpecialistFactory(agency=AgencyFactory(province=world["xd"].province)))
    nobody = client.get(reverse("dossiers:waiting"))
    assert not nobody.context["page"].rows and "Không có hồ sơ nào đang chờ bạn xử lý." in html(nobody)


def test_a_specialist_lands_on_the_queue_and_the_head_keeps_the_approvals_with_a_link_to_it(client, world):
    waiting = reverse("dossiers:waiting")
    response = client.post(
        reverse("login"), {"username": world["xd_specialist"].username, "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == waiting
    menu = html(client.get(waiting)).split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{waiting}" aria-current="page"' in menu and f'href="{reverse("dossiers:queue")}"' not in menu

    client.logout()
    response = client.post(reverse("login"), {"username": world["xd_head"].username, "password": DEFAULT_PASSWORD})
    assert response["Location"] == reverse("dossiers:exception_queue")
    assert f'href="{waiting}"' in html(client.get(response["Location"]))
    assert client.get(waiting).status_code == 200

    # An officer's step work stays in the desk's queue; a citizen has no such page.
    logged_in(client, world["officer"])
    assert client.get(waiting)["Location"] == reverse("dossiers:queue")
    assert f'href="{waiting}"' not in html(client.get(reverse("dossiers:queue")))
    logged_in(client, CitizenFactory())
    assert client.get(waiting).status_code == 403


# --- the dossier page ----------------------------------------------------------------------------------------------


def forms_on(client, dossier):
    page = html(client.get(reverse("dossiers:officer_detail", args=[dossier.code])))
    return {name for name in ("forward", "send_back", "complete") if f'id="thao-tac-{name}"' in page}, page


def test_the_process_and_its_buttons_are_shown_to_the_holder_of_the_step_alone(client, world):
    dossier = accepted(world, at(6, 8))
    # Before the dossier reaches TN, its specialists do not see it at all.
    logged_in(client, world["tn_specialist"])
    assert client.get(reverse("dossiers:officer_detail", args=[dossier.code])).status_code == 404

    logged_in(client, world["xd_specialist"])
    with time_machine.travel(at(6, 9), tick=False):
        shown, page = forms_on(client, dossier)
    assert shown == {"forward"}  # the first step: nothing earlier to send back to
    assert "Quy trình xử lý nội bộ" in page and "Đang ở bước này" in page
    current = re.search(r'<tr class="process-row process-row--current"[^>]*aria-current="step">(.*?)</tr>', page, re.S)
    assert "Thẩm định hồ sơ" in current.group(1) and "Đang xử lý, còn" in current.group(1)
    assert "Lấy ý kiến Sở TN&amp;MT" in page and "Chưa đến bước" in page  # the steps to come
    # The next step's people, to name one of them.
    assert f'<option value="{world["tn_specialist"].username}">Phạm Thanh Nam' in page
    assert f'<option value="{world["xd_head"].username}"' not in page

    with time_machine.travel(at(6, 10), tick=False):
        services.forward(dossier, world["xd_specialist"], assignee=world["tn_specialist"].username)
    for person, expected in [
        ("tn_specialist", {"forward", "send_back"}),
        ("tn_specialist_2", set()),  # sees the dossier (its step is at TN) but the step was named to a colleague
        ("xd_specialist", set()),  # worked an earlier step
        ("officer", set()),
        ("xd_head", set()),
    ]:
        logged_in(client, world[person])
        with time_machine.travel(at(6, 11), tick=False):
            shown, page = forms_on(client, dossier)
        assert shown == expected, person
        if "specialist" in person:
            assert "Nhận xử lý" not in page  # a specialist takes no claim on the desk's dossier


def test_forward_and_send_back_through_the_page_reach_their_status_and_step_rows(client, world):
    dossier = accepted(world, at(6, 8))
    logged_in(client, world["xd_specialist"])
    with time_machine.travel(at(7, 10), tick=False):
        response = post(
            client, dossier, "forward", {"assignee": world["tn_specialist"].username, "note": "Đủ điều kiện"}
        )
    assert response.status_code == 302 and response["Location"] == reverse(
        "dossiers:officer_detail", args=[dossier.code]
    )
    fresh = Dossier.objects.select_related("current_step").get(pk=dossier.pk)
    assert fresh.status == Status.PROCESSING
    assert (fresh.current_step.code, fresh.current_step.assignee_id) == ("LT", world["tn_specialist"].pk)
    assert steps_of(dossier) == [(1, "XL", "forwarded"), (2, "LT", "")]

    logged_in(client, world["tn_specialist"])
    with time_machine.travel(at(7, 14), tick=False):
        response = post(client, dossier, "send_back", {"reason": "Thiếu bản vẽ mặt bằng", "to_step": ""}, follow=True)
    page = html(response)
    assert "Đã thực hiện “Trả lại bước trước”" in page
    assert steps_of(dossier) == [(1, "XL", "forwarded"), (2, "LT", "sent_back"), (3, "XL", "")]
    assert "Thiếu bản vẽ mặt bằng" in page  # the reason stays on the sent-back step's row

    # Round again, to the head and to the desk; the desk's officer records the result at the last step.
    for person, moment in [("xd_specialist", at(8, 8)), ("tn_specialist", at(8, 9)), ("xd_head", at(8, 10))]:
        logged_in(client, world[person])
        with time_machine.travel(moment, tick=False):
            assert post(client, dossier, "forward", {"note": ""}).status_code == 302, person
    logged_in(client, world["officer"])
    with time_machine.travel(at(8, 11), tick=False):
        last = post(client, dossier, "forward", {"note": ""})
        assert last.status_code == 409 and "Đây là bước cuối của quy trình" in html(last)
        shown, _page = forms_on(client, dossier)
        assert "complete" in shown and "forward" not in shown
        done = post(client, dossier, "complete", {"outcome": "approved"})
    assert done.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == Status.COMPLETED
    assert [code for _seq, code, _outcome in steps_of(dossier)] == ["XL", "LT", "XL", "LT", "PD", "VT"]


def test_a_wrong_assignee_a_missing_reason_and_a_later_step_are_form_errors(client, world):
    dossier = accepted(world, at(6, 8))
    logged_in(client, world["xd_specialist"])
    with time_machine.travel(at(6, 9), tick=False):
        wrong = post(client, dossier, "forward", {"assignee": world["xd_head"].username})
    assert wrong.status_code == 400
    assert f"“{world['xd_head'].username}” không thực hiện bước tiếp theo của quy trình." in html(wrong)
    assert 'id="thao-tac-forward" open' in html(wrong)
    assert steps_of(dossier) == [(1, "XL", "")]

    with time_machine.travel(at(6, 10), tick=False):
        services.forward(dossier, world["xd_specialist"])
    logged_in(client, world["tn_specialist"])
    with time_machine.travel(at(6, 11), tick=False):
        missing = post(client, dossier, "send_back", {"reason": "  "})
        later = post(client, dossier, "send_back", {"reason": "Sai bước", "to_step": "PD"})
    assert missing.status_code == 400 and "field--error" in html(missing)
    assert later.status_code == 400 and "“PD” không phải một bước trước bước hiện tại của quy trình." in html(later)
    assert steps_of(dossier) == [(1, "XL", "forwarded"), (2, "LT", "")]


# --- the control sheet ---------------------------------------------------------------------------------------------


def test_the_control_sheet_lists_each_handover_and_shows_a_late_step_as_late(client, world):
    dossier = accepted(world, at(6, 8))
    with time_machine.travel(at(8, 9), tick=False):  # XL was due Wednesday 08:00: an hour late
        services.forward(dossier, world["xd_specialist"], assignee=world["tn_specialist"].username)
    with time_machine.travel(at(8, 11), tick=False):
        services.forward(dossier, world["tn_specialist"])
    logged_in(client, world["xd_specialist"])
    with time_machine.travel(at(8, 14), tick=False):
        response = client.get(reverse("dossiers:print", args=[dossier.code, "phieu-kiem-soat"]))
    assert response.status_code == 200
    page = html(response)
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ" in page
    assert "Cơ quan phối hợp giải quyết hồ sơ:" in page and "Sở Tài nguyên và Môi trường" in page
    rows = [(cls, visible_text(row)) for cls, row in re.findall(r'<tr class="handover([^"]*)">(.*?)</tr>', page, re.S)]
    # The submission, then a handover per step: the desk → XD, XD → TN, TN → XD's head.
    assert [re.search(r"(Nộp hồ sơ|XL –|LT –|PD –)", row).group(1) for _cls, row in rows] == [
        "Nộp hồ sơ",
        "XL –",
        "LT –",
        "PD –",
    ]
    first, second, third = rows[1:]
    assert "--late" in first[0] and "Quá hạn" in first[1] and "⚠" in first[1]
    assert world["officer"].desk.name in first[1] and "Người nhận: Lê Minh Linh" in first[1]
    assert "08/04/2026 08:00" in first[1]  # the step's due
    assert "--late" not in second[0] and "Trước hạn" in second[1]  # due Thursday 09:00, done Wednesday
    assert "Người giao: Lê Minh Linh" in second[1] and "Người nhận: Phạm Thanh Nam" in second[1]
    assert "Đang xử lý" in third[1] and "Quá hạn" not in third[1]
    # Printable on A4 with the print button's static script.
    assert "data-print" in page and "/static/js/print.js" in page


# --- in English ------------------------------------------------------------------------------------------------------


def test_the_queue_the_process_and_the_control_sheet_read_english(world):
    from tests.test_english_pages import in_english, main_text, untranslated

    dossier = accepted(world, at(6, 8))
    with time_machine.travel(at(8, 9), tick=False):
        services.forward(dossier, world["xd_specialist"], assignee=world["tn_specialist"].username)
    client = in_english()
    client.force_login(world["tn_specialist"])
    names = [world[p].full_name for p in ("officer", "xd_specialist", "tn_specialist", "tn_specialist_2", "xd_head")]
    data = [
        *names,
        world["xd"].name,
        world["tn"].name,
        world["officer"].desk.name,
        dossier.procedure.name,
        dossier.applicant_name,
        *(step.name for step in ProcessStep.objects.filter(procedure=world["procedure"])),
    ]
    with time_machine.travel(at(8, 10), tick=False):
        queue = client.get(reverse("dossiers:waiting"))
        page = client.get(reverse("dossiers:officer_detail", args=[dossier.code]))
        sheet = client.get(reverse("dossiers:print", args=[dossier.code, "phieu-kiem-soat"]))
    text = main_text(queue, *data)
    assert '<html lang="en">' in html(page)
    for phrase in ("Waiting for me", "Step due", "Received from", "left"):
        assert phrase in text, phrase
    assert not untranslated(text), untranslated(text)

    card = re.search(r'<section class="card section-card process-card".*?</section>', html(page), re.S).group(0)
    forward = re.search(r'<details[^>]*id="thao-tac-forward".*?</details>', html(page), re.S).group(0)
    text = visible_text(card + forward)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    for phrase in ("Internal process", "Current step", "Late", "Pass to the next step", "Nobody named"):
        assert phrase in text, phrase
    assert not untranslated(text), untranslated(text)

    text = main_text(sheet, *data, dossier.province.name)
    for phrase in ("Agencies consulted:", "Handed over by", "Late", "(early / on time / late)"):
        assert phrase in text, phrase
    assert not untranslated(text), untranslated(text)


def test_a_specialist_reads_the_alerts_of_their_steps_on_the_notifications_page(client, world):
    from dossiers.models import Notification

    dossier = accepted(world, at(6, 8))
    Notification.objects.create(
        dossier=dossier,
        recipient=world["xd_specialist"].username,
        recipient_user=world["xd_specialist"],
        channel=Notification.Channel.STAFF,
        kind="step_due_soon",
        body=f"Bước “Thẩm định hồ sơ” của hồ sơ {dossier.code} sắp hết thời gian.",
        created_at=at(7, 15),
    )
    client.force_login(world["xd_specialist"])
    page = client.get(reverse("dossiers:notifications"))
    assert page.status_code == 200 and "sắp hết thời gian" in html(page)
    assert 'href="/can-bo/thong-bao/"' in html(page)  # the menu offers it, with its unread count
    assert client.post(reverse("dossiers:mark_all_read")).status_code == 302
    assert not Notification.objects.filter(recipient_user=world["xd_specialist"], read_at__isnull=True).exists()
