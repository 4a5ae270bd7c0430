"""Officer queues (hàng đợi của Bộ phận Một cửa): which dossiers each tab holds, their counts
in one aggregate query, and keyset (cursor) pagination.

Every tab is a set of statuses plus, for "due soon" and "overdue", a condition on the stored
clock (`warn_at`, `due_at`) against `now`: overdue is a query, never a flag. A page is read with
`WHERE (sort_key, id) beyond the cursor ORDER BY sort_key, id LIMIT n`, written as
`sort_key >= v AND (sort_key > v OR id > i)` so the database starts an index range scan at the
cursor: the cost of page 400 is the cost of page 1, and no OFFSET is ever sent.

The indexes (dossiers/models.py; plans at 1M dossiers in docs/performance.md): the running tabs
(accepted + processing) read `dossier_running_due (desk, due_at, id) WHERE status IN (accepted,
processing)` in due order with no sort step; the one-status tabs and the counts read
`dossier_open_queue (desk, status, due_at, id) INCLUDE (warn_at) WHERE status IN (the queue
statuses)`, the counts from the index alone; the intake tabs read `dossier_intake_queue (desk,
status, submitted_at, id)`. Both partial indexes hold only the rows a queue can show (a few
percent of the table), so they stay small and hot as the closed dossiers pile up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from portal import keyset

from . import models
from .models import RUNNING_STATUSES, Status

S = Status
RUNNING = RUNNING_STATUSES
PAGE_SIZE = 25

# sort key → (model field, descending)
SORTS = {
    "due": ("due_at", False),
    "-due": ("due_at", True),
    "submitted": ("submitted_at", False),
    "-submitted": ("submitted_at", True),
    # The specialist's and the head's queue: the due moment of the open process step (`waiting_rows`).
    "step_due": ("step_due_at", False),
}
SORT_LABELS = {
    "due": _("Hạn trả kết quả (sớm nhất trước)"),
    "-due": _("Hạn trả kết quả (muộn nhất trước)"),
    "submitted": _("Ngày nộp (cũ nhất trước)"),
    "-submitted": _("Ngày nộp (mới nhất trước)"),
}
BY_SUBMISSION = ("submitted", "-submitted")
ALL_SORTS = ("due", "-due", "submitted", "-submitted")


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    statuses: tuple
    # Sort keys the tab offers (a tab whose dossiers may have no due date yet sorts by submission only).
    sorts: tuple = ALL_SORTS
    clock: str = ""  # "due_soon" | "overdue" | "paused": a condition on the clock against now

    @property
    def default_sort(self):
        return self.sorts[0]

    def condition(self, now):
        """The tab as a Q (statuses and, for the clock tabs, the moment)."""
        condition = Q(status__in=self.statuses) if len(self.statuses) > 1 else Q(status=self.statuses[0])
        if self.clock == "due_soon":
            condition &= Q(warn_at__lte=now, due_at__gt=now)
        elif self.clock == "overdue":
            condition &= Q(due_at__lt=now)
        elif self.clock == "paused":
            # Paused by an officer, or running with a pause in force now (a campaign's clock stop, seed 001).
            condition |= Q(status__in=RUNNING) & models.Dossier.objects.paused_q(now)
        return condition


QUEUES = (
    Queue("intake", _("Chờ tiếp nhận"), (S.SUBMITTED,), BY_SUBMISSION),
    # At intake a dossier asked for a supplement has no due date yet: it sorts by submission.
    Queue("supplement", _("Chờ bổ sung"), (S.SUPPLEMENT_REQUESTED,), BY_SUBMISSION),
    Queue("processing", _("Đang xử lý"), RUNNING),
    Queue("due_soon", _("Sắp đến hạn"), RUNNING, clock="due_soon"),
    Queue("overdue", _("Quá hạn"), RUNNING, clock="overdue"),
    Queue("paused", _("Tạm dừng"), (S.PAUSED,), clock="paused"),
    Queue("to_return", _("Chờ trả kết quả"), (S.COMPLETED,)),
    Queue("held", _("Lưu giữ"), (S.RESULT_HELD,)),
)
BY_KEY = {queue.key: queue for queue in QUEUES}
QUEUE_STATUSES = tuple(dict.fromkeys(status for queue in QUEUES for status in queue.statuses))
# The partial indexes are declared on these statuses; a tab outside them would miss its index.
assert set(QUEUE_STATUSES) == set(models.QUEUE_STATUSES), "dossiers.models.QUEUE_STATUSES is out of date"


def get_queue(key):
    return BY_KEY.get(key) or QUEUES[0]


def tab_rows(scope, queue, now, with_desk=False):
    """The dossiers of a tab, ready for `keyset_page`. The page query stays on the dossier table
    alone (its plan is decided by the queue indexes, whatever the catalog's statistics say); the
    procedures, claimants (and desks, for a head's several desks) of the page's rows come in one
    small query each."""
    related = ["procedure", "claimed_by", *(["desk"] if with_desk else [])]
    return scope.filter(queue.condition(now)).select_related(None).prefetch_related(*related)


def waiting_rows(scope, user):
    """What waits for `user` (Việc chờ tôi xử lý: `DossierQuerySet.waiting_for`), ready for `keyset_page` with
    the sort "step_due": the open step's due moment, so the overdue steps come first. The step rides in the
    page query (its due moment is the order); procedures, desks and the givers come in one query each."""
    return (
        scope.waiting_for(user)
        .annotate(step_due_at=F("current_step__due_at"))
        .select_related(None)
        .select_related("current_step", "current_step__agency")
        .prefetch_related("procedure", "desk", "current_step__given_by", "current_step__assignee")
    )


def counts(scope, now):
    """How many dossiers each tab holds, in one query:
    `SELECT COUNT(id) FILTER (WHERE …) AS intake, … WHERE desk_id = … AND status IN (…)`."""
    aggregates = {queue.key: Count("id", filter=queue.condition(now)) for queue in QUEUES}
    return scope.filter(status__in=QUEUE_STATUSES).aggregate(**aggregates)


def _beyond(field, value, pk, descending):
    """Rows strictly after (value, pk) in the order (field, id), both ascending or both descending."""
    if descending:
        return Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(id__lt=pk))
    return Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(id__gt=pk))


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def has_next(self):
        return self.next_cursor is not None

    @property
    def has_previous(self):
        return self.prev_cursor is not None


def keyset_page(queryset, sort, after=None, before=None, size=PAGE_SIZE):
    """One page in the order of `sort` (a SORTS key), after or before a cursor.

    Reads `size + 1` rows to know whether another page follows; never counts, never offsets."""
    field, descending = SORTS[sort]
    after, before = keyset.decode(after, datetime, int), keyset.decode(before, datetime, int)
    prefix = "-" if descending else ""
    forward = (f"{prefix}{field}", f"{prefix}id")
    if before is not None:
        backward = (f"{'' if descending else '-'}{field}", f"{'' if descending else '-'}id")
        rows = list(queryset.filter(_beyond(field, *before, not descending)).order_by(*backward)[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        has_previous, has_next = more_before, True
    else:
        if after is not None:
            queryset = queryset.filter(_beyond(field, *after, descending))
        rows = list(queryset.order_by(*forward)[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = after is not None
    if not rows:
        return KeysetPage([], None, None)
    first, last = rows[0], rows[-1]
    return KeysetPage(
        rows,
        keyset.encode(getattr(last, field), last.pk) if has_next else None,
        keyset.encode(getattr(first, field), first.pk) if has_previous else None,
    )
