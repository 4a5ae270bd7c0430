"""The five seed rule sets replayed in time (time-machine): submissions before, during and
after each window; intake, processing and return; the rule outcomes, including the postal
side (orders made by postal's receivers from the dossier events): 4-hour pickup and return
due times across the 2/4/2020 holiday, waived fees in the subsidy ledger and the Finance
list (GET /api/v1/reports/postal/)."""

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

import dossiers.campaign_rules  # noqa: F401  (connects the dossier-side receivers)
from campaigns import services
from campaigns.context_processors import active_notices
from campaigns.demo import SEEDS
from campaigns.models import Campaign
from campaigns.policy import effective_policy
from campaigns.testing import make_campaign, vn
from dossiers import services as dossier_services
from dossiers.campaign_reminders import remind_campaign_reports
from dossiers.models import ClockPause, Notification, Status
from portal.errors import RuleError
from postal.models import PostalOrder, PostalTariff, SubsidyEntry
from tests.dossier_helpers import make_dossier
from tests.factories import CitizenFactory, HeadFactory, OfficerFactory, ProcedureFactory, ProvinceAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def seed(legal_basis_part, index=0):
    return [s for s in SEEDS if legal_basis_part in s["legal_basis"]][index]


def schedule(province, spec, at):
    """The province admin records and activates the seed's campaign at `at`."""
    with time_machine.travel(at, tick=False):
        return make_campaign(
            province,
            status="scheduled",
            title=spec["title"],
            legal_basis=spec["legal_basis"],
            starts_at=spec["starts_at"],
            ends_at=spec["ends_at"],
            scope=spec["scope"],
            rules=spec["rules"],
            user=ProvinceAdminFactory(province=province),
        )


def sweep_at(committed, at):
    with time_machine.travel(at, tick=False):
        return committed(services.sweep)


def tariffs(province, pickup=22000, return_=25000):
    for leg, amount in (("pickup", pickup), ("return", return_)):
        PostalTariff.objects.create(province=province, leg=leg, zone="default", valid_from="2019-01-01", amount=amount)


def finance_list(province, start, end):
    """The confirmation list the Department of Finance signs (JSON), read by the province admin."""
    api = APIClient()
    api.force_authenticate(ProvinceAdminFactory(province=province))
    answer = api.get("/api/v1/reports/postal/", {"province": province.code, "from": start, "to": end})
    assert answer.status_code == 200, answer.content
    return answer.json()


def order(dossier, kind):
    return PostalOrder.objects.get(dossier=dossier, kind=kind)


def refused(dossier, user, at):
    with time_machine.travel(at, tick=False), pytest.raises(dossier_services.DossierError) as error:
        dossier_services.submit(dossier, user)
    return error.value


def test_seed_000_dong_nai_3515_notice_hotline_sms_and_reduced_tariff(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=4, postal=True, documents=0)
    filed = make_dossier("processing", officer=officer, procedure=procedure, at=vn(2020, 3, 27, 9))
    campaign = schedule(province, seed("3515/KH-UBND"), vn(2020, 3, 28, 9))
    assert effective_policy(procedure, officer.desk, vn(2020, 3, 29, 23)).campaigns == ()
    sweep_at(committed, vn(2020, 3, 30, 0, 1))
    sweep_at(committed, vn(2020, 3, 30, 0, 2))
    sms = Notification.objects.get(kind="campaign_started", channel="sms")
    assert sms.dossier_id == filed.pk and "0251-1022" in sms.body and "3515/KH-UBND" in sms.body
    tariffs(province)
    during = committed(
        make_dossier,
        "accepted",
        officer=officer,
        procedure=procedure,
        at=vn(2020, 4, 3, 9),
        intake_channel="postal",
        return_channel="postal",
        address="5 Hà Huy Giáp, Biên Hòa",
    )
    assert during.snap_policy["postal_fee_waived_percent"] == 50
    assert during.snap_policy["hotlines"] == ["0251-1022"]
    assert during.snap_policy["subsidy_budget"].startswith("Kinh phí cải cách hành chính")
    with time_machine.travel(vn(2020, 4, 3, 9), tick=False):
        assert any("0251-1022" in n["body"] for n in active_notices())
    with time_machine.travel(vn(2020, 4, 6, 9), tick=False):
        committed(dossier_services.process, during, officer)
        committed(dossier_services.complete, during, officer, "approved")
    # The post's reduced tariff: half of each leg is waived, written in the subsidy ledger.
    pickup, delivery = order(during, "pickup"), order(during, "return")
    assert (pickup.fee, pickup.fee_waived, delivery.fee, delivery.fee_waived) == (22000, 11000, 25000, 12500)
    ledger = SubsidyEntry.objects.filter(order__dossier=during).order_by("order__kind")
    assert [(e.amount, e.percent, e.campaign_id) for e in ledger] == [
        (11000, 50, campaign.pk),
        (12500, 50, campaign.pk),
    ]
    assert all(e.budget.startswith("Kinh phí cải cách hành chính") for e in ledger)
    sweep_at(committed, vn(2020, 4, 30, 0, 1))
    campaign.refresh_from_db()
    assert campaign.status == "ended"
    after = committed(
        make_dossier,
        "accepted",
        officer=officer,
        procedure=procedure,
        at=vn(2020, 5, 4, 9),
        intake_channel="postal",
        address="5 Hà Huy Giáp, Biên Hòa",
    )
    assert after.snap_policy["postal_fee_waived_percent"] == 0 and after.snap_policy["campaigns"] == []
    assert (order(after, "pickup").fee_waived, SubsidyEntry.objects.filter(order__dossier=after).count()) == (0, 0)
    # The confirmation list of every postal intake and return in the window, for the subsidy.
    listed = finance_list(province, "2020-03-30", "2020-04-29")
    assert sorted((r["dossier"], r["kind"], r["fee_waived"]) for r in listed["rows"]) == [
        (during.code, "pickup", 11000),
        (during.code, "return", 12500),
    ]
    assert (listed["totals"]["fee_waived"], listed["totals"]["fee_charged"]) == (23500, 23500)
    with time_machine.travel(vn(2020, 5, 4, 9), tick=False):
        assert active_notices() == []


def test_seed_001_khanh_hoa_2964_open_channels_clock_stop_and_postal_offers(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    citizen = CitizenFactory()
    field = ProcedureFactory(
        province=province, agency=officer.desk.agency, level=2, field_verification=True, documents=0
    )
    in_person = ProcedureFactory(province=province, agency=officer.desk.agency, level=3, in_person=True, documents=0)
    filed = make_dossier(
        "processing", officer=officer, procedure=field, at=vn(2020, 3, 30, 9), intake_channel="walk_in"
    )
    ready = make_dossier("completed", officer=officer, procedure=field, at=vn(2020, 3, 27, 9), intake_channel="walk_in")
    assert filed.due_at == vn(2020, 4, 7, 9, 0)
    # Before: a level-2 procedure takes no online dossier.
    before = make_dossier("draft", officer=officer, citizen=citizen, procedure=field)
    assert refused(before, citizen, vn(2020, 3, 31, 9)).field == "intake_channel"
    campaign = schedule(province, seed("2964/UBND-KSTT"), vn(2020, 3, 31, 16))
    with time_machine.travel(vn(2020, 3, 31, 16, 5), tick=False):
        services.update_campaign(campaign, None, report_due=seed("2964/UBND-KSTT")["report_due"])
    sweep_at(committed, vn(2020, 4, 1, 0, 1))
    # The clock stop: 14 h ran before 1/4, 26 h remain from Thursday 16/4 07:00 → Tuesday 21/4 09:00.
    filed.refresh_from_db()
    assert filed.due_at == vn(2020, 4, 21, 9, 0)
    # While the clock is stopped the dossier is paused in the API (issue 13, point 4), until the stop ends.
    officer_api = APIClient()
    officer_api.force_authenticate(officer)
    for moment, paused in ((vn(2020, 4, 6, 9), True), (vn(2020, 4, 16, 9), False)):
        with time_machine.travel(moment, tick=False):
            assert officer_api.get(f"/api/v1/dossiers/{filed.code}/").json()["paused"] is paused
    # Officers offer postal return, fee-free, to those already filed or with results ready.
    offers = Notification.objects.filter(kind="campaign_postal_offer", channel="sms")
    assert set(offers.values_list("dossier_id", flat=True)) == {filed.pk, ready.pk}
    assert "100%" in offers.first().body
    with time_machine.travel(vn(2020, 4, 1, 9), tick=False):
        dossier_services.switch_return(filed, officer, "postal", address="2 Trần Phú, Nha Trang")
    policy = effective_policy(field, officer.desk, vn(2020, 4, 2, 9))
    assert (policy.pickup_sla_hours, policy.return_sla_hours, policy.postal_fee_waived_percent) == (4, 4, 100)
    assert policy.online_payment and policy.allows_intake("postal")
    # During: the same procedure now takes online dossiers; accepted on 3/4 it pauses from acceptance.
    during = committed(
        make_dossier, "accepted", officer=officer, citizen=citizen, procedure=field, at=vn(2020, 4, 3, 10)
    )
    during.refresh_from_db()
    assert during.due_at == vn(2020, 4, 22, 17, 0)
    dossiers_paused = ClockPause.objects.filter(kind="campaign", campaign_id=campaign.pk)
    assert dossiers_paused.count() == 2
    assert ClockPause.objects.get(dossier=during).started_at == vn(2020, 4, 3, 10)
    # The post picks up the paper of an online dossier within 4 working hours of acceptance:
    # accepted 15:00 Wednesday 1/4, 2/4 is the Hùng Kings holiday → due 09:00 Friday 3/4. A new postal leg pays
    # the tariff: the letter waives the fee only for "these cases", filed before and switched (scope `switched`).
    tariffs(province)
    paper = committed(
        make_dossier,
        "accepted",
        officer=officer,
        citizen=citizen,
        procedure=field,
        at=vn(2020, 4, 1, 15),
        intake_channel="postal",
        address="2 Trần Phú, Nha Trang",
    )
    pickup = order(paper, "pickup")
    assert (pickup.due_at, pickup.sla_hours, pickup.fee, pickup.fee_waived) == (vn(2020, 4, 3, 9), 4, 22000, 0)
    # The result of the dossier switched to the post: picked up within 4 working hours of being ready.
    with time_machine.travel(vn(2020, 4, 9, 16), tick=False):
        committed(dossier_services.complete, filed, officer, "approved")
    delivery = order(filed, "return")
    assert (delivery.due_at, delivery.fee, delivery.fee_waived) == (vn(2020, 4, 10, 10), 25000, 25000)
    assert [e.amount for e in SubsidyEntry.objects.filter(campaign_id=campaign.pk)] == [25000]
    # The post's list before 20/4/2020: the switched return waived, the new pickup charged.
    listed = finance_list(province, "2020-04-01", "2020-04-19")
    assert {(r["dossier"], r["kind"]) for r in listed["rows"]} == {(paper.code, "pickup"), (filed.code, "return")}
    assert (listed["totals"]["fee_waived"], listed["totals"]["fee_charged"]) == (25000, 22000)
    # The list the letter asks for: the dossiers filed before it and switched to the post (issue 13, point 5).
    admin_api = APIClient()
    admin_api.force_authenticate(ProvinceAdminFactory(province=province))
    switched = admin_api.get(
        "/api/v1/reports/postal/",
        {"province": province.code, "from": "2020-04-01", "to": "2020-04-19", "campaign": campaign.pk, "switched": 1},
    ).json()
    assert [(r["dossier"], r["kind"]) for r in switched["rows"]] == [(filed.code, "return")]
    # The province admins are reminded of the list due before 20/4 on Thursday 16/4, once.
    with time_machine.travel(vn(2020, 4, 16, 7, 15), tick=False):
        assert remind_campaign_reports() >= 1 and remind_campaign_reports() == 0
    reminder = Notification.objects.filter(kind="campaign_report_due").first()
    assert "20/04/2020" in reminder.body and f"campaign={campaign.pk}" in reminder.body
    # In-person-only procedures stay in person.
    in_person_draft = make_dossier("draft", officer=officer, citizen=citizen, procedure=in_person)
    assert refused(in_person_draft, citizen, vn(2020, 4, 3, 10)).field == "intake_channel"
    # Declared over on 23/4 by the province admin; afterwards level 2 is offline again.
    api = APIClient()
    api.force_authenticate(ProvinceAdminFactory(province=province))
    with time_machine.travel(vn(2020, 4, 23, 8), tick=False):
        assert api.post(f"/api/v1/campaigns/{campaign.pk}/end/").json()["status"] == "ended"
    after = make_dossier("draft", officer=officer, citizen=citizen, procedure=field)
    assert refused(after, citizen, vn(2020, 4, 24, 9)).field == "intake_channel"


def test_seed_002_dong_nai_1106_postal_plan_overlaps_the_covid_plan(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    procedure = ProcedureFactory(province=province, agency=officer.desk.agency, level=3, postal=True, documents=0)
    plan = schedule(province, seed("1106/KH-UBND"), vn(2019, 6, 20, 9))
    covid = schedule(province, seed("3515/KH-UBND"), vn(2019, 6, 20, 9))
    sweep_at(committed, vn(2019, 6, 21, 0, 1))
    tariffs(province)
    postal_intake = committed(
        make_dossier,
        "accepted",
        officer=officer,
        procedure=procedure,
        at=vn(2019, 7, 1, 9),
        intake_channel="postal",
        address="x",
    )
    assert postal_intake.snap_policy["campaigns"] == [plan.pk]
    # The plan publishes the tariff but waives nothing: the citizen pays the pickup.
    assert (order(postal_intake, "pickup").fee, order(postal_intake, "pickup").fee_waived) == (22000, 0)
    assert "trọn gói tại địa chỉ" in postal_intake.snap_policy["notices"][0]
    sweep_at(committed, vn(2020, 3, 30, 0, 1))
    overlap = effective_policy(procedure, officer.desk, vn(2020, 4, 3, 9))
    assert overlap.campaigns == (plan.pk, covid.pk)
    assert len(overlap.notices) == 2 and overlap.hotlines == ("0251-1022",)
    with time_machine.travel(vn(2020, 4, 3, 9), tick=False):
        assert len(active_notices()) == 2
    sweep_at(committed, vn(2021, 1, 1, 0, 1))
    assert set(Campaign.objects.values_list("status", flat=True)) == {"ended"}
    assert effective_policy(procedure, officer.desk, vn(2021, 1, 4, 9)).campaigns == ()


def test_seed_003_quang_binh_1318_walk_in_suspended_except_urgent_cases(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    head = HeadFactory(agency=officer.desk.agency)
    citizen = CitizenFactory()
    online = ProcedureFactory(province=province, agency=officer.desk.agency, level=4, postal=True, documents=0)
    counter_only = ProcedureFactory(province=province, agency=officer.desk.agency, level=2, documents=0)
    before = make_dossier(
        "accepted", officer=officer, procedure=counter_only, at=vn(2021, 7, 21, 9), intake_channel="walk_in"
    )
    assert before.status == Status.ACCEPTED
    ready = make_dossier("completed", officer=officer, procedure=online, at=vn(2021, 7, 20, 9))
    before_ready = make_dossier(
        "processing", officer=officer, procedure=counter_only, at=vn(2021, 7, 20, 10), intake_channel="walk_in"
    )
    schedule(province, seed("1318/UBND-KSTT"), vn(2021, 7, 21, 16))
    sweep_at(committed, vn(2021, 7, 22, 0, 1))
    offer = Notification.objects.get(kind="campaign_postal_offer", channel="sms")
    assert offer.dossier_id == ready.pk and ready.code in offer.body
    # The citizen takes the offer: postal return with an address, and the post is asked to carry it.
    with time_machine.travel(vn(2021, 7, 22, 9), tick=False):
        committed(dossier_services.switch_return, ready, ready.owner, "postal", address="3 Quang Trung, Đồng Hới")
    assert order(ready, "return").status == "created"
    # During: walk-in intake and desk return refused, naming the letter and its notice.
    walk_in = make_dossier("draft", officer=officer, citizen=citizen, procedure=online, intake_channel="walk_in")
    error = refused(walk_in, citizen, vn(2021, 7, 23, 9))
    assert error.field == "intake_channel" and "1318/UBND-KSTT" in error.message and "14 ngày" in error.message
    desk_return = make_dossier("draft", officer=officer, citizen=citizen, procedure=online)
    assert refused(desk_return, citizen, vn(2021, 7, 23, 9)).field == "return_channel"
    # An urgent case approved by the head of the agency passes: intake, processing, return at the desk.
    urgent = make_dossier("draft", officer=officer, citizen=citizen, procedure=counter_only, intake_channel="walk_in")
    assert refused(urgent, citizen, vn(2021, 7, 23, 9)).field == "intake_channel"
    # The officer only asks (whatever name is typed as approver); it opens nothing until the head approves.
    with time_machine.travel(vn(2021, 7, 23, 9, 30), tick=False):
        asked = dossier_services.grant_exception(urgent, officer, "Giấy tờ cấp thiết cho khám chữa bệnh.", "Ông A")
    assert asked.state == "pending"
    assert refused(urgent, citizen, vn(2021, 7, 23, 9, 45)).field == "intake_channel"
    with time_machine.travel(vn(2021, 7, 23, 10), tick=False):
        dossier_services.approve_exception(asked, head)
        dossier_services.submit(urgent, citizen)
        dossier_services.accept(urgent, officer)
        dossier_services.process(urgent, officer)
        dossier_services.complete(urgent, officer, "approved")
        urgent = dossier_services.return_result(urgent, officer)
    assert urgent.status == Status.RETURNED
    with time_machine.travel(vn(2021, 7, 26, 8), tick=False):
        dossier_services.complete(before_ready, officer, "approved")
    granted = urgent.events.get(action="grant_exception")
    assert (granted.actor, granted.data["approved_by"], granted.data["requested_by"]) == (head, str(head), str(officer))
    # A result ready in the window, to be collected at the desk, is not handed over there (issue 13, point 1).
    with time_machine.travel(vn(2021, 7, 26, 9), tick=False), pytest.raises(dossier_services.DossierError) as desk:
        dossier_services.return_result(before_ready, officer)
    assert desk.value.field == "return_channel" and "1318/UBND-KSTT" in desk.value.message
    # The list kept of urgent cases, on the campaign's page for the province admin.
    admin = ProvinceAdminFactory(province=province)
    listed = services.records(Campaign.objects.get(province=province), limit=10)["exceptions"]
    assert listed["count"] == 1 and listed["items"][0]["code"] == urgent.code
    assert listed["items"][0]["approved_by"] == str(head) and "khám chữa bệnh" in listed["items"][0]["reason"]
    assert (listed["items"][0]["requested_by"], listed["items"][0]["requested_at"]) == (
        str(officer),
        vn(2021, 7, 23, 9, 30),
    )
    client = Client()
    client.force_login(admin)
    page = client.get(f"/dot-ap-dung/{Campaign.objects.get(province=province).pk}/").content.decode()
    assert "Danh sách trường hợp khẩn cấp" in page and urgent.code in page
    printable = client.get(f"/dot-ap-dung/{Campaign.objects.get(province=province).pk}/truong-hop-khan-cap/")
    text = printable.content.decode()
    assert urgent.code in text and str(officer) in text and str(head) in text and "10:00 23/07/2021" in text
    # After the 14 days: walk-in again.
    after = make_dossier(
        "accepted", officer=officer, procedure=counter_only, at=vn(2021, 8, 5, 9), intake_channel="walk_in"
    )
    assert after.status == Status.ACCEPTED


def test_seed_004_tay_ninh_online_only_capped_queue_and_held_results(committed):
    officer = OfficerFactory()
    province = officer.desk.province
    citizen = CitizenFactory()
    level3 = ProcedureFactory(province=province, agency=officer.desk.agency, level=3, postal=True, documents=0)
    level2 = ProcedureFactory(province=province, agency=officer.desk.agency, level=2, documents=0)
    before = make_dossier(
        "accepted", officer=officer, procedure=level3, at=vn(2020, 3, 27, 9), intake_channel="postal", address="x"
    )
    assert before.status == Status.ACCEPTED
    ready_before = make_dossier(
        "completed", officer=officer, procedure=level2, at=vn(2020, 3, 27, 10), intake_channel="walk_in"
    )
    online_only = schedule(province, seed("Tây Ninh", 0), vn(2020, 3, 28, 9))
    queue = schedule(
        province,
        {**seed("Tây Ninh", 1), "rules": {**seed("Tây Ninh", 1)["rules"], "walk_in_capacity_per_session": 3}},
        vn(2020, 3, 28, 9),
    )
    sweep_at(committed, vn(2020, 3, 30, 0, 1))
    # A result ready before the start, to be collected at the desk, is held from the start.
    ready_before.refresh_from_db()
    assert ready_before.status == Status.RESULT_HELD
    # Level 3/4: online intake only.
    by_post = make_dossier(
        "draft", officer=officer, citizen=citizen, procedure=level3, intake_channel="postal", address="x"
    )
    error = refused(by_post, citizen, vn(2020, 3, 31, 9))
    assert error.field == "intake_channel" and online_only.title in error.message
    # Results only by post; the others are held until the epidemic is declared over.
    held = make_dossier("completed", officer=officer, citizen=citizen, procedure=level3, at=vn(2020, 3, 31, 9))
    posted = committed(
        make_dossier,
        "completed",
        officer=officer,
        procedure=level3,
        at=vn(2020, 3, 31, 9),
        return_channel="postal",
        address="x",
    )
    assert (held.status, posted.status) == (Status.RESULT_HELD, Status.COMPLETED)
    assert order(posted, "return").kind == "return" and not PostalOrder.objects.filter(dossier=held).exists()
    # Walk-in for the others: queue numbers, at most 3 a session.
    api = APIClient()
    with time_machine.travel(vn(2020, 3, 31, 8), tick=False):
        answers = [
            api.post(
                f"/api/v1/desks/{officer.desk_id}/tickets/",
                {
                    "date": "2020-03-31",
                    "session": "afternoon",
                    "full_name": f"Người {i}",
                    "phone": f"09500000{i:02d}",
                    "procedure": level2.code,
                },
                format="json",
            )
            for i in range(4)
        ]
    assert [a.status_code for a in answers] == [201, 201, 201, 409]
    assert [a.json()["number"] for a in answers[:3]] == [1, 2, 3]
    # The 3 places of the afternoon are the 3 tickets: a walk-in without one is refused (issue 13, point 2),
    # with the next session named; ticket 001's holder takes the ticket's place.
    walk_in = make_dossier(
        "submitted", officer=officer, procedure=level2, at=vn(2020, 3, 31, 14), intake_channel="walk_in"
    )
    with time_machine.travel(vn(2020, 3, 31, 14), tick=False), pytest.raises(RuleError) as full:
        dossier_services.accept(walk_in, officer)
    assert "đủ 3 hồ sơ" in full.value.message and "buổi sáng ngày 01/04/2020" in full.value.message
    with time_machine.travel(vn(2020, 3, 31, 14), tick=False):
        holder = dossier_services.create_draft(
            officer,
            procedure=level2,
            desk=officer.desk,
            intake_channel="walk_in",
            return_channel="postal",
            applicant={"full_name": "Người 0", "phone": "0950000000"},
            address="x",
            ticket=1,
        )
        holder = dossier_services.accept(dossier_services.submit(holder, officer), officer)
    assert holder.status == Status.ACCEPTED and holder.ticket.number == 1
    # Declared over: the admin ends both; the held result is released and the citizen told.
    with time_machine.travel(vn(2020, 4, 23, 8), tick=False):
        committed(services.end, queue, None, "Công bố hết dịch.")
        committed(services.end, online_only, None, "Công bố hết dịch.")
    for dossier in (held, ready_before):
        dossier.refresh_from_db()
        assert dossier.status == Status.COMPLETED
        assert Notification.objects.filter(dossier=dossier, kind="result_released").exists()
    after = make_dossier(
        "accepted", officer=officer, procedure=level3, at=vn(2020, 4, 24, 9), intake_channel="postal", address="x"
    )
    assert after.status == Status.ACCEPTED
    assert effective_policy(level2, officer.desk, vn(2020, 4, 24, 9)).walk_in_capacity_per_session is None
