"""Domain events of dossiers, sent through the outbox (portal/outbox.py) with `dossier_id` (and a few plain
values). A transition sends them at its end, inside its transaction (dossiers.door.send_pending): the receivers
(postal, the campaigns' clock stop) see the change as it will commit, get the locked dossier in hand (`dossier=`),
and their writes commit with it or not at all; a receiver that fails is rolled back to its savepoint and the event
is sent again after commit, then by the sweep, with `dossier_id` only. Higher apps connect to these; dossiers never
imports them."""

from django.dispatch import Signal

dossier_submitted = Signal()  # dossier_id
dossier_accepted = Signal()  # dossier_id: the post picks up a postal-intake dossier
dossier_result_ready = Signal()  # dossier_id: the post collects a postal-return result
dossier_return_switched = Signal()  # dossier_id, previous: a return moved to (or from) the post
dossier_returned = Signal()  # dossier_id
dossier_closed = Signal()  # dossier_id, reason (refused | withdrawn): open postal orders are cancelled
