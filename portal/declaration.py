"""The declaration form (tờ khai điện tử) on the pages: a Django form built from a form definition
(portal/eform.py), and the rows that show a stored declaration with its version's labels.

``DeclarationForm(definition, data=None, *, initial=None, prefix="fd", provinces=None)`` has one Django field
per input: a leaf is ``fd-<key>``, a group's field ``fd-<group>-<key>``, the i-th row of a repeated group
``fd-<group>-<i>-<key>`` (from 0), an address four inputs ``fd-<key>-line|ward|district|province``. Keys are
lower-case letters, digits and ``_`` starting with a letter (eform.KEY_RE), so the form's own inputs end in a
part no key can be: ``fd-<group>-_n`` (the rows of a repeated group), ``fd-<group>-_add`` and
``fd-<group>-_remove`` (the buttons that add a row or remove row i).

Decisions:
- The Django fields only convert (a date typed dd/mm/yyyy, a number, a choice among the choices); every rule
  is ``eform.validate``'s, run by the service that saves or submits: its errors come back through ``attach``
  and are shown beside the field their path names (``key``, ``group.key``, ``group[i].key``), a group's or an
  address's beside that group or address; the posted values stay in the inputs.
- ``form_data()`` is the JSON the validator checks: numbers as numbers, booleans as true/false, dates ISO,
  an address ``{line, ward, district, province}``, choices by value; blank inputs are left out (a draft may
  be incomplete), as are a repeated group's trailing blank rows (blank rows between filled ones stay, so the
  validator's ``group[i]`` is the i-th row on the page).
- Repeated groups work without JavaScript: "Thêm …" and "Xoá" are submit buttons; the page re-renders with the
  typed values and one row more (never above ``repeat.max``) or less, and saves nothing (``repeat_action``).
  A new form shows ``repeat.min`` rows (one for a required group without a minimum).
- Conditions (``when``) without JavaScript: the dependent field is shown with a hint naming the condition
  ("Chỉ điền khi …"); static/js/declaration.js hides it (and disables its inputs, so nothing is posted for
  it) while the condition is false, and adds and removes rows in place.
- Booleans are two radios, Có / Không, so that "not answered" stays possible (a required boolean needs an
  answer); a choice of up to five options is radios, a longer one a select.
- The address's province is a select of the catalog's provinces (``provinces``, names; a stored name that is
  not among them stays selectable); ward, district and line are typed: there is no table of wards.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import eform
from .widgets import DateField, parse_date

SEP = "-"
COUNT, ADD, REMOVE = "_n", "_add", "_remove"
ROW_TOKEN = "__i__"  # the row index of a repeated group's blank row, for the script's in-place "Thêm"
NUMBER_TOKEN = "__n__"  # and its number as shown (index + 1)
RADIO_MAX = 5
ADDRESS_LABELS = {
    "line": gettext_lazy("Số nhà, đường phố, thôn, xóm"),
    "ward": gettext_lazy("Phường, xã, đặc khu"),
    "district": gettext_lazy("Quận, huyện (nếu còn)"),
    "province": gettext_lazy("Tỉnh, thành phố"),
}
ADDRESS_AUTOCOMPLETE = {"line": "street-address", "ward": "off", "district": "off", "province": "off"}


# --------------------------------------------------------------------------- the fields


class NumberField(forms.CharField):
    """A number typed with a decimal comma or point: an int when whole, else a float."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(max_length=None, **kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            number = Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(text) > 30:
            raise forms.ValidationError(_("Phải là một số."), code="invalid")
        return int(number) if number == number.to_integral_value() else float(number)


class YesNoField(forms.ChoiceField):
    """Có / Không as two radios; True, False or None (not answered)."""

    def __init__(self, **kwargs):
        super().__init__(choices=[("true", _("Có")), ("false", _("Không"))], widget=forms.RadioSelect, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return {"true": True, "false": False}.get(value)


def _leaf_field(field):
    kind = field["type"]
    common = {"required": False, "label": field["label"]}
    if kind in ("text", "textarea"):
        longest = field.get("max_length", eform.DEFAULT_MAX_LENGTH[kind])
        if kind == "textarea":
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "maxlength": longest}), **common)
        return forms.CharField(widget=forms.TextInput(attrs={"maxlength": longest}), **common)
    if kind == "number":
        return NumberField(**common)
    if kind == "date":
        return DateField(**common)
    if kind == "choice":
        choices = [(c["value"], c["label"]) for c in field["choices"]]
        if len(choices) <= RADIO_MAX:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(choices=[("", _("— Chọn —")), *choices], **common)
    if kind == "boolean":
        return YesNoField(**common)
    if kind == "national_id":
        attrs = {"inputmode": "numeric", "maxlength": 12, "autocomplete": "off", "pattern": "[0-9]*"}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if kind == "phone":
        attrs = {"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": 20}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if kind == "email":
        return forms.CharField(widget=forms.EmailInput(attrs={"autocomplete": "email", "maxlength": 254}), **common)
    raise ValueError(kind)


def _address_fields(field, provinces, current):
    parts = {}
    for part in eform.ADDRESS_PARTS:
        attrs = {"maxlength": eform.ADDRESS_PART_LENGTH, "autocomplete": ADDRESS_AUTOCOMPLETE[part]}
        parts[part] = forms.CharField(label=ADDRESS_LABELS[part], required=False, widget=forms.TextInput(attrs=attrs))
    if provinces is not None:
        names = list(provinces)
        if current and current not in names:
            names.append(current)  # a province typed elsewhere (the API) stays what it is
        choices = [("", _("— Chọn tỉnh, thành phố —")), *((name, name) for name in names)]
        parts["province"] = forms.ChoiceField(label=ADDRESS_LABELS["province"], required=False, choices=choices)
    return parts


# --------------------------------------------------------------------------- what the template walks


class Node:
    """One field of the definition on the page. ``kind``: leaf, address, group or repeat."""

    kind = ""

    def __init__(self, field, name, path, when):
        self.field = field
        self.key = field["key"]
        self.label = field["label"]
        self.help = field.get("help", "")
        self.required = bool(field.get("required"))
        self.name = name
        self.path = path
        self.when = when  # {"name", "value", "hint"} or None
        self.errors = []

    @property
    def id(self):
        return "id_" + self.name

    @property
    def has_errors(self):
        return bool(self.errors)


class Leaf(Node):
    kind = "leaf"

    def __init__(self, field, name, path, when, bound):
        super().__init__(field, name, path, when)
        self.bound = bound
        widget = bound.field.widget
        self.radios = isinstance(widget, forms.RadioSelect)
        self.check = False

    @property
    def id(self):
        return self.bound.auto_id

    @property
    def has_errors(self):
        return bool(self.bound.errors)


class Address(Node):
    kind = "address"

    def __init__(self, field, name, path, when, parts):
        super().__init__(field, name, path, when)
        self.parts = parts  # [(part, BoundField)]


class Group(Node):
    kind = "group"

    def __init__(self, field, name, path, when, children):
        super().__init__(field, name, path, when)
        self.children = children


class Row:
    def __init__(self, index, children, remove_name):
        self.index = index
        self.number = index + 1 if isinstance(index, int) else NUMBER_TOKEN
        self.children = children
        self.remove_name = remove_name


class Repeat(Node):
    kind = "repeat"

    def __init__(self, field, name, path, when, rows, blank):
        super().__init__(field, name, path, when)
        self.rows = rows
        self.blank = blank  # the children of a blank row at index ROW_TOKEN, for the script
        self.low = field["repeat"].get("min", 0)
        self.high = field["repeat"].get("max", eform.MAX_REPEAT)
        self.count_name = name + SEP + COUNT
        self.add_name = name + SEP + ADD
        self.remove_name = name + SEP + REMOVE

    @property
    def count(self):
        return len(self.rows)

    @property
    def blank_row(self):
        return Row(ROW_TOKEN, self.blank, self.remove_name) if self.blank is not None else None

    @property
    def can_add(self):
        return len(self.rows) < self.high


# --------------------------------------------------------------------------- the form


class DeclarationForm(forms.Form):
    """The declaration of one form version as Django fields (see the module's docstring).

    ``initial`` is a stored declaration (``form_data``); ``data`` the posted inputs. ``is_valid()`` is True
    when every input converts; ``form_data()`` is then the declaration to save; ``attach(errors)`` puts the
    validator's errors beside their fields; ``repeat_action`` says a row was added or removed (nothing to
    save: show the page again)."""

    def __init__(self, definition, data=None, *, initial=None, prefix="fd", provinces=None, **kwargs):
        self.definition = definition or {}
        self.base = prefix
        self.provinces = list(provinces) if provinces is not None else None
        self.repeat_action = False
        if data is not None:
            data = self._normalized(data)
        self.stored = initial or {}
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, initial=flatten(self.definition, self.stored, prefix), **kwargs)
        self.by_path = {}
        self._blank_fields = {}
        self.nodes = self._level(self.definition.get("fields") or [], prefix, "", [], self.stored, build=True)

    def full_clean(self):
        super().full_clean()
        if self.repeat_action:  # a row added or removed: the page comes back as typed, without errors yet
            self._errors = forms.utils.ErrorDict()

    # --- posted rows: added, removed -------------------------------------------------------------

    def _normalized(self, data):
        """The posted inputs as a plain dict, with a pressed "Thêm"/"Xoá" applied to the rows' numbering."""
        start = self.base + SEP
        values = {key: data.get(key) for key in data if key.startswith(start)}
        for key in list(values):
            if key.endswith(SEP + ADD):
                group = key[: -len(SEP + ADD)]
                values.pop(key)
                values[group + SEP + COUNT] = str(_int(values.get(group + SEP + COUNT), _rows_seen(values, group)) + 1)
                self.repeat_action = True
            elif key.endswith(SEP + REMOVE):
                group = key[: -len(SEP + REMOVE)]
                index = _int(values.pop(key), -1)
                count = _int(values.get(group + SEP + COUNT), _rows_seen(values, group))
                if 0 <= index < count:
                    values = _remove_row(values, group, index, count)
                self.repeat_action = True
        return values

    # --- building the nodes ----------------------------------------------------------------------

    def _level(self, fields, name_prefix, path_prefix, outer, stored, build):
        names = {f["key"]: (f, name_prefix + SEP + f["key"]) for f in fields}
        scopes = [names, *outer]
        nodes = []
        for field in fields:
            key, kind = field["key"], field["type"]
            name, path = name_prefix + SEP + key, path_prefix + key
            when = self._when(field, scopes)
            value = stored.get(key) if isinstance(stored, dict) else None
            if kind == "group" and "repeat" in field:
                node = self._repeat(field, name, path, when, scopes, value, build)
            elif kind == "group":
                children = self._level(field["fields"], name, path + ".", scopes, value, build)
                node = Group(field, name, path, when, children)
            elif kind == "address":
                current = value.get("province") if isinstance(value, dict) else None
                if self.is_bound:
                    current = self.data.get(name + SEP + "province") or current
                parts = []
                for part, django_field in _address_fields(field, self.provinces, current).items():
                    parts.append((part, self._add(name + SEP + part, django_field, build)))
                node = Address(field, name, path, when, parts)
            else:
                django_field = _leaf_field(field)
                # A help text makes Django describe the input by the help line (ids "<id>_helptext").
                django_field.help_text = field.get("help") or (when or {}).get("hint", "")
                node = Leaf(field, name, path, when, self._add(name, django_field, build))
            if build:
                self.by_path[path] = node
            nodes.append(node)
        return nodes

    def _add(self, name, django_field, build):
        if build:
            self.fields[name] = django_field
            return self[name]
        self._blank_fields[name] = django_field
        return forms.BoundField(self, django_field, name)

    def _repeat(self, field, name, path, when, scopes, stored, build):
        stored = stored if isinstance(stored, list) else []
        high = field["repeat"].get("max", eform.MAX_REPEAT)
        if not build:
            count = 0
        elif self.is_bound:
            count = _int(self.data.get(name + SEP + COUNT), _rows_seen(self.data, name))
        else:
            low = field["repeat"].get("min", 0) or (1 if field.get("required") else 0)
            count = max(len(stored), low)
        count = max(0, min(count, high))
        rows = []
        for i in range(count):
            item = stored[i] if i < len(stored) else {}
            children = self._level(field["fields"], f"{name}{SEP}{i}", f"{path}[{i}].", scopes, item, build)
            rows.append(Row(i, children, name + SEP + REMOVE))
        blank = None
        if build:
            blank = self._level(field["fields"], f"{name}{SEP}{ROW_TOKEN}", f"{path}[].", scopes, {}, False)
        return Repeat(field, name, path, when, rows, blank)

    def _when(self, field, scopes):
        when = field.get("when")
        if not when:
            return None
        for level in scopes:
            if when["field"] in level:
                target, name = level[when["field"]]
                shown = eform._shown_value(target, when["equals"])
                hint = _("Chỉ điền khi “%(field)s” là “%(value)s”.") % {"field": target["label"], "value": shown}
                return {"name": name, "value": _as_input(when["equals"]), "hint": hint}
        return None

    # --- what was typed, as the declaration ------------------------------------------------------

    def form_data(self):
        """The declaration (``form_data``) from the converted inputs; call after ``is_valid()``."""
        return self._collect(self.nodes)

    def _collect(self, nodes):
        out = {}
        for node in nodes:
            value = self._value(node)
            if not eform._empty(value):
                out[node.key] = value
        return out

    def _value(self, node):
        cleaned = getattr(self, "cleaned_data", {})
        if node.kind == "leaf":
            value = cleaned.get(node.name)
            if isinstance(value, date):
                return value.isoformat()
            return None if value in ("", None) else value
        if node.kind == "address":
            parts = {part: (cleaned.get(bound.name) or "").strip() for part, bound in node.parts}
            return {part: value for part, value in parts.items() if value}
        if node.kind == "group":
            return self._collect(node.children)
        rows = [self._collect(row.children) for row in node.rows]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    # --- errors ------------------------------------------------------------------------------------

    def attach(self, errors):
        """Put the validator's errors (``{path: [messages]}``) beside the fields they address."""
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}
        if self._errors is None:
            self._errors = forms.utils.ErrorDict()
        for path, messages in errors.items():
            node = self.by_path.get(path)
            if node is None:
                for message in messages:
                    self.add_error(None, message)
            elif node.kind == "leaf":
                for message in messages:
                    self.add_error(node.name, message)
            else:
                node.errors.extend(messages)

    def error_links(self):
        """Every error of the declaration as (anchor, label, message), in the order of the page."""
        links = [("", "", message) for message in self.non_field_errors()]
        for node in self.walk():
            messages = node.bound.errors if node.kind == "leaf" else node.errors
            for message in messages:
                links.append((node.id, self.label_path(node), message))
        return links

    def label_path(self, node):
        """ "Người được khai sinh – Họ, chữ đệm, tên": the labels from the top to ``node``."""
        labels, path = [], ""
        for part in _path_parts(node.path):
            path = part if not path else path + ("" if part.startswith("[") else ".") + part
            found = self.by_path.get(path)
            if part.startswith("["):
                labels[-1] = f"{labels[-1]} ({_('mục')} {int(part[1:-1]) + 1})"
            elif found is not None:
                labels.append(str(found.label))
        return " – ".join(labels)

    @property
    def has_errors(self):
        return bool(self.errors) or any(node.errors for node in self.walk())

    def walk(self, nodes=None):
        for node in self.nodes if nodes is None else nodes:
            yield node
            if node.kind == "group":
                yield from self.walk(node.children)
            elif node.kind == "repeat":
                for row in node.rows:
                    yield from self.walk(row.children)


# --------------------------------------------------------------------------- a stored declaration as inputs


def flatten(definition, form_data, prefix="fd"):
    """The inputs of a stored declaration: ``{input name: text}`` as the form shows them."""
    out = {}
    _flatten((definition or {}).get("fields") or [], form_data if isinstance(form_data, dict) else {}, prefix, out)
    return out


def _flatten(fields, data, prefix, out):
    for field in fields:
        name, value = prefix + SEP + field["key"], data.get(field["key"])
        if value is None:
            continue
        kind = field["type"]
        if kind == "group" and "repeat" in field:
            items = value if isinstance(value, list) else []
            out[name + SEP + COUNT] = str(len(items))
            for i, item in enumerate(items):
                _flatten(field["fields"], item if isinstance(item, dict) else {}, f"{name}{SEP}{i}", out)
        elif kind == "group":
            _flatten(field["fields"], value if isinstance(value, dict) else {}, name, out)
        elif kind == "address":
            for part in eform.ADDRESS_PARTS:
                if isinstance(value, dict) and isinstance(value.get(part), str):
                    out[name + SEP + part] = value[part]
        else:
            out[name] = _as_input(value)


def _as_input(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def prefilled(definition, profile):
    """A new declaration's starting values: each field marked ``prefill`` (outside repeated groups) takes the
    profile's value (``profile``: {"full_name", "national_id", "phone", "email": text, "address": an address
    dict}), when there is one."""
    return _prefill((definition or {}).get("fields") or [], profile)


def _prefill(fields, profile):
    out = {}
    for field in fields:
        if field["type"] == "group" and "repeat" not in field:
            inner = _prefill(field["fields"], profile)
            if inner:
                out[field["key"]] = inner
        elif field.get("prefill") and not eform._empty(profile.get(field["prefill"])):
            value = profile[field["prefill"]]
            if (field["type"] == "address") == isinstance(value, dict):
                out[field["key"]] = value
    return out


def prefill_paths(definition, source):
    """The key paths (tuples) of the fields marked ``"prefill": source``, outside repeated groups."""
    return list(_prefill_paths((definition or {}).get("fields") or [], source, ()))


def _prefill_paths(fields, source, above):
    for field in fields:
        if field["type"] == "group" and "repeat" not in field:
            yield from _prefill_paths(field["fields"], source, (*above, field["key"]))
        elif field.get("prefill") == source:
            yield (*above, field["key"])


# --------------------------------------------------------------------------- showing a stored declaration


class Shown:
    """One line of a shown declaration: ``kind`` value (label, text), group (label, children) or repeat
    (label, rows: [(number, children)])."""

    def __init__(self, kind, label, value="", children=(), rows=()):
        self.kind, self.label, self.value, self.children, self.rows = kind, label, value, list(children), list(rows)


def shown(definition, form_data):
    """A stored declaration as labelled lines with its version's labels: choices by label, dates dd/mm/yyyy,
    booleans Có/Không, an address in one line, groups and repeated rows (numbered) with their fields; a field
    whose condition did not apply, or left blank, is not shown."""
    data = form_data if isinstance(form_data, dict) else {}
    return _shown_level((definition or {}).get("fields") or [], data, [])


def _shown_level(fields, data, outer):
    by_key = {f["key"]: f for f in fields}
    scopes = [(by_key, data), *outer]
    check = eform._Check({}, False, None)
    lines = []
    for field in fields:
        value = data.get(field["key"])
        if eform._empty(value) or not check.active(field, scopes, 0):
            continue
        kind = field["type"]
        if kind == "group" and "repeat" in field:
            items = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
            rows = [(i + 1, _shown_level(field["fields"], item, scopes)) for i, item in enumerate(items)]
            lines.append(Shown("repeat", field["label"], rows=rows))
        elif kind == "group":
            children = _shown_level(field["fields"], value, scopes) if isinstance(value, dict) else []
            if children:
                lines.append(Shown("group", field["label"], children=children))
        else:
            lines.append(Shown("value", field["label"], _text_of(field, value)))
    return lines


def _text_of(field, value):
    kind = field["type"]
    if kind == "boolean" and isinstance(value, bool):
        return _("Có") if value else _("Không")
    if kind == "choice":
        return str(eform._shown_value(field, value))
    if kind == "date" and isinstance(value, str):
        day = parse_date(value)
        return day.strftime("%d/%m/%Y") if day else value
    if kind == "address" and isinstance(value, dict):
        return ", ".join(str(value[p]).strip() for p in eform.ADDRESS_PARTS if not eform._empty(value.get(p)))
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return eform._number(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
    return str(value)


# --------------------------------------------------------------------------- small helpers


def _int(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _rows_seen(values, group):
    """How many rows of ``group`` the inputs hold (when the count input is missing): the highest index + 1."""
    start, highest = group + SEP, -1
    for key in values:
        if key.startswith(start):
            index = key[len(start) :].split(SEP, 1)[0]
            if index.isdigit():
                highest = max(highest, int(index))
    return highest + 1


def _remove_row(values, group, index, count):
    start = group + SEP
    out = {}
    for key, value in values.items():
        if not key.startswith(start):
            out[key] = value
            continue
        head, _sep, rest = key[len(start) :].partition(SEP)
        if not head.isdigit() or int(head) < index:
            out[key] = value
        elif int(head) > index:
            out[f"{start}{int(head) - 1}{SEP}{rest}"] = value
    out[group + SEP + COUNT] = str(count - 1)
    return out


def _path_parts(path):
    """ "a[0].b.c" → ["a", "[0]", "b", "c"]."""
    parts = []
    for piece in path.split("."):
        while "[" in piece:
            head, _sep, tail = piece.partition("[")
            if head:
                parts.append(head)
            index, _sep, piece = tail.partition("]")
            parts.append(f"[{index}]")
        if piece:
            parts.append(piece)
    return parts
