"""Portal's sections of the catalog file: provinces, agencies, desks, procedures (portal/catalog_procedures.py:
with their documents, fees, process and form), staff and calendar overrides. Registered by PortalConfig.ready();
apps above portal register theirs the same way (postal/catalog_section.py)."""

import re
from datetime import time

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from .catalog_io import assign, register_section
from .catalog_procedures import export_procedures, load_procedures
from .catalog_record import ABSENT, TIME_RE, _describe, _max_length, _show, in_province
from .models import (
    Agency,
    CalendarOverride,
    OneStopDesk,
    Province,
    Role,
    User,
)

# --------------------------------------------------------------------------- portal's sections


# provinces ------------------------------------------------------------------


def load_provinces(records, section):
    rows = []
    for rec in section.records(records, label="code", unique=lambda d: d.get("code"), unique_field="code"):
        rec.allow("code", "name", "postal_sla_clock_hours")
        code = rec.text("code", max_length=_max_length(Province, "code"))
        values = {
            "name": rec.text("name", max_length=_max_length(Province, "name")),
            "postal_sla_clock_hours": rec.boolean("postal_sla_clock_hours", required=False),
        }
        if code:
            section.declare("province", code)
        rows.append((rec, code, values))

    def write():
        for rec, code, values in rows:
            section.upsert(rec, Province, {"code": code}, values)

    return write


def export_provinces(province):
    queryset = Province.objects.order_by("code")
    if province is not None:
        queryset = queryset.filter(code=province)
    return [{"code": p.code, "name": p.name, "postal_sla_clock_hours": p.postal_sla_clock_hours} for p in queryset]


# agencies -------------------------------------------------------------------


def load_agencies(records, section):
    rows = []
    for rec in section.records(records, label="code", unique=lambda d: d.get("code"), unique_field="code"):
        rec.allow("code", "province", "name", "level", "parent")
        code = rec.text("code", max_length=_max_length(Agency, "code"))
        province = rec.reference("province", "province")
        name = rec.text("name", max_length=_max_length(Agency, "name"))
        level = rec.choice("level", Agency.Level.values)
        parent = rec.text("parent", required=False, nullable=True, max_length=_max_length(Agency, "code"))
        if code:
            existing = section.ctx.existing["agency"].get(code)
            if existing and province and existing["province"] != province:
                rec.error("province", f'agency "{code}" belongs to province "{existing["province"]}"; it cannot move')
            facts = {"province": province or None}
            facts["parent"] = (existing or {}).get("parent") if parent is ABSENT else parent
            section.declare("agency", code, **facts)
        rows.append((rec, code, province, name, level, parent))

    # References and the parent chain are checked once every agency of the file is known.
    depth = {}
    for rec, code, province, _name, _level, parent in rows:
        if not parent:
            depth[code] = 0
            continue
        facts = section.lookup("agency", parent)
        if facts is None:
            rec.error("parent", f'unknown agency "{parent}"')
            continue
        if parent == code:
            rec.error("parent", "an agency cannot be its own parent")
            continue
        if province and facts.get("province") and facts["province"] != province:
            rec.error("parent", f'agency "{parent}" is in province "{facts["province"]}", not "{province}"')
        chain, current = {code}, parent
        while current:
            if current in chain:
                rec.error("parent", f'"{parent}" would make a cycle of parents')
                break
            chain.add(current)
            current = (section.lookup("agency", current) or {}).get("parent")
        depth[code] = len(chain) - 1

    def write():
        for rec, code, province, name, level, parent in sorted(rows, key=lambda row: depth.get(row[1], 0)):
            values = {"province_id": section.pk(Province, province), "name": name, "level": level}
            if parent is not ABSENT:
                values["parent_id"] = section.pk(Agency, parent) if parent else None
            section.upsert(rec, Agency, {"code": code}, values)

    return write


def export_agencies(province):
    queryset = in_province(Agency.objects.select_related("province", "parent"), province).order_by("code")
    return [
        {
            "code": a.code,
            "province": a.province.code,
            "name": a.name,
            "level": a.level,
            "parent": a.parent.code if a.parent else None,
        }
        for a in queryset
    ]


# desks ----------------------------------------------------------------------


def _hours(rec, field_name):
    value = rec._get(field_name, True)
    if value is ABSENT:
        return ABSENT
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and TIME_RE.match(v) for v in value):
        try:
            return tuple(time.fromisoformat(v) for v in value)
        except ValueError:
            pass
    rec.error(field_name, f'expected ["HH:MM", "HH:MM"], got {_describe(value)}')
    return ABSENT


def load_desks(records, section):
    rows = []
    for rec in section.records(records, label="code", unique=lambda d: d.get("code"), unique_field="code"):
        rec.allow("code", "province", "agency", "name", "address", "phone", "opening_hours")
        code = rec.text("code", max_length=_max_length(OneStopDesk, "code"))
        province = rec.reference("province", "province")
        agency = rec.reference("agency", "agency", required=False, nullable=True)
        values = {
            "name": rec.text("name", max_length=_max_length(OneStopDesk, "name")),
            "address": rec.text("address", required=False, blank=True, max_length=_max_length(OneStopDesk, "address")),
            "phone": rec.text("phone", required=False, blank=True, max_length=_max_length(OneStopDesk, "phone")),
        }
        if agency and province:
            agency_province = section.lookup("agency", agency).get("province")
            if agency_province and agency_province != province:
                rec.error("agency", f'agency "{agency}" is in province "{agency_province}", not "{province}"')
        hours = rec.obj("opening_hours", required=False)
        if hours:
            hours.allow("morning", "afternoon")
            morning, afternoon = _hours(hours, "morning"), _hours(hours, "afternoon")
            if morning and afternoon:
                if not (morning[0] < morning[1] <= afternoon[0] < afternoon[1]):
                    hours.error(None, "hours must run morning opens < closes ≤ afternoon opens < closes")
                values.update(
                    morning_opens=morning[0],
                    morning_closes=morning[1],
                    afternoon_opens=afternoon[0],
                    afternoon_closes=afternoon[1],
                )
        if code:
            existing = section.ctx.existing["desk"].get(code)
            if existing and province and existing["province"] != province:
                rec.error("province", f'desk "{code}" belongs to province "{existing["province"]}"; it cannot move')
            section.declare("desk", code, province=province or None, agency=agency or None)
        rows.append((rec, code, province, agency, values))

    def write():
        for rec, code, province, agency, values in rows:
            values = {**values, "province_id": section.pk(Province, province)}
            if agency is not ABSENT:
                values["agency_id"] = section.pk(Agency, agency) if agency else None
            section.upsert(rec, OneStopDesk, {"code": code}, values)

    return write


def _hhmm(value):
    return value.strftime("%H:%M")


def export_desks(province):
    queryset = in_province(OneStopDesk.objects.select_related("province", "agency"), province).order_by("code")
    return [
        {
            "code": d.code,
            "province": d.province.code,
            "agency": d.agency.code if d.agency else None,
            "name": d.name,
            "address": d.address,
            "phone": d.phone,
            "opening_hours": {
                "morning": [_hhmm(d.morning_opens), _hhmm(d.morning_closes)],
                "afternoon": [_hhmm(d.afternoon_opens), _hhmm(d.afternoon_closes)],
            },
        }
        for d in queryset
    ]


# staff ----------------------------------------------------------------------

STAFF_ROLES = [
    Role.OFFICER.value,
    Role.SPECIALIST.value,
    Role.HEAD.value,
    Role.POSTAL_CLERK.value,
    Role.PROVINCE_ADMIN.value,
]
AGENCY_ROLES = (Role.HEAD, Role.SPECIALIST)  # staff of an agency (api.md "Catalog import": roles)
PHONE_RE = re.compile(r"^\+?[0-9]{9,12}$")


def load_staff(records, section):
    usernames = {d["username"].strip() for d in records if isinstance(d, dict) and isinstance(d.get("username"), str)}
    matches = Q()
    for username in usernames:
        matches |= Q(username__iexact=username)
    existing = {user.username.lower(): user for user in User.objects.filter(matches)} if usernames else {}
    rows = []
    for rec in section.records(
        records, label="username", unique=lambda d: str(d.get("username")).lower(), unique_field="username"
    ):
        rec.allow("username", "password", "role", "province", "desk", "agency", "full_name", "email", "phone")
        username = rec.text("username", max_length=_max_length(User, "username"))
        if username:
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                rec.error("username", f"{_show(username)} may contain only letters, digits and @ . + - _")
        role = rec.choice("role", STAFF_ROLES)
        user = existing.get(username.lower()) if username else None
        if user is not None and user.username != username:
            rec.error("username", f'"{user.username}" already exists (usernames differ only in case)')
        if user is not None and (user.role == Role.CITIZEN or user.is_superuser):
            rec.error("username", f'"{username}" is a citizen or superuser account, not a staff account')
        province = rec.reference("province", "province", required=role in (Role.POSTAL_CLERK, Role.PROVINCE_ADMIN))
        desk = agency = None
        if role == Role.OFFICER:
            desk = rec.reference("desk", "desk")
            if desk:
                desk_province = section.lookup("desk", desk).get("province")
                if province and desk_province and province != desk_province:
                    rec.error("province", f'desk "{desk}" is in province "{desk_province}", not "{province}"')
                province = desk_province
        elif role in AGENCY_ROLES:
            agency = rec.reference("agency", "agency")
            if agency:
                agency_province = section.lookup("agency", agency).get("province")
                if province and agency_province and province != agency_province:
                    rec.error("province", f'agency "{agency}" is in province "{agency_province}", not "{province}"')
                province = agency_province
        if role:
            for name, needed_by in (("desk", (Role.OFFICER,)), ("agency", AGENCY_ROLES)):
                if rec.has(name) and role not in needed_by:
                    only = " and ".join(r.value for r in needed_by)
                    rec.error(name, f'not used for role "{role}" (only for {only})')
        full_name = rec.text("full_name", required=False, blank=True, max_length=_max_length(User, "full_name"))
        email = rec.text("email", required=False, blank=True, max_length=_max_length(User, "email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                rec.error("email", f"{_show(email)} is not a valid email address")
        phone = rec.text("phone", required=False, blank=True, max_length=_max_length(User, "phone"))
        if phone and not PHONE_RE.match(phone):
            rec.error("phone", f"{_show(phone)} is not a phone number (9–12 digits, optional +)")
        password = rec._get("password", False)
        if password is not ABSENT and (not isinstance(password, str) or not password):
            rec.error("password", f"expected a non-empty string, got {_describe(password)}")
            password = ABSENT
        if password and user is None and username:
            candidate = User(username=username, full_name=full_name or "", email=email or "")
            try:
                validate_password(password, user=candidate)
            except ValidationError as exc:
                for message in exc.messages:
                    rec.error("password", message)
        values = {
            "role": role,
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "is_staff": role == Role.PROVINCE_ADMIN,
        }
        rows.append((rec, username, user, values, province, desk, agency, password))

    def write():
        for rec, username, user, values, province, desk, agency, password in rows:
            values = {
                **values,
                "province_id": section.pk(Province, province),
                "desk_id": section.pk(OneStopDesk, desk) if desk else None,
                "agency_id": section.pk(Agency, agency) if agency else None,
            }
            created = user is None
            if created:
                user = User(username=username)
            changed = assign(user, values)
            if created:
                if password:
                    user.set_password(password)
                else:
                    user.set_unusable_password()
            if created or changed:
                if not section.clean(rec, user):
                    continue
                user.save()
            section.count("created" if created else "updated" if changed else "unchanged")

    return write


def export_staff(province):
    queryset = (
        in_province(User.objects.exclude(role=Role.CITIZEN).exclude(is_superuser=True), province)
        .select_related("province", "desk", "agency")
        .order_by("username")
    )
    rows = []
    for user in queryset:
        row = {"username": user.username, "role": user.role, "province": user.province.code if user.province else None}
        if user.role == Role.OFFICER:
            row["desk"] = user.desk.code if user.desk else None
        elif user.role in AGENCY_ROLES:
            row["agency"] = user.agency.code if user.agency else None
        row.update(full_name=user.full_name, email=user.email, phone=user.phone)
        rows.append(row)
    return rows


# calendar overrides ---------------------------------------------------------


def load_calendar_overrides(records, section):
    rows = []
    for rec in section.records(
        records,
        label=lambda d: f"{d.get('province')}/{d.get('date')}",
        unique=lambda d: (d.get("province"), d.get("date")),
        unique_field="date",
    ):
        rec.allow("province", "date", "kind", "note")
        province = rec.reference("province", "province")
        day = rec.iso_date("date")
        values = {
            "kind": rec.choice("kind", CalendarOverride.Kind.values),
            "note": rec.text("note", required=False, blank=True, max_length=_max_length(CalendarOverride, "note")),
        }
        rows.append((rec, province, day, values))

    def write():
        for rec, province, day, values in rows:
            section.upsert(rec, CalendarOverride, {"province_id": section.pk(Province, province), "date": day}, values)

    return write


def export_calendar_overrides(province):
    queryset = in_province(CalendarOverride.objects.select_related("province"), province)
    return [
        {"province": o.province.code, "date": o.date.isoformat(), "kind": o.kind, "note": o.note}
        for o in queryset.order_by("province__code", "date")
    ]


def register():
    """Portal's sections of the catalog file (PortalConfig.ready calls this)."""
    register_section("provinces", order=10, load=load_provinces, export=export_provinces)
    register_section("agencies", order=20, load=load_agencies, export=export_agencies)
    register_section("desks", order=30, load=load_desks, export=export_desks)
    register_section("procedures", order=40, load=load_procedures, export=export_procedures)
    register_section("staff", order=60, load=load_staff, export=export_staff)
    register_section("calendar_overrides", order=70, load=load_calendar_overrides, export=export_calendar_overrides)
