"""The record helpers of the catalog import: typed accessors that report each problem as
``section[index] (code): field: message`` (see portal/catalog_io.py for the format)."""

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation

MAX_INT = 2_147_483_647  # PositiveIntegerField on PostgreSQL


class _Absent:
    """No usable value: the field was left out (or was invalid, with an error reported)."""

    def __repr__(self):
        return "ABSENT"

    def __bool__(self):
        return False


ABSENT = _Absent()


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

    def objects(self, field_name, items, *allowed):
        """(index, child Record) for each object of the list `items` (what `array(field_name)` read), its fields
        limited to `allowed`; an item that is not an object is an error and is skipped."""
        for i, data in enumerate(items):
            name = f"{field_name}[{i}]"
            if not isinstance(data, dict):
                self.error(name, f"expected an object, got {_describe(data)}")
                continue
            child = self.child(name, data)
            child.allow(*allowed)
            yield i, child

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


def in_province(queryset, province, path="province__code"):
    """An export's rows of one province (its code), or of every province for None."""
    return queryset if province is None else queryset.filter(**{path: province})
