"""The postal legs a dossier's page and the public tracking show (registered with
dossiers.tracking in PostalConfig.ready): kind, status, due time, tracking code, breach.
Nothing personal (no address, no phone)."""

from .models import PostalOrder
from .workflow import CANCELLABLE


def legs(dossier):
    orders = PostalOrder.objects.filter(dossier_id=dossier.pk).order_by("created_at", "id")
    return [
        {
            "kind": order.kind,
            "label": str(order.get_kind_display()),
            "status": order.status,
            "status_label": str(order.get_status_display()),
            "due_at": order.due_at,
            "tracking_code": order.tracking_code,
            "breached": order.breached,
            "picked_up_at": order.picked_up_at,
            "delivered_at": order.delivered_at,
            # Cancelled if the result is handed over otherwise (receivers.returned_elsewhere).
            "cancellable": order.status in CANCELLABLE,
        }
        for order in orders
    ]
