"""Electronic declaration forms (tờ khai điện tử, api.md "Electronic declaration forms"): the definition's own
check (for the catalog import and, later, the admin's editor) and the ONE validator of a dossier's
``form_data`` against a definition. Both are pure functions: no database, and the day comes in as ``today``
(by default the portal's one clock, ``timezone.localdate()``, which tests move with time-machine).

A definition is ``{"title"?, "fields": [field, ...]}`` (``title``: the paper form's heading, e.g. "TỜ KHAI
ĐĂNG KÝ KHAI SINH", for the printable declaration; the procedure's name when absent); a field is ``{"key",
"label", "type", "required"?, "choices"?, "min"?, "max"?, "max_length"?, "when"? {"field", "equals"},
"fields"?, "repeat"? {"min", "max"}, "prefill"?, "help"?}``. Keys are unique within their level (the top, or
one group's fields), so an error is addressed as ``key``, ``group.key`` (a group) or ``group[i].key`` (the
i-th item of a repeated group, from 0).

Decisions the validator keeps:
- An empty value (``null``, a blank string, ``[]``, ``{}``) is the same as a key left out: a draft may hold
  the blank inputs of a page, and only submission (``complete=True``) asks for the required ones.
- ``when`` names a field of the same level or of a level around it (a group's field may depend on a
  top-level answer). While the condition is false the field does not exist: a value sent for it is REFUSED
  with a message naming the condition (not silently dropped), as an unknown key is, so that the stored
  declaration never holds answers that do not apply and a client learns at once that it sent one. An empty
  value of such a field is accepted (a page without JavaScript posts its hidden inputs blank).
- Typed values are checked on drafts too (a date must be a date, a number within its bounds, a repeated
  group within its maximum); only required fields and a repeated group's minimum wait for submission.
- Strings: NUL (U+0000) is refused in every key and value (PostgreSQL cannot store it); text fields hold at
  most ``max_length`` characters (500 for text, 5,000 for textarea by default, counted in code points, so a
  Vietnamese letter with its diacritics or an emoji is one or two characters, never its UTF-8 bytes).
- An address is ``{"line", "ward", "district"?, "province"}`` (số nhà, đường; phường/xã; quận/huyện, gone
  in many provinces since 2025; tỉnh/thành phố); a required address needs line, ward and province.
- The national ID number: the checks of ``portal.national_id`` (its docstring says which and why).
"""

import json
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from . import national_id

TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "choice",
    "boolean",
    "national_id",
    "phone",
    "email",
    "address",
    "group",
)
FIELD_KEYS = (
    "key",
    "label",
    "type",
    "required",
    "choices",
    "min",
    "max",
    "max_length",
    "when",
    "fields",
    "repeat",
    "prefill",
    "help",
)
PREFILL_SOURCES = ("full_name", "national_id", "phone", "email", "address")
ADDRESS_PARTS = ("line", "ward", "district", "province")
ADDRESS_REQUIRED = ("line", "ward", "province")
DEFAULT_MAX_LENGTH = {"text": 500, "textarea": 5000}
LONGEST = 10_000  # the most any max_length may allow
ADDRESS_PART_LENGTH = 200
MAX_REPEAT = 100
MAX_DEPTH = 3  # groups inside groups inside groups, no deeper
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PHONE_RE = re.compile(r"^(0|\+84)[1-9][0-9]{8,9}$")  # mobile 10 digits, landline 11 (0 + area + number)
TODAY = "today"
NON_FIELD = "non_field_errors"


# --------------------------------------------------------------------------- the definition's own check


def definition_errors(definition):
    """Every problem of a form definition as ``(path, message)`` (English, as the catalog import's messages
    are), e.g. ``("fields[2].choices", "required for a choice field")``; [] when it is valid."""
    errors = []
    if not isinstance(definition, dict):
        return [("", "expected an object with fields")]
    for name in definition:
        if name not in ("title", "fields"):
            errors.append((name, "unknown field (expected title, fields)"))
    title = definition.get("title", "x")
    if not isinstance(title, str) or not title.strip() or len(title) > 300 or "\x00" in title:
        errors.append(("title", "expected a non-empty text of at most 300 characters"))
    _check_level(definition.get("fields"), "fields", [], 1, errors)
    return errors


def _check_level(fields, path, outer, depth, errors):
    if not isinstance(fields, list) or not fields:
        errors.append((path, "expected a non-empty list of fields"))
        return
    level, seen = {}, {}
    for i, field in enumerate(fields):
        if isinstance(field, dict) and isinstance(field.get("key"), str):
            if field["key"] in seen:
                errors.append((f"{path}[{i}].key", f"duplicate of {path}[{seen[field['key']]}]"))
            else:
                seen[field["key"]] = i
                level[field["key"]] = field
    scopes = [level, *outer]
    for i, field in enumerate(fields):
        _check_field(field, f"{path}[{i}]", scopes, depth, errors)
    _check_cycles(level, path, seen, errors)


def _check_field(field, path, scopes, depth, errors):
    def error(name, message):
        errors.append((f"{path}.{name}" if name else path, message))

    if not isinstance(field, dict):
        error(None, "expected an object")
        return
    for name in field:
        if name not in FIELD_KEYS:
            error(name, f"unknown field (expected one of {', '.join(FIELD_KEYS)})")
    key, kind = field.get("key"), field.get("type")
    if not isinstance(key, str) or not KEY_RE.match(key):
        error("key", "required: lower-case letters, digits and _, starting with a letter, at most 40")
    label = field.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > 300 or "\x00" in label:
        error("label", "required: a non-empty text of at most 300 characters")
    if kind not in TYPES:
        error("type", f"{_json(kind)} is not one of {', '.join(TYPES)}")
        kind = None
    for name in ("required",):
        if name in field and not isinstance(field[name], bool):
            error(name, "expected true or false")
    if "help" in field and (not isinstance(field["help"], str) or len(field["help"]) > 1000):
        error("help", "expected a text of at most 1000 characters")
    if "prefill" in field and field["prefill"] not in PREFILL_SOURCES:
        error("prefill", f"{_json(field['prefill'])} is not one of {', '.join(PREFILL_SOURCES)}")
    _check_choices(field, kind, error)
    _check_bounds(field, kind, error)
    if "max_length" in field:
        value = field["max_length"]
        if kind not in DEFAULT_MAX_LENGTH:
            error("max_length", "only for text and textarea fields")
        elif not _is_int(value) or not 1 <= value <= LONGEST:
            error("max_length", f"expected an integer from 1 to {LONGEST}")
    _check_when(field, key, scopes, error)
    if kind == "group":
        if depth >= MAX_DEPTH:
            error("fields", f"groups may be nested at most {MAX_DEPTH} deep")
        else:
            _check_level(field.get("fields"), f"{path}.fields", scopes, depth + 1, errors)
        _check_repeat(field, error)
    else:
        for name in ("fields", "repeat"):
            if name in field:
                error(name, "only for group fields")


def _check_choices(field, kind, error):
    if kind != "choice":
        if "choices" in field and kind is not None:  # an unknown type has its own error
            error("choices", "only for choice fields")
        return
    choices = field.get("choices")
    if not isinstance(choices, list) or not choices:
        error("choices", "required for a choice field: a non-empty list of {value, label}")
        return
    seen = {}
    for i, choice in enumerate(choices):
        ok = isinstance(choice, dict) and set(choice) == {"value", "label"}
        ok = ok and all(isinstance(choice[n], str) and choice[n].strip() and "\x00" not in choice[n] for n in choice)
        if not ok:
            error(f"choices[{i}]", "expected {value, label}, both non-empty texts")
            continue
        if choice["value"] in seen:
            error(f"choices[{i}].value", f"duplicate of choices[{seen[choice['value']]}]")
        seen.setdefault(choice["value"], i)


def _check_bounds(field, kind, error):
    bounds = {}
    for name in ("min", "max"):
        if name not in field:
            continue
        value = field[name]
        if kind == "number":
            if not _is_number(value):
                error(name, f"expected a number, got {_json(value)}")
                continue
        elif kind == "date":
            if value != TODAY and _iso_date(value) is None:
                error(name, f'expected a date (YYYY-MM-DD) or "today", got {_json(value)}')
                continue
        elif kind is not None:
            error(name, "only for number and date fields (a repeated group has repeat.min and repeat.max)")
            continue
        bounds[name] = value
    low, high = bounds.get("min"), bounds.get("max")
    if low is None or high is None or TODAY in (low, high):
        return
    if kind == "date":
        low, high = _iso_date(low), _iso_date(high)
    if low > high:
        error("min", f"min {_json(bounds['min'])} is more than max {_json(bounds['max'])}")


def _check_repeat(field, error):
    if "repeat" not in field:
        return
    repeat = field["repeat"]
    if not isinstance(repeat, dict) or set(repeat) - {"min", "max"}:
        error("repeat", "expected {min, max}")
        return
    low, high = repeat.get("min", 0), repeat.get("max", MAX_REPEAT)
    if not _is_int(low) or low < 0:
        error("repeat.min", "expected an integer of at least 0")
    elif not _is_int(high) or not 1 <= high <= MAX_REPEAT:
        error("repeat.max", f"expected an integer from 1 to {MAX_REPEAT}")
    elif low > high:
        error("repeat", f"min {low} is more than max {high}")


def _check_when(field, key, scopes, error):
    if "when" not in field:
        return
    when = field["when"]
    if not isinstance(when, dict) or set(when) != {"field", "equals"}:
        error("when", "expected {field, equals}")
        return
    target, equals = when["field"], when["equals"]
    if not isinstance(equals, str | int | float | bool) or (isinstance(equals, str) and "\x00" in equals):
        error("when.equals", f"expected a text, a number or true/false, got {_json(equals)}")
    named = _find(scopes, target) if isinstance(target, str) else None
    if named is None:
        error("when.field", f"unknown field {_json(target)} (a field of this level or of a level around it)")
    elif target == key and named is field:
        error("when.field", "a field cannot depend on itself")
    elif named.get("type") == "group":
        error("when.field", f'"{target}" is a group; a condition names a field with a value')
    elif named.get("type") == "choice" and isinstance(named.get("choices"), list):
        values = [c.get("value") for c in named["choices"] if isinstance(c, dict)]
        if equals not in values or not isinstance(equals, str):
            error("when.equals", f"{_json(equals)} is not a choice of {target} ({', '.join(map(str, values))})")
    elif named.get("type") == "boolean" and not isinstance(equals, bool):
        error("when.equals", f"{target} is a boolean: expected true or false")


def _check_cycles(level, path, seen, errors):
    for key, field in level.items():
        chain, current = [key], field
        while isinstance(current.get("when"), dict):
            target = current["when"].get("field")
            if target not in level or target == key and len(chain) == 1:
                break  # another level's field, or itself (reported by _check_when)
            chain.append(target)
            if target in chain[:-1]:
                if target == key:
                    errors.append((f"{path}[{seen[key]}].when.field", f"a cycle of conditions: {' → '.join(chain)}"))
                break
            current = level[target]


def _find(scopes, key):
    for level in scopes:
        if key in level:
            return level[key]
    return None


# --------------------------------------------------------------------------- the validator


def validate(definition, data, *, complete, today=None):
    """The problems of ``data`` (a dossier's ``form_data``) against ``definition``:
    ``{"key" | "group.key" | "group[i].key": [messages in Vietnamese]}``, {} when it is fine.

    ``complete=False`` (a draft): what is there must be valid, what is missing may wait.
    ``complete=True`` (submission): every required field of every field that exists must be there too."""
    errors = {}
    today = today or timezone.localdate()
    if not isinstance(data, dict):
        return {NON_FIELD: [_("Tờ khai phải là một đối tượng JSON.")]}
    _Check(errors, complete, today).level(definition.get("fields") or [], data, "", [])
    return errors


class _Check:
    def __init__(self, errors, complete, today):
        self.errors, self.complete, self.today = errors, complete, today

    def add(self, path, message):
        self.errors.setdefault(path, []).append(message)

    def level(self, fields, data, prefix, outer):
        """One level: ``fields`` over ``data`` (a dict), errors addressed from ``prefix``."""
        by_key = {f["key"]: f for f in fields}
        scopes = [(by_key, data), *outer]
        for key in data:
            if key in by_key:
                continue
            if "\x00" in key:  # JSON keys are strings; the key is shown with the NUL escaped
                self.add(prefix + key.replace("\x00", "\\u0000"), _("Không được chứa ký tự NUL."))
            else:
                self.add(prefix + key, _("Trường này không có trong tờ khai."))
        for field in fields:
            key = field["key"]
            value = data.get(key)
            path = prefix + key
            if not self.active(field, scopes, 0):
                if not _empty(value):
                    self.add(path, self.inactive_message(field, scopes))
                continue
            self.field(field, value, path, scopes)

    def active(self, field, scopes, depth):
        """A field without ``when`` exists; one with it exists while the named field exists and has that value."""
        when = field.get("when")
        if not when or depth > 50:
            return depth <= 50
        for i, (by_key, data) in enumerate(scopes):
            if when["field"] in by_key:
                named = by_key[when["field"]]
                inner = scopes[i:]
                return self.active(named, inner, depth + 1) and _same(data.get(when["field"]), when["equals"])
        return False

    def inactive_message(self, field, scopes):
        when = field["when"]
        named = _find([by_key for by_key, _data in scopes], when["field"]) or {}
        return _("Chỉ khai trường này khi “%(field)s” là “%(value)s”.") % {
            "field": named.get("label", when["field"]),
            "value": _shown_value(named, when["equals"]),
        }

    def field(self, field, value, path, scopes):
        kind = field["type"]
        if kind == "group":
            self.group(field, value, path, scopes)
            return
        if _empty(value):
            if self.complete and field.get("required"):
                self.add(path, _("Vui lòng nhập thông tin này."))
            return
        message = getattr(self, "check_" + kind)(field, value)
        if message:
            self.add(path, message)

    def group(self, field, value, path, scopes):
        required = field.get("required", False)
        if "repeat" in field:
            self.repeated(field, value, path, scopes)
            return
        if _empty(value):
            if not (self.complete and required):
                return
            value = {}
        if not isinstance(value, dict):
            self.add(path, _("Phải là một nhóm thông tin (đối tượng JSON)."))
            return
        before = len(self.errors)
        self.level(field["fields"], value, path + ".", scopes)
        if not value and len(self.errors) == before:
            self.add(path, _("Vui lòng nhập thông tin này."))

    def repeated(self, field, value, path, scopes):
        low, high = field["repeat"].get("min", 0), field["repeat"].get("max", MAX_REPEAT)
        if value is None:
            value = []
        if not isinstance(value, list):
            self.add(path, _("Phải là một danh sách."))
            return
        if len(value) > high:
            self.add(path, _("Tối đa %(max)d mục (đang có %(count)d).") % {"max": high, "count": len(value)})
        elif self.complete and not value and field.get("required"):
            self.add(path, _("Vui lòng nhập thông tin này."))
        elif self.complete and len(value) < low:
            self.add(path, _("Cần ít nhất %(min)d mục (đang có %(count)d).") % {"min": low, "count": len(value)})
        for i, item in enumerate(value[:high]):
            if not isinstance(item, dict):
                self.add(f"{path}[{i}]", _("Phải là một nhóm thông tin (đối tượng JSON)."))
                continue
            self.level(field["fields"], item, f"{path}[{i}].", scopes)

    # --- the types: each returns a message or None -----------------------------------------------

    def _text(self, value, longest):
        if not isinstance(value, str):
            return _("Phải là một chuỗi văn bản.")
        if "\x00" in value:
            return _("Không được chứa ký tự NUL.")
        if len(value) > longest:
            return _("Tối đa %(max)d ký tự (đang có %(count)d).") % {"max": longest, "count": len(value)}
        return None

    def check_text(self, field, value):
        return self._text(value, field.get("max_length", DEFAULT_MAX_LENGTH[field["type"]]))

    check_textarea = check_text

    def check_number(self, field, value):
        if not _is_number(value):
            return _("Phải là một số.")
        if "min" in field and value < field["min"]:
            return _("Phải từ %(min)s trở lên.") % {"min": _number(field["min"])}
        if "max" in field and value > field["max"]:
            return _("Không được lớn hơn %(max)s.") % {"max": _number(field["max"])}
        return None

    def check_date(self, field, value):
        if isinstance(value, str) and "\x00" in value:
            return _("Không được chứa ký tự NUL.")
        day = _iso_date(value)
        if day is None:
            return _("Ngày không hợp lệ; dùng dạng YYYY-MM-DD, ví dụ 2024-03-02.")
        low, high = self.bound(field.get("min")), self.bound(field.get("max"))
        if low is not None and day < low:
            return _("Không được trước ngày %(date)s.") % {"date": low.strftime("%d/%m/%Y")}
        if high is not None and day > high:
            if field.get("max") == TODAY:
                return _("Không được sau ngày hôm nay (%(date)s).") % {"date": high.strftime("%d/%m/%Y")}
            return _("Không được sau ngày %(date)s.") % {"date": high.strftime("%d/%m/%Y")}
        return None

    def bound(self, value):
        return self.today if value == TODAY else _iso_date(value) if value is not None else None

    def check_choice(self, field, value):
        if not isinstance(value, str) or value not in {c["value"] for c in field["choices"]}:
            if isinstance(value, str) and "\x00" in value:
                return _("Không được chứa ký tự NUL.")
            return _("“%(value)s” không phải một lựa chọn của trường này.") % {"value": _short(value)}
        return None

    def check_boolean(self, field, value):
        return None if isinstance(value, bool) else _("Chọn có (true) hoặc không (false).")

    def check_national_id(self, field, value):
        message = self._text(value, 12) if not isinstance(value, str) or "\x00" in value else None
        if message:
            return message
        found = national_id.problem(value, self.today)
        if found == national_id.SHAPE:
            return _("Số định danh cá nhân gồm đúng 12 chữ số.")
        if found == national_id.PROVINCE:
            return _("Ba chữ số đầu “%(code)s” không phải mã tỉnh nơi đăng ký khai sinh.") % {"code": value[:3]}
        if found == national_id.CENTURY:
            return _("Chữ số thứ tư và năm sinh (%(year)s) không hợp lệ: năm sinh chưa đến.") % {
                "year": national_id.birth_year(value)
            }
        return None

    def check_phone(self, field, value):
        message = self._text(value, 20)
        if message:
            return message
        if not PHONE_RE.match(value):
            return _("Số điện thoại không hợp lệ: 10 hoặc 11 chữ số bắt đầu bằng 0 (hoặc +84).")
        return None

    def check_email(self, field, value):
        message = self._text(value, 254)
        if message:
            return message
        try:
            validate_email(value)
        except ValidationError:
            return _("Địa chỉ thư điện tử không hợp lệ.")
        return None

    def check_address(self, field, value):
        if not isinstance(value, dict):
            return _("Địa chỉ gồm số nhà, đường (line), phường/xã (ward), quận/huyện (district) và tỉnh (province).")
        unknown = [k for k in value if k not in ADDRESS_PARTS]
        if unknown:
            return _("Địa chỉ không có phần “%(part)s”.") % {"part": _short(unknown[0])}
        for part in ADDRESS_PARTS:
            if not _empty(value.get(part)):
                message = self._text(value[part], ADDRESS_PART_LENGTH)
                if message:
                    return message
        if self.complete and field.get("required"):
            missing = [p for p in ADDRESS_REQUIRED if _empty(value.get(p))]
            if missing:
                names = {"line": _("số nhà, đường"), "ward": _("phường/xã"), "province": _("tỉnh/thành phố")}
                return _("Địa chỉ còn thiếu: %(parts)s.") % {"parts": ", ".join(str(names[p]) for p in missing)}
        return None


# --------------------------------------------------------------------------- small helpers


def _empty(value):
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value or (isinstance(value, dict) and all(_empty(v) for v in value.values()))
    return False


def _same(value, equals):
    if isinstance(equals, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(equals, bool) and value == equals
    if _is_number(equals):
        return _is_number(value) and value == equals
    return value == equals


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _iso_date(value):
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _number(value):
    return f"{value:,}".replace(",", ".") if _is_int(value) else str(value)


def _short(value):
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _shown_value(field, value):
    if isinstance(value, bool):
        return _("có") if value else _("không")
    for choice in field.get("choices") or []:
        if isinstance(choice, dict) and choice.get("value") == value:
            return choice.get("label", value)
    return value


def _json(value):
    return json.dumps(value, ensure_ascii=False)
