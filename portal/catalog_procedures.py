"""The catalog file's ``procedures`` section (api.md "Catalog import"): each procedure with its documents and
their templates, its fees by applicant group, its internal process and its declaration form; read and written
idempotently by code. Split from portal/catalog_sections.py, which registers it with the other sections."""

import re
from pathlib import Path

from . import document_templates, eform, fees
from .catalog_io import assign
from .catalog_record import ABSENT, _describe, _max_length, _show, in_province
from .models import (
    Agency,
    Procedure,
    ProcedureFee,
    ProcedureForm,
    ProcessingUnit,
    ProcessStep,
    Province,
    RequiredDocument,
    process_budget_overrun,
)

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
    "result_document",
    "legal_basis",
    "active",
    "documents",
    "process",
    "form",
    "fees",
)
FEE_FIELDS = ("group", "label", "amount", "proof_document")
STEP_FIELDS = ("code", "name", "role", "agency", "hours")
DESK_STEP_ROLE = ProcessStep.StepRole.OFFICER.value


def _template(doc, section):
    """A document's ``template``: ABSENT when left out (it keeps the one it has), ``("", "")`` for null (none
    any more), else (storage name, original file name) of the file at that path relative to the catalog file's
    folder, checked (portal/document_templates.py); the bytes wait in ``section.templates`` for the writes."""
    if not doc.has("template"):
        return ABSENT
    value = doc.data["template"]
    if value is None or value == "":
        return ("", "")
    if not isinstance(value, str):
        doc.error("template", f"expected a file path or null, got {_describe(value)}")
        return ABSENT
    base = section.ctx.base_dir
    if base is None:
        doc.error("template", "a template path needs the catalog file's folder (import a file: import_catalog FILE)")
        return ABSENT
    relative = Path(value)
    if relative.is_absolute() or ".." in relative.parts:
        doc.error("template", f"{_show(value)} must be a path inside the catalog file's folder")
        return ABSENT
    path = base / relative
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        doc.error("template", f"file not found: {_show(value)} (relative to {base})")
        return ABSENT
    except OSError as exc:
        doc.error("template", f"cannot read {_show(value)}: {exc.strerror or exc}")
        return ABSENT
    try:
        name = document_templates.store(data, write=False)
    except document_templates.TemplateError as exc:
        doc.error("template", f"{_show(value)}: {exc.english()}")
        return ABSENT
    section.templates[name] = data
    return (name, relative.name[: _max_length(RequiredDocument, "template_name")])


def _fees(rec, fee, document_codes):
    """The procedure's ``fees`` (api.md): ABSENT when left out (it keeps its groups), ``[]`` for null or an empty
    list (the default group only, at ``fee``), else one ``(group, values)`` pair per group, in order, checked
    together by ``fees.problems`` (one default group at ``fee``, no duplicate, proof documents among the
    record's documents)."""
    if not rec.has("fees") or rec.data["fees"] is None:
        return [] if rec.has("fees") else ABSENT
    items = rec.array("fees")
    if items is ABSENT:
        return ABSENT
    rows, plain = [], []
    for i, item in rec.objects("fees", items, *FEE_FIELDS):
        group = item.text("group", max_length=_max_length(ProcedureFee, "group"))
        if group and not re.fullmatch(r"[a-z0-9_]+", group):
            item.error("group", f"{_show(group)} may contain only lower-case letters, digits and _")
            group = ABSENT
        values = {
            "label": item.text("label", max_length=_max_length(ProcedureFee, "label")),
            "amount": item.integer("amount", minimum=0),
            "proof_document": item.text(
                "proof_document", required=False, blank=True, max_length=_max_length(ProcedureFee, "proof_document")
            )
            or "",
            "order": i,
        }
        rows.append((group, values))
        plain.append(
            {
                "group": group or None,
                "amount": values["amount"] if values["amount"] is not ABSENT else None,
                "proof_document": values["proof_document"],
            }
        )
        plain[-1]["index"] = i
    codes = set(document_codes)
    messages = {
        "duplicate": lambda v: f"duplicate of fees[{plain[v['first']]['index']}]",
        "unknown_document": lambda v: f'unknown document "{v["code"]}" (not among this procedure\'s documents)',
        "default_proof": lambda v: "the default group takes no proof document",
        "default_amount": lambda v: (
            f"the default group's amount {v['amount']} differs from the procedure's fee {v['fee']}"
        ),
        "no_default": lambda v: 'a "default" group is required (its amount is the procedure\'s fee)',
    }
    for index, field_name, kind, values in fees.problems(fee if fee is not ABSENT else None, plain, codes):
        where = f"fees[{plain[index]['index']}].{field_name}" if index is not None else "fees"
        rec.error(where, messages[kind](values))
    return rows


def _documents(rec, documents, section=None):
    rows, seen = [], {}
    for i, doc in rec.objects("documents", documents, "code", "name", "required", "form", "copies", "template"):
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
        template = _template(doc, section) if section is not None else ABSENT
        if template is not ABSENT:
            values["template"], values["template_name"] = template
        rows.append((code, values))
    return rows


def _process(rec, section, province):
    """The procedure's ``process`` (api.md "Internal processes"): ABSENT when the key is left out (the
    procedure keeps the steps it has), ``[]`` for ``null`` or no steps (back to one processing step at its
    agency), else one ``values`` dict per step, in order."""
    if not rec.has("process"):
        return ABSENT
    if rec.data["process"] is None:
        return []
    process = rec.obj("process")
    if not process:
        return ABSENT
    process.allow("steps")
    steps = process.array("steps")
    if steps is ABSENT:
        return ABSENT
    rows, seen = [], {}
    for i, step in process.objects("steps", steps, *STEP_FIELDS):
        code = step.text("code", max_length=_max_length(ProcessStep, "code"))
        if code:
            if code in seen:
                step.error("code", f"duplicate of process.steps[{seen[code]}]")
            seen.setdefault(code, i)
        role = step.choice("role", ProcessStep.StepRole.values)
        hours = step.decimal("hours", maximum=9999.99)
        if hours is not ABSENT and hours <= 0:
            step.error("hours", f"must be more than 0, got {step.data['hours']}")
            hours = ABSENT
        rows.append(
            {
                "order": i,
                "code": code,
                "name": step.text("name", max_length=_max_length(ProcessStep, "name")),
                "role": role,
                "agency": _step_agency(step, section, role, province),
                "hours": hours,
            }
        )
    return rows


def _step_agency(step, section, role, province):
    """A step's agency: null (or left out) for the receiving desk's officer step, an agency of the
    procedure's province (in this file or the database) for a specialist's or a head's."""
    agency = step.data.get("agency")
    if role == DESK_STEP_ROLE:
        if agency is not None:
            step.error("agency", f'must be null for role "{role}" (an officer step is at the receiving desk)')
        return None
    if agency is None and not role:
        return ABSENT  # no valid role to judge it by: the role's own error says enough
    if agency is None and step.has("agency"):
        step.error("agency", f'required for role "{role}" (null is the receiving desk, for officer steps only)')
        return ABSENT
    code = step.reference("agency", "agency")
    if code and province:
        agency_province = section.lookup("agency", code).get("province")
        if agency_province and agency_province != province:
            step.error("agency", f'agency "{code}" is in province "{agency_province}", not "{province}"')
    return code


def _form(rec):
    """The procedure's ``form`` (api.md "Electronic declaration forms"): ABSENT when the key is left out (the
    procedure keeps its form), None for ``null`` (it has no form any more; the versions stay for the dossiers
    made with them), else the definition ``{"title"?, "fields": [...]}``, checked whole by ``eform.definition_errors``.
    ``version`` is the exported version, for the reader: the portal numbers versions itself (the same
    definition keeps the current one, another one is the next)."""
    if not rec.has("form"):
        return ABSENT
    if rec.data["form"] is None:
        return None
    form = rec.obj("form")
    if not form:
        return ABSENT
    form.allow("version", "title", "fields")
    form.integer("version", required=False, minimum=1)
    if "fields" not in form.data:
        form.error("fields", "required field is missing")
        return ABSENT
    definition = {"fields": form.data["fields"]}
    if "title" in form.data:
        definition = {"title": form.data["title"], **definition}
    problems = eform.definition_errors(definition)
    for path, message in problems:
        form.error(path, message)
    return ABSENT if problems else definition


def _check_budget(rec, code, values, steps, existing_hours):
    """The steps' hours may not exceed the processing time: the file's steps, or, when the file leaves
    ``process`` out, the steps the procedure already has in the database."""
    unit, value = values.get("processing_time_unit"), values.get("processing_time_value")
    if not code or not unit or value is None or value is ABSENT:
        return
    in_file = steps is not ABSENT
    hours = [step["hours"] for step in steps] if in_file else existing_hours
    if not hours or any(h is ABSENT for h in hours):
        return
    overrun = process_budget_overrun(
        Procedure(code=code, processing_time_value=value, processing_time_unit=unit), hours
    )
    if overrun is None:
        return
    total, limit = overrun
    if in_file:
        rec.error(
            "process.steps",
            f"the steps take {total:g} working hours, more than the processing time of procedure"
            f' "{code}" ({limit:g} working hours)',
        )
    else:
        rec.error(
            "processing_time",
            f'the {len(hours)} steps procedure "{code}" has take {total:g} working hours, more than this'
            f" processing time ({limit:g} working hours): shorten its process in the same file",
        )


def _existing_step_hours(records):
    """(province, procedure code) → the hours of the steps each procedure of the file has now."""
    provinces = {d.get("province") for d in records if isinstance(d, dict) and isinstance(d.get("province"), str)}
    hours = {}
    rows = ProcessStep.objects.filter(procedure__province__code__in=provinces).values_list(
        "procedure__province__code", "procedure__code", "hours"
    )
    for province, code, value in rows.order_by("procedure_id", "order", "id"):
        hours.setdefault((province, code), []).append(value)
    return hours


def load_procedures(records, section):
    rows = []
    section.templates = {}  # storage name → bytes of the documents' templates, written with the rows
    existing_hours = _existing_step_hours(records)
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
            "result_document": rec.text(
                "result_document", required=False, blank=True, max_length=_max_length(Procedure, "result_document")
            ),
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
        document_rows = _documents(rec, documents, section) if documents is not ABSENT else []
        steps = _process(rec, section, province)
        _check_budget(rec, code, values, steps, existing_hours.get((province, code), []))
        fee_rows = _fees(rec, values["fee"], [c for c, _v in document_rows])
        rows.append((rec, code, province, agency, values, document_rows, steps, _form(rec), fee_rows))

    def write():
        provinces = {row[2] for row in rows}
        existing = {
            (p.province.code, p.code): p
            for p in Procedure.objects.filter(province__code__in=provinces)
            .select_related("province")
            .prefetch_related("documents", "process_steps", "fee_groups")
        }
        if not section.ctx.result.dry_run:  # content-addressed: the same bytes already stored are not written
            for data in section.templates.values():
                document_templates.store(data)
        for rec, code, province, agency, values, document_rows, steps, form, fee_rows in rows:
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
            changed = _sync_steps(section, rec, instance, steps, created) or changed
            changed = _sync_form(instance, form) or changed
            changed = _sync_fees(section, rec, instance, fee_rows, created) or changed
            section.count("created" if created else "updated" if changed else "unchanged")

    return write


def _sync_children(section, rec, current, rows, make):
    """Make a procedure's children (its documents, its process steps) exactly the file's `rows`, (code, values)
    pairs matched by code against `current` ({code: child}); `make(code)` gives a new unsaved child. Children no
    longer listed are deleted. Returns whether anything changed."""
    changed = False
    for code, values in rows:
        child = current.pop(code, None)
        if child is None:
            child = make(code)
            assign(child, values)
        elif not assign(child, values):
            continue
        if section.clean(rec, child):
            child.save()
            changed = True
    if current:
        type(next(iter(current.values()))).objects.filter(pk__in=[child.pk for child in current.values()]).delete()
        changed = True
    return changed


def _sync_documents(section, rec, procedure, rows, created):
    current = {} if created else {doc.code: doc for doc in procedure.documents.all()}
    return _sync_children(section, rec, current, rows, lambda code: RequiredDocument(procedure=procedure, code=code))


def _sync_steps(section, rec, procedure, rows, created):
    """Make the procedure's steps exactly the file's (matched by step code; steps no longer listed are
    deleted). A file without ``process`` leaves them as they are. A running dossier keeps the snapshot
    it took at acceptance (dossiers/process.py), whatever happens here."""
    if rows is ABSENT:
        return False
    current = {} if created else {step.code: step for step in procedure.process_steps.all()}
    pairs = [
        (
            row["code"],
            {
                "order": row["order"],
                "name": row["name"],
                "role": row["role"],
                "agency_id": section.pk(Agency, row["agency"]) if row["agency"] else None,
                "hours": row["hours"],
            },
        )
        for row in rows
    ]
    return _sync_children(section, rec, current, pairs, lambda code: ProcessStep(procedure=procedure, code=code))


def _sync_fees(section, rec, procedure, rows, created):
    """Make the procedure's fee groups exactly the file's (by group code; groups no longer listed are deleted). A
    record without ``fees`` keeps them, its default group following the procedure's ``fee``; a group whose proof
    document the file no longer lists is then an error (nothing is written)."""
    current = {} if created else {row.group: row for row in procedure.fee_groups.all()}
    if rows is ABSENT:
        changed = False
        proofs = [row for row in current.values() if row.proof_document]
        codes = set()
        if proofs:
            codes = set(RequiredDocument.objects.filter(procedure=procedure).values_list("code", flat=True))
        for row in current.values():
            if row.group == fees.DEFAULT_FEE_GROUP and row.amount != procedure.fee:
                row.amount = procedure.fee
                row.save(update_fields=["amount"])
                changed = True
            if row.proof_document and row.proof_document not in codes:
                rec.error(
                    "documents",
                    f'document "{row.proof_document}" is the proof of fee group "{row.group}": keep it, or give'
                    " the procedure's fees in the same record",
                )
        return changed
    return _sync_children(section, rec, current, rows, lambda group: ProcedureFee(procedure=procedure, group=group))


def _sync_form(procedure, form):
    """A definition in the file becomes the current form (a new version only when it differs); ``null``
    withdraws the form; a record without ``form`` leaves it as it is."""
    if form is ABSENT:
        return False
    if form is None:
        return ProcedureForm.withdraw(procedure)
    return ProcedureForm.publish(procedure, form)


def _number(value):
    return int(value) if value == value.to_integral_value() else float(value)


def export_procedures(province):
    queryset = (
        in_province(Procedure.objects.select_related("province", "agency"), province)
        .prefetch_related("documents", "process_steps__agency", "fee_groups")
        .order_by("province__code", "code")
    )
    procedures = list(queryset)
    forms = {
        (form.procedure_id, form.version): form.definition
        for form in ProcedureForm.objects.filter(
            procedure__in=[p for p in procedures if p.form_version is not None]
        ).only("procedure_id", "version", "definition")
    }
    return [_procedure_record(p, forms.get((p.pk, p.form_version))) for p in procedures]


def _procedure_record(p, form=None):
    record = {
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
        "result_document": p.result_document,
        "legal_basis": p.legal_basis,
        "active": p.active,
        "documents": [_document_record(d) for d in sorted(p.documents.all(), key=lambda d: (d.order, d.pk))],
    }
    groups = sorted(p.fee_groups.all(), key=lambda row: (row.order, row.pk))
    if groups:  # api.md: a procedure without groups has the default one, at its fee
        record["fees"] = [fees.of_row(row).as_api() for row in groups]
    steps = sorted(p.process_steps.all(), key=lambda step: (step.order, step.pk))
    if steps:  # api.md: "A procedure without process keeps one processing step at its own agency."
        record["process"] = {
            "steps": [
                {
                    "code": step.code,
                    "name": step.name,
                    "role": step.role,
                    "agency": step.agency.code if step.agency_id else None,
                    "hours": _number(step.hours),
                }
                for step in steps
            ]
        }
    if form is not None:  # the current version of its declaration form
        record["form"] = {"version": p.form_version, **form}
    return record


def _document_record(d):
    record = {"code": d.code, "name": d.name, "required": d.required, "form": d.form, "copies": d.copies}
    if d.template:  # where export_catalog -o copies the file, relative to the written catalog file
        record["template"] = document_templates.export_path(d)
    return record
