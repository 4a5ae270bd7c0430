"""Nhập / xuất danh mục (catalog import and export).

The file format is the one promised to outside clients in docs/api.md ("Catalog import"):
a JSON object whose keys are sections, each a list of records:

    provinces, agencies, desks, procedures, postal_tariffs, staff   (api.md)
    calendar_overrides                                               (our extension)

Every key is optional. Records are matched by their code, so importing the same file
twice changes nothing:

- provinces by ``code``; agencies by ``code``; desks by ``code``;
- procedures by (``province``, ``code``); their ``documents`` list is synced by document
  code (created, updated, and documents no longer listed are deleted);
- staff by ``username``; calendar overrides by (``province``, ``date``); sections added by
  other apps (postal_tariffs) by their own key.

Nothing else is ever deleted: a record left out of the file stays as it is.

Optional fields (agency ``parent``, desk ``agency``/``address``/``phone``/``opening_hours``,
procedure ``result``/``legal_basis``/``fee_note``/``fee_collected_at``/``active``, document ``form``/``copies``,
staff ``full_name``/``email``/``phone``/``password``, override ``note``): a field left out
keeps the current value of an existing record; a new record gets the model's default
(null parent/agency = none, opening hours 07:00–11:30 and 13:30–17:00, active, form "any",
one copy). An explicit ``null`` for ``parent`` or a desk's ``agency`` clears it.

Staff: ``role`` is officer (needs ``desk``), head (needs ``agency``), postal_clerk or
province_admin (need ``province``). ``password`` is used only when the account is
created; an existing account's password is never overwritten. A new account without a
password (what ``export_catalog`` writes) gets an unusable password: the person sets one
through password reset, or an admin sets it. Only province admins get ``is_staff`` (the
Django admin); the other roles work in the portal's own pages. An existing citizen
account (or superuser) is never turned into a staff account by an import.

Validation runs over the whole file before anything is written; every problem is
reported (not only the first) as ``section[index] (code): field: message``. Then all
writes happen in one transaction; ``dry_run`` performs them and rolls back, so its
counts (created / updated / unchanged per section) are exactly what a real run would do.

Apps above portal add sections with :func:`register_section` (postal registers
``postal_tariffs`` in ``postal/catalog_section.py``), so portal never imports them.
A section's ``load(records, section)`` checks its records with the :class:`Record`
helpers and returns a function that performs the writes (called only when the whole
file is valid); ``export(province)`` returns the section's records, ordered by code.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import Q

from .models import (
    Agency,
    CalendarOverride,
    OneStopDesk,
    Procedure,
    ProcessingUnit,
    Province,
    RequiredDocument,
    Role,
    User,
)

__all__ = [
    "ABSENT",
    "CatalogImportError",
    "ImportResult",
    "Record",
    "SectionContext",
    "export_catalog",
    "import_catalog",
    "load_catalog_file",
    "parse_catalog",
    "register_section",
    "registered_sections",
]

OUTCOMES = ("created", "updated", "unchanged")
MAX_INT = 2_147_483_647  # PositiveIntegerField on PostgreSQL


class _Absent:
    """No usable value: the field was left out (or was invalid, with an error reported)."""

    def __repr__(self):
        return "ABSENT"

    def __bool__(self):
        return False


ABSENT = _Absent()


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Section:
    name: str
    order: int
    load: Callable[[list, "SectionContext"], Callable[[], None] | None]
    export: Callable[[str | None], list[dict]]


_SECTIONS: dict[str, Section] = {}


def register_section(name, *, order, load, export):
    """Add (or replace) a section of the catalog file.

    ``load(records, section)`` validates ``records`` (a list) with ``section.records(...)``
    and returns a callable that writes them (or None); ``export(province_code_or_None)``
    returns the section's records. Sections load and export in ``order``."""
    _SECTIONS[name] = Section(name=name, order=order, load=load, export=export)


def registered_sections():
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.name))


# --------------------------------------------------------------------------- results


@dataclass
class ImportResult:
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def lines(self):
        """One line per section of the file, e.g. "procedures: 3 tạo mới, 1 cập nhật, 20 không đổi"."""
        return [
            f"{name}: {c['created']} tạo mới, {c['updated']} cập nhật, {c['unchanged']} không đổi"
            for name, c in self.counts.items()
        ]

    def summary(self):
        if self.errors:
            return f"{len(self.errors)} lỗi, không ghi gì: " + "; ".join(self.errors[:5])
        text = "; ".join(self.lines()) or "tệp không có mục nào"
        return f"(chạy thử) {text}" if self.dry_run else text


class CatalogImportError(Exception):
    """Raised by :func:`load_catalog_file` when the file has errors; carries the result."""

    def __init__(self, result):
        self.result = result
        super().__init__("\n".join(result.errors))


class _Rollback(Exception):
    pass


# --------------------------------------------------------------------------- contexts


def _describe(value):
    """A value as it appeared in the JSON, with its JSON type, for error messages."""
    if value is None:
        return "null"
    kind = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "object"}.get(
        type(value), type(value).__name__
    )
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > 40:
        text = text[:37] + "…"
    return kind if isinstance(value, list | dict) else f"{kind} {text}"


def _show(value):
    return json.dumps(value, ensure_ascii=False)


def _reference_tables():
    """code → facts about every existing province, agency and desk (read once per import)."""
    return {
        "province": {code: {} for code in Province.objects.values_list("code", flat=True)},
        "agency": {
            code: {"province": province, "parent": parent}
            for code, province, parent in Agency.objects.values_list("code", "province__code", "parent__code")
        },
        "desk": {
            code: {"province": province, "agency": agency}
            for code, province, agency in OneStopDesk.objects.values_list("code", "province__code", "agency__code")
        },
    }


class ImportContext:
    def __init__(self, result):
        self.result = result
        self.declared: dict[str, dict[str, dict]] = {}
        self._existing = None
        self._ids: dict[tuple, int | None] = {}

    @property
    def existing(self):
        if self._existing is None:
            self._existing = _reference_tables()
        return self._existing

    def lookup(self, kind, code):
        """Facts about a referenced record, from the file if it declares it, else from the
        database; None when it exists in neither."""
        found = self.declared.get(kind, {}).get(code)
        if found is None:
            found = self.existing.get(kind, {}).get(code)
        return found

    def pk(self, model, code, **lookup):
        """The primary key of a record by its code (write phase: everything is in the DB)."""
        key = (model, code, tuple(sorted(lookup.items())))
        if key not in self._ids:
            self._ids[key] = model.objects.filter(code=code, **lookup).values_list("pk", flat=True).first()
        return self._ids[key]


class SectionContext:
    """What a section's ``load`` works with: record iteration with error reporting,
    references to other sections, and counting."""

    def __init__(self, ctx, name):
        self.ctx = ctx
        self.name = name
        self.counts = dict.fromkeys(OUTCOMES, 0)

    # validation ---------------------------------------------------------------
    def records(self, records, *, label, unique=None, unique_field=None) -> Iterator["Record"]:
        """Yield a :class:`Record` for each object in ``records``.

        ``label(data)`` (or a field name) gives the code shown in messages; ``unique(data)``
        gives the record's key, and a repeated key is an error on ``unique_field``."""
        label_of = (lambda data: data.get(label)) if isinstance(label, str) else label
        seen = {}
        for index, data in enumerate(records):
            if not isinstance(data, dict):
                self.error(index, None, None, f"expected an object, got {_describe(data)}")
                continue
            text = label_of(data)
            record = Record(self, index, data, text if isinstance(text, str) and text else None)
            if unique is not None:
                try:
                    key = unique(data)
                    hash(key)
                except TypeError:
                    key = None
                if key is not None:
                    if key in seen:
                        record.error(unique_field, f"duplicate of {self.name}[{seen[key]}]")
                    else:
                        seen[key] = index
            yield record

    def error(self, index, label, field_name, message):
        where = f"{self.name}[{index}]" + (f" ({label})" if label else "")
        self.ctx.result.errors.append(f"{where}: {field_name}: {message}" if field_name else f"{where}: {message}")

    def declare(self, kind, code, **facts):
        """Make ``code`` referable by later records of the file (as a ``kind``)."""
        self.ctx.declared.setdefault(kind, {})[code] = facts

    def lookup(self, kind, code):
        return self.ctx.lookup(kind, code)

    # writing ------------------------------------------------------------------
    def pk(self, model, code, **lookup):
        return self.ctx.pk(model, code, **lookup)

    def count(self, outcome):
        self.counts[outcome] += 1

    def clean(self, record, instance, exclude=None):
        """The model's own validation as the last gate before a save; True when it passes."""
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    record.error(None if name == "__all__" else name, message)
            return False
        return True

    def upsert(self, record, model, lookup, values, *, instance=None, exclude=None):
        """Create or update one row; count it; return it (None when the model refused it)."""
        if instance is None:
            instance = model.objects.filter(**lookup).first()
        created = instance is None
        if created:
            instance = model(**lookup)
        changed = assign(instance, values)
        if created or changed:
            if not self.clean(record, instance, exclude):
                return None
            instance.save()
        self.count("created" if created else "updated" if changed else "unchanged")
        return instance


def assign(instance, values):
    """Set the given (present) values; True if any differed."""
    changed = False
    for name, value in values.items():
        if value is ABSENT:
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^\d{2}:\d{2}$")


class Record:
    """One record of a section, with typed accessors that report errors as
    ``section[index] (code): field: message`` and return :data:`ABSENT` when there is
    no usable value."""

    def __init__(self, section, index, data, label, prefix="", root=None):
        self.section = section
        self.index = index
        self.data = data
        self.label = label
        self.prefix = prefix
        self.root = root or self
        self.failed = False

    @property
    def ok(self):
        return not self.root.failed

    def error(self, field_name, message):
        self.root.failed = True
        name = f"{self.prefix}{field_name}" if field_name else (self.prefix.rstrip(".") or None)
        self.section.error(self.index, self.label, name, message)

    def child(self, field_name, data):
        return Record(self.section, self.index, data, self.label, f"{self.prefix}{field_name}.", self.root)

    def has(self, field_name):
        return field_name in self.data

    def allow(self, *fields):
        for key in self.data:
            if key not in fields:
                self.error(key, f"unknown field (expected one of {', '.join(fields)})")

    def _get(self, field_name, required):
        if field_name not in self.data:
            if required:
                self.error(field_name, "required field is missing")
            return ABSENT
        return self.data[field_name]

    def text(self, field_name, *, required=True, max_length=None, blank=False, nullable=False):
        value = self._get(field_name, required)
        if value is ABSENT or (value is None and nullable):
            return value
        if not isinstance(value, str):
            self.error(field_name, f"expected a string, got {_describe(value)}")
            return ABSENT
        value = value.strip()
        if not value and not blank:
            self.error(field_name, "must not be empty")
            return ABSENT
        if max_length and len(value) > max_length:
            self.error(field_name, f"longer than {max_length} characters ({len(value)})")
            return ABSENT
        return value

    def choice(self, field_name, choices, *, required=True):
        value = self._get(field_name, required)
        if value is ABSENT:
            return value
        if not isinstance(value, str) or value not in choices:
            self.error(field_name, f"{_show(value)} is not one of {', '.join(choices)}")
            return ABSENT
        return value

    def _range(self, field_name, value, minimum, maximum):
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            if maximum == MAX_INT and value > maximum:
                self.error(field_name, f"is too large ({value})")
            elif minimum is not None and maximum is not None and maximum != MAX_INT:
                self.error(field_name, f"must be between {minimum} and {maximum}, got {value}")
            elif minimum is not None:
                self.error(field_name, f"must be at least {minimum}, got {value}")
            else:
                self.error(field_name, f"must be at most {maximum}, got {value}")
            return False
        return True

    def integer(self, field_name, *, required=True, minimum=None, maximum=MAX_INT):
        value = self._get(field_name, required)
        if value is ABSENT:
            return value
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(field_name, f"expected an integer, got {_describe(value)}")
            return ABSENT
        return value if self._range(field_name, value, minimum, maximum) else ABSENT

    def decimal(self, field_name, *, required=True, minimum=None, maximum=None, places=2):
        value = self._get(field_name, required)
        if value is ABSENT:
            return value
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.error(field_name, f"expected a number, got {_describe(value)}")
            return ABSENT
        try:
            number = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - json gives finite numbers only
            self.error(field_name, f"expected a number, got {_describe(value)}")
            return ABSENT
        if not number.is_finite() or number.as_tuple().exponent < -places:
            self.error(field_name, f"must have at most {places} decimal places, got {value}")
            return ABSENT
        return number if self._range(field_name, value, minimum, maximum) else ABSENT

    def boolean(self, field_name, *, required=True):
        value = self._get(field_name, required)
        if value is ABSENT:
            return value
        if not isinstance(value, bool):
            self.error(field_name, f"expected true or false, got {_describe(value)}")
            return ABSENT
        return value

    def iso_date(self, field_name, *, required=True):
        value = self._get(field_name, required)
        if value is ABSENT:
            return value
        if isinstance(value, str) and DATE_RE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error(field_name, f"{_show(value)} is not a date (YYYY-MM-DD)")
        return ABSENT

    def obj(self, field_name, *, required=True):
        value = self._get(field_name, required)
        if value is ABSENT:
            return value
        if not isinstance(value, dict):
            self.error(field_name, f"expected an object, got {_describe(value)}")
            return ABSENT
        return self.child(field_name, value)

    def array(self, field_name, *, required=True):
        value = self._get(field_name, required)
        if value is ABSENT:
            return value
        if not isinstance(value, list):
            self.error(field_name, f"expected a list, got {_describe(value)}")
            return ABSENT
        return value

    def reference(self, field_name, kind, *, required=True, nullable=False, max_length=32):
        """A code of a record of ``kind`` in this file or in the database."""
        code = self.text(field_name, required=required, nullable=nullable, max_length=max_length)
        if not code:
            return code
        facts = self.section.lookup(kind, code)
        if facts is None:
            self.error(field_name, f'unknown {kind} "{code}"')
            return ABSENT
        return code


def _max_length(model, name):
    return model._meta.get_field(name).max_length


# --------------------------------------------------------------------------- the core


def parse_catalog(text):
    """Parse the file's text; returns (data, errors)."""
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]


def import_catalog(data, dry_run=False) -> ImportResult:
    """Validate the whole catalog, then write it in one transaction (rolled back for a
    dry run). Errors are returned in the result, never raised."""
    result = ImportResult(dry_run=dry_run)
    sections = registered_sections()
    if not isinstance(data, dict):
        result.errors.append(f"expected a JSON object with sections, got {_describe(data)}")
        return result
    known = {section.name for section in sections}
    for key in data:
        if key not in known:
            names = ", ".join(section.name for section in sections)
            result.errors.append(f'{key}: unknown section "{key}" (expected one of {names})')

    ctx = ImportContext(result)
    plan = []
    for section in sections:
        if section.name not in data:
            continue
        records = data[section.name]
        if not isinstance(records, list):
            result.errors.append(f"{section.name}: expected a list of records, got {_describe(records)}")
            continue
        section_ctx = SectionContext(ctx, section.name)
        writer = section.load(records, section_ctx)
        plan.append((section_ctx, writer))
    if result.errors:
        return result

    try:
        with transaction.atomic():
            for _section_ctx, writer in plan:
                if writer is not None:
                    writer()
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except DatabaseError as exc:
        result.errors.append(f"database error, nothing written: {exc}")
    if not result.errors:
        result.counts = {section_ctx.name: dict(section_ctx.counts) for section_ctx, _ in plan}
    return result


def load_catalog_file(path, *, dry_run=False, raise_on_error=True) -> ImportResult:
    """Import a catalog file (UTF-8, a BOM is tolerated). With ``raise_on_error`` (the
    default, for scripts such as the demo loader) errors raise :class:`CatalogImportError`;
    otherwise they are returned in the result."""
    result = ImportResult(dry_run=dry_run)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        result.errors.append(f"file not found: {path}")
    except (OSError, UnicodeDecodeError) as exc:
        result.errors.append(f"cannot read {path}: {exc}")
    else:
        data, errors = parse_catalog(text)
        result = import_catalog(data, dry_run=dry_run) if not errors else ImportResult(dry_run, errors=errors)
    if result.errors and raise_on_error:
        raise CatalogImportError(result)
    return result


def export_catalog(province=None) -> dict:
    """Every section in the import shape (ordered by codes), optionally one province's.
    Staff (every account with a staff role, superusers aside) are exported without
    passwords: imported into another database they get unusable passwords."""
    if province is not None and not Province.objects.filter(code=province).exists():
        raise LookupError(f'unknown province "{province}"')
    return {section.name: section.export(province) for section in registered_sections()}


# --------------------------------------------------------------------------- portal's sections


def _in_province(queryset, province, path="province__code"):
    return queryset if province is None else queryset.filter(**{path: province})


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
    queryset = _in_province(Agency.objects.select_related("province", "parent"), province).order_by("code")
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
    queryset = _in_province(OneStopDesk.objects.select_related("province", "agency"), province).order_by("code")
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


# procedures -----------------------------------------------------------------

PROCEDURE_FIELDS = (
    "code",
    "province",
    "agency",
    "name",
    "sector",
    "level",
    "processing_time",
    "fee",
    "fee_note",
    "fee_collected_at",
    "postal_intake",
    "postal_return",
    "in_person_only",
    "field_verification",
    "result",
    "legal_basis",
    "active",
    "documents",
)


def _documents(rec, documents):
    rows, seen = [], {}
    for i, data in enumerate(documents):
        name = f"documents[{i}]"
        if not isinstance(data, dict):
            rec.error(name, f"expected an object, got {_describe(data)}")
            continue
        doc = rec.child(name, data)
        doc.allow("code", "name", "required", "form", "copies")
        code = doc.text("code", max_length=_max_length(RequiredDocument, "code"))
        if code:
            if code in seen:
                doc.error("code", f"duplicate of documents[{seen[code]}]")
            seen[code] = i
        values = {
            "name": doc.text("name", max_length=_max_length(RequiredDocument, "name")),
            "required": doc.boolean("required"),
            "form": doc.choice("form", RequiredDocument.Form.values, required=False),
            "copies": doc.integer("copies", required=False, minimum=1, maximum=99),
            "order": i,
        }
        rows.append((code, values))
    return rows


def load_procedures(records, section):
    rows = []
    for rec in section.records(
        records,
        label="code",
        unique=lambda d: (d.get("province"), d.get("code")),
        unique_field="code",
    ):
        rec.allow(*PROCEDURE_FIELDS)
        code = rec.text("code", max_length=_max_length(Procedure, "code"))
        province = rec.reference("province", "province")
        agency = rec.reference("agency", "agency")
        if agency and province:
            agency_province = section.lookup("agency", agency).get("province")
            if agency_province and agency_province != province:
                rec.error("agency", f'agency "{agency}" is in province "{agency_province}", not "{province}"')
        values = {
            "name": rec.text("name", max_length=_max_length(Procedure, "name")),
            "sector": rec.text("sector", max_length=_max_length(Procedure, "sector")),
            "level": rec.integer("level", minimum=1, maximum=4),
            "fee": rec.integer("fee", minimum=0),
            "fee_note": rec.text("fee_note", required=False, blank=True, max_length=_max_length(Procedure, "fee_note")),
            "fee_collected_at": rec.choice("fee_collected_at", Procedure.FeeCollection.values, required=False),
            "postal_intake": rec.boolean("postal_intake"),
            "postal_return": rec.boolean("postal_return"),
            "in_person_only": rec.boolean("in_person_only"),
            "field_verification": rec.boolean("field_verification"),
            "result": rec.text("result", required=False, blank=True, max_length=_max_length(Procedure, "result")),
            "legal_basis": rec.text("legal_basis", required=False, blank=True),
            "active": rec.boolean("active", required=False),
        }
        processing = rec.obj("processing_time")
        if processing:
            processing.allow("value", "unit")
            unit = processing.choice("unit", ProcessingUnit.values)
            value = processing.decimal("value", minimum=0, maximum=9999.99)
            if unit in (ProcessingUnit.WORKING_DAYS, ProcessingUnit.WORKING_HOURS) and value == 0:
                processing.error("value", f"must be more than 0 for {unit}")
            values.update(processing_time_value=value, processing_time_unit=unit)
        documents = rec.array("documents")
        document_rows = _documents(rec, documents) if documents is not ABSENT else []
        rows.append((rec, code, province, agency, values, document_rows))

    def write():
        provinces = {row[2] for row in rows}
        existing = {
            (p.province.code, p.code): p
            for p in Procedure.objects.filter(province__code__in=provinces)
            .select_related("province")
            .prefetch_related("documents")
        }
        for rec, code, province, agency, values, document_rows in rows:
            instance = existing.get((province, code))
            created = instance is None
            if created:
                instance = Procedure(province_id=section.pk(Province, province), code=code)
            changed = assign(instance, {**values, "agency_id": section.pk(Agency, agency)})
            if created or changed:
                if not section.clean(rec, instance):
                    continue
                instance.save()
            changed = _sync_documents(section, rec, instance, document_rows, created) or changed
            section.count("created" if created else "updated" if changed else "unchanged")

    return write


def _sync_documents(section, rec, procedure, rows, created):
    current = {} if created else {doc.code: doc for doc in procedure.documents.all()}
    changed = False
    for code, values in rows:
        doc = current.pop(code, None)
        if doc is None:
            doc = RequiredDocument(procedure=procedure, code=code)
            assign(doc, values)
        elif not assign(doc, values):
            continue
        if section.clean(rec, doc):
            doc.save()
            changed = True
    if current:
        RequiredDocument.objects.filter(pk__in=[doc.pk for doc in current.values()]).delete()
        changed = True
    return changed


def _number(value):
    return int(value) if value == value.to_integral_value() else float(value)


def export_procedures(province):
    queryset = (
        _in_province(Procedure.objects.select_related("province", "agency"), province)
        .prefetch_related("documents")
        .order_by("province__code", "code")
    )
    return [
        {
            "code": p.code,
            "province": p.province.code,
            "agency": p.agency.code,
            "name": p.name,
            "sector": p.sector,
            "level": p.level,
            "processing_time": {"value": _number(p.processing_time_value), "unit": p.processing_time_unit},
            "fee": p.fee,
            "fee_note": p.fee_note,
            "fee_collected_at": p.fee_collected_at,
            "postal_intake": p.postal_intake,
            "postal_return": p.postal_return,
            "in_person_only": p.in_person_only,
            "field_verification": p.field_verification,
            "result": p.result,
            "legal_basis": p.legal_basis,
            "active": p.active,
            "documents": [
                {"code": d.code, "name": d.name, "required": d.required, "form": d.form, "copies": d.copies}
                for d in sorted(p.documents.all(), key=lambda d: (d.order, d.pk))
            ],
        }
        for p in queryset
    ]


# staff ----------------------------------------------------------------------

STAFF_ROLES = [Role.OFFICER.value, Role.HEAD.value, Role.POSTAL_CLERK.value, Role.PROVINCE_ADMIN.value]
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
        elif role == Role.HEAD:
            agency = rec.reference("agency", "agency")
            if agency:
                agency_province = section.lookup("agency", agency).get("province")
                if province and agency_province and province != agency_province:
                    rec.error("province", f'agency "{agency}" is in province "{agency_province}", not "{province}"')
                province = agency_province
        if role:
            for name, needed_by in (("desk", Role.OFFICER), ("agency", Role.HEAD)):
                if rec.has(name) and role != needed_by:
                    rec.error(name, f'not used for role "{role}" (only for {needed_by.value})')
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
        _in_province(User.objects.exclude(role=Role.CITIZEN).exclude(is_superuser=True), province)
        .select_related("province", "desk", "agency")
        .order_by("username")
    )
    rows = []
    for user in queryset:
        row = {"username": user.username, "role": user.role, "province": user.province.code if user.province else None}
        if user.role == Role.OFFICER:
            row["desk"] = user.desk.code if user.desk else None
        elif user.role == Role.HEAD:
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
    queryset = _in_province(CalendarOverride.objects.select_related("province"), province)
    return [
        {"province": o.province.code, "date": o.date.isoformat(), "kind": o.kind, "note": o.note}
        for o in queryset.order_by("province__code", "date")
    ]


register_section("provinces", order=10, load=load_provinces, export=export_provinces)
register_section("agencies", order=20, load=load_agencies, export=export_agencies)
register_section("desks", order=30, load=load_desks, export=export_desks)
register_section("procedures", order=40, load=load_procedures, export=export_procedures)
register_section("staff", order=60, load=load_staff, export=export_staff)
register_section("calendar_overrides", order=70, load=load_calendar_overrides, export=export_calendar_overrides)
