"""The internal process's pages in Chromium (issue 15) at a phone's 390 px and a desktop's 1366 px: the
specialist's queue of what waits for them, the staff dossier page with the process and its step buttons, and
the printed control sheet with a late step, which prints on A4. Nothing sticks out sideways on the phone.
Screenshots in test-output/screenshots/<test>/."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from dossiers import services
from tests import chromium
from tests.browser.test_journeys import login
from tests.browser.test_served_printables import A4
from tests.dossiers.pages.test_process_pages import accepted, world  # noqa: F401  (world: the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


@pytest.fixture
def opened(browser, live_server):
    with chromium.pages(browser, live_server.url) as open_page:
        yield open_page


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width} px wide"


def walked(world):  # noqa: F811  (the fixture's value)
    """A dossier that went XL (late) → LT → sent back → XL → LT → PD, now at the head's step, overdue."""
    now = timezone.now()
    dossier = accepted(world, now - timedelta(days=12))
    moves = [
        (8, lambda d: services.forward(d, world["xd_specialist"], "Đủ điều kiện", world["tn_specialist"].username)),
        (7, lambda d: services.send_back(d, world["tn_specialist"], "Thiếu bản vẽ mặt bằng tỷ lệ 1/100")),
        (6, lambda d: services.forward(d, world["xd_specialist"], "Đã bổ sung bản vẽ")),
        (6, lambda d: services.forward(d, world["tn_specialist_2"], "Thống nhất")),
    ]
    for days, move in moves:
        with time_machine.travel(now - timedelta(days=days), tick=False):
            dossier = move(dossier)
    return dossier


@pytest.mark.parametrize("width", WIDTHS)
def test_the_queue_the_process_and_the_control_sheet_fit_a_phone_and_a_desktop(opened, world, width, shot):  # noqa: F811
    now = timezone.now()
    late = accepted(world, now - timedelta(days=6))
    accepted(world, now - timedelta(days=1))
    accepted(world, now)
    paused = accepted(world, now - timedelta(hours=2))
    services.pause(paused, world["officer"], "Chờ chủ đầu tư bổ sung")
    dossier = walked(world)

    page = opened(WIDTHS[width])
    login(page, world["xd_specialist"], "/can-bo/viec-cho-toi/")
    expect(page.locator("h1")).to_contain_text("Việc chờ tôi xử lý")
    expect(page.locator("tr.queue-row").first).to_contain_text(late.code)
    expect(page.locator("tr.queue-row--late").first).to_contain_text("Quá hạn")
    shot(page, f"waiting-{width}")
    fits(page)

    head = opened(WIDTHS[width])
    login(head, world["xd_head"], f"/can-bo/ho-so/{dossier.code}/")
    current = head.locator("tr.process-row--current")
    expect(current).to_contain_text("Phê duyệt, ký")
    expect(current).to_contain_text("Đang xử lý, quá hạn")
    expect(head.locator("summary", has_text="Chuyển bước tiếp theo")).to_be_visible()
    expect(head.locator("summary", has_text="Trả lại bước trước")).to_be_visible()
    shot(head, f"dossier-{width}")
    fits(head)

    head.goto(head.base + f"/ho-so/{dossier.code}/in/phieu-kiem-soat/")
    expect(head.locator("tr.handover--late").first).to_contain_text("Quá hạn")
    shot(head, f"control-sheet-{width}")
    fits(head)
    if width == "desktop":
        assert A4.search(head.pdf(prefer_css_page_size=True)), "the control sheet is not an A4 page"
        # As the printer lays it out: print media, the width of A4 inside its 15 mm margins (180 mm).
        head.emulate_media(media="print")
        head.set_viewport_size({"width": 680, "height": 962})
        shot(head, "control-sheet-print")
        fits(head)
