"""The door-to-door pickup a postal submission orders (postal/receivers.py), in the submission's own transaction
with the dossier it locked in hand (dossiers.door.send_pending), or on its own when sent again: the receiver decides
on the dossier's row locked once with what create_order reads, the partial unique constraint is the idempotency
check, and the tariffs and webhook clients come from the shared cache under a version every save or delete replaces
(postal/catalog_cache.py), so a change is seen by the next order at once, in this process and in any other."""

import pytest
from django.test import TestCase

from dossiers import events
from dossiers import services as dossier_services
from dossiers.models import Dossier
from portal import outbox
from postal import catalog_cache, webhooks
from postal.models import PostalOrder, PostalTariff, WebhookDelivery
from tests.postal_factories import ADDRESS, PostalTariffFactory, committed, make_client, postal_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = postal_world(pickup_fee=22000)
    world.procedure.documents.update(required=True)  # the paper is at the citizen's: the post fetches it
    return world


def draft_by_post(world, address=ADDRESS):
    return dossier_services.create_draft(
        world.officer,
        procedure=world.procedure,
        desk=world.desk,
        intake_channel="postal",
        return_channel="desk",
        applicant={"full_name": "Trần Thị Bình", "phone": "0912000111"},
        address=address,
    )


def submit_by_post(world, address=ADDRESS):
    return committed(dossier_services.submit, draft_by_post(world, address), world.officer)


def redeliver(dossier):
    """The same dossier_submitted again, through the outbox (as the beat sweep would after a lost commit)."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        message = outbox.enqueue_signal("dossiers.events.dossier_submitted", "dossiers.Dossier", dossier_id=dossier.pk)
    return outbox.deliver(message.pk)


def test_submitting_by_post_orders_one_pickup_at_the_tariff():
    world = postal_world(pickup_fee=22000)
    world.procedure.documents.update(required=True)
    dossier = submit_by_post(world)
    order = PostalOrder.objects.get(dossier=dossier)
    assert (order.kind, order.status, order.fee, order.address) == ("pickup", "created", 22000, ADDRESS)
    assert order.triggered_at == Dossier.objects.get(pk=dossier.pk).submitted_at
    assert dossier.events.filter(action="postal_order").count() == 1


def test_the_same_event_delivered_again_makes_no_second_order(world):
    dossier = submit_by_post(world)
    first = PostalOrder.objects.get(dossier=dossier)
    assert redeliver(dossier) == outbox.SENT  # the unique constraint refused the second; the delivery still commits
    committed(events.dossier_submitted.send, sender=Dossier, dossier_id=dossier.pk)
    assert list(PostalOrder.objects.filter(dossier=dossier)) == [first]
    assert first.events.count() == 1 and dossier.events.filter(action="postal_order").count() == 1


def test_a_cancelled_pickup_is_ordered_again_on_a_new_delivery(world):
    dossier = submit_by_post(world)
    PostalOrder.objects.filter(dossier=dossier).update(status=PostalOrder.Status.CANCELLED)
    assert redeliver(dossier) == outbox.SENT
    assert sorted(PostalOrder.objects.filter(dossier=dossier).values_list("status", flat=True)) == [
        "cancelled",
        "created",
    ]


def test_no_address_orders_nothing_and_the_delivery_still_commits(world):
    dossier = submit_by_post(world)
    PostalOrder.objects.filter(dossier=dossier).delete()
    Dossier.objects.filter(pk=dossier.pk).update(address=" ")
    assert redeliver(dossier) == outbox.SENT  # the refusal is logged; the outbox row is marked sent
    assert not PostalOrder.objects.filter(dossier=dossier).exists()


def test_an_online_or_no_longer_submitted_dossier_gets_no_pickup(world):
    dossier = submit_by_post(world)
    PostalOrder.objects.filter(dossier=dossier).delete()
    Dossier.objects.filter(pk=dossier.pk).update(intake_channel="online")
    assert redeliver(dossier) == outbox.SENT
    Dossier.objects.filter(pk=dossier.pk).update(intake_channel="postal", status="withdrawn")
    assert redeliver(dossier) == outbox.SENT
    assert not PostalOrder.objects.filter(dossier=dossier).exists()


# --- the cached catalog -------------------------------------------------------------------------------


def test_a_tariff_saved_or_deleted_is_seen_by_the_next_order_at_once(world):
    assert PostalOrder.objects.get(dossier=submit_by_post(world)).fee == 22000
    tariff = PostalTariff.objects.get(province=world.province, leg="pickup")
    tariff.amount = 30000
    committed(tariff.save)
    assert PostalOrder.objects.get(dossier=submit_by_post(world)).fee == 30000
    PostalTariffFactory(province=world.province, leg="pickup", amount=15000, valid_from="2020-01-01")
    assert PostalOrder.objects.get(dossier=submit_by_post(world)).fee == 15000
    PostalTariff.objects.filter(province=world.province, leg="pickup").delete()
    assert PostalOrder.objects.get(dossier=submit_by_post(world)).fee == 0


def test_another_process_reads_the_change_through_the_shared_version(world):
    submit_by_post(world)  # this process memoised the rows
    stale = {key: dict(value) if isinstance(value, dict) else value for key, value in catalog_cache._memo.items()}
    assert stale["tariffs"], stale
    tariff = PostalTariff.objects.get(province=world.province, leg="pickup")
    tariff.amount = 30000
    with TestCase.captureOnCommitCallbacks(execute=True) as bumps:
        tariff.save()
    assert bumps  # the version is replaced again after commit
    catalog_cache._memo.update(stale)  # another process: its memo still holds the old rows under the old version
    assert PostalOrder.objects.get(dossier=submit_by_post(world)).fee == 30000


def test_a_client_added_or_revoked_is_seen_by_the_next_order_at_once(world):
    submit_by_post(world)
    client = make_client(world.province, webhook_url="http://127.0.0.1:9/motcua")
    order = PostalOrder.objects.get(dossier=submit_by_post(world))
    assert list(WebhookDelivery.objects.filter(order=order).values_list("client_id", flat=True)) == [client.pk]
    assert WebhookDelivery.objects.get(order=order).payload["province"] == world.province.code
    webhooks.revoke(client)  # a queryset update: no post_save, the revoke bumps the version itself
    order = PostalOrder.objects.get(dossier=submit_by_post(world))
    assert not WebhookDelivery.objects.filter(order=order).exists()


def test_the_pickup_is_made_in_the_submissions_transaction_and_nothing_is_left_to_send(world):
    """No callback after commit is needed: the order and the dossier's line commit with the submission, and the
    outbox holds nothing of the event (the sweep has nothing to do)."""
    draft = draft_by_post(world)
    with TestCase.captureOnCommitCallbacks(execute=False):
        dossier_services.submit(draft, world.officer)
    assert PostalOrder.objects.filter(dossier=draft, kind="pickup").count() == 1
    assert not outbox.OutboxMessage.objects.filter(name="dossiers.events.dossier_submitted").exists()
    assert outbox.drain(keep_days=None) == {"sent": 0, "pending": 0}


def test_a_receiver_that_fails_leaves_the_submission_and_is_sent_again_after_commit(world, monkeypatch):
    """A failing receiver rolls back to its savepoint (what it wrote goes with it), the submission commits, and the
    event waits, unsent, for the delivery after commit or the sweep, which makes the order then."""
    draft = draft_by_post(world)
    from postal import services as postal_services

    real_event = postal_services._event

    def broken(order, action, *args, **kwargs):
        real_event(order, action, *args, **kwargs)  # the order and its event are written, then it fails
        raise RuntimeError("bưu điện lỗi")

    monkeypatch.setattr(postal_services, "_event", broken)
    with TestCase.captureOnCommitCallbacks(execute=False):
        dossier_services.submit(draft, world.officer)
    assert Dossier.objects.get(pk=draft.pk).status == "submitted"
    assert not PostalOrder.objects.filter(dossier=draft).exists()  # rolled back with the receiver's savepoint
    assert not draft.events.filter(action="postal_order").exists()
    message = outbox.OutboxMessage.objects.get(name="dossiers.events.dossier_submitted")
    assert message.sent_at is None and "bưu điện lỗi" in message.last_error
    monkeypatch.setattr(postal_services, "_event", real_event)
    assert outbox.drain(keep_days=None) == {"sent": 1, "pending": 0}
    assert PostalOrder.objects.filter(dossier=draft, kind="pickup").count() == 1
    assert draft.events.filter(action="postal_order").count() == 1


def test_a_submission_that_fails_after_its_events_leaves_no_order(world, monkeypatch):
    """The order is part of the submission's transaction: when the transition fails later in it, no order, no
    line and no message remain."""
    from dossiers import door

    draft = draft_by_post(world)
    real_send = door.send_pending

    def then_fail(dossier):
        real_send(dossier)
        assert PostalOrder.objects.filter(dossier=dossier).exists()  # made inside the transition's transaction
        raise RuntimeError("lỗi sau khi gửi sự kiện")

    monkeypatch.setattr(door, "send_pending", then_fail)
    with pytest.raises(RuntimeError):
        dossier_services.submit(draft, world.officer)
    assert Dossier.objects.get(pk=draft.pk).status == "draft"
    assert not PostalOrder.objects.filter(dossier=draft).exists()
    assert not outbox.OutboxMessage.objects.filter(name="dossiers.events.dossier_submitted").exists()
