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
    from tests.test_dossier_concurrency import run_together

    world = postal_world()
    orders = [make_order(world, at=vn(2020, 4, 6, 9, 0)) for _ in range(12)]
    with time_machine.travel(vn(2020, 4, 20, 9, 0), tick=False):
        results = run_together([lambda: sweep_postal_sla(batch_size=3)] * 3)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 12
    assert PostalAlert.objects.filter(order__in=orders).count() == 12
    assert Notification.objects.filter(kind="postal_breach", recipient=world.clerk.username).count() == 12
