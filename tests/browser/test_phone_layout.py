"""The officer's queue and the clerk's orders as a phone (390 px) and a desktop (1366 px) show
them in Chromium: the filters fold into one "Bộ lọc" line on the phone (the first row is on the
first screen) and stand open on the desktop, without JavaScript too; a stacked row keeps a cell's
content together in the value column (the procedure's code and name). Screenshots in
test-output/screenshots/<test>/."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import Procedure
from tests import chromium
from tests.browser.test_journeys import login
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, PostalClerkFactory, ProcedureFactory
from tests.test_postal_report import make_order

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
LONG_NAME = "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu"


@pytest.fixture
def opened(browser, live_server):
    with chromium.pages(browser, live_server.url) as open_page:
        yield open_page


@pytest.fixture
def officer():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, code="1.000656", name=LONG_NAME
    )
    make_dossier(officer=officer, procedure=procedure)
    return officer


def text_left(page, selector, text):
    """The left edge of the first line box of the text node `text` inside the first `selector`,
    and the left edge of that element."""
    return page.evaluate(
        """([selector, text]) => {
            const cell = document.querySelector(selector);
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                if (node.textContent.includes(text)) {
                    const range = document.createRange();
                    range.selectNodeContents(node);
                    return [range.getClientRects()[0].left, cell.getBoundingClientRect().left];
                }
            }
            return null;
        }""",
        [selector, text],
    )


def assert_filters_fold(page, width, field_label, first_row):
    summary = page.locator("summary.filters-fold__summary")
    field = page.get_by_label(field_label, exact=True)
    if width == "phone":
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("Bộ lọc")
        expect(field).to_be_hidden()
        # Folded, the filters are one line: the first row follows right under it.
        line = summary.bounding_box()
        assert line["height"] < 60, line
        assert page.locator(first_row).first.bounding_box()["y"] - (line["y"] + line["height"]) < 80
        summary.click()
        expect(field).to_be_visible()
    else:
        expect(summary).to_be_hidden()
        expect(field).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_officer_queue_folds_its_filters_on_a_phone_and_keeps_code_and_name_together(
    opened, officer, width, javascript, shot
):
    page = opened(WIDTHS[width], javascript)
    login(page, officer, "/can-bo/")
    shot(page, f"queue-{width}")
    if width == "phone":
        # "Thủ tục": the name follows the code in the value column, not under the label.
        name_left, cell_left = text_left(page, "tr.queue-row td:nth-child(2)", "Cấp giấy chứng nhận")
        assert name_left - cell_left > 100, (name_left, cell_left)
    assert_filters_fold(page, width, "Kênh nộp", "tr.queue-row")
    if width == "phone":
        shot(page, "queue-phone-filters-open")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_clerks_orders_fold_their_filters_on_a_phone(opened, officer, width, shot):
    clerk = PostalClerkFactory(province=officer.desk.province)
    dossier = make_dossier(officer=officer, procedure=Procedure.objects.get(code="1.000656"))
    make_order(dossier, "pickup", at=timezone.now())
    page = opened(WIDTHS[width])
    login(page, clerk, "/buu-chinh/")
    shot(page, f"orders-{width}")
    if width == "phone":
        name_left, cell_left = text_left(page, "tr.postal-row td:nth-child(3)", "Cấp giấy")
        assert name_left - cell_left > 100, (name_left, cell_left)
    assert_filters_fold(page, width, "Người phụ trách", "tr.postal-row")


def assert_fits(page):
    """Nothing sticks out sideways: the page is no wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_heads_approvals_and_the_citizens_dossiers_stack_on_a_phone(opened, officer, width, shot):
    from dossiers.models import Dossier
    from dossiers.services import grant_exception
    from tests.factories import HeadFactory

    dossier = Dossier.objects.get()
    grant_exception(dossier, officer, "Giấy tờ cấp thiết cho khám chữa bệnh.")
    head = HeadFactory(agency=officer.desk.agency)
    page = opened(WIDTHS[width])
    login(page, head, "/can-bo/khan-cap/")
    shot(page, f"approvals-{width}")
    assert_fits(page)
    expect(page.get_by_role("button", name="Phê duyệt", exact=True)).to_be_visible()
    if width == "phone":
        name_left, cell_left = text_left(page, ".exceptions-table tbody td:first-child", "Cấp giấy")
        assert name_left - cell_left > 100, (name_left, cell_left)

    citizen = opened(WIDTHS[width])
    login(citizen, dossier.owner, "/ho-so/")
    shot(citizen, f"my-dossiers-{width}")
    assert_fits(citizen)
