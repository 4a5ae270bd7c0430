"""The postal pages as people use them: the clerk's queue of the province sorted by time left
(colour when near or past due), the actions through the services (a disallowed one shows a
message and changes nothing), the order's timeline, the breach board, the desk's handover and
the printable slip and handover record."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from postal.models import PostalOrder, PostalOrderEvent
from tests.dossier_helpers import make_dossier
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    PostalClerkFactory,
    ProvinceAdminFactory,
)
from tests.test_postal_report import make_order

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Tuesday 12/3/2024 10:00, a working morning: working time and clock time agree for a few hours.
NOW = datetime(2024, 3, 12, 10, 0, tzinfo=VN)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def html(response):
    return response.content.decode()


@pytest.fixture
def officer():
    return OfficerFactory()


@pytest.fixture
def province(officer):
    return officer.desk.province


@pytest.fixture
def clerk(province):
    return PostalClerkFactory(province=province, full_name="Lê Văn Bưu")


def order_for(officer, kind="pickup", *, due_in=timedelta(hours=3), **fields):
    """An order of `officer`'s desk whose SLA falls `due_in` from now (working hours this morning)."""
    now = timezone.now()
    order = make_order(make_dossier(officer=officer), kind, at=now - timedelta(hours=1), **fields)
    due = now + due_in
    PostalOrder.objects.filter(pk=order.pk).update(due_at=due, sla_timer_at=due if order.sla_timer_at else None)
    order.refresh_from_db()
    return order


def post(client, order, action, data=None, **extra):
    return client.post(reverse("postal:action", args=[order.pk, action]), data or {}, **extra)


def tracking_codes(page):
    return re.findall(r'class="code" href="/buu-chinh/don/\d+/">([A-Z0-9]+)<', page)


# --- the queue --------------------------------------------------------------------------------------


def test_the_clerk_sees_only_their_province_soonest_due_first_with_colours(client, officer, clerk):
    later = order_for(officer, due_in=timedelta(hours=3))
    late = order_for(officer, due_in=-timedelta(minutes=30))
    near = order_for(officer, "return", due_in=timedelta(minutes=40))
    delivered = order_for(officer, due_in=timedelta(hours=1, minutes=30), status="delivered")
    elsewhere = order_for(OfficerFactory(), due_in=timedelta(hours=2))
    client.force_login(clerk)
    response = client.get(reverse("postal:queue"))
    assert response.status_code == 200
    page = html(response)
    assert tracking_codes(page) == [late.tracking_code, near.tracking_code, later.tracking_code]
    assert elsewhere.tracking_code not in page
    assert delivered.tracking_code not in page  # open orders by default
    assert re.search(rf'postal-row--late" data-order="{late.pk}"', page)
    assert re.search(rf'postal-row--near" data-order="{near.pk}"', page)
    assert re.search(rf'class="postal-row" data-order="{later.pk}"', page)
    assert "quá hạn 30 phút" in page and "còn 40 phút" in page
    assert "còn 1 giờ 30 phút" in page  # 10:00 → 13:00 in working time skips the lunch break
    assert f'action="/buu-chinh/don/{late.pk}/thao-tac/assign/"' in page  # "Nhận đơn" in the row

    everything = html(client.get(reverse("postal:queue"), {"status": "all"}))
    assert delivered.tracking_code in everything and elsewhere.tracking_code not in everything


def test_the_filters(client, officer, clerk, province):
    pickup = order_for(officer)
    back = order_for(officer, "return")
    breached = order_for(officer, due_in=-timedelta(hours=1), breached_at=timezone.now())
    other_desk = order_for(OfficerFactory(desk=OneStopDeskFactory(province=province)))
    client.force_login(clerk)

    def codes(**params):
        return set(tracking_codes(html(client.get(reverse("postal:queue"), params))))

    assert codes(kind="return") == {back.tracking_code}
    assert codes(breached="yes") == {breached.tracking_code}
    assert other_desk.tracking_code not in codes(desk=officer.desk_id)
    assert codes(desk=officer.desk_id) == {pickup.tracking_code, back.tracking_code, breached.tracking_code}
    assert codes(desk="rubbish") == codes()  # an invalid filter is ignored
    assert codes(assigned="me") == set()


def test_keyset_pages(client, officer, clerk):
    dossier = make_dossier(officer=officer)
    start = timezone.now()
    orders = [
        make_order(dossier, at=start + timedelta(minutes=i), status="delivered", delivered_at=start) for i in range(27)
    ]
    client.force_login(clerk)
    first = client.get(reverse("postal:queue"), {"status": "all"})
    page = html(first)
    assert tracking_codes(page) == [o.tracking_code for o in orders[:25]]
    after = re.search(r'href="\?([^"]*after=[^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    second = html(client.get(f"{reverse('postal:queue')}?{after}"))
    assert tracking_codes(second) == [o.tracking_code for o in orders[25:]]
    assert 'rel="prev"' in second and 'rel="next"' not in second


# --- actions ----------------------------------------------------------------------------------------


def test_claim_pick_up_and_deliver_change_the_state(client, officer, clerk):
    order = order_for(officer)
    client.force_login(clerk)
    queue = reverse("postal:queue")
    claimed = post(client, order, "assign", {"next": queue})
    assert claimed.status_code == 302 and claimed.url == queue
    order.refresh_from_db()
    assert (order.status, order.assigned_to) == ("assigned", clerk)

    assert post(client, order, "pick_up").status_code == 302
    order.refresh_from_db()
    assert order.status == "picked_up" and order.picked_up_at == timezone.now()
    assert order.sla_timer_at is None  # met in time

    delivered = post(client, order, "deliver", follow=True)
    order.refresh_from_db()
    assert order.status == "delivered"
    page = html(delivered)
    assert "Đã thực hiện" in page and order.tracking_code in page
    assert [e.action for e in order.events.order_by("at", "id")] == ["assign", "pick_up", "deliver"]


def test_assign_to_a_named_clerk_of_the_province_only(client, officer, clerk, province):
    colleague = PostalClerkFactory(province=province, full_name="Phạm Thị Giao")
    stranger = PostalClerkFactory()
    order = order_for(officer)
    client.force_login(clerk)
    refused = post(client, order, "assign", {"assign-assignee": stranger.pk})
    assert refused.status_code == 400
    order.refresh_from_db()
    assert order.status == "created"
    assert post(client, order, "assign", {"assign-assignee": colleague.pk}).status_code == 302
    order.refresh_from_db()
    assert order.assigned_to == colleague
    assert "Phạm Thị Giao" in html(client.get(reverse("postal:detail", args=[order.pk])))


def test_fail_needs_a_reason(client, officer, clerk):
    order = order_for(officer, status="assigned", assigned_to=clerk)
    client.force_login(clerk)
    missing = post(client, order, "fail", {"fail-reason": "  "})
    assert missing.status_code == 400
    assert "Vui lòng nêu lý do." in html(missing)
    order.refresh_from_db()
    assert order.status == "assigned"
    assert post(client, order, "fail", {"fail-reason": "Không có người ở nhà"}).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("failed", "Không có người ở nhà")


def test_a_disallowed_action_shows_a_message_and_changes_nothing(client, officer, clerk):
    order = order_for(officer)  # created: cannot be delivered yet
    client.force_login(clerk)
    before = order.updated_at
    response = post(client, order, "deliver")
    assert response.status_code == 409
    page = html(response)
    assert "Không thể thực hiện" in page and "message--error" in page
    order.refresh_from_db()
    assert order.status == "created" and order.updated_at == before
    assert not PostalOrderEvent.objects.filter(order=order).exists()


def test_who_may_act_and_see(client, officer, clerk):
    order = order_for(officer)
    client.force_login(officer)
    page = html(client.get(reverse("postal:detail", args=[order.pk])))
    assert f'action="/buu-chinh/don/{order.pk}/thao-tac/assign/"' not in page
    assert post(client, order, "assign").status_code == 403  # the post's action, not the desk's
    order.refresh_from_db()
    assert order.status == "created"
    # Another province's clerk: not theirs, not there.
    client.force_login(PostalClerkFactory())
    assert client.get(reverse("postal:detail", args=[order.pk])).status_code == 404
    assert post(client, order, "assign").status_code == 404
    client.force_login(CitizenFactory())
    assert client.get(reverse("postal:queue")).status_code == 403
    client.logout()
    assert client.get(reverse("postal:queue")).status_code == 302


def test_actions_need_the_csrf_token(officer, clerk):
    order = order_for(officer)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)
    assert post(browser, order, "assign").status_code == 403
    order.refresh_from_db()
    assert order.status == "created"
    page = html(browser.get(reverse("postal:queue")))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert post(browser, order, "assign", {"csrfmiddlewaretoken": token}).status_code == 302


def test_the_order_page_shows_the_timeline(client, officer, clerk):
    order = order_for(officer)
    client.force_login(clerk)
    post(client, order, "assign")
    post(client, order, "fail", {"fail-reason": "Sai địa chỉ"})
    page = html(client.get(reverse("postal:detail", args=[order.pk])))
    assert "Diễn biến" in page
    assert "Phân công" in page and "Không thành công" in page and "Sai địa chỉ" in page
    assert "Lê Văn Bưu" in page  # the actor
    assert order.dossier.code in page


# --- the breach board ------------------------------------------------------------------------------


def test_the_breach_board_lists_open_breaches_first_with_how_late(client, officer, clerk, province):
    now = timezone.now()
    open_late = order_for(officer, due_in=-timedelta(hours=2), breached_at=now - timedelta(hours=2))
    closed_late = order_for(
        officer,
        due_in=-timedelta(hours=3),
        breached_at=now - timedelta(hours=3),
        status="delivered",
        picked_up_at=now - timedelta(hours=2, minutes=30),
        delivered_at=now - timedelta(hours=1),
    )
    on_time = order_for(officer, due_in=-timedelta(hours=1), status="picked_up", picked_up_at=now - timedelta(hours=2))
    other_desk = order_for(
        OfficerFactory(desk=OneStopDeskFactory(province=province)),
        due_in=-timedelta(hours=1),
        breached_at=now - timedelta(hours=1),
    )
    client.force_login(clerk)
    page = html(client.get(reverse("postal:breaches")))
    codes = tracking_codes(page)
    assert codes.index(open_late.tracking_code) < codes.index(closed_late.tracking_code)
    assert codes[:2] == [open_late.tracking_code, other_desk.tracking_code]
    assert on_time.tracking_code not in page
    assert "2 giờ" in page and "vẫn chưa nhận hàng" in page  # open: late by 2 h and counting
    assert "30 phút" in page  # closed: picked up 30 minutes late

    # The desk's officer sees the desk's breaches only; a province admin and a head see theirs.
    client.force_login(officer)
    assert other_desk.tracking_code not in html(client.get(reverse("postal:breaches")))
    client.force_login(ProvinceAdminFactory(province=province))
    assert other_desk.tracking_code in html(client.get(reverse("postal:breaches")))
    client.force_login(HeadFactory(agency=officer.desk.agency))
    page = html(client.get(reverse("postal:breaches")))
    assert open_late.tracking_code in page and other_desk.tracking_code not in page
    client.force_login(CitizenFactory())
    assert client.get(reverse("postal:breaches")).status_code == 403


# --- the desk's handover and the printables ------------------------------------------------------------


def test_the_desk_records_the_handover_once_and_prints_the_record(client, officer, clerk):
    order = order_for(officer, status="picked_up", assigned_to=clerk, picked_up_at=timezone.now())
    client.force_login(officer)
    listing = html(client.get(reverse("postal:handovers")))
    assert order.tracking_code in listing
    recorded = post(client, order, "handover", {"handover-note": "Niêm phong nguyên vẹn"})
    assert recorded.status_code == 302
    assert recorded.url == reverse("postal:print", args=[order.pk, "bien-ban-giao-nhan"])
    order.refresh_from_db()
    assert (order.status, order.handed_over_to, order.handover_note) == ("delivered", officer, "Niêm phong nguyên vẹn")

    record = html(client.get(recorded.url))
    assert "Biên bản giao nhận hồ sơ" in record
    assert order.dossier.code in record and order.tracking_code in record
    assert "Lê Văn Bưu" in record and str(officer) in record  # who handed over, who received
    assert "10 giờ 00 phút, ngày 12/03/2024" in record
    assert "Bên giao" in record and "Bên nhận" in record and "(Ký và ghi rõ họ tên)" in record
    assert ">02<" in record  # the procedure's two documents

    again = post(client, order, "handover")
    assert again.status_code == 409
    assert order.tracking_code not in html(client.get(reverse("postal:handovers"))).split("Đã bàn giao gần đây")[0]
    # Clerks do not record handovers.
    client.force_login(clerk)
    assert client.get(reverse("postal:handovers")).status_code == 403


def test_the_slip_shows_parties_dossier_and_fees(client, officer, clerk):
    order = order_for(officer, fee=30000, waived_percent=50, budget="Kinh phí cải cách hành chính tỉnh")
    client.force_login(clerk)
    response = client.get(reverse("postal:print", args=[order.pk, "phieu-gui"]))
    assert response.status_code == 200
    page = html(response)
    assert "Phiếu gửi hồ sơ" in page
    assert order.tracking_code in page and order.dossier.code in page
    assert order.dossier.procedure.name in page and order.recipient_name in page and order.address in page
    assert officer.desk.name in page
    assert "30.000 đ" in page and "15.000 đ" in page and "(50%)" in page
    assert "Kinh phí cải cách hành chính tỉnh" in page
    assert "<svg" in page  # the tracking code as a QR code
    assert client.get(reverse("postal:print", args=[order.pk, "khong-co"])).status_code == 404
    client.force_login(PostalClerkFactory())
    assert client.get(reverse("postal:print", args=[order.pk, "phieu-gui"])).status_code == 404


def test_the_navigation_leads_clerks_and_officers_to_their_pages(client, officer, clerk):
    client.force_login(clerk)
    assert 'href="/buu-chinh/"' in html(client.get("/"))
    page = html(client.get(reverse("postal:queue")))
    assert 'href="/buu-chinh/qua-han/"' in page and 'href="/buu-chinh/bao-cao/"' in page
    client.force_login(officer)
    assert 'href="/buu-chinh/ban-giao/"' in html(client.get("/"))
