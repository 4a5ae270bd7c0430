"""Postal orders follow the dossier's domain events (dossiers/events.py); dossiers never
imports postal. Each receiver runs inside the transition's transaction with the dossier it locked in hand
(`dossier=`), or, sent again after a failure, on its own: then it reads the dossier afresh (those that create
an order read it locked, once, with what create_order needs). It calls the one door (services.py), which is
idempotent.

- dossier_submitted, intake by post, required documents not uploaded → a pickup order:
  door-to-door intake (seed 002: the post brings the forms, collects the paper dossier and
  the fees at the citizen's address and brings them to the desk). Its SLA counts from the
  submission. dossiers has no separate "door-to-door" flag: a postal-intake dossier whose
  paper is still at the citizen's is exactly that request.
- dossier_accepted, intake by post → a pickup order (the paper dossier of an online
  submission, e.g. Khánh Hòa: within 4 h of acceptance), unless a door-to-door pickup is
  already open or done.
- dossier_result_ready, return by post → a return order (SLA from result-ready).
- dossier_return_switched: to the post with the result ready → a return order; away from
  the post → its open return order is cancelled (unless the post already holds the result).
- dossier_returned not by post (handed over at the desk after all) → the open return order
  is cancelled.
- dossier_closed (refused, withdrawn) → every open order that can still be cancelled is.
"""

import logging

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import events
from dossiers.models import Dossier, IntakeChannel, ReturnChannel
from dossiers.models import Status as DossierStatus

from . import services, workflow
from .models import PostalOrder

log = logging.getLogger("motcua.postal")
Kind = PostalOrder.Kind

RESULT_READY = (DossierStatus.COMPLETED,)


def _create(dossier, kind, triggered_at, locked=False):
    try:
        return services.create_order(dossier, kind, triggered_at=triggered_at, locked=locked)
    except services.InvalidInput as exc:  # e.g. no address: nothing the post can do; the desk sees it
        log.warning("no %s order for dossier %s: %s", kind, dossier.code, exc.message)
        return None


def _dossier(dossier_id):
    # Its own columns are enough to decide; services.create_order reads and locks it with its catalog rows.
    return Dossier.objects.filter(pk=dossier_id).first()


# A receiver that may create an order decides on the row services.lock_dossier locks with the catalog rows
# create_order reads (one statement for both; a dossier the conditions leave out is neither returned nor
# locked), inside a transaction without a savepoint of its own (the outbox runs it inside its own), and
# passes it on with locked=True.


def _cancel_open(dossier, kind, reason):
    for order in PostalOrder.objects.filter(dossier=dossier, status__in=workflow.CANCELLABLE, kind__in=kind):
        services.cancel(order, None, reason)


def _missing_paper(dossier):
    from dossiers.services import lacks_documents

    return lacks_documents(dossier)


@receiver(events.dossier_submitted, dispatch_uid="postal-door-to-door")
def door_to_door_pickup(sender, dossier_id, dossier=None, **kwargs):
    with transaction.atomic(savepoint=False):
        dossier = services.lock_dossier(
            dossier_id, in_hand=dossier, intake_channel=IntakeChannel.POSTAL, status=DossierStatus.SUBMITTED
        )
        if dossier is None or not _missing_paper(dossier):
            return
        _create(dossier, Kind.PICKUP, dossier.submitted_at or timezone.now(), locked=True)


@receiver(events.dossier_accepted, dispatch_uid="postal-pickup-on-accept")
def pickup_on_accept(sender, dossier_id, dossier=None, **kwargs):
    with transaction.atomic(savepoint=False):
        dossier = services.lock_dossier(dossier_id, in_hand=dossier, intake_channel=IntakeChannel.POSTAL)
        if dossier is None:
            return
        if PostalOrder.objects.filter(dossier=dossier, kind=Kind.PICKUP).exclude(status=PostalOrder.Status.CANCELLED):
            return  # the door-to-door pickup already brings (or brought) the paper
        _create(dossier, Kind.PICKUP, dossier.received_at or timezone.now(), locked=True)


@receiver(events.dossier_result_ready, dispatch_uid="postal-return-on-result")
def return_on_result_ready(sender, dossier_id, dossier=None, **kwargs):
    with transaction.atomic(savepoint=False):
        dossier = services.lock_dossier(
            dossier_id, in_hand=dossier, return_channel=ReturnChannel.POSTAL, status__in=RESULT_READY
        )
        if dossier is None:
            return
        _create(dossier, Kind.RETURN, timezone.now(), locked=True)


@receiver(events.dossier_return_switched, dispatch_uid="postal-return-switched")
def return_switched(sender, dossier_id, previous=None, **kwargs):
    dossier = _dossier(dossier_id)
    if dossier is None:
        return
    if dossier.return_channel == ReturnChannel.POSTAL:
        if dossier.status in RESULT_READY:
            _create(dossier, Kind.RETURN, timezone.now())
    elif previous == ReturnChannel.POSTAL:
        _cancel_open(dossier, [Kind.RETURN], _("Người nộp đổi hình thức nhận kết quả."))


@receiver(events.dossier_returned, dispatch_uid="postal-returned-elsewhere")
def returned_elsewhere(sender, dossier_id, **kwargs):
    dossier = _dossier(dossier_id)
    if dossier is None:
        return
    _cancel_open(dossier, [Kind.RETURN], _("Kết quả đã được trả theo hình thức khác."))


@receiver(events.dossier_closed, dispatch_uid="postal-dossier-closed")
def dossier_closed(sender, dossier_id, reason="", **kwargs):
    dossier = _dossier(dossier_id)
    if dossier is None:
        return
    text = {
        "refused": _("Hồ sơ bị từ chối tiếp nhận."),
        "withdrawn": _("Người nộp đã rút hồ sơ."),
    }.get(reason, _("Hồ sơ đã kết thúc."))
    _cancel_open(dossier, [Kind.PICKUP, Kind.RETURN], text)
