"""Issue 13: a campaign's rule holds at every door (the service, the API, the officer's pages): points 1-4.

Point 4 (seed 001 Khánh Hòa): while a campaign stops a clock, `paused` is true everywhere. Point 1 (seed 003):
no hand-over at the desk during a suspension. Point 3 (seed 003): urgent exceptions need a head. Point 2
(seed 004): the walk-in cap per session counts accepted walk-in dossiers. Point 5 and the table of every rule
at every door: tests/test_seed_doors_table.py."""

import pytest
import time_machine
from django.test import Client

import dossiers.campaign_rules  # noqa: F401  (connects the dossier-side receivers)
from campaigns.testing import make_campaign, vn
from dossiers.tracking import public_view
from portal.errors import RuleError
from tests import seed_doors
from tests.clients import api_client
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory, ProvinceAdminFactory
from tests.seed_doors import DOORS, SUSPENDED, head_grants, quang_binh_campaign, through

pytestmark = pytest.mark.django_db
committed = seed_doors.committed  # the fixture, shared


# --- point 4: paused while a campaign stops the clock ---------------------------------------------


def paused_everywhere(officer, dossier):
    """`paused` as each door answers it: API detail and list, the "Tạm dừng" tab, tracking, the service index."""
    api = api_client(officer)
    detail = api.get(f"/api/v1/dossiers/{dossier.code}/").json()["paused"]
    listed = {row["code"]: row["paused"] for row in api.get("/api/v1/dossiers/").json()["results"]}[dossier.code]
    page = Client()
    page.force_login(officer)
    tab = dossier.code in page.get("/can-bo/", {"queue": "paused"}).content.decode()
    tracking = public_view(dossier.code, phone_last4=dossier.applicant_phone[-4:])[
        "paused"
    ]  # the tracking page's value
    admin = api_client(ProvinceAdminFactory(province=officer.desk.province))
    index = admin.get(
        "/api/v1/reports/service-index/",
        {"province": officer.desk.province.code, "from": "2020-03-01", "to": "2020-05-31"},
    ).json()["paused"]
    return {"detail": detail, "list": listed, "tab": tab, "tracking": tracking, "index": bool(index)}


def test_point4_a_campaign_clock_stop_is_paused_until_it_ends_in_every_answer(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    field = ProcedureFactory(province=province, agency=officer.desk.agency, field_verification=True, documents=0)
    filed = make_dossier("processing", officer=officer, procedure=field, at=vn(2020, 3, 30, 9))
    with time_machine.travel(vn(2020, 4, 1, 8), tick=False):
        committed(
            make_campaign,
            province,
            status="active",
            starts_at=vn(2020, 4, 1, 0),
            rules={"clock_stop_until": "2020-04-15"},
            title="Khánh Hòa 2964",
        )
    assert filed.pauses.get().ended_at is not None  # the stop is stored with its end already set
    with time_machine.travel(vn(2020, 4, 6, 9), tick=False):
        assert paused_everywhere(officer, filed) == dict.fromkeys(("detail", "list", "tab", "tracking", "index"), True)
    with time_machine.travel(vn(2020, 4, 16, 9), tick=False):
        assert paused_everywhere(officer, filed) == dict.fromkeys(("detail", "list", "tab", "tracking", "index"), False)
    # Afterwards, the statistics of a past window count it paused at that window's end (from the daily aggregates).
    from datetime import date

    from reports.refresh import rebuild

    admin = api_client(ProvinceAdminFactory(province=province))
    with time_machine.travel(vn(2020, 4, 20, 9), tick=False):
        rebuild(date(2020, 3, 1), date(2020, 4, 20))
        for to, paused in (("2020-04-07", 1), ("2020-04-17", 0)):
            answer = admin.get(
                "/api/v1/reports/service-index/", {"province": province.code, "from": "2020-04-01", "to": to}
            )
            assert answer.json()["paused"] == paused, (to, answer.json())


# --- point 1: no hand-over at the desk while walk-in is suspended -----------------------------------------

# (rules, action, return channel, urgent exception by a head, expected)
RETURN_ROWS = [
    (SUSPENDED, "return", "desk", False, "refused"),
    (SUSPENDED, "return", "desk", True, "ok"),
    ({"notice": "Chỉ thông báo."}, "return", "desk", False, "ok"),
    ({"return_channels": ["postal", "online"]}, "return", "desk", False, "refused"),
    ({"return_channels": ["postal", "online"]}, "return", "desk", True, "ok"),
]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(("rules", "action", "channel", "exception", "expected"), RETURN_ROWS)
def test_point1_desk_return_during_a_suspension(committed, door, rules, action, channel, exception, expected):
    from tests.factories import HeadFactory

    officer = OfficerFactory()
    province = officer.desk.province
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=2, documents=0)
    ready = make_dossier(
        "completed",
        officer=officer,
        procedure=procedure,
        at=vn(2021, 7, 20, 9),
        intake_channel="walk_in",
        return_channel=channel,
    )
    quang_binh_campaign(committed, province, rules=rules, title="Quảng Bình 1318")
    if exception:
        head_grants(ready, HeadFactory(agency=officer.desk.agency), vn(2021, 7, 22, 8))
    with time_machine.travel(vn(2021, 7, 23, 9), tick=False):
        answer, message = through(door, action, ready, officer)
    ready.refresh_from_db()
    assert answer == expected
    if expected == "refused":
        assert ready.status == "completed"  # the result waits; nothing is lost
        # The refusal itself (on the page: the error summary of the return form, not the campaign's banner):
        # the rule, the letter that set it, and the way out.
        assert "Đang tạm ngừng trả kết quả trực tiếp tại Bộ phận Một cửa" in message
        assert "1318/UBND-KSTT" in message
        if rules.get("notice"):
            assert "14 ngày" in message
        assert "bưu chính" in message
    else:
        assert ready.status == "returned"


def test_point1_after_the_window_the_desk_returns_again(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=2, documents=0)
    ready = make_dossier(
        "completed", officer=officer, procedure=procedure, at=vn(2021, 7, 20, 9), intake_channel="walk_in"
    )
    quang_binh_campaign(committed, province)
    with time_machine.travel(vn(2021, 8, 5, 9), tick=False):
        assert through("api", "return", ready, officer) == ("ok", None)


# --- point 3: urgent exceptions need a head ---------------------------------------------------------------


@pytest.fixture
def suspended_world(committed):
    from tests.factories import HeadFactory

    officer = OfficerFactory()
    province = officer.desk.province
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=2, documents=0)
    campaign = quang_binh_campaign(committed, province, title="Quảng Bình 1318")
    draft = make_dossier("draft", officer=officer, procedure=procedure, intake_channel="walk_in")
    return {
        "officer": officer,
        "head": HeadFactory(agency=officer.desk.agency),
        "campaign": campaign,
        "draft": draft,
        "other_head": HeadFactory(),
        "procedure": procedure,
    }


def test_point3_an_officers_call_is_a_request_the_head_approves_through_the_api(suspended_world):
    officer, head, draft = suspended_world["officer"], suspended_world["head"], suspended_world["draft"]
    with time_machine.travel(vn(2021, 7, 23, 9), tick=False):
        asked = api_client(officer).post(
            f"/api/v1/dossiers/{draft.code}/grant-exception/",
            {"reason": "Cần giấy tờ gấp để nhập viện.", "approved_by": "Giám đốc Sở (tự ghi)"},
            format="json",
        )
        assert asked.status_code == 202, asked.content
        assert (asked.json()["state"], asked.json()["requested_by"]) == ("pending", officer.username)
        # Nothing is open yet: the walk-in intake is still refused at the door.
        from dossiers import services as dossier_services

        with pytest.raises(dossier_services.DossierError):
            dossier_services.submit(draft, officer)
        # The head's queue lists it; the officer cannot approve it.
        queue = api_client(head).get("/api/v1/exception-requests/", {"state": "pending"}).json()["results"]
        assert [row["dossier"] for row in queue] == [draft.code]
        request_id = queue[0]["id"]
        assert api_client(officer).post(f"/api/v1/exception-requests/{request_id}/approve/").status_code == 403
        assert (
            api_client(suspended_world["other_head"])
            .post(f"/api/v1/exception-requests/{request_id}/approve/")
            .status_code
            == 404
        )
        from dossiers.models import Notification

        assert Notification.objects.filter(kind="exception_requested", recipient_user=head).exists()
    with time_machine.travel(vn(2021, 7, 23, 10), tick=False):
        approved = api_client(head).post(f"/api/v1/exception-requests/{request_id}/approve/", {"note": "Đồng ý."})
        assert approved.status_code == 200 and approved.json()["decided_by"] == head.username
        again = api_client(head).post(f"/api/v1/exception-requests/{request_id}/approve/")
        assert again.status_code == 409
        dossier_services.submit(draft, officer)
        accepted = dossier_services.accept(draft, officer)
    assert accepted.status == "accepted"
    event = accepted.events.get(action="grant_exception")
    assert event.actor == head and event.data["approved_by"] == str(head)
    assert "tự ghi" not in str(event.data)


def test_point3_a_heads_call_grants_at_once_and_free_text_is_ignored(suspended_world):
    head, draft = suspended_world["head"], suspended_world["draft"]
    with time_machine.travel(vn(2021, 7, 23, 9), tick=False):
        answer = api_client(head).post(
            f"/api/v1/dossiers/{draft.code}/grant-exception/",
            {"reason": "Khám chữa bệnh.", "approved_by": "Ai đó"},
            format="json",
        )
    assert answer.status_code == 200, answer.content
    assert draft.events.get(action="grant_exception").data["approved_by"] == str(head)


def test_point3_the_head_declines_on_the_page_and_nothing_opens(suspended_world):
    from dossiers import services as dossier_services
    from dossiers.models import ExceptionRequest

    officer, head, draft = suspended_world["officer"], suspended_world["head"], suspended_world["draft"]
    with time_machine.travel(vn(2021, 7, 23, 9), tick=False):
        page = Client()
        page.force_login(officer)
        sent = page.post(
            f"/can-bo/ho-so/{draft.code}/thao-tac/grant_exception/", {"grant_exception-reason": "Gấp."}, follow=True
        )
        assert "tới lãnh đạo cơ quan" in sent.content.decode()
        asked = ExceptionRequest.objects.get(dossier=draft)
        assert asked.state == "pending"
        dossier_page = page.get(f"/can-bo/ho-so/{draft.code}/").content.decode()
        assert "đang chờ lãnh đạo phê duyệt" in dossier_page and "grant_exception-reason" not in dossier_page
        officer_view = page.get("/can-bo/khan-cap/").content.decode()
        assert draft.code in officer_view and "Phê duyệt</button>" not in officer_view
        head_page = Client()
        head_page.force_login(head)
        queue = head_page.get("/can-bo/khan-cap/").content.decode()
        assert draft.code in queue and "Phê duyệt</button>" in queue
        empty = head_page.post(f"/can-bo/khan-cap/{asked.pk}/decline/", {f"r{asked.pk}-note": ""}, follow=True)
        assert "Vui lòng nêu lý do không phê duyệt." in empty.content.decode()
        head_page.post(f"/can-bo/khan-cap/{asked.pk}/decline/", {f"r{asked.pk}-note": "Chưa cấp thiết."})
        asked.refresh_from_db()
        assert (asked.state, asked.decided_by, asked.decision_note) == ("declined", head, "Chưa cấp thiết.")
        declined = page.get(f"/can-bo/ho-so/{draft.code}/").content.decode()
        assert "không phê duyệt trường hợp khẩn cấp: Chưa cấp thiết." in declined
        with pytest.raises(dossier_services.DossierError):
            dossier_services.submit(draft, officer)


def test_point3_the_head_approves_on_the_page(suspended_world):
    from dossiers import services as dossier_services

    officer, head, draft = suspended_world["officer"], suspended_world["head"], suspended_world["draft"]
    with time_machine.travel(vn(2021, 7, 23, 9), tick=False):
        asked = dossier_services.grant_exception(draft, officer, "Gấp.")
        head_page = Client()
        head_page.force_login(head)
        done = head_page.post(f"/can-bo/khan-cap/{asked.pk}/approve/", {f"r{asked.pk}-note": ""}, follow=True)
        assert "Đã phê duyệt trường hợp khẩn cấp" in done.content.decode()
        assert dossier_services.submit(draft, officer).status == "submitted"


# --- point 2: the walk-in cap per half-day session counts accepted walk-in dossiers ---------------------

TN_BASIS = "Kế hoạch số 1234/KH-UBND ngày 24/3/2020 của UBND tỉnh Tây Ninh"


@pytest.fixture
def capped(committed, settings):
    if not hasattr(settings, "TICKET_BOOKING_DAYS"):  # another helper's setting, read by tickets.book
        settings.TICKET_BOOKING_DAYS = 30
    officer = OfficerFactory()
    province = officer.desk.province
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=2, documents=0)
    with time_machine.travel(vn(2020, 3, 28, 9), tick=False):
        committed(
            make_campaign,
            province,
            status="active",
            starts_at=vn(2020, 3, 30, 0),
            rules={"walk_in_capacity_per_session": 3},
            legal_basis=TN_BASIS,
            title="Tây Ninh",
        )
    return {"officer": officer, "procedure": procedure}


def walk_in_draft(world, at, ticket=None):
    from dossiers import services as dossier_services

    with time_machine.travel(at, tick=False):
        draft = dossier_services.create_draft(
            world["officer"],
            procedure=world["procedure"],
            desk=world["officer"].desk,
            intake_channel="walk_in",
            return_channel="desk",
            applicant={"full_name": "Nguyễn Văn B", "phone": "0912345678"},
            ticket=ticket,
        )
        return dossier_services.submit(draft, world["officer"])


def book(world, at, phone):
    from campaigns import tickets

    with time_machine.travel(at, tick=False):
        return tickets.book(
            world["officer"].desk,
            day=at.date(),
            session="afternoon",
            full_name="Người xếp hàng",
            phone=phone,
            procedure=world["procedure"],
        )


@pytest.mark.parametrize("door", DOORS)
def test_point2_the_cap_plus_one_th_walk_in_acceptance_is_refused_with_the_next_session(capped, door):
    from dossiers import services as dossier_services

    officer, at = capped["officer"], vn(2020, 3, 31, 14)
    ticket = book(capped, vn(2020, 3, 31, 13, 40), "0950000001")
    first, second = walk_in_draft(capped, at), walk_in_draft(capped, at)
    holder = walk_in_draft(capped, at, ticket=ticket.number)
    assert holder.ticket_id == ticket.pk
    with time_machine.travel(at, tick=False):
        for dossier in (first, second, holder):  # 1 ticket + 2 without = 3; the holder takes the ticket's place
            dossier_services.accept(dossier, officer)
    desk_page = Client()
    desk_page.force_login(officer)
    with time_machine.travel(at, tick=False):
        board = desk_page.get(f"/quay/{officer.desk_id}/goi-so/", {"session": "afternoon"}).content.decode()
    assert "<strong>2</strong> hồ sơ tiếp nhận trực tiếp không lấy số" in board
    extra = walk_in_draft(capped, at)
    with time_machine.travel(vn(2020, 3, 31, 15), tick=False):
        answer, message = through(door, "accept", extra, officer)
    assert answer == "refused"
    assert "đủ 3 hồ sơ" in message and "buổi sáng ngày 01/04/2020, bắt đầu lúc 07:00" in message
    extra.refresh_from_db()
    assert extra.status == "submitted"  # nothing saved is lost: it waits for the next session
    # The kiosk is full too, and the next session takes it.
    from portal.errors import Conflict

    with pytest.raises(Conflict):
        book(capped, vn(2020, 3, 31, 15), "0950000002")
    with time_machine.travel(vn(2020, 4, 1, 7, 30), tick=False):
        assert through(door, "accept", extra, officer) == ("ok", None)


def test_point2_the_ticket_is_entered_on_the_walk_in_form_and_the_api(capped):
    officer, procedure = capped["officer"], capped["procedure"]
    ticket = book(capped, vn(2020, 3, 31, 13, 40), "0950000001")
    page = Client()
    page.force_login(officer)
    with time_machine.travel(vn(2020, 3, 31, 14), tick=False):
        form = page.get("/can-bo/tiep-nhan-truc-tiep/", {"procedure": procedure.pk}).content.decode()
        assert 'name="ticket"' in form
        wrong = page.post(
            f"/can-bo/tiep-nhan-truc-tiep/?procedure={procedure.pk}",
            {"full_name": "Trần Thị C", "phone": "0912345678", "return_channel": "desk", "ticket": "7"},
        )
        assert wrong.status_code == 400 and "Không có số thứ tự 007" in wrong.content.decode()
        made = api_client(officer).post(
            "/api/v1/dossiers/",
            {
                "procedure": procedure.code,
                "desk": officer.desk_id,
                "intake_channel": "walk_in",
                "return_channel": "desk",
                "applicant": {"full_name": "Trần Thị C", "phone": "0912345678"},
                "ticket": ticket.number,
            },
            format="json",
        )
        assert made.status_code == 201, made.content
        assert made.json()["ticket"] == {"number": 1, "date": "2020-03-31", "session": "afternoon"}
        twice = api_client(officer).post(
            "/api/v1/dossiers/",
            {
                "procedure": procedure.code,
                "desk": officer.desk_id,
                "intake_channel": "walk_in",
                "return_channel": "desk",
                "applicant": {"full_name": "Lê Văn D", "phone": "0912345670"},
                "ticket": ticket.number,
            },
            format="json",
        )
        assert twice.status_code == 400 and "ticket" in twice.json()


def switch_to_desk(door, dossier, user):
    """`switch_return` to the desk through the service or the API: ("ok", None) or ("refused", message)."""
    from dossiers import services as dossier_services

    if door == "service":
        try:
            dossier_services.switch_return(dossier, user, "desk")
        except RuleError as error:
            return "refused", error.message
        return "ok", None
    answer = api_client(user).post(
        f"/api/v1/dossiers/{dossier.code}/switch-return/", {"return_channel": "desk"}, format="json"
    )
    if answer.status_code == 400:
        return "refused", str(answer.json())
    assert answer.status_code == 200, answer.content
    return "ok", None


@pytest.mark.parametrize("door", ("service", "api"))
def test_point3_an_approved_exception_lets_the_return_switch_back_to_the_desk(committed, door):
    """Seed 003: "trừ những trường hợp hồ sơ đặc biệt, thực sự cấp thiết": during the suspension a result goes
    back to the desk only for a head's approved urgent exception; the officer's request alone opens nothing."""
    from dossiers import services as dossier_services
    from tests.factories import HeadFactory

    officer = OfficerFactory()
    province = officer.desk.province
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=2, postal=True, documents=0)
    dossier = make_dossier(
        "processing",
        officer=officer,
        procedure=procedure,
        at=vn(2021, 7, 20, 9),
        intake_channel="walk_in",
        return_channel="postal",
        address="3 Quang Trung, Đồng Hới",
    )
    quang_binh_campaign(committed, province, title="Quảng Bình 1318")
    with time_machine.travel(vn(2021, 7, 23, 9), tick=False):
        assert switch_to_desk(door, dossier, officer)[0] == "refused"
        asked = dossier_services.grant_exception(dossier, officer, "Cần bản gốc để nhập viện.")
        answer, message = switch_to_desk(door, dossier, officer)
        assert answer == "refused" and "1318/UBND-KSTT" in message  # a request is not an approval
        dossier_services.approve_exception(asked, HeadFactory(agency=officer.desk.agency))
        assert switch_to_desk(door, dossier, officer) == ("ok", None)
    dossier.refresh_from_db()
    assert dossier.return_channel == "desk"
    assert dossier.events.filter(action="switch_return", data__to="desk").count() == 1


def test_point3_no_exception_on_a_closed_dossier_409_not_500():
    from tests.factories import HeadFactory

    returned = make_dossier("returned")
    head = HeadFactory(agency=returned.agency)
    for user in (returned.officer, head):
        answer = api_client(user).post(
            f"/api/v1/dossiers/{returned.code}/grant-exception/", {"reason": "Gấp."}, format="json"
        )
        assert answer.status_code == 409 and "Đã trả kết quả" in str(answer.json()), answer.content
