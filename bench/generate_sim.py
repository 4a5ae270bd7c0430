"""The simulation behind bench/generate.py: the demo catalog as plain values and the life of one
generated dossier (channels, working-hours receipt, deadlines from the desk's calendar, outcome, postal legs)."""

from __future__ import annotations

import json
import os
import random
import sys
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPAN_DAYS = 365
PROVINCE_WEIGHTS = {"75": 45, "56": 20, "72": 20, "44": 15}
CHANNELS = (("online", 40), ("walk_in", 45), ("postal", 15))
SLA_HOURS = 16
WARN_HOURS = timedelta(hours=8)
CITIZEN_PREFIX = "bench.cd"
# The share of all dossiers the simulation leaves with an open process step (accepted, processing, paused,
# supplement requested after acceptance), measured on the demo catalog: what `--running` adds a backlog to.
NATURAL_RUNNING_SHARE = 0.016
# A backlog (`--running`): at most this share of a group's most recent dossiers is left unfinished, among those
# older than BACKLOG_AFTER (younger ones are still running on their own more often than not); ~2.5 % of the
# dossiers are never accepted (refused, withdrawn) and so take no step.
BACKLOG_DENSITY = {"busy": 0.8, "other": 0.3}
BACKLOG_AFTER = timedelta(days=30)
ACCEPTED_SHARE = 0.975
# The share of the steps after the first that are handed to one named person (forward with an assignee).
NAMED_STEP_SHARE = 0.1

SURNAMES = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 5),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
)
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh", "Quốc", "Đức", "Thu", "Hoàng", "Kim", "Xuân")
# fmt: off
GIVEN = (
    "An", "Bình", "Châu", "Cường", "Dũng", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa",
    "Hùng", "Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân", "Nhung",
    "Phong", "Phúc", "Phương", "Quang", "Quyên", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn",
    "Tú", "Uyên", "Việt", "Vy", "Yến",
)
# fmt: on
STREETS = (
    "Phạm Văn Thuận",
    "Đồng Khởi",
    "Võ Thị Sáu",
    "Trần Phú",
    "Lê Lợi",
    "Nguyễn Trãi",
    "Hùng Vương",
    "Quang Trung",
    "30 Tháng 4",
    "Cách Mạng Tháng 8",
)


# --- Django --------------------------------------------------------------------------------------------------


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DB_POOL"] = "0"
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench/generate.py needs PostgreSQL: set DATABASE_URL=postgres://…")


def weighted(rng, items):
    """A picker over (value, weight) pairs (cumulative weights + bisection)."""
    values = [v for v, _ in items]
    cumulative = list(accumulate(w for _, w in items))
    total = cumulative[-1]
    return lambda: values[bisect_right(cumulative, rng.random() * total)]


class Catalog:
    """The demo catalog as plain values: desks with their calendars and the procedures each serves."""

    def __init__(self, rng):
        from dossiers.services import desk_serves
        from portal.models import OneStopDesk, Procedure, Role, User
        from portal.working_time import calendar_for_desk
        from postal.models import PostalTariff

        desks = list(OneStopDesk.objects.select_related("agency", "province").order_by("pk"))
        procedures = list(Procedure.objects.filter(active=True).select_related("agency").order_by("pk"))
        if not desks or not procedures:
            raise SystemExit("no catalog: run `manage.py load_demo` on this database first")
        self.desks = []
        desk_items = []
        for desk in desks:
            served = [p for p in procedures if desk_serves(desk, p)]
            if not served:
                continue
            rng.shuffle(served)  # popularity rank: a stable random order per desk
            officers = list(User.objects.filter(role=Role.OFFICER, desk=desk).values_list("pk", flat=True))
            info = {
                "desk": desk,
                "calendar": calendar_for_desk(desk),
                "prefix": desk.agency.code if desk.agency_id else desk.code,
                "officers": officers or [None],
                "pick": {},
            }
            for channel, _share in CHANNELS:
                fits = [p for p in served if _channel_fits(p, channel)]
                if fits:
                    info["pick"][channel] = weighted(rng, [(p, 1 / (rank + 1) ** 0.9) for rank, p in enumerate(fits)])
            self.desks.append(info)
            share = PROVINCE_WEIGHTS.get(desk.province.code, 10)
            district_desks = sum(1 for d in desks if d.province_id == desk.province_id and d.agency_id)
            weight = share * (0.5 if desk.agency_id is None else 0.5 / max(district_desks, 1))
            desk_items.append((len(self.desks) - 1, weight))
        self.pick_desk = weighted(rng, desk_items)
        self.tariffs = {}
        for t in PostalTariff.objects.filter(zone="default").order_by("valid_from"):
            self.tariffs[(t.province_id, t.leg)] = t.amount  # the latest wins
        # The working days of the span, per calendar (for drawing intake moments).
        self.working_days = {}
        # Each procedure's process as a dossier snapshots it at acceptance (dossiers.process.snapshot: the
        # default single step at its agency when it has none), and who works the steps.
        self.processes = {p.pk: Process.of(p) for p in procedures}
        self.staff = {}
        for pk, role, agency in User.objects.filter(
            role__in=(Role.SPECIALIST, Role.HEAD), is_active=True, agency__isnull=False
        ).values_list("pk", "role", "agency_id"):
            self.staff.setdefault((role, agency), []).append(pk)
            self.staff.setdefault(("", agency), []).append(pk)  # a step of no particular role: either of them


class StepSpec(NamedTuple):
    code: str
    name: str
    role: str
    agency: int | None
    hours: float
    hours_text: str


class Process:
    """A procedure's snapshotted process: its steps, the JSON the dossier keeps (`snap_process`) and where each
    step ends as a share of the work (the work is split by the steps' budgets)."""

    def __init__(self, snapshot):
        self.steps = [
            StepSpec(s["code"], s["name"], s["role"], s["agency"], float(s["hours"]), s["hours"]) for s in snapshot
        ]
        self.json = json.dumps(snapshot, ensure_ascii=False)
        budget = sum(s.hours for s in self.steps)
        self.ends = [c / budget for c in accumulate(s.hours for s in self.steps)]
        self.agencies = {s.agency for s in self.steps}

    @classmethod
    def of(cls, procedure):
        from dossiers.process import snapshot

        return cls(snapshot(procedure))


def plan_backlog(draws, catalog, total, running, busy_agency, busy_share, now, seed):
    """The dossiers left unfinished to reach about `running` dossiers with an open step (`--running`): a backlog
    of `running` minus what the simulation leaves open on its own (NATURAL_RUNNING_SHARE), `busy_share` of it at
    the steps of `busy_agency` (an agency id, or None), the rest at any step. Each group's backlog is drawn among
    its most recent dossiers, BACKLOG_DENSITY of them at most (the busy agency has stopped finishing most of what
    it received in the last months). Returns {dossier id: True when stuck at the busy agency's step}."""
    extra = max(0, round((running - NATURAL_RUNNING_SHARE * total) / ACCEPTED_SHARE))
    wanted = {"busy": round(extra * busy_share) if busy_agency else 0}
    wanted["other"] = extra - wanted["busy"]
    busy = {pk for pk, process in catalog.processes.items() if busy_agency in process.agencies}
    members = {"busy": [], "other": []}
    for dossier_id in range(len(draws), 0, -1):  # newest first
        created, _desk, _channel, procedure = draws[dossier_id - 1]
        if created > now - BACKLOG_AFTER:
            continue
        group = "busy" if procedure.pk in busy and busy_agency else "other"
        if len(members[group]) < wanted[group] / BACKLOG_DENSITY[group]:
            members[group].append(dossier_id)
        if all(len(members[g]) >= wanted[g] / BACKLOG_DENSITY[g] for g in members):
            break
    rng = random.Random(seed + 2)
    stuck = {}
    for group, ids in members.items():
        share = wanted[group] / len(ids) if ids else 0
        for dossier_id in ids:
            if rng.random() < share:
                stuck[dossier_id] = group == "busy"
    return stuck


def _channel_fits(procedure, channel):
    if procedure.in_person_only:
        return channel == "walk_in"
    if channel == "postal":
        return procedure.postal_intake
    return True


# --- the simulation of one dossier ---------------------------------------------------------------------------


class Generator:
    def __init__(
        self,
        catalog,
        total,
        postal_target,
        citizens,
        citizen_first_id,
        now,
        seed,
        step_history=None,
        stuck=None,
        busy_agency=None,
    ):
        self.catalog = catalog
        self.total = total
        self.postal_target = postal_target
        self.citizens = citizens
        self.citizen_first_id = citizen_first_id
        self.now = now
        self.rng = random.Random(seed)
        rng = self.rng
        self.pick_channel = weighted(rng, CHANNELS)
        self.pick_surname = weighted(rng, SURNAMES)
        self.sequences = {}  # (prefix, local day) → last number
        self.alerts = []  # (dossier_id, kind, due_at, at)
        self.pauses = []  # (dossier_id, kind, started_at, reason)
        self.postal_alerts = []  # (order_id, due_at, created_at)
        self.orders = 0
        self.result_dossiers = 0
        # The internal process: dossiers finished before `now - step_history` keep no step rows (accepted before
        # processes existed, as in a real database that took them up); every open dossier has its steps.
        self.steps_from = now - step_history if step_history is not None else None
        self.stuck = stuck or {}
        self.busy_agency = busy_agency
        self.step_rng = random.Random(seed + 1)  # steps draw apart: the dossiers stay those of the same seed
        self.step_id = 0
        self.step_rows = 0
        self.open_steps = 0
        from portal.calendar import WORKING_HOURS, timeliness

        self.timeliness = timeliness
        self.working_hours = WORKING_HOURS

    # moments ---------------------------------------------------------------------------------------------------

    def _working_days(self, calendar):
        days = self.catalog.working_days.get(calendar)
        if days is None:
            today = self.now.astimezone(calendar.tz).date()
            days = [
                today - timedelta(days=i)
                for i in range(SPAN_DAYS, -1, -1)
                if calendar.is_working_day(today - timedelta(days=i))
            ]
            self.catalog.working_days[calendar] = days
        return days

    def intake_moment(self, calendar, channel):
        """When a dossier is created: walk-in and postal in working hours, online at any hour."""
        rng = self.rng
        if channel == "online":
            while True:
                day = self.now.astimezone(calendar.tz).date() - timedelta(days=rng.randrange(SPAN_DAYS + 1))
                if day.weekday() < 5 or rng.random() < 0.5:
                    break
            # Mostly office hours and evenings, few at night.
            hour = rng.choices(
                range(24), weights=(1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 6, 7, 9, 9, 8, 7, 7, 8, 8, 6, 4, 2)
            )[0]
            minute = rng.random() * 60
        else:
            day = rng.choice(self._working_days(calendar))
            if rng.random() < 0.6:
                start, end = 7 * 60, 11 * 60 + 30
            else:
                start, end = 13 * 60 + 30, 17 * 60
            minutes = rng.uniform(start, end)
            hour, minute = int(minutes // 60), minutes % 60
        local = datetime.combine(day, dtime(hour), tzinfo=calendar.tz) + timedelta(minutes=minute)
        return local.astimezone(UTC)

    def draws(self):
        """Every dossier's (created moment, desk, channel, procedure), sorted by creation: ids in heap order."""
        rows = []
        for _ in range(self.total):
            desk_index = self.catalog.pick_desk()
            info = self.catalog.desks[desk_index]
            channel = self.pick_channel()
            if channel not in info["pick"]:
                channel = "walk_in"
            procedure = info["pick"][channel]()
            if procedure.in_person_only:
                channel = "walk_in"
            rows.append((self.intake_moment(info["calendar"], channel), desk_index, channel, procedure))
        rows.sort(key=lambda r: r[0])
        return rows

    # people ----------------------------------------------------------------------------------------------------

    def name(self):
        rng = self.rng
        return f"{self.pick_surname()} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"

    def phone(self):
        return f"0{self.rng.choice('389753')}{self.rng.randrange(10**8):08d}"

    def address(self, desk):
        rng = self.rng
        street, ward = rng.choice(STREETS), rng.randrange(1, 30)
        return f"Số {rng.randrange(1, 400)} đường {street}, phường {ward}, {desk.province.name}"

    # one dossier -----------------------------------------------------------------------------------------------

    def dossier(self, dossier_id, created, desk_index, channel, procedure):
        """The dossier's columns (a dict by attname), its postal legs [(kind, trigger, done_at or None)] and its
        process step rows (dicts by attname)."""
        rng, now = self.rng, self.now
        info = self.catalog.desks[desk_index]
        desk, calendar = info["desk"], info["calendar"]
        local = created.astimezone(calendar.tz)
        key = (info["prefix"], local.date())
        number = self.sequences.get(key, 0) + 1
        self.sequences[key] = number
        submitted = created + timedelta(minutes=rng.uniform(2, 25))
        if channel == "walk_in":
            received = submitted + timedelta(minutes=rng.uniform(3, 20))
        elif channel == "postal":  # the post picks the paper dossier up and hands it over
            received = calendar.add_working_hours(submitted, rng.uniform(2, 18))
        else:
            received = calendar.add_working_hours(submitted, rng.uniform(0.1, 8))
        owner = None
        if channel == "online" or (channel == "postal" and rng.random() < 0.5):
            owner = self.citizen_first_id + rng.randrange(self.citizens)
        row = {
            "id": dossier_id,
            "code": f"{info['prefix']}-{local:%y%m%d}-{number:04d}",
            "procedure_id": procedure.pk,
            "desk_id": desk.pk,
            "province_id": procedure.province_id,
            "agency_id": procedure.agency_id,
            "owner_id": owner,
            "created_by_id": owner if owner else rng.choice(info["officers"]),
            "intake_channel": channel,
            "applicant_name": self.name(),
            "applicant_phone": self.phone(),
            "applicant_national_id": f"0{rng.randrange(10**11):011d}" if rng.random() < 0.7 else "",
            "created_at": created,
            "updated_at": created,
            "submitted_at": submitted,
        }
        if rng.random() < 0.15:
            row["applicant_email"] = f"nguoinop{dossier_id}@example.vn"
        # The return channel: postal where the procedure allows it, drawn to reach the postal-order target.
        wants_postal = procedure.postal_return and self._postal_quota(dossier_id, channel)
        return_channel = "postal" if wants_postal else ("desk" if rng.random() < 0.7 else "online")
        row["return_channel"] = return_channel
        if channel == "postal" or return_channel == "postal":
            row["address"] = self.address(desk)
        legs = []
        roll = rng.random()
        if received > now or roll < 0.02 or roll > 0.995:
            if received > now:
                status, updated = "submitted", submitted
            elif roll < 0.02:
                status, updated = "refused", received
            else:
                status, updated = "withdrawn", submitted + (received - submitted) / 2
            row.update(status=status, updated_at=updated)
            if channel == "postal":
                legs.append(("pickup", submitted, received if status == "refused" else None, status == "withdrawn"))
            return row, legs, ()
        if channel == "postal":
            legs.append(("pickup", submitted, received, False))
        value, unit = procedure.processing_time_value, procedure.processing_time_unit
        due = calendar.due_at(received, value, unit)
        total = calendar.duration(received, value, unit)  # = working_time_between(received, due): no pauses
        warn = calendar.add_working_hours(received, total - WARN_HOURS) if total > WARN_HOURS else received
        row.update(
            received_at=received,
            due_at=due,
            warn_at=warn,
            original_due_at=due,
            snap_processing_value=value,
            snap_processing_unit=unit,
            snap_fee=procedure.fee,
        )
        if procedure.fee and channel == "online":
            row["payment_status"] = "paid"
        roll = rng.random()
        fraction = (
            rng.uniform(0.2, 0.95) if roll < 0.7 else rng.uniform(0.95, 1.0) if roll < 0.95 else rng.uniform(1.0, 1.6)
        )
        done = calendar.add_working_hours(received, total * fraction)
        stuck = self.stuck.get(dossier_id)
        if done > now or stuck is not None:
            row = self._open(row, received, due, warn, total)
            return row, legs, self._steps(row, info, procedure, received, total * fraction, done, stuck)
        steps = ()
        if self.steps_from is not None and received >= self.steps_from:
            steps = self._steps(row, info, procedure, received, total * fraction, done, None, finished=True)
        self.result_dossiers += 1
        row.update(completed_at=done, outcome="approved" if rng.random() < 0.97 else "denied")
        row["timeliness"] = self.timeliness(done, due)
        if return_channel == "postal":
            returned = calendar.add_working_hours(
                done, rng.uniform(2, 15) if rng.random() < 0.92 else rng.uniform(16, 30)
            )
            legs.append(("return", done, returned if returned <= now else None, False))
        elif return_channel == "online":
            returned = done + timedelta(minutes=rng.uniform(1, 30))
        else:
            returned = calendar.add_working_hours(done, rng.uniform(0.5, 40))
        if returned > now:
            row.update(status="completed", updated_at=done)
            return row, legs, steps
        row.update(status="returned", returned_at=returned, updated_at=returned)
        if rng.random() < 0.25:
            row["rating"] = rng.choices((5, 4, 3, 2, 1), (60, 25, 10, 3, 2))[0]
            row["updated_at"] = returned + timedelta(hours=rng.uniform(1, 72))
        return row, legs, steps

    def _staff(self, info, spec):
        """Who may work a step (dossiers.process.staff_of): the desk's officers for a desk step."""
        if spec.agency is None:
            return info["officers"]
        return self.catalog.staff.get((spec.role, spec.agency)) or info["officers"]

    def _steps(self, row, info, procedure, received, work, done, stuck, finished=False):
        """The step rows of the dossier's process, as the services write them (dossiers/process.py): the work
        (`work` of working time from receipt to the result) split among the steps by their budgets, each step
        due its budget of working hours after it started (the dossier's open pause counted, as due_moment
        does). Finished: every step done, the last at the result. Open: the step in progress at now is open
        (its row is `current_step`), the ones before it done; `stuck` (planned by plan_backlog) holds the
        dossier at one step (one of the busy agency's when True) however long ago it started."""
        rng = self.step_rng
        process = self.catalog.processes[procedure.pk]
        calendar = info["calendar"]
        steps, count = process.steps, len(process.steps)
        if finished:
            current = count
        elif stuck is not None:
            choices = [i for i, s in enumerate(steps) if not stuck or s.agency == self.busy_agency] or [0]
            current = rng.choices(choices, [steps[i].hours for i in choices])[0]
        else:
            elapsed = calendar.working_time_between(received, self.now) / work
            current = next((i for i, end in enumerate(process.ends) if end > elapsed), count - 1)
        pauses = []
        if not finished and self.pauses and self.pauses[-1][0] == row["id"]:
            pauses = [(self.pauses[-1][2], None)]
        rows = []
        start, giver = received, rng.choice(info["officers"])  # the officer who accepted it
        for index in range(min(current + 1, count)):
            spec = steps[index]
            self.step_id += 1
            step = {
                "id": self.step_id,
                "dossier_id": row["id"],
                "seq": index + 1,
                "index": index,
                "code": spec.code,
                "name": spec.name,
                "role": spec.role,
                "agency_id": spec.agency,
                "hours": spec.hours_text,
                "started_at": start,
                "given_by_id": giver,
            }
            staff = self._staff(info, spec)
            if index and spec.agency is not None and rng.random() < NAMED_STEP_SHARE:
                step["assignee_id"] = rng.choice(staff)
            if index == current:  # open: the step being worked now
                step["due_at"] = calendar.due_at(start, spec.hours, self.working_hours, pauses=pauses, as_of=self.now)
                row["current_step_id"] = self.step_id
                self.open_steps += 1
            else:
                step["due_at"] = calendar.add_working_hours(start, spec.hours)
                end = done if index == count - 1 else calendar.add_working_hours(received, work * process.ends[index])
                by = step.get("assignee_id") or rng.choice(staff)
                step.update(
                    finished_at=end,
                    finished_by_id=by,
                    outcome="completed" if index == count - 1 else "forwarded",
                    timeliness=self.timeliness(end, step["due_at"], calendar.tz),
                )
                start, giver = end, by
            rows.append(step)
        row["snap_process"] = process.json
        self.step_rows += len(rows)
        return rows

    def _open(self, row, received, due, warn, total):
        rng, now = self.rng, self.now
        roll = rng.random()
        dossier_id = row["id"]
        if roll < 0.04:
            row["status"] = "paused"
            self.pauses.append((dossier_id, "manual", now - timedelta(hours=rng.uniform(1, 200)), "Chờ xác minh"))
        elif roll < 0.08:
            row["status"] = "supplement_requested"
            row["supplement_requests"] = 1
            self.pauses.append((dossier_id, "supplement", now - timedelta(hours=rng.uniform(1, 200)), "Bổ sung"))
        else:
            row["status"] = "accepted" if received > now - timedelta(days=1) else "processing"
            # As clock.next_alert_moment would set it, with the alerts already past recorded.
            next_alert = None
            if warn < due:
                if warn > now:
                    next_alert = warn
                else:
                    self.alerts.append((dossier_id, "due_soon", due, warn))
            if next_alert is None:
                if due > now:
                    next_alert = due
                else:
                    self.alerts.append((dossier_id, "overdue", due, due))
            row["next_alert_at"] = next_alert
        row["updated_at"] = max(received, now - timedelta(hours=rng.uniform(0, 48)))
        return row

    def _postal_quota(self, dossier_id, channel):
        """Whether this dossier returns by post: a feedback on the orders made so far keeps pickups + returns on
        track for the target (a postal intake returns by post more often than not)."""
        behind = self.orders < self.postal_target * dossier_id / self.total
        return self.rng.random() < (0.97 if behind else 0.6 if channel == "postal" else 0.03)

    # postal orders ---------------------------------------------------------------------------------------------

    def orders_for(self, row, legs, first_order_id):
        """The postal orders (dicts by attname) of a dossier's legs."""
        rng, now = self.rng, self.now
        desk_info = self.catalog.desks_by_id[row["desk_id"]]
        calendar = desk_info["calendar"]
        rows = []
        for n, (kind, trigger, done, cancelled) in enumerate(legs):
            order_id = first_order_id + n
            due = calendar.add_working_hours(trigger, SLA_HOURS)
            order = {
                "id": order_id,
                "dossier_id": row["id"],
                "province_id": row["province_id"],
                "agency_id": row["agency_id"],
                "desk_id": row["desk_id"],
                "kind": kind,
                "tracking_code": f"EB{order_id:09d}VN",
                "recipient_name": row["applicant_name"],
                "recipient_phone": row["applicant_phone"],
                "address": row.get("address") or self.address(desk_info["desk"]),
                "fee": self.catalog.tariffs.get((row["province_id"], kind), 22000),
                "triggered_at": trigger,
                "sla_hours": Decimal(SLA_HOURS),
                "due_at": due,
                "created_at": trigger,
                "updated_at": trigger,
            }
            if cancelled:
                order.update(status="cancelled", cancelled_at=row["updated_at"], updated_at=row["updated_at"])
            elif done is not None:
                picked = trigger + (done - trigger) * rng.uniform(0.2, 0.6)
                order.update(
                    status="delivered",
                    attempts=1,
                    assigned_at=trigger + (picked - trigger) / 3,
                    picked_up_at=picked,
                    delivered_at=done,
                    updated_at=done,
                )
                if kind == "pickup":
                    order.update(handed_over_at=done, handed_over_to_id=desk_info["officers"][0])
                if done > due:
                    order["breached_at"] = due
                    self.postal_alerts.append((order_id, due, due))
            else:
                age = now - trigger
                order["status"] = rng.choices(("created", "assigned", "picked_up"), (2, 3, 5))[0]
                if order["status"] != "created":
                    order["assigned_at"] = trigger + age * rng.uniform(0.05, 0.3)
                    order["updated_at"] = order["assigned_at"]
                if order["status"] == "picked_up":
                    order["picked_up_at"] = trigger + age * rng.uniform(0.3, 0.9)
                    order["updated_at"] = order["picked_up_at"]
                    order["attempts"] = 1
                if due > now:
                    order["sla_timer_at"] = due
                else:
                    order["breached_at"] = due
                    self.postal_alerts.append((order_id, due, due))
            rows.append(order)
        self.orders += len(rows)
        return rows
