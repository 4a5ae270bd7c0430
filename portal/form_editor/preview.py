"""The editor's preview: a definition rendered as the citizen's draft page will show it.

TEMPORARY: a minimal renderer of its own, until the declaration form of the citizen's page (portal/declaration.py
and its include, built on the `eform` branch) is merged; then ``render_preview`` renders through it and this
function's body is the only thing that changes."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

INPUT_TYPES = {"number": "number", "phone": "tel", "email": "email", "national_id": "text"}


def render_preview(definition, procedure):
    """HTML of the form (disabled inputs), fields in order, groups as fieldsets, a repeated group once."""
    return format_html('<div class="form-preview__form">{}</div>', _level(definition.get("fields") or [], "pv"))


def _level(fields, prefix):
    return format_html_join("", "{}", ((_field(f, f"{prefix}_{f['key']}"),) for f in fields))


def _field(field, name):
    kind, label = field["type"], field["label"]
    classes = "field" + (" field--required" if field.get("required") else "") + (" field--when" if "when" in field else "")
    help_html = format_html('<div class="field__help">{}</div>', field["help"]) if field.get("help") else ""
    if kind == "group":
        repeat = field.get("repeat")
        note = (
            format_html(
                '<p class="field__help">{}</p>',
                _("Nhóm lặp lại: từ %(min)d đến %(max)d mục; công dân bấm “Thêm mục”.")
                % {"min": repeat.get("min", 0), "max": repeat.get("max", 100)},
            )
            if repeat is not None
            else ""
        )
        return format_html(
            '<fieldset class="fieldset {}"><legend>{}</legend>{}{}{}</fieldset>',
            classes,
            label,
            help_html,
            note,
            _level(field["fields"], name),
        )
    if kind == "boolean":
        control = format_html('<div class="field__check"><input type="checkbox" id="{0}" disabled> <label for="{0}">{1}</label></div>', name, label)
        return format_html('<div class="{}">{}{}</div>', classes, control, help_html)
    if kind == "choice":
        options = format_html_join("", "<option>{}</option>", ((c["label"],) for c in field["choices"]))
        control = format_html('<select id="{}" disabled><option>---------</option>{}</select>', name, options)
    elif kind == "textarea":
        control = format_html('<textarea id="{}" rows="3" disabled></textarea>', name)
    elif kind == "address":
        control = format_html(
            '<input id="{}" disabled placeholder="{}"><select disabled><option>{}</option></select>',
            name,
            _("Số nhà, đường"),
            _("Phường/xã"),
        )
    elif kind == "date":
        control = format_html('<input id="{}" disabled placeholder="dd/mm/yyyy">', name)
    else:
        control = format_html('<input type="{}" id="{}" disabled>', INPUT_TYPES.get(kind, "text"), name)
    return format_html('<div class="{}"><label for="{}">{}</label>{}{}</div>', classes, name, label, help_html, control)
