"""The form editor's pages in the admin (issue 16): "Sửa tờ khai điện tử" of one procedure, and its live preview.

The editor is a Django formset of rows (portal/form_editor/rows.py turns them into a definition and back), so it
works without JavaScript: "Xem trước" posts the rows and the page comes back with the preview, "Phát hành" checks
the definition with ``portal.eform.definition_errors`` and publishes it as a new version with
``ProcedureForm.publish`` (dossiers keep the version they were made with). static/js/form-editor.js adds the
live preview (the same rows posted to the preview URL as the admin types), moving, adding and removing rows.

ProcedureAdmin hands these views the procedure it found in its own scoped queryset: another province's procedure
is a 404 before anything here runs, and a user who may not change it a 403.
"""

import json

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .. import eform
from ..models import Procedure, ProcedureForm
from . import rows as editor_rows
from .preview import render_preview

TYPE_LABELS = {
    "text": gettext_lazy("Văn bản một dòng"),
    "textarea": gettext_lazy("Văn bản nhiều dòng"),
    "number": pgettext_lazy("a form field's type", "Số"),
    "date": gettext_lazy("Ngày"),
    "choice": gettext_lazy("Lựa chọn"),
    "boolean": gettext_lazy("Có / không"),
    "national_id": gettext_lazy("Số định danh cá nhân"),
    "phone": gettext_lazy("Số điện thoại"),
    "email": gettext_lazy("Thư điện tử"),
    "address": gettext_lazy("Địa chỉ"),
    "group": gettext_lazy("Nhóm trường"),
}
assert set(TYPE_LABELS) == set(eform.TYPES)
PREFILL_LABELS = {
    "full_name": gettext_lazy("Họ và tên"),
    "national_id": gettext_lazy("Số định danh cá nhân"),
    "phone": gettext_lazy("Số điện thoại"),
    "email": gettext_lazy("Thư điện tử"),
    "address": gettext_lazy("Địa chỉ"),
}
assert set(PREFILL_LABELS) == set(eform.PREFILL_SOURCES)
# Which columns a type uses (the script hides the others; without it every column shows, with this hint).
TYPE_COLUMNS = {
    "choices": ("choice",),
    "min": ("number", "date"),
    "max": ("number", "date"),
    "max_length": ("text", "textarea"),
    "prefill": tuple(t for t in eform.TYPES if t != "group"),
    "repeat": ("group",),
    "repeat_min": ("group",),
    "repeat_max": ("group",),
}

# The row's boxes as the editor shows them: what names the field first, then the rest in the rows' order.
FIRST_SHOWN = ("label", "key", "type", "parent")
SHOWN_COLUMNS = FIRST_SHOWN + tuple(c for c in editor_rows.COLUMNS if c not in FIRST_SHOWN and c != "row_id")


class RowForm(forms.Form):
    """One field of the declaration form. Every value is text as the admin types it; the definition's own check
    (eform.definition_errors) judges them, and its findings come back beside the column they name."""

    row_id = forms.CharField(widget=forms.HiddenInput, max_length=20)
    parent = forms.ChoiceField(label=gettext_lazy("Thuộc nhóm"), required=False)
    label = forms.CharField(label=gettext_lazy("Nhãn (câu hỏi)"), required=False)
    key = forms.CharField(
        label=gettext_lazy("Mã trường"),
        required=False,
        help_text=gettext_lazy("Tự tạo từ nhãn nếu để trống."),
    )
    type = forms.ChoiceField(label=gettext_lazy("Loại"), choices=list(TYPE_LABELS.items()), initial="text")
    required = forms.BooleanField(label=gettext_lazy("Bắt buộc"), required=False)
    help = forms.CharField(label=gettext_lazy("Hướng dẫn"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    choices = forms.CharField(
        label=gettext_lazy("Các lựa chọn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Mỗi dòng một lựa chọn: “giá trị | nhãn”, hoặc chỉ nhãn."),
    )
    min = forms.CharField(
        label=gettext_lazy("Nhỏ nhất"), required=False, help_text=gettext_lazy("Số, hoặc ngày dd/mm/yyyy, “hôm nay”.")
    )
    max = forms.CharField(label=gettext_lazy("Lớn nhất"), required=False)
    max_length = forms.CharField(label=gettext_lazy("Số ký tự tối đa"), required=False)
    when_field = forms.CharField(
        label=gettext_lazy("Chỉ hiện khi trường (mã)"),
        required=False,
        widget=forms.TextInput(attrs={"list": "form-editor-keys"}),
    )
    when_equals = forms.CharField(
        label=gettext_lazy("có giá trị"),
        required=False,
        help_text=gettext_lazy("Với trường có/không: “có” hoặc “không”."),
    )
    prefill = forms.ChoiceField(
        label=gettext_lazy("Điền sẵn từ hồ sơ công dân"),
        required=False,
        choices=[("", gettext_lazy("(không)")), *PREFILL_LABELS.items()],
    )
    repeat = forms.BooleanField(label=gettext_lazy("Lặp lại (nhiều mục)"), required=False)
    repeat_min = forms.CharField(label=gettext_lazy("Số mục ít nhất"), required=False)
    repeat_max = forms.CharField(label=gettext_lazy("Số mục nhiều nhất"), required=False)

    def __init__(self, *args, groups=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("(ngoài cùng, không thuộc nhóm nào)")), *groups]
        self.live_errors = []

    @property
    def columns(self):
        """Each column's bound field and the types that use it (the template's data-types)."""
        return [(self[name], " ".join(TYPE_COLUMNS.get(name, ()))) for name in SHOWN_COLUMNS]

    @property
    def summary(self):
        """The collapsed row's line: its type, and "bắt buộc" when it is required."""
        kind = self["type"].value()
        parts = [str(TYPE_LABELS.get(kind, ""))]
        if self["required"].value() in (True, "on"):
            parts.append(_("bắt buộc"))
        if kind == "group" and self["repeat"].value() in (True, "on"):
            parts.append(_("lặp lại"))
        return " · ".join(p for p in parts if p)

    @property
    def depth(self):
        return getattr(self, "_depth", 0)


class BaseRowFormSet(forms.BaseFormSet):
    ordering_widget = forms.NumberInput(attrs={"class": "form-editor__order", "min": 0})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = self._raw_rows()
        self.groups = [
            (row["row_id"], f"{row['label'] or row['key'] or '…'}")
            for row in rows
            if row.get("type") == "group" and row.get("row_id")
        ]
        self.form_kwargs = {**self.form_kwargs, "groups": self.groups}
        depths = _depths(rows)
        for index, (form, row) in enumerate(zip(self.forms, rows, strict=False)):
            form._depth = depths.get(row.get("row_id"), 0)
            form.is_new = index >= self.initial_form_count()  # shown open: the admin is filling it in

    def _raw_rows(self):
        """The rows as posted (or as given), before any cleaning: to offer the groups and indent the rows."""
        if not self.is_bound:
            return list(self.initial or [])
        rows = []
        for i in range(self.total_form_count()):
            prefix = self.add_prefix(i)
            rows.append(
                {name: self.data.get(f"{prefix}-{name}", "") for name in ("row_id", "parent", "type", "label", "key")}
            )
        return rows

    def get_ordering_widget(self):
        return self.ordering_widget

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("Thứ tự")
        form.fields["DELETE"].label = _("Xóa trường này (và các trường trong nhóm)")


# At most MAX_ROWS rows a post: the longest official tờ khai has well under a hundred fields, and Django's own
# ceiling (2,000 forms) let one post with TOTAL_FORMS=99999 keep a worker busy for half a minute.
MAX_ROWS = 300
RowFormSet = forms.formset_factory(
    RowForm,
    formset=BaseRowFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)
PREFIX = "rows"


def _depths(rows):
    by_id = {row.get("row_id"): row for row in rows}
    depths = {}
    for row in rows:
        depth, current, seen = 0, row, set()
        while current.get("parent") and current["parent"] in by_id and current["row_id"] not in seen and depth < 5:
            seen.add(current["row_id"])
            depth += 1
            current = by_id[current["parent"]]
        depths[row.get("row_id")] = depth
    return depths


def _next_id(rows):
    numbers = [int(r["row_id"][1:]) for r in rows if str(r.get("row_id", ""))[1:].isdigit()]
    return f"r{max(numbers, default=0) + 1}"


def unbound_formset(rows):
    formset = RowFormSet(prefix=PREFIX, initial=rows, form_kwargs={})
    # The blank row (and the script's template row) get fresh row ids.
    next_id = int(_next_id(rows)[1:])
    for offset, form in enumerate(formset.forms[len(rows) :]):
        form.initial = {**form.initial, "row_id": f"r{next_id + offset}"}
        form.fields["row_id"].initial = f"r{next_id + offset}"
    return formset


def bound_formset(data):
    """The posted rows, a blank key filled from its label (as the script does while typing)."""
    data = data.copy()
    try:
        total = min(int(data.get(f"{PREFIX}-TOTAL_FORMS", 0)), RowFormSet.absolute_max)
    except ValueError:
        total = 0
    for i in range(total):
        key, label = f"{PREFIX}-{i}-key", f"{PREFIX}-{i}-label"
        if not data.get(key, "").strip() and data.get(label, "").strip():
            data[key] = key_from_label(data[label])
    return RowFormSet(data, prefix=PREFIX, form_kwargs={})


def key_from_label(label):
    key = editor_rows.value_from_label(label)[:40].strip("_")
    return key if key[:1].isalpha() else f"truong_{key}"[:40].strip("_")


def read_rows(formset):
    """``(rows, forms_by_row_id)`` of a bound formset: the rows kept (not deleted, nor a blank row never filled),
    in the order asked; a deleted group takes its fields with it. None when the formset itself is broken."""
    if not formset.is_valid():
        return None, {}
    deleted = {f.cleaned_data.get("row_id") for f in formset.deleted_forms}
    kept = []
    for form in formset.ordered_forms:
        data = form.cleaned_data
        if form not in formset.initial_forms and not (data.get("key") or data.get("label")):
            continue
        kept.append((form, {name: data.get(name) for name in editor_rows.COLUMNS}))
    by_id = {row["row_id"]: row for _form, row in kept}
    changed = True
    while changed:  # the fields of a deleted group go with it
        changed = False
        for row in by_id.values():
            if row["row_id"] not in deleted and row.get("parent") in deleted:
                deleted.add(row["row_id"])
                changed = True
    kept = [(form, row) for form, row in kept if row["row_id"] not in deleted]
    return [row for _form, row in kept], {row["row_id"]: form for form, row in kept}


def check_rows(rows, title=""):
    """``(definition, errors)``: the definition the rows make and every problem, by row id and column (the
    title's under rows.TITLE)."""
    definition, places, problems = editor_rows.definition_from_rows(rows, title)
    errors = editor_rows.row_errors(eform.definition_errors(definition), places, problems)
    return definition, errors


def attach_errors(formset, forms_by_id, errors):
    """Each problem beside its column of its row; the form's own problems (no field at all) on the formset."""
    general = []
    for row_id, columns in errors.items():
        form = forms_by_id.get(row_id)
        for column, messages_ in columns.items():
            if form is None:
                general.extend(messages_)
            else:
                for message in messages_:
                    form.add_error(column if column in form.fields else None, message)
    return general


def json_errors(definition):
    """``definition_errors`` of a definition typed as JSON, each message naming the field by its label."""
    found = []
    for path, message in eform.definition_errors(definition):
        where = _label_at(definition, path)
        text = editor_rows.vietnamese(path, message)
        found.append(_("Trường “%(label)s”: %(message)s") % {"label": where, "message": text} if where else text)
    return found


def _label_at(definition, path):
    """The label of the deepest field a path names (``fields[1].fields[0].key`` → that field's label)."""
    label, node = None, definition
    for name, index in _steps(path):
        node = node.get(name) if isinstance(node, dict) else None
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
            if isinstance(node, dict) and name == "fields":
                label = node.get("label") or node.get("key") or label
    return label


def _steps(path):
    for part in path.split("."):
        if "[" in part and part.endswith("]"):
            name, index = part[:-1].split("[", 1)
            yield name, int(index) if index.isdigit() else None
        elif part:
            yield part, None


# --------------------------------------------------------------------------- the views


def editor_view(model_admin, request, procedure):
    """GET: the current version in rows (or the version ``?tu_phien_ban=N``, to start again from it);
    POST: "Xem trước" (preview), "Nạp JSON" (the advanced box into the rows) or "Phát hành" (publish)."""
    current = ProcedureForm.current(procedure)
    context = {"json_text": "", "json_errors": [], "general_errors": [], "preview": None, "preview_errors": False}
    context["form_title"] = request.POST.get("form_title", "").strip() if request.method == "POST" else ""
    if request.method == "POST" and "_load_json" in request.POST:
        context["json_text"] = request.POST.get("definition_json", "")
        definition, problems = _parse_json(context["json_text"])
        if problems:
            context["json_errors"] = problems
            formset = bound_formset(request.POST)
        else:
            formset = unbound_formset(editor_rows.rows_from_definition(definition))
            context["form_title"] = definition.get("title", "")
            context["preview"] = render_preview(definition, procedure)
            messages.info(request, _("Đã nạp JSON vào bảng trường. Xem lại rồi bấm “Phát hành phiên bản mới”."))
    elif request.method == "POST":
        formset = bound_formset(request.POST)
        rows, forms_by_id = read_rows(formset)
        if rows is None:
            messages.error(request, _("Tờ khai chưa phát hành được: sửa các lỗi ghi bên cạnh từng trường."))
        else:
            definition, errors = check_rows(rows, context["form_title"])
            context["title_errors"] = errors.pop(editor_rows.TITLE, {}).get(editor_rows.TITLE, [])
            context["general_errors"] = attach_errors(formset, forms_by_id, errors)
            errors = errors or context["title_errors"]
            if errors:
                context["preview_errors"] = True
                messages.error(request, _("Tờ khai chưa phát hành được: sửa các lỗi ghi bên cạnh từng trường."))
            elif "_publish" in request.POST:
                return _publish(model_admin, request, procedure, definition)
            else:
                context["preview"] = render_preview(definition, procedure)
            context["json_text"] = json.dumps(definition, ensure_ascii=False, indent=2)
    else:
        start = current
        wanted = request.GET.get("tu_phien_ban", "")
        if wanted.isdigit():
            start = ProcedureForm.objects.filter(procedure=procedure, version=int(wanted)).first() or current
        definition = start.definition if start else {"fields": []}
        context["form_title"] = definition.get("title", "")
        rows = editor_rows.rows_from_definition(definition)
        if not rows:
            rows = [{"row_id": "r1", "type": "text"}]
        formset = unbound_formset(rows)
        if start is not None:
            context["preview"] = render_preview(definition, procedure)
            context["json_text"] = json.dumps(definition, ensure_ascii=False, indent=2)
        context["started_from"] = start if start is not None and start != current else None
    opts = model_admin.model._meta
    context.update(
        {
            **model_admin.admin_site.each_context(request),
            "title": _("Sửa tờ khai điện tử: %(name)s") % {"name": procedure.name},
            "opts": opts,
            "original": procedure,
            "procedure": procedure,
            "current": current,
            "versions": ProcedureForm.objects.filter(procedure=procedure)
            .select_related("published_by")
            .order_by("-version"),
            "formset": formset,
            "keys": sorted(
                {f.data.get(f.add_prefix("key"), "") or f.initial.get("key", "") for f in formset.forms} - {""}
            ),
            "has_view_permission": True,
        }
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/portal/procedure/form_editor.html", context)


def _parse_json(text):
    """``(definition, problems)`` of the advanced box: Vietnamese problems when it is not a good definition."""
    try:
        definition = json.loads(text)
    except RecursionError:
        return None, [_("Nội dung không phải JSON hợp lệ: lồng nhau quá sâu.")]
    except ValueError as error:
        position = {"line": getattr(error, "lineno", 1), "col": getattr(error, "colno", 1)}
        return None, [_("Nội dung không phải JSON hợp lệ (dòng %(line)d, cột %(col)d).") % position]
    if isinstance(definition, dict) and "version" in definition:  # as the catalog export writes it
        definition = {k: v for k, v in definition.items() if k != "version"}
    return definition, json_errors(definition)


def _publish(model_admin, request, procedure, definition):
    with transaction.atomic():
        locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
        changed = ProcedureForm.publish(locked, definition, by=request.user)
    if not changed:
        messages.info(request, _("Tờ khai không thay đổi: vẫn dùng phiên bản %(v)d.") % {"v": locked.form_version})
    else:
        model_admin.log_change(
            request, locked, _("Phát hành tờ khai điện tử phiên bản %(v)d") % {"v": locked.form_version}
        )
        messages.success(
            request,
            _("Đã phát hành tờ khai phiên bản %(v)d: áp dụng cho hồ sơ tạo từ bây giờ; hồ sơ đã tạo giữ phiên bản cũ.")
            % {"v": locked.form_version},
        )
    return redirect(request.path)


def preview_view(model_admin, request, procedure):
    """The preview of the posted rows (the editor's form, as the script sends it) or of a JSON definition (a body
    of type application/json): ``{"html", "errors"}``, HTTP 400 with the problems when it is not a good form.
    GET: the current version's preview."""
    if request.method != "POST":
        current = ProcedureForm.current(procedure)
        html = render_preview(current.definition, procedure) if current else ""
        return JsonResponse({"html": html, "errors": {}})
    if request.content_type == "application/json":
        definition, problems = _parse_json(request.body.decode("utf-8", errors="replace"))
        if problems:
            return _preview_problems({editor_rows.NON_ROW: {editor_rows.NON_ROW: problems}})
        return JsonResponse({"html": render_preview(definition, procedure), "errors": {}})
    formset = bound_formset(request.POST)
    rows, _forms = read_rows(formset)
    if rows is None:
        return _preview_problems({editor_rows.NON_ROW: {editor_rows.NON_ROW: [_("Bảng trường gửi lên không đầy đủ.")]}})
    definition, errors = check_rows(rows, request.POST.get("form_title", "").strip())
    if errors:
        return _preview_problems(errors)
    return JsonResponse({"html": render_preview(definition, procedure), "errors": {}})


def _preview_problems(errors):
    flat = [m for columns in errors.values() for messages_ in columns.values() for m in messages_]
    html = render_to_string("admin/portal/procedure/form_editor_problems.html", {"problems": flat})
    return JsonResponse({"html": html, "errors": errors}, status=400)
