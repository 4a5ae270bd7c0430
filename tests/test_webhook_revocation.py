"""A revoked post-office client receives nothing more (the webhooks carry the recipient's name,
phone and address): its pending deliveries are cancelled at once with a reason, the claim skips
any left over, and a delivery already claimed re-checks the client right before sending."""

import pytest
import time_machine

from campaigns.testing import vn
from postal import webhooks
from postal.models import IntegrationClient, WebhookDelivery
from postal.tasks import deliver_pending_webhooks
from postal.webhooks import deliver_webhook
from tests.factories import ProvinceAdminFactory
from tests.postal_factories import make_client, make_order, postal_world
from tests.test_postal_webhooks import Receiver

pytestmark = pytest.mark.django_db

LATER = vn(2020, 4, 6, 12, 0)


@pytest.fixture
def receiver():
    receiver = Receiver()  # a local HTTP endpoint recording what it accepted
    yield receiver
    receiver.close()


@pytest.fixture
def queued(receiver):
    """A delivery waiting for its retry: the receiver was down when the order was made."""
    world = postal_world()
    client = make_client(world.province, webhook_url=receiver.url)
    receiver.down = True
    with time_machine.travel(vn(2020, 4, 6, 9, 0), tick=False):
        make_order(world)
    assert WebhookDelivery.objects.filter(state="pending").count() == 1
    receiver.down = False
    return world, client, receiver


def test_revoking_in_the_admin_cancels_pending_deliveries_and_nothing_is_sent(client, queued):
    world, postal_client, receiver = queued
    admin_user = ProvinceAdminFactory(province=world.province, is_staff=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/postal/integrationclient/",
        {"action": "revoke_clients", "_selected_action": [postal_client.pk]},
    )
    assert response.status_code == 302
    postal_client.refresh_from_db()
    assert not postal_client.active
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "cancelled" and "thu hồi" in delivery.last_error and delivery.next_attempt_at is None
    with time_machine.travel(LATER, tick=False):
        assert deliver_pending_webhooks() == 0
    assert receiver.received == []
    assert "đã huỷ" in client.get(f"/admin/postal/webhookdelivery/{delivery.pk}/change/").content.decode()


def test_unticking_active_on_the_clients_form_revokes_it(client, queued):
    world, postal_client, receiver = queued
    client.force_login(ProvinceAdminFactory(province=world.province, is_staff=True))
    form = {"name": postal_client.name, "province": world.province.pk, "webhook_url": postal_client.webhook_url}
    response = client.post(f"/admin/postal/integrationclient/{postal_client.pk}/change/", form)  # no "active"
    assert response.status_code == 302
    assert WebhookDelivery.objects.get().state == "cancelled"
    with time_machine.travel(LATER, tick=False):
        deliver_pending_webhooks()
    assert receiver.received == []


def test_a_client_deactivated_any_other_way_is_skipped_by_the_sweep(queued):
    _world, postal_client, receiver = queued
    IntegrationClient.objects.filter(pk=postal_client.pk).update(active=False)  # e.g. from a shell
    with time_machine.travel(LATER, tick=False):
        assert deliver_pending_webhooks() == 0
    assert receiver.received == []
    assert WebhookDelivery.objects.get().state == "cancelled"


def test_a_claimed_delivery_rechecks_the_client_right_before_sending(queued):
    _world, postal_client, receiver = queued
    delivery = WebhookDelivery.objects.get()
    with time_machine.travel(LATER, tick=False):
        claimed = webhooks.claim()
        assert claimed == [delivery.pk]
        IntegrationClient.objects.filter(pk=postal_client.pk).update(active=False)  # revoked while in flight
        assert webhooks.attempt(delivery.pk) is False
        assert not deliver_webhook(delivery.pk)
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.state == "cancelled"


def test_an_active_client_still_gets_its_deliveries(queued):
    _world, _postal_client, receiver = queued
    with time_machine.travel(LATER, tick=False):
        assert deliver_pending_webhooks() == 1
    assert len(receiver.received) == 1
