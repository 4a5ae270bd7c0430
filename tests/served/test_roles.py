"""Every demo role logs in on the served stack and follows its main journey, on a phone (390×844) and on a
desktop (1366×768); each page is screenshot under test-output/served/<variant>/. After login each role lands on
its own work (issue 11, point 6: citizen, my dossiers; officer, the queue; specialist, the process steps waiting
for them (issue 15); head, the urgent cases to approve;
postal clerk, the orders; province admin, the dashboard linking campaigns and tickets), as
tests/test_served_pages_navigation.py proves with the test client. Every page answers without a server error,
in Vietnamese, shows who is logged in and the heading of the role's work there; one of the role's records opens
from its list."""

import re
from urllib.parse import urlsplit

import pytest

from .conftest import DESKTOP, PHONE, login

# role → where login lands (portal/accounts.LANDING) and the heading that page shows.
LANDING = {
    "citizen": ("/ho-so/", "Hồ sơ của tôi"),
    "officer": ("/can-bo/", "Hàng đợi hồ sơ"),
    "specialist": ("/can-bo/viec-cho-toi/", "Việc chờ tôi xử lý"),
    "head": ("/can-bo/khan-cap/", "Đề nghị trường hợp khẩn cấp"),
    "postal_clerk": ("/buu-chinh/", "Đơn bưu chính công ích"),
    "province_admin": ("/quan-tri/", "Bảng điều khiển quản trị tỉnh"),
}
# role → its main pages, each with the heading (h1) that says the page is that work.
MAIN_PAGES = {
    "citizen": {"/ho-so/": "Hồ sơ của tôi", "/thu-tuc/": "Thủ tục hành chính"},
    "officer": {
        "/can-bo/": "Hàng đợi hồ sơ",
        "/can-bo/thong-bao/": "Thông báo",
        "/can-bo/tiep-nhan-truc-tiep/": "Tiếp nhận hồ sơ trực tiếp",
    },
    "specialist": {"/can-bo/viec-cho-toi/": "Việc chờ tôi xử lý"},
    "head": {
        "/can-bo/khan-cap/": "Đề nghị trường hợp khẩn cấp",
        "/can-bo/": "Hàng đợi hồ sơ",
        "/can-bo/thong-bao/": "Thông báo",
    },
    "postal_clerk": {
        "/buu-chinh/": "Đơn bưu chính công ích",
        "/buu-chinh/qua-han/": "Đơn bưu chính quá hạn SLA",
        "/buu-chinh/bao-cao/": "Danh sách xác nhận hồ sơ qua dịch vụ bưu chính công ích",
    },
    "province_admin": {
        "/quan-tri/": "Bảng điều khiển quản trị tỉnh",
        "/dot-ap-dung/": "Đợt áp dụng biện pháp",
        "/thong-ke/bang-dieu-khien/": "Bảng điều khiển thống kê",
    },
    "superuser": {"/admin/": "motcua – quản trị"},
}
# Django's admin names itself in its header, not in an h1.
HEADING = {"/admin/": "#site-name"}
# role → (the page listing its records, the link pattern of one record to follow from it).
RECORDS = {
    "citizen": ("/ho-so/", r"^/ho-so/[^/]+/$"),
    "officer": ("/can-bo/", r"^/can-bo/ho-so/[^/]+/$"),
    "specialist": ("/can-bo/viec-cho-toi/", r"^/can-bo/ho-so/[^/]+/$"),  # a dossier waiting at their step
    "head": ("/can-bo/", r"^/can-bo/ho-so/[^/]+/$"),
    "postal_clerk": ("/buu-chinh/", r"^/buu-chinh/don/\d+/$"),
    "province_admin": ("/dot-ap-dung/", r"^/dot-ap-dung/\d+/$"),
}
PUBLIC_PAGES = ["/", "/thu-tuc/", "/tra-cuu/", "/thong-ke/"]


def _heading(page, path):
    return page.locator(HEADING.get(path, "h1")).first.inner_text()


def _open(page, path, shot, name):
    answer = page.goto(page.base + path)
    assert answer.status < 400, f"{path}: HTTP {answer.status}"
    assert page.locator("html").get_attribute("lang") == "vi", path
    text = page.inner_text("body")
    assert "Traceback" not in text and "Server Error" not in text, path
    shot(page, name)
    page.set_viewport_size(DESKTOP)
    shot(page, name)
    page.set_viewport_size(PHONE)
    return page


def _first_record(page, pattern):
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
        path = href.split("?", 1)[0].split("#", 1)[0]
        if re.match(pattern, path) and not path.startswith(("/ho-so/nop/",)):
            return path
    return None


def test_a_visitor_reads_the_public_pages(stack, people, shot):
    page = people(PHONE)
    for path in PUBLIC_PAGES:
        _open(page, path, shot, path.strip("/").replace("/", "-") or "home")
        # A visitor is offered the login and nobody's session leaks into the page.
        assert page.locator("a[href^='/dang-nhap/']").count() >= 1, path
        assert page.locator("form[action='/dang-xuat/']").count() == 0, path


@pytest.mark.parametrize("role", list(MAIN_PAGES))
def test_each_demo_role_follows_its_main_journey(stack, people, shot, role):
    username = stack.accounts[role]
    page = people(PHONE)
    login(page, username)
    shot(page, "after-login")
    if role in LANDING:
        landing, heading = LANDING[role]
        assert urlsplit(page.url).path == landing, f"{role} landed on {page.url}, not on {landing}"
        assert heading in _heading(page, landing), f"{role}: the landing page is not {heading!r}"
    for path, heading in MAIN_PAGES[role].items():
        _open(page, path, shot, f"{role}-{path.strip('/').replace('/', '-')}")
        assert heading in _heading(page, path), f"{role} on {path}: no heading {heading!r}"
        if path != "/admin/":  # Django's admin has its own header
            assert page.locator("form[action='/dang-xuat/']").count() == 1, f"{role} is not logged in on {path}"
    _shows_the_roles_work(page, role)
    if role in RECORDS:
        listing, pattern = RECORDS[role]
        page.goto(page.base + listing)
        found = _first_record(page, pattern)
        assert found, f"{role}: no record linked from {listing}"
        _open(page, found, shot, f"{role}-record")


def _shows_the_roles_work(page, role):
    """What each role's own work page offers beyond its heading."""
    if role == "citizen":  # "Hồ sơ của tôi" in the menu, marked as the page open
        page.goto(page.base + "/ho-so/")
        assert page.locator(".main-nav a[href='/ho-so/'][aria-current='page']").count() >= 1
    elif role == "head":  # the urgent cases waiting for the head's decision
        page.goto(page.base + "/can-bo/khan-cap/")
        assert page.get_by_role("heading", name="Chờ phê duyệt", exact=True).count() == 1
    elif role == "province_admin":  # the dashboard links the campaigns and the desks' queue tickets
        page.goto(page.base + "/quan-tri/")
        main = page.locator("main")
        assert main.locator("a[href='/dot-ap-dung/']").count() >= 1
        assert main.locator("a[href='/dot-ap-dung/tao/']").count() == 1
        assert main.locator("a[href^='/lay-so/']").count() >= 1
        assert main.locator("a[href^='/quay/']").count() >= 1
