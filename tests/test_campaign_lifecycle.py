"""A campaign's life and what it does to dossiers: the sweep (due, idempotent, with look-back),
the clock stop (retroactive, moving due_at by hand-computed amounts), held then released
results, start notifications and postal-return offers, edits while active."""

import pytest
import time_machine
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

import dossiers.campaign_rules  # noqa: F401  (connects the dossier-side receivers)
from campaigns import services
from campaigns.models import Campaign, CampaignEvent
from campaigns.tasks import sweep_campaigns
from campaigns.testing import make_campaign, vn
from dossiers import services as dossier_services
from dossiers.models import ClockPause, Notification, Status
from portal.errors import Conflict, RuleError
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db
S = Campaign.Status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a call and the on-commit callbacks it queues (domain events, campaign effects)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def field_desk():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, field_verification=True, documents=0
    )
    return officer, procedure


KHANH_HOA_STOP = {"clock_stop_until": "2020-04-15", "notice": "Dừng tính thời hạn đến hết 15/4/2020."}


def test_the_sweep_activates_and_ends_what_is_due_once(committed):
    procedure = ProcedureFactory()
    with time_machine.travel(vn(2020, 3, 28, 9), tick=False):
        campaign = make_campaign(
            procedure.province, status="scheduled", starts_at=vn(2020, 3, 30), ends_at=vn(2020, 4, 30)
        )
        assert campaign.status == S.SCHEDULED
        assert committed(sweep_campaigns.delay).get() == {"moved": 0, "applied": 0}
    with time_machine.travel(vn(2020, 3, 30, 0, 1), tick=False):
        assert committed(sweep_campaigns.delay).get()["moved"] == 1
        assert committed(sweep_campaigns.delay).get() == {"moved": 0, "applied": 0}
    campaign.refresh_from_db()
    assert campaign.status == S.ACTIVE and campaign.start_effects_at is not None
    with time_machine.travel(vn(2020, 5, 2), tick=False):
        committed(services.sweep)
        committed(services.sweep)
    campaign.refresh_from_db()
    assert campaign.status == S.ENDED and campaign.end_effects_at is not None
    actions = list(campaign.events.values_list("action", flat=True))
    assert actions == ["create", "activate", "start", "effects_started", "end", "effects_ended"]


def test_a_missed_window_is_caught_by_the_next_sweep(committed, field_desk):
    """Beat was down for the whole window: the campaign still starts (its clock stop applies)
    and ends, in one sweep, and the dossier's due date moves."""
    officer, procedure = field_desk
    dossier = make_dossier("accepted", officer=officer, procedure=procedure, at=vn(2020, 3, 30, 9))
    with time_machine.travel(vn(2020, 3, 20), tick=False):
        campaign = make_campaign(
            procedure.province,
            status="scheduled",
            starts_at=vn(2020, 4, 1),
            ends_at=vn(2020, 4, 20),
            rules=KHANH_HOA_STOP,
        )
    with time_machine.travel(vn(2020, 4, 25), tick=False):
        assert committed(services.sweep)["moved"] == 1
    campaign.refresh_from_db()
    assert campaign.status == S.ENDED
    assert campaign.events.filter(action="end", actor=None).count() == 1
    dossier.refresh_from_db()
    assert dossier.due_at == vn(2020, 4, 21, 9, 0)


def test_the_clock_stop_is_retroactive_and_moves_due_at(committed, field_desk):
    officer, procedure = field_desk
    # Accepted Monday 30/3/2020 09:00, 5 working days → Tuesday 7/4 09:00 (Thursday 2/4 is the Hùng Kings holiday).
    dossier = make_dossier("processing", officer=officer, procedure=procedure, at=vn(2020, 3, 30, 9))
    assert dossier.due_at == vn(2020, 4, 7, 9, 0)
    # Recorded on 3/4, in force from 1/4 00:00, stopping the clock to the end of 15/4: the 14 working
    # hours of 30–31/3 count; the remaining 26 run from Thursday 16/4 07:00 → Tuesday 21/4 09:00.
    with time_machine.travel(vn(2020, 4, 3, 14), tick=False):
        campaign = committed(
            make_campaign, procedure.province, status="active", starts_at=vn(2020, 4, 1), rules=KHANH_HOA_STOP
        )
    dossier.refresh_from_db()
    assert dossier.due_at == vn(2020, 4, 21, 9, 0)
    pause = ClockPause.objects.get(dossier=dossier)
    assert (pause.kind, pause.campaign_id) == (ClockPause.Kind.CAMPAIGN, campaign.pk)
    assert (pause.started_at, pause.ended_at) == (vn(2020, 4, 1), vn(2020, 4, 16))
    assert dossier.events.filter(action="campaign_clock_stop").count() == 1
    # Applying the start again (a crash before it was marked) changes nothing.
    Campaign.objects.filter(pk=campaign.pk).update(start_effects_at=None)
    with time_machine.travel(vn(2020, 4, 3, 14, 1), tick=False):
        committed(services.sweep)
    assert ClockPause.objects.filter(dossier=dossier).count() == 1
    assert dossier.events.filter(action="campaign_clock_stop").count() == 1


def test_a_dossier_accepted_during_the_stop_pauses_from_its_acceptance(committed, field_desk):
    officer, procedure = field_desk
    with time_machine.travel(vn(2020, 3, 31, 9), tick=False):
        committed(make_campaign, procedure.province, status="active", starts_at=vn(2020, 4, 1), rules=KHANH_HOA_STOP)
    # Accepted Friday 3/4 10:00: paused to the end of 15/4; 40 working hours from Thursday 16/4 07:00
    # end at the closing of Wednesday 22/4 (a closing time stays the due moment).
    dossier = committed(make_dossier, "accepted", officer=officer, procedure=procedure, at=vn(2020, 4, 3, 10))
    dossier.refresh_from_db()
    assert dossier.due_at == vn(2020, 4, 22, 17, 0)
    assert ClockPause.objects.get(dossier=dossier).started_at == vn(2020, 4, 3, 10)
    # No field verification, no pause.
    other = ProcedureFactory(province=procedure.province, agency=procedure.agency, documents=0)
    plain = committed(make_dossier, "accepted", officer=officer, procedure=other, at=vn(2020, 4, 3, 10))
    assert not ClockPause.objects.filter(dossier=plain).exists()


@pytest.mark.django_db(transaction=True)
def test_the_officer_accepting_through_the_api_sees_the_stop_in_the_answer(field_desk):
    """The clock stop is applied on the acceptance's commit, before the API answers: the answer already shows the
    moved deadline and the timeline line (the answer reads the dossier's own columns again after the commit).
    Real commits here: a test transaction would run the on-commit work only after the answer."""
    officer, procedure = field_desk
    with time_machine.travel(vn(2020, 3, 31, 9), tick=False):
        make_campaign(procedure.province, status="active", starts_at=vn(2020, 4, 1), rules=KHANH_HOA_STOP)
    with time_machine.travel(vn(2020, 4, 3, 10), tick=False):
        dossier = make_dossier("submitted", officer=officer, procedure=procedure)
        api = APIClient()
        api.force_authenticate(officer)
        answer = api.post(f"/api/v1/dossiers/{dossier.code}/accept/", {}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "accepted"
    assert parse_datetime(body["due_at"]) == vn(2020, 4, 22, 17, 0)
    assert [e["action"] for e in body["events"]][-1] == "campaign_clock_stop"


def test_ending_early_cuts_the_stop_and_editing_moves_or_removes_it(committed, field_desk):
    officer, procedure = field_desk
    dossier = make_dossier("accepted", officer=officer, procedure=procedure, at=vn(2020, 3, 30, 9))
    with time_machine.travel(vn(2020, 4, 1, 8), tick=False):
        campaign = committed(
            make_campaign, procedure.province, status="active", starts_at=vn(2020, 4, 1), rules=KHANH_HOA_STOP
        )
        # Extended to the end of 17/4 while active: the pause follows (two more working days).
        committed(services.update_campaign, campaign, None, rules={"clock_stop_until": "2020-04-17"})
    dossier.refresh_from_db()
    assert ClockPause.objects.get(dossier=dossier).ended_at == vn(2020, 4, 18)
    assert dossier.due_at == vn(2020, 4, 23, 9, 0)
    # Ended at 10:00 on Wednesday 8/4: the pause stops there.
    with time_machine.travel(vn(2020, 4, 8, 10), tick=False):
        committed(services.end, campaign, None)
    dossier.refresh_from_db()
    assert ClockPause.objects.get(dossier=dossier).ended_at == vn(2020, 4, 8, 10)
    # 14 h ran before 1/4; 26 h remain from 8/4 10:00: 8/4 (5 h), 9/4 and 10/4 (16 h), then 13/4
    # 07:00–11:30 (4.5 h) and half an hour from 13:30 → Monday 13/4 14:00.
    assert dossier.due_at == vn(2020, 4, 13, 14, 0)


def test_removing_the_stop_from_an_active_campaign_restores_the_due_date(committed, field_desk):
    officer, procedure = field_desk
    dossier = make_dossier("accepted", officer=officer, procedure=procedure, at=vn(2020, 3, 30, 9))
    with time_machine.travel(vn(2020, 4, 1, 8), tick=False):
        campaign = committed(
            make_campaign, procedure.province, status="active", starts_at=vn(2020, 4, 1), rules=KHANH_HOA_STOP
        )
        committed(services.update_campaign, campaign, None, rules={"notice": "Không còn dừng tính thời hạn."})
    dossier.refresh_from_db()
    assert not ClockPause.objects.filter(dossier=dossier).exists()
    assert dossier.due_at == vn(2020, 4, 7, 9, 0)


HOLD = {"return_channels": ["postal"], "hold_other_returns": True, "notice": "Kết quả chỉ trả qua bưu chính."}


def test_results_are_held_then_released_when_the_campaign_ends(committed):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, postal=True)
    with time_machine.travel(vn(2020, 3, 30, 8), tick=False):
        campaign = committed(make_campaign, procedure.province, status="active", rules=HOLD)
    held = make_dossier("completed", officer=officer, procedure=procedure, at=vn(2020, 4, 1, 9), address="1 Lê Lợi")
    by_post = make_dossier(
        "completed", officer=officer, procedure=procedure, at=vn(2020, 4, 1, 9), return_channel="postal", address="x"
    )
    assert held.status == Status.RESULT_HELD
    assert by_post.status == Status.COMPLETED
    with time_machine.travel(vn(2020, 4, 23), tick=False):
        committed(services.end, campaign, None, "Công bố hết dịch.")
    held.refresh_from_db()
    assert held.status == Status.COMPLETED
    assert held.events.filter(action="release").count() == 1
    assert Notification.objects.filter(dossier=held, kind="result_released", channel="sms").count() == 1
    # Ending again is refused; the release is not repeated by later sweeps.
    with time_machine.travel(vn(2020, 4, 24), tick=False):
        committed(services.sweep)
    assert held.events.filter(action="release").count() == 1


def test_an_overlapping_campaign_that_still_holds_keeps_the_result_held(committed):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, postal=True)
    with time_machine.travel(vn(2020, 3, 30, 8), tick=False):
        first = committed(make_campaign, procedure.province, status="active", rules=HOLD, title="Một")
        committed(make_campaign, procedure.province, status="active", rules=HOLD, title="Hai")
    held = make_dossier("completed", officer=officer, procedure=procedure, at=vn(2020, 4, 1, 9))
    with time_machine.travel(vn(2020, 4, 10), tick=False):
        committed(services.end, first, None)
    held.refresh_from_db()
    assert held.status == Status.RESULT_HELD


@pytest.mark.skipif(not hasattr(dossier_services, "hold_result"), reason="needs dossiers.services.hold_result")
def test_ready_results_are_held_when_a_holding_campaign_starts(committed):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, postal=True)
    ready = make_dossier("completed", officer=officer, procedure=procedure, at=vn(2020, 3, 27, 9))
    with time_machine.travel(vn(2020, 3, 30, 8), tick=False):
        committed(make_campaign, procedure.province, status="active", rules=HOLD)
    ready.refresh_from_db()
    assert ready.status == Status.RESULT_HELD


def test_start_notifies_each_open_dossier_once_and_offers_postal_return(committed):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, postal=True)
    open_one = make_dossier("processing", officer=officer, procedure=procedure, at=vn(2020, 3, 27, 9))
    ready = make_dossier("completed", officer=officer, procedure=procedure, at=vn(2020, 3, 27, 9))
    returned = make_dossier("returned", officer=officer, procedure=procedure, at=vn(2020, 3, 27, 9))
    rules = {"notify_on_start": True, "hotline": "0251-1022", "notice": "Khuyến khích nộp trực tuyến."}
    with time_machine.travel(vn(2020, 3, 28), tick=False):
        campaign = make_campaign(procedure.province, status="scheduled", starts_at=vn(2020, 3, 30), rules=rules)
    with time_machine.travel(vn(2020, 3, 30, 0, 1), tick=False):
        committed(services.sweep)
        Campaign.objects.filter(pk=campaign.pk).update(start_effects_at=None)  # as if a crash hid it
        committed(services.sweep)
    started = Notification.objects.filter(kind="campaign_started", channel="sms")
    assert list(started.values_list("dossier_id", flat=True)) == [open_one.pk]
    assert "0251-1022" in started.get().body and open_one.code in started.get().body
    offer = Notification.objects.get(kind="campaign_postal_offer", channel="sms")
    assert offer.dossier_id == ready.pk and ready.code in offer.body and "http" in offer.body
    assert not Notification.objects.filter(dossier=returned, kind__startswith="campaign").exists()


def test_no_messages_for_a_campaign_recorded_after_its_window(committed):
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency)
    make_dossier("processing", officer=officer, procedure=procedure, at=vn(2020, 3, 27, 9))
    committed(
        make_campaign,
        procedure.province,
        status="active",
        starts_at=vn(2020, 3, 30),
        ends_at=vn(2020, 4, 30),
        rules={"notify_on_start": True},
    )
    assert Campaign.objects.get().status == S.ENDED
    assert not Notification.objects.filter(kind__startswith="campaign").exists()


def test_an_edit_while_active_applies_to_new_decisions_and_never_to_snapshots(committed):
    """Edited while active: new decisions read the new rules at once; a dossier's snapshotted
    fee, policy and postal fee stay; the clock stop is the one rule applied retroactively."""
    from postal.models import PostalOrder, PostalTariff

    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        postal=True,
        fee=200000,
        documents=0,
        field_verification=True,
    )
    PostalTariff.objects.create(
        province=procedure.province, leg="pickup", zone="default", valid_from="2019-01-01", amount=20000
    )
    with time_machine.travel(vn(2020, 3, 30, 8), tick=False):
        campaign = make_campaign(procedure.province, status="active", rules={"postal_fee_waived_percent": 50})
    by_post = {"intake_channel": "postal", "address": "1 Trần Phú, Nha Trang"}
    first = committed(make_dossier, "accepted", officer=officer, procedure=procedure, at=vn(2020, 4, 1, 9), **by_post)
    first.refresh_from_db()
    due_before = first.due_at
    with time_machine.travel(vn(2020, 4, 1, 10), tick=False):
        committed(
            services.update_campaign,
            campaign,
            None,
            rules={"postal_fee_waived_percent": 100, "clock_stop_until": "2020-04-03"},
        )
    procedure.fee = 300000
    procedure.save()
    second = committed(make_dossier, "accepted", officer=officer, procedure=procedure, at=vn(2020, 4, 6, 9), **by_post)
    first.refresh_from_db()
    # Snapshots stay: the fee, the waiver and (no clock stop then) the policy as accepted.
    assert first.snap_policy["postal_fee_waived_percent"] == 50 and first.snap_fee == 200000
    assert first.snap_policy["clock_paused_until"] is None
    assert second.snap_policy["postal_fee_waived_percent"] == 100 and second.snap_fee == 300000
    # The clock stop reaches back: from the acceptance (9:00 on 1/4) to the end of 3/4.
    pause = ClockPause.objects.get(dossier=first, kind="campaign")
    assert (pause.started_at, pause.ended_at) == (vn(2020, 4, 1, 9), vn(2020, 4, 4))
    assert first.due_at > due_before
    # The postal pickup ordered before the edit keeps its waived fee; the next one has the new waiver.
    orders = {o.dossier_id: o for o in PostalOrder.objects.filter(kind="pickup")}  # made on acceptance
    assert (orders[first.pk].fee, orders[first.pk].fee_waived) == (20000, 10000)
    assert (orders[second.pk].fee, orders[second.pk].fee_waived) == (20000, 20000)
    update = CampaignEvent.objects.get(campaign=campaign, action="update")
    assert update.changes == {
        "rules": [
            {"postal_fee_waived_percent": 50},
            {"postal_fee_waived_percent": 100, "clock_stop_until": "2020-04-03"},
        ]
    }
    assert campaign.history.first().rules == {"postal_fee_waived_percent": 100, "clock_stop_until": "2020-04-03"}


def test_edits_are_refused_where_the_lifecycle_forbids_them():
    procedure = ProcedureFactory()
    campaign = make_campaign(procedure.province, status="active")
    with pytest.raises(RuleError) as moved:
        services.update_campaign(campaign, None, starts_at=vn(2030, 1, 1))
    assert moved.value.field == "starts_at"
    with pytest.raises(Conflict):
        services.activate(campaign, None)
    services.end(campaign, None)
    with pytest.raises(Conflict):
        services.update_campaign(campaign, None, title="Sửa")
    with pytest.raises(Conflict):
        services.end(campaign, None)
