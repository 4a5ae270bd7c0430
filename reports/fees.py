"""Phí, lệ phí theo đối tượng (issue 16, api.md "fees"): the dossiers received in a window split by the applicant
group whose fee they carry (`Dossier.fee_group`), with the fees due (Σ `snap_fee`, the group's amount taken at
submission) and those paid online (payment_status paid, or refunded after an online payment, as
``paid_online`` counts in reports/indicators.py).

Counted in SQL over the (province, received_at) index, like the receipts of the service index; the group's name
is the catalog's (`ProcedureFee.label`, the first one met for a code across the scope's procedures), the
default group is "Mức thu chung" when no procedure names it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from portal.models import DEFAULT_FEE_GROUP, ProcedureFee

from .indicators import PAID, Scope, day_start


@dataclass(frozen=True)
class FeeGroupRow:
    group: str
    label: str
    dossiers: int
    amount: int
    paid_online: int
    paid_amount: int


def by_group(scope: Scope, start: date, end: date) -> list[FeeGroupRow]:
    """The window's received dossiers by applicant group, the default group first, then by amount due."""
    received = Dossier.objects.filter(scope.q(), received_at__gte=day_start(start), received_at__lt=day_start(end))
    paid = Q(payment_status__in=PAID)
    rows = (
        received.values("fee_group")
        .annotate(
            dossiers=Count("id"),
            amount=Sum("snap_fee", default=0),
            paid_online=Count("id", filter=paid),
            paid_amount=Sum("snap_fee", filter=paid, default=0),
        )
        .order_by()
    )
    rows = list(rows)
    labels = {}
    groups = {row["fee_group"] for row in rows}
    fees = ProcedureFee.objects.filter(group__in=groups)
    if scope.procedure_id:
        fees = fees.filter(procedure_id=scope.procedure_id)
    elif scope.province_id:
        fees = fees.filter(procedure__province_id=scope.province_id)
    for group, label in fees.order_by("procedure_id", "order").values_list("group", "label"):
        labels.setdefault(group, label)
    found = [
        FeeGroupRow(
            group=row["fee_group"],
            label=labels.get(row["fee_group"])
            or (_("Mức thu chung") if row["fee_group"] == DEFAULT_FEE_GROUP else _("Đối tượng đã bỏ khỏi danh mục")),
            dossiers=row["dossiers"],
            amount=row["amount"] or 0,
            paid_online=row["paid_online"],
            paid_amount=row["paid_amount"] or 0,
        )
        for row in rows
    ]
    return sorted(found, key=lambda row: (row.group != DEFAULT_FEE_GROUP, -row.amount, row.group))
