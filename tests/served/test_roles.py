"""Every demo role logs in on the served stack and opens its main pages, on a phone (390×844) and on a
desktop (1366×768); each page is screenshot under test-output/served/<variant>/. A page answers without a
server error, in Vietnamese, and shows who is logged in."""

import re

import pytest

from .conftest import DESKTOP, PHONE, login

# role → (its main pages, a link pattern to follow from the first page: one of its records).
MAIN_PAGES = {
    "citizen": (["/ho-so/", "/thu-tuc/"], r"^/ho-so/[^/]+/$"),
    "officer": (["/can-bo/", "/can-bo/thong-bao/", "/can-bo/tiep-nhan-truc-tiep/"], r"^/can-bo/ho-so/[^/]+/$"),
    "head": (["/can-bo/", "/can-bo/thong-bao/"], r"^/can-bo/ho-so/[^/]+/$"),
    "postal_clerk": (["/buu-chinh/", "/buu-chinh/qua-han/", "/buu-chinh/bao-cao/"], r"^/buu-chinh/don/\d+/$"),
    "province_admin": (["/dot-ap-dung/", "/quan-tri/", "/thong-ke/bang-dieu-khien/"], r"^/dot-ap-dung/\d+/$"),
    "superuser": (["/admin/"], None),
}
PUBLIC_PAGES = ["/", "/thu-tuc/", "/tra-cuu/", "/thong-ke/"]


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
def test_each_demo_role_opens_its_main_pages(stack, people, shot, role):
    username = stack.accounts[role]
    pages, record = MAIN_PAGES[role]
    page = people(PHONE)
    login(page, username)
    shot(page, "after-login")
    for path in pages:
        _open(page, path, shot, f"{role}-{path.strip('/').replace('/', '-')}")
        if path != "/admin/":  # Django's admin has its own header
            assert page.locator("form[action='/dang-xuat/']").count() == 1, f"{role} is not logged in on {path}"
    if record:
        page.goto(page.base + pages[0])
        found = _first_record(page, record)
        assert found, f"{role}: no record linked from {pages[0]}"
        _open(page, found, shot, f"{role}-record")
