"""Nhập / xuất danh mục (catalog import and export).

The file format is the one promised to outside clients in docs/api.md ("Catalog import"):
a JSON object whose keys are sections, each a list of records:

    provinces, agencies, desks, procedures, postal_tariffs, staff   (api.md)
    calendar_overrides                                               (our extension)

Every key is optional. Records are matched by their code, so importing the same file
twice changes nothing:

- provinces by ``code``; agencies by ``code``; desks by ``code``;
- procedures by (``province``, ``code``); their ``documents`` list is synced by document
  code (created, updated, and documents no longer listed are deleted); so are the steps of
  their ``process`` (by step code, in the file's order) when the record carries one: a
  record without ``process`` keeps the procedure's steps, ``"process": null`` or an empty
  ``steps`` list removes them (one processing step at the procedure's agency again); so is their
  declaration ``form`` (api.md "Electronic declaration forms"): a definition checked whole by
  ``portal.eform.definition_errors`` becomes the current version, a new one (current + 1) only when it
  differs from the latest (the file's ``version`` is informative, export writes the current one); a
  record without ``form`` keeps it, ``"form": null`` withdraws it (its versions stay for the dossiers
  made with them); so are their ``fees`` by applicant group (api.md: a ``default`` group at the
  procedure's ``fee``, other groups with an optional ``proof_document`` among the record's document
  codes; a record without ``fees`` keeps its groups, the default one following ``fee``; ``null`` or
  ``[]`` removes them); a document's ``template`` is a file path relative to the catalog file's
  folder (PDF, DOC, DOCX or ODT), copied into storage by its content's digest, so importing the same
  bytes again changes nothing (``null`` removes it, a document without the key keeps it);
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

Sections are entries of the :data:`sections` registry (:class:`portal.registry.Registry`), added with
:func:`register_section` in each app's ``AppConfig.ready()``: portal's own from
``portal/catalog_sections.py`` (record helpers in ``portal/catalog_record.py``), postal's
``postal_tariffs`` from ``postal/catalog_section.py``, so portal never imports the apps above it.
A section's ``load(records, section)`` checks its records with the :class:`Record`
helpers and returns a function that performs the writes (called only when the whole
file is valid); ``export(province)`` returns the section's records, ordered by code.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from . import jsonsafe
from .catalog_record import ABSENT, MAX_INT, Record, _describe, _max_length, _show  # noqa: F401
from .models import (
    Agency,
    OneStopDesk,
    Province,
)
from .registry import Registry

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
    "sections",
]

OUTCOMES = ("created", "updated", "unchanged")


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Section:
    name: str
    order: int
    load: Callable[[list, "SectionContext"], Callable[[], None] | None]
    export: Callable[[str | None], list[dict]]


sections = Registry("catalog section")


def register_section(name, *, order, load, export):
    """Add (or replace) a section of the catalog file.

    ``load(records, section)`` validates ``records`` (a list) with ``section.records(...)``
    and returns a callable that writes them (or None); ``export(province_code_or_None)``
    returns the section's records. Sections load and export in ``order``."""
    sections.register(name, Section(name=name, order=order, load=load, export=export))


def registered_sections():
    return sorted(sections, key=lambda section: (section.order, section.name))


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
    def __init__(self, result, base_dir=None):
        self.result = result
        # The catalog file's folder: a document's ``template`` is a path relative to it (None: data not read
        # from a file, where a template path is an error).
        self.base_dir = base_dir
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


# --------------------------------------------------------------------------- the core


def parse_catalog(text):
    """Parse the file's text; returns (data, errors)."""
    try:
        return jsonsafe.loads(text), []
    except jsonsafe.MalformedJSON as exc:
        error = exc.error
        return None, [f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"]
    except jsonsafe.UnsafeJSON as exc:  # too deep, a non-finite number, a lone surrogate: named, not a traceback
        return None, [f"invalid JSON: {exc}"]


def import_catalog(data, dry_run=False, base_dir=None) -> ImportResult:
    """Validate the whole catalog, then write it in one transaction (rolled back for a
    dry run). Errors are returned in the result, never raised. ``base_dir``: the folder that
    documents' ``template`` paths are relative to (the catalog file's)."""
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

    ctx = ImportContext(result, Path(base_dir) if base_dir is not None else None)
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
        folder = Path(path).resolve().parent
        if errors:
            result = ImportResult(dry_run, errors=errors)
        else:
            result = import_catalog(data, dry_run=dry_run, base_dir=folder)
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
