"""The four journeys of the proof (issue 7), in real headless Chromium against the live server,
with a real Celery worker (a thread on an in-memory broker: `live_celery` in conftest.py) sending
the citizen's SMS and emails:

1. a citizen registers, submits a dossier with uploads and postal return, and tracks it by code;
2. an officer accepts it (the receipt is printed, also to PDF), processes and completes it;
3. a postal clerk picks up the result and delivers it; the citizen sees "returned" and rates it;
4. a province admin creates a campaign that suspends walk-in intake, previews and activates it;
   the procedure page shows the notice, walk-in is refused, an urgent exception lets one through.

Each journey is its own test on a fresh database (transaction=True): journeys 2 and 3 start
from the state the previous one leaves, reached through the services (the one door), so each
can run and fail alone. Every step is a screenshot under test-output/screenshots/<test>/.
Locators go by role, label and text, as people read the (Vietnamese) pages."""

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dossier, Notification, Status
from dossiers.templatetags.dossier_tags import long_moment
from postal.models import PostalOrder
from tests.dossier_helpers import make_dossier
from tests.factories import (
    DEFAULT_PASSWORD,
    AgencyFactory,
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
    ProvinceFactory,
)
from tests.postal_factories import PostalTariffFactory
from tests.test_phone_verification import CapturingSMS, code_in

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "25 Võ Thị Sáu, phường Đồng Phú, TP. Đồng Hới, tỉnh Quảng Bình"
PHONE = "0912345678"
DOCUMENTS = [
    {"name": "Tờ khai đăng ký khai sinh", "form": "original"},
    {"name": "Giấy chứng sinh", "form": "original"},
]


@dataclass
class World:
    province: object
    agency: object
    desk: object
    procedure: object
    officer: object
    head: object
    clerk: object
    admin: object


@pytest.fixture
def world():
    """A province with one agency and its one-stop desk, a free, postal-eligible procedure with
    two required documents, the post's tariffs, and one person of each staff role."""
    province = ProvinceFactory(code="T44", name="Tỉnh Quảng Bình")
    agency = AgencyFactory(province=province, code="000.00.12.H44", name="Sở Tư pháp tỉnh Quảng Bình")
    desk = OneStopDeskFactory(province=province, agency=agency, code="BPMC-H44", name="Bộ phận Một cửa Sở Tư pháp")
    procedure = ProcedureFactory(
        province=province,
        agency=agency,
        code="1.001193",
        name="Đăng ký khai sinh",
        postal=True,
        documents=DOCUMENTS,
    )
    PostalTariffFactory(province=province, leg="pickup", amount=22000)
    PostalTariffFactory(province=province, leg="return", amount=25000)
    return World(
        province=province,
        agency=agency,
        desk=desk,
        procedure=procedure,
        officer=OfficerFactory(username="canbo.mai", full_name="Trần Thị Mai", desk=desk),
        head=HeadFactory(username="lanhdao.hung", full_name="Lê Văn Hùng", agency=agency, province=province),
        clerk=PostalClerkFactory(username="buudien.nam", full_name="Phạm Văn Nam", province=province),
        admin=ProvinceAdminFactory(username="quantri.lan", full_name="Hoàng Thị Lan", province=province),
    )


# --- helpers ------------------------------------------------------------------------------------------


def real_pdf(path):
    """A small, real one-page PDF (Pillow writes it)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (420, 594), "white")
    ImageDraw.Draw(image).text((40, 40), "TO KHAI DANG KY KHAI SINH", fill="black")
    image.save(path, "PDF", resolution=72)
    return path


def real_png(path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), (250, 250, 240))
    ImageDraw.Draw(image).rectangle((10, 10, 310, 190), outline="navy", width=3)
    image.save(path, "PNG")
    return path


def login(page, user, path):
    """Open `path`, get sent to the login page, sign in, land back on `path`."""
    page.goto(page.base + path)
    page.wait_for_url(re.compile(r"/dang-nhap/\?next="))
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(page.base + path)
    expect(page.get_by_text("Đăng nhập thành công.")).to_be_visible()


def action(page, title):
    """The officer's (or clerk's) action box titled `title`, opened."""
    box = page.locator("details").filter(has=page.locator("summary", has_text=title))
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def eventually(predicate, timeout=15.0, what="condition"):
    """Poll the database until the worker has done its part (no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def assert_sent(worker, dossier, kind):
    """Every SMS/email of `kind` recorded for the dossier gets delivered, by the worker."""
    notes = Notification.objects.filter(dossier=dossier, kind=kind).exclude(channel=Notification.Channel.STAFF)

    def delivered():
        return notes.exists() and not notes.exclude(state=Notification.State.SENT).exists()

    eventually(delivered, what=f"the “{kind}” SMS and email of {dossier.code} to be sent")
    if worker is not None:
        from celery.worker import state

        assert state.total_count["dossiers.tasks.send_notification"] >= notes.count()


def seeded_dossier(world, state, citizen):
    """The citizen's online dossier with postal return, moved to `state` through the services."""
    return make_dossier(
        state,
        officer=world.officer,
        citizen=citizen,
        procedure=world.procedure,
        return_channel="postal",
        address=ADDRESS,
        applicant={"full_name": citizen.full_name, "phone": citizen.phone, "email": citizen.email},
    )


# --- 1. the citizen ------------------------------------------------------------------------------------


def test_citizen_registers_submits_with_uploads_and_postal_return_then_tracks(
    live_celery, world, page, new_page, shot, tmp_path, settings
):
    settings.NOTIFY_SMS_BACKEND = "tests.test_phone_verification.CapturingSMS"
    CapturingSMS.sent = []
    procedure = world.procedure
    page.goto(f"{page.base}/thu-tuc/{procedure.pk}/")
    expect(page.get_by_role("heading", name="Đăng ký khai sinh").first).to_be_visible()
    shot(page, "procedure")

    # Not signed in: "Nộp hồ sơ trực tuyến" leads to the login page, which links to registration.
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()
    page.wait_for_url(re.compile(r"/dang-nhap/\?next="))
    page.get_by_role("link", name="Đăng ký tài khoản công dân").click()
    page.wait_for_url(re.compile(r"/dang-ky/"))
    page.get_by_label("Tên đăng nhập").fill("nguyenthuha")
    page.get_by_label("Mật khẩu", exact=True).fill("Khai-sinh-2024!")
    page.get_by_label("Nhập lại mật khẩu").fill("Khai-sinh-2024!")
    page.get_by_label("Họ và tên").fill("Nguyễn Thu Hà")
    page.get_by_label("Số điện thoại").fill(PHONE)
    page.get_by_label("Thư điện tử (không bắt buộc)").fill("thuha@example.test")
    page.get_by_label("Số định danh cá nhân (không bắt buộc)").fill("044190001234")
    shot(page, "register")
    page.get_by_role("button", name="Đăng ký", exact=True).click()

    # Registered and signed in; the phone is confirmed with the code the SMS carried (sent by the worker).
    expect(page.get_by_role("heading", name="Xác nhận số điện thoại")).to_be_visible()
    expect(page.get_by_text("Đăng ký thành công. Chào mừng Nguyễn Thu Hà!")).to_be_visible()
    eventually(lambda: CapturingSMS.sent, what="the SMS with the phone's confirmation code")
    page.get_by_label("Mã xác nhận").fill(code_in(CapturingSMS.sent[-1][1]))
    page.get_by_role("button", name="Xác nhận", exact=True).click()

    # Back on the submission form with the applicant prefilled.
    page.wait_for_url(f"**/ho-so/nop/{procedure.pk}/")
    expect(page.get_by_text("đã được xác nhận")).to_be_visible()
    expect(page.get_by_label("Họ và tên người nộp")).to_have_value("Nguyễn Thu Hà")
    expect(page.get_by_label("Số điện thoại")).to_have_value(PHONE)
    page.get_by_label("Nội dung yêu cầu").fill("Đăng ký khai sinh cho con: Nguyễn Minh An, sinh ngày 02/03/2024.")
    page.get_by_role("group", name="Hình thức nộp hồ sơ").get_by_label("Trực tuyến").check()
    page.get_by_role("group", name="Hình thức nhận kết quả").get_by_label("Qua bưu chính công ích").check()
    page.get_by_label("Địa chỉ nhận/gửi qua bưu chính").fill(ADDRESS)
    shot(page, "applicant-and-channels")
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()

    # The documents step: one upload per required document, real files.
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/giay-to/$"))
    files = {
        "Tờ khai đăng ký khai sinh": real_pdf(tmp_path / "to-khai-khai-sinh.pdf"),
        "Giấy chứng sinh": real_png(tmp_path / "giay-chung-sinh.png"),
    }
    for name, path in files.items():
        page.get_by_label(f"Chọn tệp – {name}").set_input_files(path)
        # The document's name is visually hidden in the button (Chromium reads "Tải lên : …").
        page.get_by_role("button", name=re.compile(rf"^Tải lên\s*:\s*{re.escape(name)}$")).click()
        expect(page.get_by_text(f"Đã tải lên tệp “{path.name}”.")).to_be_visible()
    expect(page.get_by_text("Còn thiếu giấy tờ bắt buộc")).to_have_count(0)
    shot(page, "documents-uploaded")
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    # Submitted: the code on screen is the dossier's.
    page.wait_for_url("**/da-nop/")
    dossier = Dossier.objects.get(owner__username="nguyenthuha")
    assert dossier.status == Status.SUBMITTED
    assert (dossier.intake_channel, dossier.return_channel, dossier.address) == ("online", "postal", ADDRESS)
    assert dossier.documents.count() == 2
    expect(page.get_by_role("heading", name="Đã nộp hồ sơ thành công")).to_be_visible()
    expect(page.get_by_text(dossier.code, exact=True)).to_be_visible()
    shot(page, "submitted-code")

    # Anyone tracks it with the code and the last 4 digits of the phone; wrong digits find nothing.
    visitor = new_page()
    visitor.goto(visitor.base + "/")
    visitor.get_by_role("link", name="Tra cứu hồ sơ").first.click()
    visitor.wait_for_url("**/tra-cuu/")
    visitor.get_by_label("Mã hồ sơ").fill(dossier.code)
    visitor.get_by_label("4 chữ số cuối số điện thoại người nộp").fill("0000")
    visitor.get_by_role("button", name="Tra cứu", exact=True).click()
    expect(visitor.get_by_text("Không tìm thấy hồ sơ với mã và số điện thoại đã nhập.")).to_be_visible()
    visitor.get_by_label("4 chữ số cuối số điện thoại người nộp").fill(PHONE[-4:])
    visitor.get_by_role("button", name="Tra cứu", exact=True).click()
    result = visitor.get_by_role("region", name=f"Hồ sơ {dossier.code}")
    expect(result).to_be_visible()
    expect(result.get_by_text("Mới đăng ký")).to_be_visible()
    expect(result.get_by_text("Qua bưu chính công ích")).to_be_visible()
    expect(result.get_by_text("Nguyễn Thu Hà")).to_have_count(0)  # nothing personal on the public page
    shot(visitor, "tracked-by-code")


# --- 2. the officer -------------------------------------------------------------------------------------


def test_officer_claims_accepts_prints_the_receipt_processes_and_completes(live_celery, world, page, shot, tmp_path):
    citizen = CitizenFactory(full_name="Nguyễn Thu Hà", phone=PHONE)
    dossier = seeded_dossier(world, "submitted", citizen)

    login(page, world.officer, "/can-bo/")
    expect(page.get_by_role("heading", name="Hàng đợi hồ sơ")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=dossier.code)
    expect(row).to_contain_text("Nguyễn Thu Hà")
    expect(row).to_contain_text("Mới đăng ký")
    shot(page, "queue")
    row.get_by_role("link", name=dossier.code).click()
    page.wait_for_url(f"**/can-bo/ho-so/{dossier.code}/")

    # Claim it, so colleagues see who has it.
    page.get_by_role("button", name="Nhận xử lý").click()
    expect(page.get_by_text(f"Bạn đang giữ hồ sơ {dossier.code} đến")).to_be_visible()
    shot(page, "claimed")

    # Accept: the receipt with the appointment opens, ready to print.
    action(page, "Tiếp nhận hồ sơ").get_by_role("button", name="Tiếp nhận, in giấy hẹn").click()
    page.wait_for_url(f"**/ho-so/{dossier.code}/in/giay-tiep-nhan/")
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED and dossier.due_at is not None
    expect(page.get_by_role("heading", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả")).to_be_visible()
    expect(page.get_by_text(dossier.code, exact=True)).to_be_visible()
    appointment = long_moment(dossier.due_at)
    expect(page.get_by_text(appointment, exact=True)).to_be_visible()
    expect(page.get_by_text(f"Qua bưu chính công ích – {ADDRESS}")).to_be_visible()
    shot(page, "receipt")
    pdf_path = shot.folder / "giay-tiep-nhan.pdf"
    page.pdf(path=str(pdf_path), format="A4", print_background=True)
    assert pdf_path.read_bytes().startswith(b"%PDF") and pdf_path.stat().st_size > 2000

    # The citizen is told by SMS/email, sent by the worker.
    assert_sent(live_celery, dossier, "accepted")

    # Hand it to processing, then record the result (with an e-result file).
    page.get_by_role("link", name="Quay lại hồ sơ").click()
    page.wait_for_url(f"**/can-bo/ho-so/{dossier.code}/")
    box = action(page, "Chuyển xử lý")
    box.get_by_label("Chuyển cho (cơ quan, bộ phận, người xử lý)").fill("Phòng Hành chính tư pháp")
    box.get_by_role("button", name="Chuyển xử lý").click()
    expect(page.get_by_text(f"Đã thực hiện “Chuyển xử lý” cho hồ sơ {dossier.code}.")).to_be_visible()
    expect(page.locator(".dossier-head").get_by_text("Đang xử lý")).to_be_visible()
    shot(page, "processing")

    box = action(page, "Có kết quả giải quyết")
    box.get_by_label("Giải quyết", exact=True).check()
    box.get_by_label("Kết quả điện tử (không bắt buộc)").set_input_files(real_pdf(tmp_path / "giay-khai-sinh.pdf"))
    box.get_by_role("button", name="Ghi nhận kết quả").click()
    expect(page.get_by_text(f"Đã thực hiện “Có kết quả giải quyết” cho hồ sơ {dossier.code}.")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.status == Status.COMPLETED and dossier.result_file
    expect(page.get_by_role("link", name="Kết quả điện tử", exact=True)).to_be_visible()
    # The result goes back by post: the return order exists for the clerk.
    assert PostalOrder.objects.filter(dossier=dossier, kind=PostalOrder.Kind.RETURN).exists()
    shot(page, "completed")
    assert_sent(live_celery, dossier, "result_ready")


# --- 3. the postal clerk, then the citizen --------------------------------------------------------------


def test_clerk_picks_up_and_delivers_the_result_then_citizen_sees_returned_and_rates(
    live_celery, world, page, new_page, shot
):
    citizen = CitizenFactory(username="nguyenthuha", full_name="Nguyễn Thu Hà", phone=PHONE)
    dossier = seeded_dossier(world, "completed", citizen)
    order = PostalOrder.objects.get(dossier=dossier, kind=PostalOrder.Kind.RETURN)

    login(page, world.clerk, "/buu-chinh/")
    expect(page.get_by_role("heading", name="Đơn bưu chính công ích")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=dossier.code)
    expect(row).to_contain_text(ADDRESS)
    expect(row).to_contain_text("Nguyễn Thu Hà")
    shot(page, "clerk-queue")

    # Take the order, then collect the result at the desk: one-click buttons in the row.
    row.get_by_role("button", name="Nhận đơn").click()
    expect(page.get_by_text(f"cho đơn {order.tracking_code}.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=dossier.code)
    expect(row).to_contain_text("Phạm Văn Nam")
    shot(page, "assigned")
    row.get_by_role("button", name="Đã nhận hàng").click()
    expect(page.get_by_text(f"Đã thực hiện “Đã nhận hàng” cho đơn {order.tracking_code}.")).to_be_visible()
    shot(page, "picked-up")

    # Deliver it, from the order's page (its timeline shows each leg).
    row = page.get_by_role("row").filter(has_text=dossier.code)
    row.get_by_role("link", name=order.tracking_code, exact=True).click()
    page.wait_for_url(f"**/buu-chinh/don/{order.pk}/")
    action(page, "Đã phát thành công").get_by_role("button", name="Xác nhận đã phát").click()
    expect(page.get_by_text(f"Đã thực hiện “Đã phát thành công” cho đơn {order.tracking_code}.")).to_be_visible()
    order.refresh_from_db()
    dossier.refresh_from_db()
    assert order.status == PostalOrder.Status.DELIVERED
    assert dossier.status == Status.RETURNED
    shot(page, "delivered")

    # The citizen sees "returned" and rates the service.
    person = new_page()
    login(person, citizen, f"/ho-so/{dossier.code}/")
    expect(person.locator(".dossier-head").get_by_text("Đã trả kết quả")).to_be_visible()
    shot(person, "citizen-sees-returned")
    rating = person.get_by_role("region", name="Đánh giá mức độ hài lòng")
    rating.get_by_label("5 – Rất hài lòng").check()
    rating.get_by_label("Góp ý").fill("Nhận kết quả tại nhà, rất tiện.")
    rating.get_by_role("button", name="Gửi đánh giá").click()
    expect(person.get_by_text("Cảm ơn bạn đã đánh giá.")).to_be_visible()
    expect(person.get_by_text("5/5 – Nhận kết quả tại nhà, rất tiện.")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.rating == 5
    shot(person, "rated")
    assert_sent(live_celery, dossier, "returned")


# --- 4. the province admin's campaign, and the desk under it --------------------------------------------


def test_admin_campaign_suspends_walk_in_and_an_urgent_exception_lets_one_through(
    live_celery, world, page, new_page, shot
):
    procedure = world.procedure
    login(page, world.admin, "/dot-ap-dung/")
    page.get_by_role("link", name="Tạo đợt mới").click()
    page.wait_for_url("**/dot-ap-dung/tao/")
    starts = timezone.localtime(timezone.now() - timedelta(minutes=5))
    page.get_by_label("Tên đợt").fill("Tạm ngừng tiếp nhận trực tiếp phòng, chống dịch COVID-19")
    page.get_by_label("Căn cứ (số, ngày văn bản)").fill("1318/UBND-KSTT ngày 22/7/2021")
    page.get_by_role("textbox", name="Bắt đầu").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Tạm ngừng tiếp nhận và trả kết quả trực tiếp").check()
    page.get_by_label("Thông báo cho người dân").fill(
        "Từ ngày 22/7/2021, tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp. "
        "Đề nghị nộp hồ sơ trực tuyến hoặc qua bưu chính công ích."
    )
    page.get_by_label("Đường dây nóng").fill("0232-3822-111")
    shot(page, "campaign-form")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(re.compile(r"/dot-ap-dung/\d+/$"))
    expect(page.get_by_text("Đã tạo bản nháp đợt áp dụng.")).to_be_visible()
    campaign_url = page.url
    shot(page, "campaign-draft")

    # Preview: the procedure's channels without and with the campaign.
    page.get_by_role("link", name="Xem trước tác động").click()
    page.wait_for_url("**/xem-truoc/")
    page.get_by_label("Thủ tục").select_option(label=f"{procedure.code} – {procedure.name}")
    page.get_by_role("button", name="Xem", exact=True).click()
    page.wait_for_url(re.compile(r"/xem-truoc/\?"))
    intake = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Kênh nộp hồ sơ"))
    without, with_campaign = intake.get_by_role("cell").nth(0), intake.get_by_role("cell").nth(1)
    expect(without).to_have_text("trực tuyến, qua bưu chính công ích, trực tiếp")
    expect(with_campaign).to_have_text("trực tuyến, qua bưu chính công ích")
    shot(page, "campaign-preview")

    # Activate: in force at once (it started five minutes ago).
    page.goto(campaign_url)
    page.get_by_role("button", name="Kích hoạt (lên lịch hoặc áp dụng ngay)").click()
    expect(page.get_by_text("Đợt đã chuyển sang trạng thái “Đang áp dụng”.")).to_be_visible()
    expect(page.get_by_text("đang có hiệu lực")).to_be_visible()
    shot(page, "campaign-active")

    # The procedure page tells everyone.
    visitor = new_page()
    visitor.goto(f"{visitor.base}/thu-tuc/{procedure.pk}/")
    notice = visitor.get_by_role("region", name="Biện pháp đang áp dụng cho thủ tục này")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("tạm ngừng tiếp nhận hồ sơ và trả kết quả trực tiếp")
    expect(notice).to_contain_text("0232-3822-111")
    shot(visitor, "procedure-notice")

    # At the desk: a walk-in dossier can be drafted, but not submitted.
    officer = new_page()
    login(officer, world.officer, "/can-bo/tiep-nhan-truc-tiep/")
    officer.get_by_label("Thủ tục hành chính").select_option(label=f"{procedure.code} – {procedure.name}")
    officer.get_by_role("button", name="Tiếp tục").click()
    expect(officer.get_by_text("Có thể lập hồ sơ nháp rồi ghi nhận trường hợp khẩn cấp")).to_be_visible()
    officer.get_by_label("Họ và tên người nộp").fill("Đặng Văn Toàn")
    officer.get_by_label("Số điện thoại").fill("0987654321")
    officer.get_by_label("Nội dung yêu cầu").fill("Đăng ký khai sinh cho con để kịp làm thủ tục chữa bệnh.")
    officer.get_by_role("group", name="Hình thức nhận kết quả").get_by_label("Qua bưu chính công ích").check()
    officer.get_by_label("Địa chỉ nhận/gửi qua bưu chính").fill("12 Lý Thường Kiệt, TP. Đồng Hới")
    shot(officer, "walk-in-form")
    officer.get_by_role("button", name="Lập hồ sơ và tải giấy tờ").click()
    officer.wait_for_url(re.compile(r"/can-bo/ho-so/[^/]+/"))
    dossier = Dossier.objects.get(applicant_name="Đặng Văn Toàn")
    assert dossier.status == Status.DRAFT and dossier.intake_channel == "walk_in"

    action(officer, "Nộp và tiếp nhận ngay").get_by_role("button", name="Nộp và tiếp nhận ngay").click()
    refused = "Kênh nộp hồ sơ “Trực tiếp tại Bộ phận Một cửa” không áp dụng cho thủ tục này lúc này."
    expect(officer.get_by_text(refused).first).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT
    shot(officer, "walk-in-refused")

    # The officer asks for an urgent case; the head of the agency approves it in the head's queue
    # (only a head grants one, issue 13); the dossier goes through.
    box = action(officer, "Trường hợp khẩn cấp (lãnh đạo cơ quan phê duyệt)")
    box.get_by_label("Lý do khẩn cấp").fill("Trẻ cần giấy khai sinh để làm thủ tục chữa bệnh khẩn cấp.")
    box.get_by_role("button", name="Đề nghị / phê duyệt trường hợp khẩn cấp").click()
    expect(officer.get_by_text("Đề nghị trường hợp khẩn cấp đang chờ lãnh đạo phê duyệt")).to_be_visible()
    shot(officer, "exception-requested")
    head = new_page()
    login(head, world.head, "/can-bo/khan-cap/")
    expect(head.get_by_role("link", name=dossier.code)).to_be_visible()
    shot(head, "exception-queue")
    head.get_by_role("button", name="Phê duyệt", exact=True).click()
    expect(head.get_by_text(f"Đã phê duyệt trường hợp khẩn cấp của hồ sơ {dossier.code}.")).to_be_visible()
    officer.reload()
    expect(officer.get_by_text("Trường hợp khẩn cấp đã được phê duyệt")).to_be_visible()
    shot(officer, "exception-recorded")
    action(officer, "Nộp và tiếp nhận ngay").get_by_role("button", name="Nộp và tiếp nhận ngay").click()
    officer.wait_for_url(f"**/ho-so/{dossier.code}/in/giay-tiep-nhan/")
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED
    expect(officer.get_by_text(long_moment(dossier.due_at), exact=True)).to_be_visible()
    shot(officer, "exception-accepted-receipt")

    # The campaign keeps the list of urgent cases for the province.
    page.goto(campaign_url)
    exceptions = page.get_by_role("region", name=re.compile("Danh sách trường hợp khẩn cấp"))
    expect(exceptions).to_contain_text(dossier.code)
    expect(exceptions).to_contain_text("Lê Văn Hùng")
    shot(page, "campaign-exceptions-list")
