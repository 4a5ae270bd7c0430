"""A procedure's declaration form in the catalog file (issue 16; api.md "Electronic declaration forms"): the
demo catalog with two real forms added is imported as version 1 and importing again makes no new version; a
changed definition is the next version; a record without `form` keeps it and `"form": null` withdraws it (its
versions stay for the dossiers made with them); a bad definition is an error naming the record, checked over the
whole file with nothing written; the export writes the current version back; the procedure API returns it."""

import copy
import json
from pathlib import Path

import pytest

from portal.catalog_io import export_catalog, import_catalog
from portal.models import Procedure, ProcedureForm
from tests.clients import api_client
from tests.factories import CitizenFactory

DEMO_FILE = Path(__file__).resolve().parent.parent / "portal" / "fixtures" / "demo_catalog.json"
# The declaration forms of two demo procedures, with the fields of their official tờ khai (the demo catalog
# does not carry them yet: the citizen's and officer's form pages come first).
FORMS = json.loads((Path(__file__).resolve().parent / "data" / "declaration_forms.json").read_text(encoding="utf-8"))
BIRTH, LLTP = "1.001193", "2.000488"
DEMO = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
# The demo's document templates are files beside it (read from a file's folder): tests/test_catalog_templates.py.
for _procedure in DEMO["procedures"]:
    for _document in _procedure["documents"]:
        _document.pop("template", None)
for _procedure in DEMO["procedures"]:
    if _procedure["code"] in FORMS:
        _procedure["form"] = copy.deepcopy(FORMS[_procedure["code"]])


@pytest.fixture
def imported(db):
    result = import_catalog(copy.deepcopy(DEMO))
    assert result.errors == []


def record(code=BIRTH, province="75"):
    return copy.deepcopy(next(p for p in DEMO["procedures"] if p["province"] == province and p["code"] == code))


def birth(province="75"):
    return Procedure.objects.get(province__code=province, code=BIRTH)


def test_the_demo_forms_are_version_one_in_every_province_and_a_second_import_makes_no_new_one(imported):
    with_forms = Procedure.objects.filter(form_version__isnull=False)
    assert sorted(with_forms.values_list("province__code", "code")) == sorted(
        (p, c) for p in ("44", "56", "72", "75") for c in (BIRTH, LLTP)
    )
    assert set(with_forms.values_list("form_version", flat=True)) == {1}
    assert ProcedureForm.objects.count() == 8
    result = import_catalog(copy.deepcopy(DEMO))
    assert result.errors == [] and result.counts["procedures"]["updated"] == 0
    assert ProcedureForm.objects.count() == 8


def test_a_changed_definition_is_the_next_version_and_the_same_one_again_is_not(imported):
    data = record()
    data["form"]["fields"].append({"key": "ghi_chu", "label": "Ghi chú", "type": "textarea"})
    result = import_catalog({"procedures": [data]})
    assert result.errors == [] and result.counts["procedures"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert birth().form_version == 2
    assert [f.version for f in ProcedureForm.objects.filter(procedure=birth())] == [2, 1]
    assert ProcedureForm.objects.get(procedure=birth(), version=1).definition == {"fields": record()["form"]["fields"]}
    # The file's version is for the reader: the same definition again keeps version 2, whatever it says.
    data["form"]["version"] = 7
    result = import_catalog({"procedures": [data]})
    assert result.counts["procedures"]["unchanged"] == 1 and birth().form_version == 2


def test_a_record_without_form_keeps_it_and_null_withdraws_it(imported):
    data = record()
    del data["form"]
    assert import_catalog({"procedures": [data]}).counts["procedures"]["unchanged"] == 1
    assert birth().form_version == 1
    data["form"] = None
    assert import_catalog({"procedures": [data]}).counts["procedures"]["updated"] == 1
    assert birth().form_version is None and ProcedureForm.objects.filter(procedure=birth()).count() == 1
    # The same definition again makes version 1 current again, no new version.
    assert import_catalog({"procedures": [record()]}).counts["procedures"]["updated"] == 1
    assert birth().form_version == 1 and ProcedureForm.objects.filter(procedure=birth()).count() == 1


def test_bad_definitions_are_errors_naming_the_record_over_the_whole_file(imported):
    first, second = record(), record(LLTP)
    first["form"]["fields"][1]["type"] = "signature"  # quan_he
    first["form"]["fields"].append({"key": "quan_he", "label": "Lặp", "type": "text"})
    first["form"]["fields"][2]["when"] = {"field": "khong_co", "equals": "x"}  # quan_he_khac
    second["form"]["fields"][2].pop("choices")  # gioi_tinh
    second["form"]["fields"][15]["repeat"] = {"min": 5, "max": 2}  # qua_trinh_cu_tru
    second["form"]["bad"] = 1
    result = import_catalog({"procedures": [first, second]})
    types = "text, textarea, number, date, choice, boolean, national_id, phone, email, address, group"
    assert result.errors == [
        "procedures[0] (1.001193): form.fields[9].key: duplicate of fields[1]",
        f'procedures[0] (1.001193): form.fields[1].type: "signature" is not one of {types}',
        'procedures[0] (1.001193): form.fields[2].when.field: unknown field "khong_co" (a field of this level or'
        " of a level around it)",
        "procedures[1] (2.000488): form.bad: unknown field (expected one of version, title, fields)",
        "procedures[1] (2.000488): form.fields[2].choices: required for a choice field: a non-empty list of"
        " {value, label}",
        "procedures[1] (2.000488): form.fields[15].repeat: min 5 is more than max 2",
    ]
    assert ProcedureForm.objects.count() == 8


def test_the_export_writes_the_current_version_and_imports_back_unchanged(imported):
    data = record()
    data["form"]["fields"][0]["label"] = "Người đi đăng ký khai sinh"
    import_catalog({"procedures": [data]})
    exported = export_catalog("75")
    found = next(p for p in exported["procedures"] if p["code"] == BIRTH)
    assert found["form"] == {"version": 2, "fields": data["form"]["fields"]}
    assert "form" not in next(p for p in exported["procedures"] if p["code"] == "1.000656")
    result = import_catalog(exported)
    assert result.errors == [] and result.counts["procedures"]["updated"] == 0
    assert ProcedureForm.objects.filter(procedure=birth()).count() == 2


def test_the_procedure_api_returns_the_current_form(imported):
    api = api_client(CitizenFactory())
    detail = api.get(f"/api/v1/procedures/{BIRTH}/", {"province": "56"}).json()
    assert detail["form"] == {"version": 1, "fields": record(province="56")["form"]["fields"]}
    assert api.get("/api/v1/procedures/1.000656/", {"province": "56"}).json()["form"] is None
    listed = api.get("/api/v1/procedures/", {"province": "56", "search": "khai sinh"}).json()
    assert all("form" not in p for p in listed["results"])
