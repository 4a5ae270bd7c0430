"""The deadline sweep, set-based: one batch of due dossiers (hồ sơ sắp đến hạn / quá hạn)
in a fixed number of statements, whatever the batch size.

1. claim: the dossiers whose `next_alert_at` has come, oldest first, `FOR UPDATE SKIP
   LOCKED` (an overlapping sweep takes the next rows instead), only the columns alerts need;
2. read the alerts already recorded for them (one query);
3. insert the new ClockAlert rows, their events, and one staff Notification per alert and
   recipient (three bulk inserts); the recipients, the desks' officers and the agencies'
   heads, are read once for the whole batch;
4. move `next_alert_at` on (one UPDATE per outcome: warn_at, due_at or none), as
   `clock.next_alert_moment` would with the alerts now recorded.

Exactly once: every writer of a ClockAlert holds its dossier's row lock (this sweep through
the claim, services through `select_for_update`), so the alerts read in step 2 are all there
are until the batch commits; the unique constraints (`one_alert_per_due`, `notify_once`)
back that up (`ignore_conflicts`), and a sweep killed mid-batch rolls the whole batch back.
Staff messages are the in-portal bell: nothing leaves the database, so no task is queued.

The steps of the internal process are swept the same way (`sweep_step_batch`), on their own rows: claim
the `DossierStep` rows whose `next_alert_at` has come (partial index `step_next_alert`), read their
StepAlert rows, insert the new ones and one staff message per alert and person holding the step (the
assignee, else the step's role at its agency: `process.holders_many`, one query), move `next_alert_at`
on. Only this sweep writes StepAlert rows, under the step row's lock; services write the step's
`next_alert_at` (process.py) under that lock too (their UPDATE waits for, or is skipped by, a claim).
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.batches import insert_rows, staff_for
from portal.models import Role

from . import process
from .models import RUNNING_STATUSES, ClockAlert, Dossier, DossierEvent, DossierStep, Notification, StepAlert

DUE_SOON, OVERDUE = ClockAlert.Kind.DUE_SOON, ClockAlert.Kind.OVERDUE
RUNNING = RUNNING_STATUSES


class Due(NamedTuple):
    id: int
    code: str
    status: str
    desk_id: int
    agency_id: int
    due_at: object
    warn_at: object


def alert_texts(code, due_at, kind, due=None):
    """The (subject, body) of a deadline alert to the staff, in Vietnamese (`due`: due_at formatted)."""
    due = due or date_format(timezone.localtime(due_at), "H:i d/m/Y")
    if kind == DUE_SOON:
        subject = _("Hồ sơ %(code)s sắp đến hạn (%(due)s)") % {"code": code, "due": due}
        body = _(
            "Hồ sơ %(code)s đến hạn trả kết quả lúc %(due)s. Nếu không kịp, lập phiếu xin lỗi và hẹn lại ngày trả "
            "kết quả trước thời hạn."
        ) % {"code": code, "due": due}
    else:
        subject = _("Hồ sơ %(code)s đã quá hạn (%(due)s)") % {"code": code, "due": due}
        body = _("Hồ sơ %(code)s đã quá hạn trả kết quả (hạn %(due)s).") % {"code": code, "due": due}
    return subject, body


def wanted_kinds(row, now):
    """The alerts whose moment has come for this dossier (due soon before overdue)."""
    if row.due_at is None:
        return []
    kinds = []
    if row.warn_at and row.warn_at <= now and row.warn_at < row.due_at:
        kinds.append(DUE_SOON)
    if row.due_at <= now:
        kinds.append(OVERDUE)
    return kinds


def next_moment(row, sent):
    """`clock.next_alert_moment` over plain values: which of warn_at / due_at comes next, given
    the kinds `sent` for the current due moment. Returns "warn_at", "due_at" or None."""
    if row.status not in RUNNING or row.due_at is None:
        return None
    if DUE_SOON not in sent and row.warn_at and row.warn_at < row.due_at:
        return "warn_at"
    if OVERDUE not in sent:
        return "due_at"
    return None


def claim(now, size):
    """Lock up to `size` dossiers whose next alert moment has come, skipping locked ones."""
    rows = (
        Dossier.objects.select_for_update(skip_locked=True)
        .filter(next_alert_at__isnull=False, next_alert_at__lte=now)
        .order_by("next_alert_at")
        .values_list(*Due._fields)[:size]
    )
    return [Due(*row) for row in rows]


def _sent(model, owner, rows):
    """{owner id: kinds already alerted for its current due moment} (one query): `model` is the alert table
    (ClockAlert of a dossier, StepAlert of a step), `owner` its column naming the row alerted."""
    due_by_id = {row.id: row.due_at for row in rows}
    sent = defaultdict(set)
    alerts = model.objects.filter(**{f"{owner}__in": due_by_id}).values_list(owner, "kind", "due_at")
    for owner_id, kind, due_at in alerts:
        if due_at == due_by_id[owner_id]:
            sent[owner_id].add(kind)
    return sent


def _reschedule(model, rows, sent, fresh):
    """After a batch: record the alerts just sent and move each row's `next_alert_at` to its next moment
    (warn_at, due_at or none), one UPDATE per moment (a dossier's own clock, or a step's)."""
    for row, kind in fresh:
        sent[row.id].add(kind)
    moved = defaultdict(list)
    for row in rows:
        moved[next_moment(row, sent[row.id])].append(row.id)
    for field, ids in moved.items():
        model.objects.filter(pk__in=ids).update(next_alert_at=F(field) if field else None)


def sent_kinds(rows):
    """{dossier id: kinds already alerted for its current due moment} (one query)."""
    return _sent(ClockAlert, "dossier_id", rows)


STAFF_FIELDS = (
    "dossier_id",
    "recipient_user_id",
    "recipient",
    "kind",
    "key",
    "subject",
    "body",
    "channel",
    "created_at",
)


def notify_staff_many(messages, now=None):
    """Bulk `notifications.notify_staff`: one in-portal message per (dossier id, (user id,
    username), kind, key, subject, body), each at most once (`notify_once`: a message already
    recorded is skipped). Staff messages are read in the portal, not sent: no task is queued."""
    now = now or timezone.now()
    staff = Notification.Channel.STAFF
    insert_rows(
        Notification,
        STAFF_FIELDS,
        (
            (dossier_id, user_id, username, kind, key, subject, body, staff, now)
            for dossier_id, (user_id, username), kind, key, subject, body in messages
        ),
        ignore_conflicts=True,
    )


def sweep_batch(now, size):
    """Alert one batch of due dossiers; call inside `transaction.atomic()`.
    Returns (dossiers claimed, alerts recorded)."""
    rows = claim(now, size)
    if not rows:
        return 0, 0
    sent = sent_kinds(rows)
    fresh = [(row, kind) for row in rows for kind in wanted_kinds(row, now) if kind not in sent[row.id]]
    if fresh:
        dues = {}  # due_at formatted once per distinct moment
        for row, _kind in fresh:
            if row.due_at not in dues:
                dues[row.due_at] = date_format(timezone.localtime(row.due_at), "H:i d/m/Y")
        texts = {(row.id, kind): alert_texts(row.code, row.due_at, kind, dues[row.due_at]) for row, kind in fresh}
        insert_rows(
            ClockAlert,
            ("dossier_id", "kind", "due_at", "at"),
            ((row.id, kind, row.due_at, now) for row, kind in fresh),
            ignore_conflicts=True,
        )
        insert_rows(
            DossierEvent,
            ("dossier_id", "at", "action", "from_status", "to_status", "note"),
            ((row.id, now, kind, row.status, row.status, texts[row.id, kind][0]) for row, kind in fresh),
        )
        staff = staff_for([row for row, _kind in fresh], (Role.OFFICER, "desk_id"), (Role.HEAD, "agency_id"))
        notify_staff_many(
            (row.id, user, kind, row.due_at.isoformat(), *texts[row.id, kind])
            for row, kind in fresh
            for user in staff[row.desk_id, row.agency_id]
        )
    _reschedule(Dossier, rows, sent, fresh)
    return len(rows), len(fresh)


# --- the steps of the internal process ----------------------------------------------------------------------


class StepDue(NamedTuple):
    id: int
    dossier_id: int
    seq: int
    step_code: str
    name: str
    role: str
    agency_id: int | None
    assignee_id: int | None
    due_at: object
    warn_at: object
    code: str
    desk_id: int
    status: str


STEP_KINDS = {DUE_SOON: "step_due_soon", OVERDUE: "step_overdue"}  # alert kind → staff notification kind


def step_alert_texts(row, kind, due=None):
    """The (subject, body) of a step alert to the people holding the step, in Vietnamese."""
    due = due or date_format(timezone.localtime(row.due_at), "H:i d/m/Y")
    values = {"code": row.code, "step": row.step_code, "name": row.name, "due": due}
    if kind == DUE_SOON:
        subject = _("Hồ sơ %(code)s: bước %(step)s sắp hết thời gian (%(due)s)") % values
        body = (
            _(
                "Bước “%(name)s” của hồ sơ %(code)s sắp hết thời gian của bước: hạn hoàn thành lúc %(due)s. "
                "Hoàn thành và chuyển bước tiếp theo trước hạn."
            )
            % values
        )
    else:
        subject = _("Hồ sơ %(code)s: bước %(step)s đã quá hạn (%(due)s)") % values
        body = _("Bước “%(name)s” của hồ sơ %(code)s đã quá thời gian của bước (hạn %(due)s).") % values
    return subject, body


STEP_COLUMNS = ("id", "dossier_id", "seq", "code", "name", "role", "agency_id", "assignee_id", "due_at", "warn_at")


def step_claim_sql():
    """The step claim, written out: it runs every minute, and the ORM's compiling of it cost more than the
    database's answer (docs/performance.md). Oldest moment first, without a tie-break (an `id` tie-break would
    sort every row of a tied moment before the LIMIT, as the postal claim once did)."""
    return (
        f"SELECT {', '.join(STEP_COLUMNS)} FROM {DossierStep._meta.db_table} "
        "WHERE next_alert_at IS NOT NULL AND next_alert_at <= %s ORDER BY next_alert_at LIMIT %s FOR UPDATE SKIP LOCKED"
    )


def claim_steps(now, size):
    """Lock up to `size` step rows whose next alert moment has come, skipping locked ones; then read their
    dossiers' code, desk and status (not locked) in a second query, only when some came (a tick with nothing
    due is one statement on the partial index `step_next_alert`). On PostgreSQL the claim is written out;
    elsewhere (SQLite: no row locks, datetimes as text in a raw cursor) the same query through the ORM."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(step_claim_sql(), [now, size])
            claimed = cursor.fetchall()
    else:
        claimed = list(
            DossierStep.objects.filter(next_alert_at__isnull=False, next_alert_at__lte=now)
            .order_by("next_alert_at")
            .values_list(*STEP_COLUMNS)[:size]
        )
    if not claimed:
        return []
    dossiers = {
        pk: facts
        for pk, *facts in Dossier.objects.filter(pk__in={row[1] for row in claimed}).values_list(
            "id", "code", "desk_id", "status"
        )
    }
    return [StepDue(*row, *dossiers[row[1]]) for row in claimed]


def sent_step_kinds(rows):
    """{step id: kinds already alerted for its current due moment} (one query)."""
    return _sent(StepAlert, "step_id", rows)


def sweep_step_batch(now, size):
    """Alert one batch of steps whose budget runs out or ran out; call inside `transaction.atomic()`.
    Returns (step rows claimed, alerts recorded)."""
    rows = claim_steps(now, size)
    if not rows:
        return 0, 0
    sent = sent_step_kinds(rows)
    # A row whose dossier's clock is stopped is not alerted (services keep next_alert_at null then: belt and braces).
    fresh = [
        (row, kind)
        for row in rows
        if row.status in RUNNING
        for kind in wanted_kinds(row, now)
        if kind not in sent[row.id]
    ]
    if fresh:
        dues = {}
        for row, _kind in fresh:
            if row.due_at not in dues:
                dues[row.due_at] = date_format(timezone.localtime(row.due_at), "H:i d/m/Y")
        insert_rows(
            StepAlert,
            ("step_id", "kind", "due_at", "at"),
            ((row.id, kind, row.due_at, now) for row, kind in fresh),
            ignore_conflicts=True,
        )
        texts = {(row.id, kind): step_alert_texts(row, kind, dues[row.due_at]) for row, kind in fresh}
        holders = process.holders_many([row for row, _kind in fresh])
        notify_staff_many(
            (row.dossier_id, user, STEP_KINDS[kind], process.alert_key(row.seq, row.due_at), *texts[row.id, kind])
            for row, kind in fresh
            for user in holders[row.id]
        )
    _reschedule(DossierStep, rows, sent, fresh)
    return len(rows), len(fresh)


def sweep_all_batch(now, size):
    """A batch of due dossiers and a batch of due steps, in one transaction (a tick with nothing due is then one
    BEGIN, the two claims and a COMMIT). Returns (the larger of the two claims, alerts recorded in all), so that
    `in_batches` goes on while either still has rows."""
    dossiers, dossier_alerts = sweep_batch(now, size)
    steps, step_alerts = sweep_step_batch(now, size)
    return max(dossiers, steps), dossier_alerts + step_alerts
