"""Domain events of dossiers. Fired in transaction.on_commit with `dossier_id` (and a few
plain values), so receivers (postal, campaigns' sweeps, reports) see committed data.
Higher apps connect to these; dossiers never imports them."""

from django.dispatch import Signal

dossier_submitted = Signal()  # dossier_id
dossier_accepted = Signal()  # dossier_id: the post picks up a postal-intake dossier
dossier_result_ready = Signal()  # dossier_id: the post collects a postal-return result
dossier_return_switched = Signal()  # dossier_id, previous: a return moved to (or from) the post
dossier_returned = Signal()  # dossier_id
dossier_closed = Signal()  # dossier_id, reason (refused | withdrawn): open postal orders are cancelled
