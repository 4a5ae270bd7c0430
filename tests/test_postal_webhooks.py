"""Outbound webhooks: signed, stored with the change, retried with backoff while the
receiver is down, and delivered once it is back."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine

from campaigns.testing import vn
from postal import services
from postal.models import WebhookDelivery
from postal.tasks import deliver_pending_webhooks
from postal.webhooks import backoff_seconds
from tests.postal_factories import committed, make_client, make_order, postal_world

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP endpoint that answers 503 while `down`, and records what it accepted."""

    def __init__(self):
        self.down = False
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.down:
                    self.send_response(503)
                else:
                    receiver.received.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/motcua"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_each_change_is_posted_signed_with_the_clients_secret(receiver):
    world = postal_world()
    client = make_client(world.province, webhook_url=receiver.url)
    make_client(world.province)  # no webhook URL: nothing sent to it
    order = make_order(world)
    committed(services.assign, order, world.clerk)
    assert len(receiver.received) == 2
    headers, body = receiver.received[1]
    expected = "sha256=" + hmac.new(client.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Motcua-Signature"] == expected
    document = json.loads(body)
    assert document["event"] == "order.changed" and headers["X-Motcua-Event"] == "order.changed"
    assert document["order"]["id"] == order.pk and document["order"]["status"] == "assigned"
    assert str(document["delivery"]) == headers["X-Motcua-Delivery"]
    assert json.loads(receiver.received[0][1])["event"] == "order.created"
    assert WebhookDelivery.objects.filter(state="delivered").count() == 2


def test_a_receiver_down_for_a_while_gets_every_delivery_later_in_full(receiver):
    world = postal_world()
    make_client(world.province, webhook_url=receiver.url)
    receiver.down = True
    with time_machine.travel(vn(2020, 4, 6, 9, 0), tick=False) as clock:
        order = make_order(world)
        committed(services.assign, order, world.clerk)
        pending = WebhookDelivery.objects.filter(state="pending")
        assert pending.count() == 2 and receiver.received == []
        assert all(d.attempts == 1 and d.last_error == "HTTP 503" for d in pending)
        assert {d.next_attempt_at for d in pending} == {vn(2020, 4, 6, 9, 0, 30)}
        # Too early for a retry: nothing is sent.
        assert deliver_pending_webhooks() == 0
        clock.shift(timedelta(seconds=30))
        assert deliver_pending_webhooks() == 0  # still down: the wait doubles
        assert {d.next_attempt_at for d in pending.all()} == {vn(2020, 4, 6, 9, 1, 30)}
        receiver.down = False
        clock.shift(timedelta(minutes=1))
        assert deliver_pending_webhooks() == 2
        assert deliver_pending_webhooks() == 0  # delivered ones are never sent again
    assert [json.loads(body)["event"] for _h, body in receiver.received] == ["order.created", "order.changed"]
    assert not WebhookDelivery.objects.filter(state="pending").exists()


def test_a_receiver_that_refuses_connections_is_retried_too(receiver):
    world = postal_world()
    url = receiver.url
    receiver.close()
    make_client(world.province, webhook_url=url)
    make_order(world)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_error


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)])
def test_backoff_doubles_up_to_an_hour(attempts, seconds):
    assert backoff_seconds(attempts) == seconds
