"""Single sign-on in a real browser (headless Chromium) against the REAL local provider (idp/, a gunicorn
subprocess started by tests/oidc_provider.py): sign in through "Đăng nhập bằng định danh điện tử", submit a
dossier, log out at both ends; link an existing password account; a tampered ID token and a validly signed
token with another nonce each end on a clear page with nobody signed in. Screenshots at 390 and 1366 px."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dossiers import services
from dossiers.models import Dossier, Status
from portal.models import IdentityLink, User
from portal.oidc import provider as oidc_provider
from portal.signing import verify_pdf
from portal.signing.documents import text_pdf
from tests.browser.test_journeys import DOCUMENTS, real_pdf, real_png
from tests.factories import (
    DEFAULT_PASSWORD,
    AgencyFactory,
    CitizenFactory,
    OfficerFactory,
    OneStopDeskFactory,
    ProcedureFactory,
    ProvinceFactory,
)
from tests.oidc_provider import (
    LINKED_CITIZEN,
    NEW_CITIZEN,
    PASSWORD,
    TokenProxy,
    configure,
    flip_signature,
    resign_with_nonce,
    shared_provider,
)

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (390, 1366)


@pytest.fixture
def sso(settings, live_server, tmp_path_factory):
    provider = shared_provider(tmp_path_factory)
    if live_server.url not in provider.bases:
        provider.register(live_server.url)
    return configure(settings, provider)


@pytest.fixture
def procedure():
    province = ProvinceFactory(code="T44", name="Tỉnh Quảng Bình")
    agency = AgencyFactory(province=province, code="000.00.12.H44", name="Sở Tư pháp tỉnh Quảng Bình")
    OneStopDeskFactory(province=province, agency=agency, code="BPMC-H44", name="Bộ phận Một cửa Sở Tư pháp")
    return ProcedureFactory(
        province=province, agency=agency, code="1.001193", name="Đăng ký khai sinh", documents=DOCUMENTS
    )


def both_widths(page, shot, name):
    """The page as a phone (390 px) and a desktop (1366 px) show it."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in_at_provider(page, sso, national_id, password=PASSWORD):
    page.wait_for_url(re.compile(re.escape(sso.issuer.removesuffix("/o")) + r"/dang-nhap/"))
    page.get_by_label("Số định danh cá nhân").fill(national_id)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def signed_out(page):
    expect(page.locator(".account").get_by_role("link", name="Đăng nhập")).to_be_visible()


def test_a_citizen_signs_in_with_the_national_identity_submits_and_logs_out_at_both_ends(
    sso, procedure, page, shot, tmp_path
):
    page.goto(f"{page.base}/thu-tuc/{procedure.pk}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()
    page.wait_for_url(re.compile(r"/dang-nhap/\?next="))
    both_widths(page, shot, "login-with-sso")
    page.get_by_role("link", name="Đăng nhập bằng định danh điện tử").click()

    # The provider's own page, in Vietnamese.
    page.wait_for_url(re.compile(r"/dang-nhap/\?next=/o/authorize/"))
    expect(page.get_by_text("Cổng định danh điện tử (mô phỏng)").first).to_be_visible()
    both_widths(page, shot, "provider-login")
    sign_in_at_provider(page, sso, NEW_CITIZEN)

    # Back on motcua, signed in as a new citizen, on the form asked for.
    page.wait_for_url(f"{page.base}/ho-so/nop/{procedure.pk}/")
    expect(page.get_by_text("Đăng nhập bằng định danh điện tử thành công.")).to_be_visible()
    expect(page.locator(".account__name")).to_contain_text("Trần Thị Bình")
    expect(page.get_by_label("Họ và tên người nộp")).to_have_value("Trần Thị Bình")
    page.get_by_label("Nội dung yêu cầu").fill("Đăng ký khai sinh cho con: Trần Minh Khang, sinh ngày 02/03/2024.")
    page.get_by_role("group", name="Hình thức nộp hồ sơ").get_by_label("Trực tuyến").check()
    shot(page, "applicant")
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/giay-to/$"))
    files = {
        "Tờ khai đăng ký khai sinh": real_pdf(tmp_path / "to-khai-khai-sinh.pdf"),
        "Giấy chứng sinh": real_png(tmp_path / "giay-chung-sinh.png"),
    }
    for name, path in files.items():
        page.get_by_label(f"Chọn tệp – {name}").set_input_files(path)
        page.get_by_role("button", name=re.compile(rf"^Tải lên\s*:\s*{re.escape(name)}$")).click()
        expect(page.get_by_text(f"Đã tải lên tệp “{path.name}”.")).to_be_visible()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    page.wait_for_url("**/da-nop/")
    dossier = Dossier.objects.get(owner__national_id=NEW_CITIZEN)
    assert dossier.status == Status.SUBMITTED
    assert IdentityLink.objects.get().user == dossier.owner
    expect(page.get_by_text(dossier.code, exact=True)).to_be_visible()
    shot(page, "submitted")

    # The desk accepts and processes it, and completes it with a PDF result: the citizen signed in by the national
    # identity downloads the result signed by the agency, and "Kiểm tra kết quả điện tử" says it is valid.
    officer = OfficerFactory(desk=dossier.desk, full_name="Lê Văn Cường")
    dossier = services.process(services.accept(dossier, officer), officer)
    result = text_pdf(["GIẤY KHAI SINH (BẢN ĐIỆN TỬ)", f"Mã hồ sơ: {dossier.code}"])
    services.complete(dossier, officer, "approved", result_file=SimpleUploadedFile("kq.pdf", result))
    page.goto(f"{page.base}/ho-so/{dossier.code}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải kết quả điện tử").click()
    signed = tmp_path / "ket-qua-khai-sinh.pdf"
    download.value.save_as(signed)
    checked = verify_pdf(signed.read_bytes())
    assert (checked.valid, checked.dossier, checked.agency) == (True, dossier.code, procedure.agency.name), checked
    assert checked.signer == "Lê Văn Cường"
    page.goto(f"{page.base}/kiem-tra-ket-qua/")
    page.get_by_label("Tệp kết quả điện tử (PDF)").set_input_files(str(signed))
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Kết quả điện tử hợp lệ"))).to_be_visible()
    both_widths(page, shot, "signed-result-valid")

    # Logout ends the provider's session too, and comes back to motcua's home page.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{page.base}/")
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    signed_out(page)
    page.goto(sso.issuer.removesuffix("/o") + "/")
    expect(page.get_by_text("Chưa đăng nhập.")).to_be_visible()
    # Signing in again asks for the provider's password again.
    page.goto(page.base + "/dang-nhap/")
    page.get_by_role("link", name="Đăng nhập bằng định danh điện tử").click()
    sign_in_at_provider(page, sso, NEW_CITIZEN)
    page.wait_for_url(f"{page.base}/ho-so/")
    assert User.objects.filter(national_id=NEW_CITIZEN).count() == 1


def test_an_existing_password_account_is_linked_after_its_password(sso, page, shot):
    owner = CitizenFactory(username="nguyenvanan", full_name="Nguyễn Văn An", national_id=LINKED_CITIZEN)
    page.goto(page.base + "/dang-nhap/")
    page.get_by_role("link", name="Đăng nhập bằng định danh điện tử").click()
    sign_in_at_provider(page, sso, LINKED_CITIZEN)
    page.wait_for_url(f"{page.base}/dang-nhap/dinh-danh/lien-ket/")
    expect(
        page.get_by_role("heading", name="Tài khoản này đã có mật khẩu: đăng nhập bằng mật khẩu để liên kết")
    ).to_be_visible()
    signed_out(page)
    both_widths(page, shot, "link-page")
    page.get_by_label("Mật khẩu", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Đăng nhập và liên kết").click()
    expect(page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.", exact=False)).to_be_visible()
    assert not IdentityLink.objects.exists()
    page.get_by_label("Mật khẩu", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập và liên kết").click()
    page.wait_for_url(f"{page.base}/ho-so/")
    expect(page.get_by_text("Đã liên kết tài khoản với định danh điện tử.", exact=False)).to_be_visible()
    assert IdentityLink.objects.get().user == owner
    page.goto(page.base + "/tai-khoan/dinh-danh-dien-tu/")
    expect(page.get_by_text("Tài khoản đã được liên kết với định danh điện tử từ ngày")).to_be_visible()
    both_widths(page, shot, "account-linked")


def through_proxy(sso, alter):
    document = dict(sso.discovery())
    proxy = TokenProxy(document["token_endpoint"], alter)
    document["token_endpoint"] = proxy.url
    cache.set(oidc_provider.cache_key(), document, 600)
    return proxy


@pytest.mark.parametrize(
    "case, message",
    [
        ("tampered", "Thông tin định danh nhận được không hợp lệ"),
        ("wrong-nonce", "Thông tin định danh nhận được không thuộc về lần đăng nhập này."),
    ],
    ids=["tampered", "wrong-nonce"],
)
def test_a_forged_id_token_is_refused_with_a_clear_page_and_nobody_signed_in(sso, page, shot, case, message):
    alter = flip_signature if case == "tampered" else resign_with_nonce(sso, "nonce-of-another-sign-in")
    with through_proxy(sso, alter):
        page.goto(page.base + "/dang-nhap/")
        page.get_by_role("link", name="Đăng nhập bằng định danh điện tử").click()
        sign_in_at_provider(page, sso, NEW_CITIZEN)
        page.wait_for_url(re.compile(r"/dang-nhap/dinh-danh/callback/\?"))
        expect(page.get_by_role("heading", name="Không xác thực được thông tin đăng nhập")).to_be_visible()
        expect(page.get_by_text(message, exact=False)).to_be_visible()
        signed_out(page)
        both_widths(page, shot, f"refused-{case}")
    assert not User.objects.filter(national_id=NEW_CITIZEN).exists()
    page.goto(page.base + "/ho-so/")
    page.wait_for_url(re.compile(r"/dang-nhap/\?next="))


def test_a_password_citizen_links_the_national_identity_from_the_account_page(sso, page, shot):
    from tests.browser.test_journeys import login

    owner = CitizenFactory(username="tranthibinh", full_name="Trần Thị Bình", national_id="")
    login(page, owner, "/ho-so/")
    page.locator(".account").get_by_role("link", name="Định danh điện tử").click()
    page.wait_for_url(f"{page.base}/tai-khoan/dinh-danh-dien-tu/")
    expect(page.get_by_text("Tài khoản chưa liên kết với định danh điện tử.", exact=False)).to_be_visible()
    both_widths(page, shot, "account-not-linked")
    page.get_by_role("button", name="Liên kết với định danh điện tử").click()
    sign_in_at_provider(page, sso, NEW_CITIZEN)
    page.wait_for_url(f"{page.base}/tai-khoan/dinh-danh-dien-tu/")
    expect(page.get_by_text("Đã liên kết tài khoản với định danh điện tử.")).to_be_visible()
    expect(page.get_by_text("Tài khoản đã được liên kết với định danh điện tử từ ngày")).to_be_visible()
    owner.refresh_from_db()
    assert owner.national_id == NEW_CITIZEN and IdentityLink.objects.get().user == owner
