"""Postal orders follow the dossier: created by its events, timed by the SLA, moved by the
post through the transition table, and visible on the dossier's tracking."""

from decimal import Decimal

import pytest
import time_machine

from campaigns.testing import make_campaign, vn
from dossiers import services as dossier_services
from dossiers import tracking
from dossiers.models import Status as DossierStatus
from postal import services
from postal.models import PostalOrder
from tests.factories import OfficerFactory, PostalClerkFactory
from tests.postal_factories import committed, make_order, postal_dossier, postal_world

pytestmark = pytest.mark.django_db
S = PostalOrder.Status


@pytest.fixture
def world():
    return postal_world()


def orders_of(dossier):
    return list(PostalOrder.objects.filter(dossier=dossier).order_by("id").values_list("kind", "status"))


# --- created from the dossier's events -----------------------------------------------------------


def test_accepting_a_postal_intake_dossier_orders_a_pickup_from_the_applicants_address(world):
    dossier = postal_dossier(world, "submitted", intake="postal", ret="desk")
    assert orders_of(dossier) == []  # documents uploaded online: the post fetches the paper after acceptance
    committed(dossier_services.accept, dossier, world.officer)
    order = PostalOrder.objects.get(dossier=dossier)
    assert (order.kind, order.status) == ("pickup", "created")
    assert order.address == dossier.address and order.recipient_name == dossier.applicant_name
    assert order.tracking_code.startswith("NH" + world.province.code)
    assert order.events.get().action == "create"
    assert dossier.events.filter(action="postal_order").exists()


def test_an_online_intake_dossier_gets_no_pickup(world):
    dossier = postal_dossier(world, "accepted", intake="online", ret="desk")
    assert orders_of(dossier) == []


def test_door_to_door_intake_orders_a_pickup_at_submission(world):
    world.procedure.documents.update(required=True)
    dossier = committed(
        dossier_services.submit,
        dossier_services.create_draft(
            world.officer,
            procedure=world.procedure,
            desk=world.desk,
            intake_channel="postal",
            return_channel="postal",
            applicant={"full_name": "Trần Thị Bình", "phone": "0912000111"},
            address="12 Hà Huy Giáp, Biên Hòa",
        ),
        world.officer,
    )
    assert orders_of(dossier) == [("pickup", "created")]
    # Accepting it later does not send the post a second time.
    committed(dossier_services.accept, dossier, world.officer)
    assert orders_of(dossier) == [("pickup", "created")]


def test_a_result_ready_for_postal_return_orders_a_return(world):
    dossier = postal_dossier(world, "completed", intake="online", ret="postal")
    assert orders_of(dossier) == [("return", "created")]


def test_a_result_for_desk_return_orders_nothing(world):
    dossier = postal_dossier(world, "completed", intake="online", ret="desk")
    assert orders_of(dossier) == []


def test_switching_a_ready_result_to_the_post_orders_a_return_and_switching_back_cancels_it(world):
    dossier = postal_dossier(world, "completed", intake="online", ret="desk")
    committed(dossier_services.switch_return, dossier, dossier.citizen, "postal")
    assert orders_of(dossier) == [("return", "created")]
    committed(dossier_services.switch_return, dossier, dossier.citizen, "desk")
    assert orders_of(dossier) == [("return", "cancelled")]


def test_switching_to_the_post_before_the_result_orders_nothing_yet(world):
    dossier = postal_dossier(world, "processing", intake="online", ret="desk")
    committed(dossier_services.switch_return, dossier, dossier.citizen, "postal")
    assert orders_of(dossier) == []
    committed(dossier_services.complete, dossier, world.officer, "approved")
    assert orders_of(dossier) == [("return", "created")]


def test_refusing_or_withdrawing_cancels_open_orders(world):
    world.procedure.documents.update(required=True)
    draft = dossier_services.create_draft(
        world.officer,
        procedure=world.procedure,
        desk=world.desk,
        intake_channel="postal",
        return_channel="desk",
        applicant={"full_name": "Lê Văn Cường", "phone": "0912000222"},
        address="3 Phan Chu Trinh, Biên Hòa",
    )
    dossier = committed(dossier_services.submit, draft, world.officer)
    committed(dossier_services.refuse, dossier, world.officer, "Không thuộc thẩm quyền")
    order = PostalOrder.objects.get(dossier=dossier)
    assert order.status == S.CANCELLED and order.sla_timer_at is None
    assert "từ chối" in order.events.last().note


def test_returning_the_result_at_the_desk_cancels_the_return_order(world):
    dossier = postal_dossier(world, "completed", intake="online", ret="postal")
    committed(dossier_services.switch_return, dossier, dossier.citizen, "desk")
    committed(dossier_services.return_result, dossier, world.officer)
    assert orders_of(dossier) == [("return", "cancelled")]


def test_create_order_is_idempotent(world):
    dossier = postal_dossier(world, "completed", intake="online", ret="postal")
    first = PostalOrder.objects.get(dossier=dossier)
    assert committed(services.create_order, dossier, "return") == first
    assert PostalOrder.objects.filter(dossier=dossier).count() == 1


# --- the SLA ------------------------------------------------------------------------------------------


def test_four_working_hours_from_wednesday_15h_run_across_the_hung_kings_holiday(world):
    make_campaign(world.province, status="active", starts_at=vn(2020, 3, 30), rules={"pickup_sla_hours": 4})
    order = make_order(world, at=vn(2020, 4, 1, 15, 0))
    assert order.due_at == vn(2020, 4, 3, 9, 0)  # Thursday 2/4/2020 is a holiday
    assert order.sla_timer_at == order.due_at
    assert (order.sla_hours, order.sla_clock) == (Decimal(4), "working")


def test_a_province_counting_clock_hours(settings):
    world = postal_world(clock_hours=True)
    settings.POSTAL_RETURN_SLA_HOURS = 4
    order = make_order(world, kind="return", at=vn(2020, 4, 1, 15, 0))
    assert order.due_at == vn(2020, 4, 1, 19, 0)
    assert order.sla_clock == "clock"


def test_the_default_sla_comes_from_settings(world, settings):
    settings.POSTAL_PICKUP_SLA_HOURS = 8
    order = make_order(world, at=vn(2020, 4, 6, 9, 0))  # Monday
    assert order.due_at == vn(2020, 4, 7, 9, 0)


def test_picking_up_in_time_stops_the_timer(world):
    order = make_order(world, state="assigned", at=vn(2020, 4, 6, 9, 0))
    with time_machine.travel(vn(2020, 4, 6, 10, 0), tick=False):
        order = committed(services.pick_up, order, world.clerk)
    assert order.sla_timer_at is None and order.breached_at is None
    assert not order.alerts.exists()


def test_picking_up_late_before_the_sweep_records_the_breach_once(world):
    order = make_order(world, state="assigned", at=vn(2020, 4, 6, 9, 0))
    with time_machine.travel(order.due_at + (order.due_at - order.triggered_at), tick=False):
        order = committed(services.pick_up, order, world.clerk)
    assert order.breached and order.sla_timer_at is None
    assert order.alerts.count() == 1


# --- the post's steps ---------------------------------------------------------------------------------


def test_the_full_pickup_leg_and_the_desks_handover(world):
    order = make_order(world, state="picked_up")
    assert order.assigned_to == world.clerk and order.attempts == 1 and order.picked_up_at
    order = committed(services.record_handover, order, world.officer, "Đủ 2 thành phần, niêm phong nguyên vẹn")
    assert order.status == S.DELIVERED and order.handed_over_to == world.officer
    assert order.dossier.events.filter(action="postal_handover").exists()
    with pytest.raises(services.TransitionNotAllowed):
        services.record_handover(order, world.officer)


def test_delivering_a_return_marks_the_dossier_returned_by_post(world):
    order = make_order(world, kind="return", state="picked_up")
    committed(services.deliver, order, world.clerk)
    order.dossier.refresh_from_db()
    assert order.dossier.status == DossierStatus.RETURNED
    assert order.dossier.events.get(action="return").data["channel"] == "postal"


def test_a_failed_attempt_is_reassigned_as_a_new_attempt(world):
    order = make_order(world, state="failed")
    assert order.failure_reason == "Không có người nhận"
    order = committed(services.assign, order, world.clerk)
    assert (order.status, order.attempts) == (S.ASSIGNED, 2)
    actions = list(order.events.values_list("action", "from_status", "to_status"))
    assert actions[-2:] == [("fail", "assigned", "failed"), ("assign", "failed", "assigned")]


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("created", "deliver"),
        ("assigned", "deliver"),
        ("picked_up", "cancel"),
        ("delivered", "pick_up"),
        ("delivered", "fail"),
        ("cancelled", "assign"),
        ("created", "fail"),
    ],
)
def test_an_action_the_state_does_not_allow_changes_nothing(world, state, action):
    order = make_order(world, state=state)
    events = order.events.count()
    args = ("Lý do",) if action in ("fail", "cancel") else ()
    with pytest.raises(services.TransitionNotAllowed) as refused:
        getattr(services, action)(order, world.clerk, *args)
    assert "đơn bưu chính" in refused.value.message
    order.refresh_from_db()
    assert order.status == state and order.events.count() == events


def test_only_the_provinces_post_may_act(world):
    order = make_order(world)
    with pytest.raises(services.NotPermitted):
        services.pick_up(order, PostalClerkFactory())  # another province's clerk
    with pytest.raises(services.NotPermitted):
        services.pick_up(order, world.officer)  # the desk does not pick up
    with pytest.raises(services.InvalidInput):
        services.assign(order, world.clerk, assignee=OfficerFactory(desk=world.desk))
    with pytest.raises(services.InvalidInput):
        services.fail(order, world.clerk, " ")
    # The desk may cancel (e.g. the citizen brings the paper in person).
    assert committed(services.cancel, order, world.officer, "Người nộp tự mang hồ sơ đến").status == S.CANCELLED


# --- tracking --------------------------------------------------------------------------------------


def test_the_public_tracking_shows_the_postal_legs_without_the_address(world):
    order = make_order(world, state="assigned", at=vn(2020, 4, 6, 9, 0))
    dossier = order.dossier
    view = tracking.public_view(dossier.code, dossier.applicant_phone[-4:])
    [leg] = view["postal_legs"]
    assert leg["kind"] == "pickup" and leg["status"] == "assigned" and leg["breached"] is False
    assert leg["tracking_code"] == order.tracking_code and leg["due_at"] == order.due_at
    assert order.address not in str(view)
