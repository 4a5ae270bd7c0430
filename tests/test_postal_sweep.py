"""The SLA sweep: every breach recorded once, its people told once, met orders never alerted."""

import pytest
import time_machine
from django.db import connection

from campaigns.testing import vn
from dossiers.models import Notification
from postal import services
from postal.models import PostalAlert, PostalOrder
from postal.tasks import sweep_postal_sla
from tests.factories import OfficerFactory, PostalClerkFactory
from tests.postal_factories import committed, make_order, postal_world


@pytest.mark.django_db
def test_two_sweeps_record_one_breach_and_tell_each_person_once():
    world = postal_world()
    supervisor = PostalClerkFactory(province=world.province)
    second_officer = OfficerFactory(desk=world.desk)
    order = make_order(world, state="assigned", at=vn(2020, 4, 6, 9, 0))
    with time_machine.travel(order.due_at, tick=False):
        assert committed(sweep_postal_sla) == 1
        assert committed(sweep_postal_sla) == 0
    order.refresh_from_db()
    assert order.breached_at == order.due_at and order.sla_timer_at is None
    assert PostalAlert.objects.filter(order=order).count() == 1
    told = Notification.objects.filter(kind="postal_breach")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        u.username for u in (world.clerk, supervisor, world.officer, second_officer)
    )
    assert order.tracking_code in told.first().subject
    assert order.events.filter(action="breach").count() == 1


@pytest.mark.django_db
def test_a_timer_not_yet_run_out_is_left_alone():
    world = postal_world()
    order = make_order(world, at=vn(2020, 4, 6, 9, 0))
    with time_machine.travel(order.due_at.replace(second=0) - (order.due_at - order.triggered_at) / 2, tick=False):
        assert committed(sweep_postal_sla) == 0
    order.refresh_from_db()
    assert order.breached_at is None and order.sla_timer_at == order.due_at


@pytest.mark.django_db
def test_orders_met_or_cancelled_in_time_are_never_alerted():
    world = postal_world()
    met = make_order(world, state="picked_up", at=vn(2020, 4, 6, 9, 0))
    cancelled = make_order(world, state="cancelled", at=vn(2020, 4, 6, 9, 0))
    with time_machine.travel(vn(2020, 4, 20, 9, 0), tick=False):
        assert committed(sweep_postal_sla) == 0
    assert not PostalAlert.objects.filter(order__in=[met, cancelled]).exists()
    assert not Notification.objects.filter(kind="postal_breach").exists()


@pytest.mark.django_db
def test_the_sweep_works_in_batches():
    world = postal_world()
    orders = [make_order(world, at=vn(2020, 4, 6, 9, 0)) for _ in range(5)]
    with time_machine.travel(vn(2020, 4, 20, 9, 0), tick=False):
        assert committed(sweep_postal_sla, batch_size=2) == 5
    assert PostalOrder.objects.filter(pk__in=[o.pk for o in orders], breached_at__isnull=False).count() == 5


@pytest.mark.django_db
def test_a_breached_order_may_still_be_picked_up_and_delivered():
    world = postal_world()
    order = make_order(world, state="assigned", breached=True)
    order = committed(services.pick_up, order, world.clerk)
    order = committed(services.deliver, order, world.clerk)
    assert order.status == "delivered" and order.breached
    assert order.alerts.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
def test_overlapping_sweeps_split_the_work_and_alert_once():
    from tests.dossiers.services.test_dossier_concurrency import run_together

    world = postal_world()
    orders = [make_order(world, at=vn(2020, 4, 6, 9, 0)) for _ in range(12)]
    with time_machine.travel(vn(2020, 4, 20, 9, 0), tick=False):
        results = run_together([lambda: sweep_postal_sla(batch_size=3)] * 3)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 12
    assert PostalAlert.objects.filter(order__in=orders).count() == 12
    assert Notification.objects.filter(kind="postal_breach", recipient=world.clerk.username).count() == 12


def _breach_texts(order):
    from django.utils import timezone as tz

    from portal.calendar import VN_TZ

    due = tz.localtime(order.due_at, VN_TZ).strftime("%H:%M %d/%m/%Y")
    code, dossier = order.tracking_code, order.dossier.code
    if order.kind == "pickup":
        return (
            f"Đơn bưu chính {code} quá hạn nhận hồ sơ ({due})",
            f"Bưu điện chưa nhận hồ sơ {dossier} tại địa chỉ người nộp (đơn {code}, hạn {due}).",
        )
    return (
        f"Đơn bưu chính {code} quá hạn nhận kết quả ({due})",
        f"Bưu điện chưa nhận kết quả hồ sơ {dossier} tại Bộ phận Một cửa (đơn {code}, hạn {due}).",
    )


@pytest.mark.django_db
def test_one_batch_over_two_provinces_tells_each_order_its_own_people_once():
    first, second = postal_world(), postal_world()
    supervisor = PostalClerkFactory(province=first.province)
    PostalClerkFactory(province=first.province, is_active=False)
    pickup = make_order(first, state="assigned", at=vn(2020, 4, 6, 9, 0))
    back = make_order(second, kind="return", at=vn(2020, 4, 6, 9, 0))
    now = vn(2020, 4, 20, 9, 0)
    with time_machine.travel(now, tick=False):
        assert committed(sweep_postal_sla, batch_size=10) == 2
        assert committed(sweep_postal_sla, batch_size=10) == 0
    for order, people in ((pickup, {first.clerk, supervisor, first.officer}), (back, {second.clerk, second.officer})):
        before = order.status
        order.refresh_from_db()
        assert (order.breached_at, order.sla_timer_at, order.updated_at, order.status) == (now, None, now, before)
        subject, body = _breach_texts(order)
        notes = Notification.objects.filter(kind="postal_breach", key=f"postal-{order.pk}")
        assert set(notes.values_list("dossier_id", "channel", "recipient", "recipient_user_id", "subject", "body")) == {
            (order.dossier_id, "staff", u.username, u.pk, subject, body) for u in people
        }
        event = order.events.get(action="breach")
        assert (event.at, event.note, event.from_status, event.to_status) == (now, subject, before, before)
        alert = PostalAlert.objects.get(order=order)
        assert (alert.kind, alert.due_at, alert.created_at) == ("breach", order.due_at, now)


@pytest.mark.django_db
def test_a_breach_recorded_already_only_stops_the_timer():
    world = postal_world()
    order = make_order(world, at=vn(2020, 4, 6, 9, 0))
    PostalAlert.objects.create(order=order, due_at=order.due_at, created_at=order.due_at)
    with time_machine.travel(vn(2020, 4, 20, 9, 0), tick=False):
        assert committed(sweep_postal_sla) == 0
    order.refresh_from_db()
    assert order.sla_timer_at is None and order.breached_at is None
    assert not Notification.objects.filter(kind="postal_breach").exists()
    assert not order.events.filter(action="breach").exists()


@pytest.mark.django_db
def test_a_subscribed_client_gets_one_changed_webhook_per_breach(monkeypatch):
    from postal import webhooks
    from postal.models import WebhookDelivery
    from tests.postal_factories import make_client

    sent = []
    monkeypatch.setattr(webhooks, "post", lambda url, body, headers, timeout: sent.append(body) or 200)
    world = postal_world()
    orders = [make_order(world, at=vn(2020, 4, 6, 9, 0)) for _ in range(2)]
    client = make_client(world.province, webhook_url="http://post.example/hook")
    make_client(world.province, webhook_url="")  # not subscribed
    now = vn(2020, 4, 20, 9, 0)
    with time_machine.travel(now, tick=False):
        assert committed(sweep_postal_sla) == 2
        assert committed(sweep_postal_sla) == 0
    deliveries = WebhookDelivery.objects.filter(event="order.changed")
    assert sorted(deliveries.values_list("order_id", "client_id", "state")) == [
        (o.pk, client.pk, "delivered") for o in orders
    ]
    assert len(sent) == 2
    for delivery in deliveries:
        assert delivery.payload["breached"] is True
        assert delivery.payload["breached_at"] == delivery.payload["updated_at"] == now.isoformat()


@pytest.mark.django_db
def test_a_batch_costs_the_same_statements_for_one_order_or_many():
    from django.test.utils import CaptureQueriesContext

    world = postal_world()
    make_order(world, at=vn(2020, 4, 6, 9, 0))
    with time_machine.travel(vn(2020, 4, 20, 9, 0), tick=False), CaptureQueriesContext(connection) as one:
        assert committed(sweep_postal_sla, batch_size=50) == 1
    other = postal_world()
    for world_ in (world, other, other):
        make_order(world_, kind="return", at=vn(2020, 4, 21, 9, 0))
    with time_machine.travel(vn(2020, 5, 20, 9, 0), tick=False), CaptureQueriesContext(connection) as many:
        assert committed(sweep_postal_sla, batch_size=50) == 3
    assert len(many) == len(one) <= 12, [q["sql"][:80] for q in many.captured_queries]
