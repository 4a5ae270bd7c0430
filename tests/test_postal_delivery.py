"""Delivering records who received it and any fee collected (service, API, the clerk's page), and the
clerk reads whether time left counts working or clock hours (issue 11, point 8)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from postal import services
from postal.models import PostalOrder
from tests.clients import api_client
from tests.postal_factories import make_order, postal_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return postal_world(return_fee=25000)


@pytest.fixture
def picked_up(world):
    """A result on its way to the citizen (the return leg, 25.000 đ to pay)."""
    return make_order(world, "return", "picked_up")


def test_delivery_records_the_receiver_and_the_fee_on_the_order_and_the_dossier(world, picked_up):
    order = services.deliver(picked_up, world.clerk, receiver_name="  Trần Thị Bình ", fee_collected=25000)
    order.refresh_from_db()
    assert (order.status, order.received_by, order.fee_collected) == ("delivered", "Trần Thị Bình", 25000)
    event = order.events.get(action="deliver")
    assert "Người nhận: Trần Thị Bình." in event.note and "25.000" in event.note
    returned = order.dossier.events.get(action="return")
    assert "Người nhận: Trần Thị Bình." in returned.note


def test_a_fee_above_what_the_citizen_owes_is_refused_and_nothing_changes(world, picked_up):
    with pytest.raises(services.InvalidInput) as refused:
        services.deliver(picked_up, world.clerk, receiver_name="Bình", fee_collected=30000)
    assert refused.value.field == "fee_collected" and "vượt quá" in refused.value.message
    picked_up.refresh_from_db()
    assert picked_up.status == "picked_up" and picked_up.fee_collected is None


def test_the_api_deliver_takes_receiver_name_and_fee_collected(world, picked_up):
    url = f"/api/v1/postal-orders/{picked_up.pk}/deliver/"
    api = api_client(world.clerk)
    bad = api.post(url, {"fee_collected": -5}, format="json")
    assert bad.status_code == 400 and "fee_collected" in bad.json()
    too_much = api.post(url, {"fee_collected": 99000}, format="json")
    assert too_much.status_code == 400 and "fee_collected" in too_much.json()
    answer = api.post(url, {"receiver_name": "Trần Thị Bình", "fee_collected": 25000}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["received_by"], body["fee_collected"]) == ("delivered", "Trần Thị Bình", 25000)


def test_the_api_deliver_without_the_new_fields_still_works(world, picked_up):
    answer = api_client(world.clerk).post(f"/api/v1/postal-orders/{picked_up.pk}/deliver/", {}, format="json")
    assert answer.status_code == 200 and answer.json()["received_by"] == "" and answer.json()["fee_collected"] is None


def test_the_clerk_records_receiver_and_fee_on_the_order_page(client, world, picked_up):
    client.force_login(world.clerk)
    page = client.get(reverse("postal:detail", args=[picked_up.pk])).content.decode()
    assert "Người nhận" in page and "Cước đã thu (đồng)" in page and "Người dân phải trả 25.000" in page
    url = reverse("postal:action", args=[picked_up.pk, "deliver"])
    refused = client.post(url, {"deliver-receiver_name": "Bình", "deliver-fee_collected": "90000"})
    assert refused.status_code == 400 and "vượt quá" in refused.content.decode()
    done = client.post(url, {"deliver-receiver_name": "Trần Thị Bình", "deliver-fee_collected": "25000"}, follow=True)
    page = done.content.decode()
    assert "Người ký nhận" in page and "Trần Thị Bình" in page and "25.000" in page
    assert PostalOrder.objects.get(pk=picked_up.pk).received_by == "Trần Thị Bình"


@pytest.mark.parametrize(("clock_hours", "says_working"), [(False, True), (True, False)])
def test_time_left_says_whether_it_counts_working_hours(client, clock_hours, says_working):
    world = postal_world(clock_hours=clock_hours)
    order = make_order(world, "pickup", "created")
    PostalOrder.objects.filter(pk=order.pk).update(due_at=order.due_at + timedelta(days=30))
    client.force_login(world.clerk)
    page = client.get(reverse("postal:queue")).content.decode()
    left = page[page.index("còn ") : page.index("còn ") + 60]
    assert ("làm việc" in left) is says_working, left
    assert ("tính theo giờ đồng hồ" in page) is clock_hours
