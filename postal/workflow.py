"""The transition table of a postal order (bưu chính công ích, Decision 45/2016/QĐ-TTg).

One row per action: the statuses it may start from and the status it leads to.
`services.py` checks every change here; pages and the API read `actions_for` for buttons.

    created ──assign──▶ assigned ──pick_up──▶ picked_up ──deliver──▶ delivered
       │                  │  ▲                   │
       │                  │  └──assign (again)───┤ (failed: attempts + 1)
       │                  └──fail──▶ failed ◀────┘
       └──pick_up (directly; see below)

    created | assigned | failed ──cancel──▶ cancelled

Decisions where the issue is silent:
- `created → picked_up` is allowed: the post office's own software often reports only the
  pickup scan, not the dispatch; the clerk (or client) who scans it is taken as assigned.
- `assigned → assigned` is allowed (re-assignment to another clerk; attempts unchanged).
- A picked-up order cannot be cancelled (the paper is in the post's hands: it must be
  delivered, or fail and be re-attempted); `handover` (biên bản giao nhận) keeps the status
  `delivered` or moves a `picked_up` pickup to `delivered` (the desk received it).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import PostalOrder

S = PostalOrder.Status

OPEN_STATUSES = (S.CREATED, S.ASSIGNED, S.PICKED_UP, S.FAILED)
CANCELLABLE = (S.CREATED, S.ASSIGNED, S.FAILED)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    label: str


def _t(action, sources, target, label):
    return Transition(action, frozenset(sources), target, label)


TRANSITIONS = {
    t.action: t
    for t in (
        _t("assign", [S.CREATED, S.ASSIGNED, S.FAILED], S.ASSIGNED, _("Phân công")),
        _t("pick_up", [S.CREATED, S.ASSIGNED], S.PICKED_UP, _("Nhận hàng")),
        _t("deliver", [S.PICKED_UP], S.DELIVERED, _("Phát thành công")),
        _t("fail", [S.ASSIGNED, S.PICKED_UP], S.FAILED, _("Không thành công")),
        _t("cancel", CANCELLABLE, S.CANCELLED, _("Huỷ đơn")),
        _t("handover", [S.PICKED_UP, S.DELIVERED], S.DELIVERED, _("Lập biên bản giao nhận")),
    )
}


def allowed(action, status):
    return status in TRANSITIONS[action].sources


def actions_for(status):
    """Actions the order's status allows (the caller still checks who may act)."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources]
