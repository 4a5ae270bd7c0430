"""The province admin's form editor (issue 16, "editable in the admin by a province admin"): the pure half.

A declaration form is a tree (api.md "Electronic declaration forms"); the editor shows it as a flat list of
rows, one a field, in the order the citizen sees them. A row names its group by the group row's ``row_id``
(``parent``; empty at the top), so renaming a group's key or moving rows keeps its children with it. Typed
values are written as an admin would say them: choices one a line (``value | label``, or a label alone whose
value is made from it), dates as dd/mm/yyyy or "hôm nay", a condition's value as the admin reads it ("có" /
"không" for a yes/no field).

- ``rows_from_definition(definition)``: the rows of a published definition.
- ``definition_from_rows(rows)``: the definition the rows make, and where each row landed (its path, as
  ``portal.eform.definition_errors`` names it), and the problems found on the way (a row whose group is not
  a group of the form).
- ``row_errors(problems, places)``: ``definition_errors``' findings moved beside the row and the column they
  name, in Vietnamese.

No database, no request: the admin's view (portal/form_editor/views.py) calls these.
"""

import itertools
import re
import unicodedata
from datetime import date

from django.utils.translation import gettext as _

from .. import eform

COLUMNS = (
    "row_id",
    "parent",
    "key",
    "label",
    "type",
    "required",
    "help",
    "choices",
    "min",
    "max",
    "max_length",
    "when_field",
    "when_equals",
    "prefill",
    "repeat",
    "repeat_min",
    "repeat_max",
)
TODAY_WORDS = ("hôm nay", "hom nay", "today")
YES_WORDS = ("có", "co", "true", "1", "yes")
NO_WORDS = ("không", "khong", "false", "0", "no")
CHOICE_SEPARATOR = "|"
TOP = ""  # a row at the top of the form names no group
NON_ROW = "__all__"  # problems of the whole form (no field at all)
TITLE = "title"  # the paper form's heading (optional), a problem of its own


# --------------------------------------------------------------------------- definition → rows


def rows_from_definition(definition):
    """The editor's rows of ``definition``: dicts of COLUMNS as text (checkboxes as booleans)."""
    rows = []
    counter = itertools.count(1)

    def walk(fields, parent):
        for field in fields:
            if not isinstance(field, dict):
                continue
            row_id = f"r{next(counter)}"
            rows.append(_row(field, row_id, parent))
            if field.get("type") == "group" and isinstance(field.get("fields"), list):
                walk(field["fields"], row_id)

    fields = definition.get("fields") if isinstance(definition, dict) else None
    walk(fields if isinstance(fields, list) else [], TOP)
    return rows


def _row(field, row_id, parent):
    kind = field.get("type", "")
    when = field.get("when") if isinstance(field.get("when"), dict) else {}
    repeat = field.get("repeat") if isinstance(field.get("repeat"), dict) else None
    return {
        "row_id": row_id,
        "parent": parent,
        "key": _text(field.get("key")),
        "label": _text(field.get("label")),
        "type": _text(kind),
        "required": field.get("required") is True,
        "help": _text(field.get("help")),
        "choices": "\n".join(
            f"{c.get('value', '')} {CHOICE_SEPARATOR} {c.get('label', '')}"
            for c in field.get("choices") or []
            if isinstance(c, dict)
        ),
        "min": _bound_text(field.get("min"), kind),
        "max": _bound_text(field.get("max"), kind),
        "max_length": _text(field.get("max_length")),
        "when_field": _text(when.get("field")),
        "when_equals": _equals_text(when.get("equals")) if when else "",
        "prefill": _text(field.get("prefill")),
        "repeat": repeat is not None,
        "repeat_min": _text(repeat.get("min")) if repeat else "",
        "repeat_max": _text(repeat.get("max")) if repeat else "",
    }


def _text(value):
    return "" if value is None else str(value)


def _bound_text(value, kind):
    if value is None:
        return ""
    if kind == "date":
        if value == eform.TODAY:
            return "hôm nay"
        day = eform._iso_date(value)
        return day.strftime("%d/%m/%Y") if day else _text(value)
    return _text(value)


def _equals_text(value):
    if isinstance(value, bool):
        return "có" if value else "không"
    return _text(value)


# --------------------------------------------------------------------------- rows → definition


def definition_from_rows(rows, title=""):
    """``(definition, places, problems)``: the definition the rows make (deleted rows left out by the caller),
    with the paper form's ``title`` when there is one,
    ``places`` {path: row_id} (``fields[0].fields[2]`` → the row it came from) and ``problems``
    {row_id: {column: [message]}} found while building (a group that is not there, a group inside itself)."""
    problems = {}
    by_id = {row["row_id"]: row for row in rows}
    children = {}
    for row in rows:
        parent = row.get("parent") or TOP
        if parent != TOP and (parent not in by_id or by_id[parent].get("type") != "group"):
            _add(problems, row["row_id"], "parent", _("Nhóm này không còn trong tờ khai: chọn lại nhóm chứa trường."))
            parent = TOP
        elif parent != TOP and _inside_itself(row, by_id):
            _add(problems, row["row_id"], "parent", _("Một nhóm không thể nằm trong chính nó."))
            parent = TOP
        children.setdefault(parent, []).append(row)

    places = {}

    def level(parent, path, seen):
        fields = []
        for i, row in enumerate(children.get(parent, [])):
            here = f"{path}[{i}]"
            places[here] = row["row_id"]
            field = _field(row, by_id)
            if field.get("type") == "group" and row["row_id"] not in seen:
                field["fields"] = level(row["row_id"], f"{here}.fields", seen | {row["row_id"]})
            fields.append(field)
        return fields

    definition = {"title": title} if title else {}
    definition["fields"] = level(TOP, "fields", frozenset())
    return definition, places, problems


def _inside_itself(row, by_id):
    seen, current = set(), row
    while (current.get("parent") or TOP) != TOP:
        if current["row_id"] in seen:
            return True
        seen.add(current["row_id"])
        current = by_id.get(current["parent"])
        if current is None:
            return False
    return False


def _field(row, by_id):
    """One row as a field; a column its type does not use is left out (the page hides it, the type may have
    changed since it was filled)."""
    kind = (row.get("type") or "").strip()
    field = {"key": (row.get("key") or "").strip(), "label": (row.get("label") or "").strip(), "type": kind}
    if row.get("required"):
        field["required"] = True
    if (row.get("help") or "").strip():
        field["help"] = row["help"].strip()
    if kind == "choice":
        field["choices"] = parse_choices(row.get("choices") or "")
    for name in ("min", "max"):
        text = (row.get(name) or "").strip()
        if text and kind in ("number", "date"):
            field[name] = _bound_value(text, kind)
    text = (row.get("max_length") or "").strip()
    if text and kind in eform.DEFAULT_MAX_LENGTH:
        field["max_length"] = _integer(text)
    when_field = (row.get("when_field") or "").strip()
    if when_field:
        named = _named(when_field, row, by_id)
        field["when"] = {"field": when_field, "equals": _equals_value((row.get("when_equals") or "").strip(), named)}
    if (row.get("prefill") or "").strip() and kind != "group":
        field["prefill"] = row["prefill"].strip()
    if row.get("repeat") and kind == "group":
        repeat = {}
        for name in ("min", "max"):
            text = (row.get(f"repeat_{name}") or "").strip()
            if text:
                repeat[name] = _integer(text)
        field["repeat"] = repeat
    return field


def parse_choices(text):
    """``value | label`` a line; a line without ``|`` is a label whose value is made from it ("Nữ" → "nu")."""
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if CHOICE_SEPARATOR in line:
            value, label = (part.strip() for part in line.split(CHOICE_SEPARATOR, 1))
        else:
            label = line.strip()
            value = value_from_label(label)
        choices.append({"value": value, "label": label})
    return choices


def value_from_label(label):
    """ "Người thân thích khác" → "nguoi_than_thich_khac": lower-case ASCII letters, digits and _."""
    text = label.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _named(key, row, by_id):
    """The field a condition names: of the row's own group, else of a group around it (as eform looks it up)."""
    parent = row.get("parent") or TOP
    seen = set()
    while True:
        for other in by_id.values():
            if (other.get("parent") or TOP) == parent and (other.get("key") or "").strip() == key:
                return other
        if parent == TOP or parent in seen or parent not in by_id:
            return None
        seen.add(parent)
        parent = by_id[parent].get("parent") or TOP


def _equals_value(text, named):
    kind = (named or {}).get("type")
    if kind == "boolean":
        lowered = text.lower()
        return True if lowered in YES_WORDS else False if lowered in NO_WORDS else text
    if kind == "number":
        return _number(text)
    if kind == "choice":
        values = {c["value"] for c in parse_choices(named.get("choices") or "")}
        if text not in values:  # the admin may type the label they read
            for choice in parse_choices(named.get("choices") or ""):
                if choice["label"].lower() == text.lower():
                    return choice["value"]
    return text


def _bound_value(text, kind):
    if kind == "date":
        if text.lower() in TODAY_WORDS:
            return eform.TODAY
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if match:
            try:
                return date(int(match[3]), int(match[2]), int(match[1])).isoformat()
            except ValueError:
                return text
        return text
    return _number(text)


def _number(text):
    cleaned = text.replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", cleaned):  # 1.000.000 as Vietnamese write it
        cleaned = cleaned.replace(".", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        value = float(cleaned.replace(",", "."))
    except ValueError:
        return text
    return value if value == value and abs(value) != float("inf") else text


def _integer(text):
    try:
        return int(text.replace(".", "").replace(" ", ""))
    except ValueError:
        return text


def _add(problems, row_id, column, message):
    problems.setdefault(row_id, {}).setdefault(column, []).append(message)


# --------------------------------------------------------------------------- definition_errors → rows

# The part of a path after a row's own path → the editor's column.
_COLUMN_OF = {
    "key": "key",
    "label": "label",
    "type": "type",
    "required": "required",
    "help": "help",
    "prefill": "prefill",
    "min": "min",
    "max": "max",
    "max_length": "max_length",
    "when": "when_field",
    "when.field": "when_field",
    "when.equals": "when_equals",
    "fields": "type",
    "repeat": "repeat_min",
    "repeat.min": "repeat_min",
    "repeat.max": "repeat_max",
}


def row_errors(problems, places, found=None):
    """``definition_errors``' findings ``[(path, message)]`` as {row_id: {column: [Vietnamese message]}}
    (merged into ``found``); a problem of the whole form is under NON_ROW."""
    found = found if found is not None else {}
    for path, message in problems:
        if path == TITLE:
            _add(found, TITLE, TITLE, vietnamese(path, message))
            continue
        row_id, rest = _row_of(path, places)
        if row_id is None:
            found.setdefault(NON_ROW, {}).setdefault(NON_ROW, []).append(vietnamese(rest, message))
            continue
        column = "choices" if rest.startswith("choices") else _COLUMN_OF.get(rest, "key")
        if rest == "fields" and "non-empty list" in message:
            message = "empty group"
        _add(found, row_id, column, vietnamese(rest, message))
    return found


def _row_of(path, places):
    """The row a path names (the longest row path it starts with) and the rest of it."""
    best = None
    for place in places:
        if (path == place or path.startswith(place + ".")) and (best is None or len(place) > len(best)):
            best = place
    if best is None:
        return None, path
    return places[best], path[len(best) + 1 :]


_MESSAGES = [
    (r"^empty group$", lambda m: _("Nhóm cần ít nhất một trường: thêm trường và chọn nhóm này ở ô “Thuộc nhóm”.")),
    (r"^expected a non-empty list of fields$", lambda m: _("Tờ khai cần ít nhất một trường.")),
    (r"^expected an object with fields$", lambda m: _("Tờ khai phải là một đối tượng có danh sách trường.")),
    (r"^unknown field \(expected", lambda m: _("Thuộc tính này không có trong tờ khai điện tử.")),
    (r"^duplicate of ", lambda m: _("Trùng với một trường khác trong cùng nhóm.")),
    (r"^expected an object$", lambda m: _("Mỗi trường phải là một đối tượng.")),
    (
        r"^required: lower-case",
        lambda m: _("Bắt buộc: chữ thường không dấu, chữ số và dấu _, bắt đầu bằng một chữ cái, tối đa 40 ký tự."),
    ),
    (r"^required: a non-empty text", lambda m: _("Bắt buộc: một nhãn không rỗng, tối đa 300 ký tự.")),
    (r" is not one of text", lambda m: _("Chọn một loại trường.")),
    (r"^expected true or false$", lambda m: _("Chọn có hoặc không.")),
    (r"^expected a text of at most", lambda m: _("Tối đa 1.000 ký tự.")),
    (r"^expected a non-empty text of at most 300", lambda m: _("Không để trống, tối đa 300 ký tự.")),
    (r" is not one of full_name", lambda m: _("Chọn một thông tin có trong hồ sơ công dân.")),
    (r"^only for choice fields$", lambda m: _("Chỉ trường “Lựa chọn” mới có danh sách lựa chọn.")),
    (r"^required for a choice field", lambda m: _("Trường “Lựa chọn” cần ít nhất một lựa chọn (mỗi dòng một).")),
    (r"^expected \{value, label\}", lambda m: _("Mỗi dòng cần một giá trị và một nhãn: “giá trị | nhãn”.")),
    (r"^expected a number, got", lambda m: _("Phải là một số.")),
    (r"^expected a date", lambda m: _("Phải là một ngày dạng dd/mm/yyyy hoặc “hôm nay”.")),
    (r"^only for number and date fields", lambda m: _("Chỉ trường số hoặc ngày mới có giới hạn nhỏ nhất, lớn nhất.")),
    (r"^min .* is more than max", lambda m: _("Giới hạn nhỏ nhất lớn hơn giới hạn lớn nhất.")),
    (r"^only for text and textarea fields$", lambda m: _("Chỉ trường văn bản mới có độ dài tối đa.")),
    (r"^expected an integer from 1 to 10000$", lambda m: _("Phải là một số nguyên từ 1 đến 10.000.")),
    (r"^expected \{field, equals\}$", lambda m: _("Điều kiện cần tên trường và giá trị.")),
    (r"^expected a text, a number or true/false", lambda m: _("Giá trị của điều kiện không hợp lệ.")),
    (
        r'^unknown field "?(.*?)"? \(a field',
        lambda m: _("Không có trường “%(key)s” trong nhóm này hay nhóm ngoài nó.") % {"key": m[1]},
    ),
    (r"^a field cannot depend on itself$", lambda m: _("Một trường không thể phụ thuộc vào chính nó.")),
    (r"is a group; a condition", lambda m: _("Điều kiện phải dựa vào một trường có giá trị, không phải một nhóm.")),
    (
        r"^(.*) is not a choice of (\S+) \((.*)\)$",
        lambda m: (
            _("%(value)s không phải một lựa chọn của “%(key)s” (các lựa chọn: %(values)s).")
            % {"value": m[1], "key": m[2], "values": m[3]}
        ),
    ),
    (r"is a boolean: expected true or false", lambda m: _("Trường này là có/không: ghi “có” hoặc “không”.")),
    (r"^a cycle of conditions: (.*)$", lambda m: _("Các điều kiện vòng quanh nhau: %(chain)s.") % {"chain": m[1]}),
    (r"^groups may be nested at most", lambda m: _("Nhóm lồng nhau tối đa %(n)d cấp.") % {"n": eform.MAX_DEPTH}),
    (r"^only for group fields$", lambda m: _("Chỉ nhóm mới có trường con hoặc lặp lại.")),
    (r"^expected \{min, max\}$", lambda m: _("Lặp lại cần số mục ít nhất và nhiều nhất.")),
    (r"^expected an integer of at least 0$", lambda m: _("Phải là một số nguyên từ 0 trở lên.")),
    (
        r"^expected an integer from 1 to 100$",
        lambda m: _("Phải là một số nguyên từ 1 đến %(max)d.") % {"max": eform.MAX_REPEAT},
    ),
    (r"^min \d+ is more than max \d+$", lambda m: _("Số mục ít nhất lớn hơn số mục nhiều nhất.")),
]


def vietnamese(rest, message):
    """``definition_errors``' English message (written for the catalog import) as the admin reads it."""
    for pattern, text in _MESSAGES:
        match = re.search(pattern, message)
        if match:
            return text(match)
    return _("Giá trị không hợp lệ.")
