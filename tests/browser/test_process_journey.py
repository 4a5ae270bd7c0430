"""A construction permit walked through its four-step inter-agency process by four different accounts in
Chromium (issue 15, "Done means"): the specialist of the Sở Xây dựng finds it in "Việc chờ tôi xử lý", late at
the examination step, and hands it to a named specialist of the Sở Tài nguyên và Môi trường; she gives her
opinion and forwards it to the head's step; the head signs and passes it to the desk; the desk's officer records
the result. The printed control sheet then lists the four handovers with the late one marked."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dossier, Status
from tests import chromium
from tests.browser.test_journeys import action, login
from tests.dossiers.pages.test_process_pages import accepted, world  # noqa: F401  (world: the fixture)

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def opened(browser, live_server):
    with chromium.pages(browser, live_server.url, viewport=PHONE) as open_page:
        yield open_page


def forward(page, dossier, assignee=None, note=""):
    page.goto(page.base + f"/can-bo/ho-so/{dossier.code}/")
    box = action(page, "Chuyển bước tiếp theo")
    if assignee is not None:
        box.get_by_label("Người nhận ở bước tiếp theo").select_option(assignee.username)
    if note:
        box.get_by_label("Ý kiến, kết quả xử lý của bước").fill(note)
    box.get_by_role("button", name="Chuyển bước tiếp theo").click()
    expect(page.get_by_text(f"Đã thực hiện “Chuyển bước tiếp theo” cho hồ sơ {dossier.code}.")).to_be_visible()


def test_four_accounts_walk_a_dossier_through_an_inter_agency_process(opened, world, shot):  # noqa: F811
    # Accepted two weeks ago (more working days than any holiday takes away): the 16-hour examination step is late.
    dossier = accepted(world, timezone.now() - timedelta(days=14))

    specialist = opened()
    login(specialist, world["xd_specialist"], "/can-bo/viec-cho-toi/")
    row = specialist.locator("tr.queue-row").filter(has_text=dossier.code)
    expect(row).to_contain_text("Thẩm định hồ sơ")
    expect(row).to_contain_text("Quá hạn")
    shot(specialist, "1-specialist-queue")
    forward(
        specialist, dossier, assignee=world["tn_specialist"], note="Hồ sơ đủ điều kiện, đề nghị Sở TN&MT cho ý kiến"
    )
    shot(specialist, "1-forwarded")
    expect(specialist.locator("tr.process-row--current")).to_contain_text("Lấy ý kiến Sở TN&MT")

    # The other department: only the named specialist has it waiting; she forwards to the head's step.
    colleague = opened()
    login(colleague, world["tn_specialist_2"], "/can-bo/viec-cho-toi/")
    expect(colleague.locator("tr.queue-row").filter(has_text=dossier.code)).to_have_count(0)
    consulted = opened()
    login(consulted, world["tn_specialist"], "/can-bo/viec-cho-toi/")
    expect(consulted.locator("tr.queue-row").filter(has_text=dossier.code)).to_contain_text("Lấy ý kiến Sở TN&MT")
    forward(consulted, dossier, note="Thống nhất, phù hợp quy hoạch sử dụng đất")
    shot(consulted, "2-consulted")

    head = opened()
    login(head, world["xd_head"], f"/can-bo/ho-so/{dossier.code}/")
    expect(head.locator("tr.process-row--current")).to_contain_text("Phê duyệt, ký")
    forward(head, dossier, note="Đồng ý cấp phép")
    shot(head, "3-signed")

    officer = opened()
    login(officer, world["officer"], f"/can-bo/ho-so/{dossier.code}/")
    expect(officer.locator("tr.process-row--current")).to_contain_text("Vào sổ, trả kết quả")
    box = action(officer, "Có kết quả giải quyết")
    box.get_by_label("Giải quyết", exact=True).check()
    box.get_by_role("button", name="Ghi nhận kết quả").click()
    expect(officer.get_by_text(f"Đã thực hiện “Có kết quả giải quyết” cho hồ sơ {dossier.code}.")).to_be_visible()
    shot(officer, "4-completed")

    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == Status.COMPLETED
    steps = list(dossier.steps.select_related("finished_by"))
    assert [(s.code, s.finished_by_id) for s in steps] == [
        ("XL", world["xd_specialist"].pk),
        ("LT", world["tn_specialist"].pk),
        ("PD", world["xd_head"].pk),
        ("VT", world["officer"].pk),
    ]
    assert steps[0].timeliness == "late" and {s.timeliness for s in steps[1:]} <= {"early", "on_time"}

    # The control sheet, printed: four handovers, the examination step marked late.
    officer.goto(officer.base + f"/ho-so/{dossier.code}/in/phieu-kiem-soat/")
    # Two rows late: the examination step, and the result itself (the statutory five days ran out long ago);
    # the consultation and the signature, each done at once, are not.
    late = officer.locator("tr.handover--late")
    expect(late).to_have_count(2)
    expect(late.first).to_contain_text("XL – Thẩm định hồ sơ")
    expect(late.first).to_contain_text("Quá hạn")
    expect(late.last).to_contain_text("Có kết quả")
    for step in ("Lấy ý kiến Sở TN&MT", "Phê duyệt, ký"):
        expect(officer.locator("tr.handover").filter(has_text=step)).not_to_contain_text("Quá hạn")
    sheet = officer.locator("main").inner_text()
    for name in ("Lê Minh Linh", "Phạm Thanh Nam", "Giám đốc Sở Xây dựng", "Cán bộ Một Cửa"):
        assert name in sheet, name
    shot(officer, "5-control-sheet")
    officer.set_viewport_size({"width": 1366, "height": 768})
    shot(officer, "5-control-sheet")
    pdf = officer.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
