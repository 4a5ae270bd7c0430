"""Issue 16, the catalog's part of "sample documents and fee groups": a procedure's ``fees`` by applicant group and a
document's ``template`` (a blank form beside the catalog file) through import and export, the procedure API's
``fees`` and ``documents[].template_url``, and the public download of a template."""

import copy
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from portal.catalog_io import export_catalog, import_catalog, load_catalog_file
from portal.models import Procedure, ProcedureFee, RequiredDocument
from tests.clients import api_client
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "portal" / "fixtures"
DEMO = json.loads((FIXTURES / "demo_catalog.json").read_text(encoding="utf-8"))
LLTP_FORM = FIXTURES / "templates" / "mau-03-to-khai-ly-lich-tu-phap.pdf"
STUDENT = {"group": "student", "label": "Học sinh, sinh viên", "amount": 100000, "proof_document": "THE_SV"}


def small_catalog():
    """Đồng Nai's province, agencies and the judicial record certificate of the demo, as the demo has it."""
    record = copy.deepcopy(next(p for p in DEMO["procedures"] if p["code"] == "2.000488" and p["province"] == "75"))
    record.pop("process")
    return {
        "provinces": [p for p in DEMO["provinces"] if p["code"] == "75"],
        "agencies": [a for a in DEMO["agencies"] if a["province"] == "75"],
        "procedures": [record],
    }


def write(folder, data, with_template=True):
    folder.mkdir(parents=True, exist_ok=True)
    if with_template:
        (folder / "templates").mkdir(exist_ok=True)
        shutil.copy(LLTP_FORM, folder / "templates" / LLTP_FORM.name)
    path = folder / "catalog.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def stored_templates():
    try:
        return sorted(default_storage.listdir("document-templates")[1])
    except FileNotFoundError:
        return []


def procedure():
    return Procedure.objects.get(province__code="75", code="2.000488")


def test_the_demo_file_imports_with_its_student_fee_and_blank_forms():
    result = load_catalog_file(FIXTURES / "demo_catalog.json")
    assert result.ok, result.errors
    for province in ("75", "56", "44", "72"):
        groups = ProcedureFee.objects.filter(procedure__province__code=province, procedure__code="2.000488")
        assert [(g.group, g.amount, g.proof_document) for g in groups] == [
            ("default", 200000, ""),
            ("student", 100000, "THE_SV"),
        ]
        proof = RequiredDocument.objects.get(procedure=groups[0].procedure, code="THE_SV")
        assert proof.name == "Thẻ học sinh, sinh viên" and not proof.required
    with_template = RequiredDocument.objects.exclude(template="")
    assert {(d.procedure.code, d.code) for d in with_template} == {
        ("1.001193", "TK"),
        ("2.000488", "TK"),
        ("1.001612", "GDN"),
    }
    # Four provinces share each blank form: one stored file per content.
    assert len(stored_templates()) == 3
    assert load_catalog_file(FIXTURES / "demo_catalog.json").counts["procedures"]["updated"] == 0


def test_a_template_is_copied_once_and_the_same_bytes_again_change_nothing(tmp_path):
    data = small_catalog()
    path = write(tmp_path / "v1", data)
    first = load_catalog_file(path)
    assert first.ok, first.errors
    document = RequiredDocument.objects.get(procedure=procedure(), code="TK")
    assert document.template.name.startswith("document-templates/") and document.template.name.endswith(".pdf")
    assert document.template_name == LLTP_FORM.name
    assert document.template.read() == LLTP_FORM.read_bytes()
    files = stored_templates()
    # The same bytes, from another folder: no new file, nothing updated.
    again = load_catalog_file(write(tmp_path / "v2", data))
    assert again.ok and again.counts["procedures"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert stored_templates() == files
    # Other bytes: one more file, the document points to it; null removes the template.
    changed = copy.deepcopy(data)
    (tmp_path / "v3" / "templates").mkdir(parents=True)
    (tmp_path / "v3" / "templates" / LLTP_FORM.name).write_bytes(LLTP_FORM.read_bytes() + b"\n%extra\n")
    assert load_catalog_file(write(tmp_path / "v3", changed, with_template=False)).counts["procedures"]["updated"] == 1
    assert len(stored_templates()) == len(files) + 1
    find_doc(changed, "TK")["template"] = None
    assert load_catalog_file(write(tmp_path / "v4", changed)).ok
    assert not RequiredDocument.objects.get(procedure=procedure(), code="TK").template
    # A record whose document leaves the key out keeps what it has (nothing to clear here: stays empty).


def find_doc(data, code):
    return next(d for d in data["procedures"][0]["documents"] if d["code"] == code)


def test_a_dry_run_writes_no_file(tmp_path):
    result = load_catalog_file(write(tmp_path, small_catalog()), dry_run=True)
    assert result.ok and result.counts["procedures"]["created"] == 1
    assert stored_templates() == [] and not Procedure.objects.exists()


def not_a_form(data, folder):
    """A page saved under a .pdf name: refused by its content."""
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "templates" / "to-khai.pdf").write_text("<html>not a form</html>")
    find_doc(data, "TK")["template"] = "templates/to-khai.pdf"


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d, folder: find_doc(d, "TK").update(template="templates/khong-co.pdf"), "file not found"),
        (lambda d, folder: find_doc(d, "TK").update(template="../catalog.json"), "inside the catalog file's folder"),
        (lambda d, folder: find_doc(d, "TK").update(template="/etc/passwd"), "inside the catalog file's folder"),
        (lambda d, folder: find_doc(d, "TK").update(template=5), "expected a file path or null"),
        (lambda d, folder: not_a_form(d, folder), "not a PDF, DOC, DOCX or ODT file"),
    ],
)
def test_a_bad_template_is_an_error_naming_the_document_and_nothing_is_written(tmp_path, change, expected):
    data = small_catalog()
    folder = tmp_path / "catalog"
    change(data, folder)
    result = load_catalog_file(write(folder, data, with_template=False), raise_on_error=False)
    assert not result.ok
    line = next(e for e in result.errors if "template" in e)
    assert line.startswith("procedures[0] (2.000488): documents[0].template: ") and expected in line, result.errors
    assert not Procedure.objects.exists() and stored_templates() == []


def test_a_template_path_needs_a_file_to_be_relative_to():
    result = import_catalog(small_catalog())
    assert any("needs the catalog file's folder" in e for e in result.errors), result.errors


@pytest.mark.parametrize(
    "fees, expected",
    [
        ([{**STUDENT, "proof_document": "THE_HS"}], 'fees[1].proof_document: unknown document "THE_HS"'),
        ([STUDENT, STUDENT], "fees[2].group: duplicate of fees[1]"),
        ("default 150000", "fees[0].amount: the default group's amount 150000 differs from the procedure's fee 200000"),
        ("no default", 'fees: a "default" group is required'),
        ([{**STUDENT, "group": "Sinh Viên"}], 'fees[1].group: "Sinh Viên" may contain only lower-case letters'),
        ([{"group": "student", "label": "SV"}], "fees[1].amount: required field is missing"),
        ("default proof", "fees[0].proof_document: the default group takes no proof document"),
    ],
)
def test_bad_fee_groups_are_errors_naming_the_group(tmp_path, fees, expected):
    data = small_catalog()
    record = data["procedures"][0]
    default = {"group": "default", "label": "Công dân", "amount": 200000}
    if fees == "default 150000":
        fees = [{**default, "amount": 150000}, STUDENT]
    elif fees == "no default":
        fees = [STUDENT]
    elif fees == "default proof":
        fees = [{**default, "proof_document": "THE_SV"}, STUDENT]
    else:
        fees = [default, *fees]
    record["fees"] = fees
    result = load_catalog_file(write(tmp_path, data), raise_on_error=False)
    assert any(e == f"procedures[0] (2.000488): {expected}" or expected in e for e in result.errors), result.errors
    assert not Procedure.objects.exists()


def test_fees_left_out_keep_the_groups_and_the_default_follows_the_fee(tmp_path):
    data = small_catalog()
    assert load_catalog_file(write(tmp_path / "a", data)).ok
    record = data["procedures"][0]
    del record["fees"]
    record["fee"] = 250000
    assert load_catalog_file(write(tmp_path / "b", data)).ok
    assert dict(procedure().fee_groups.values_list("group", "amount")) == {"default": 250000, "student": 100000}
    # The student card may not leave while the student fee still asks for it.
    record["documents"] = [d for d in record["documents"] if d["code"] != "THE_SV"]
    result = load_catalog_file(write(tmp_path / "c", data), raise_on_error=False)
    assert any('"THE_SV" is the proof of fee group "student"' in e for e in result.errors), result.errors
    assert procedure().documents.filter(code="THE_SV").exists()
    # null removes the groups: the default one, at the fee, is what remains.
    record["fees"] = None
    record["documents"] = small_catalog()["procedures"][0]["documents"]
    assert load_catalog_file(write(tmp_path / "d", data)).ok
    assert not procedure().fee_groups.exists()


def test_export_writes_fees_and_templates_and_the_folder_imports_back(tmp_path):
    assert load_catalog_file(write(tmp_path / "in", small_catalog())).ok
    exported = export_catalog("75")
    record = exported["procedures"][0]
    assert record["fees"] == [
        {"group": "default", "label": "Công dân, người nước ngoài", "amount": 200000},
        STUDENT,
    ]
    tk = next(d for d in record["documents"] if d["code"] == "TK")
    assert tk["template"].startswith("document-templates/") and tk["template"].endswith("/" + LLTP_FORM.name)
    assert "template" not in next(d for d in record["documents"] if d["code"] == "GTTT")

    out = tmp_path / "out" / "catalog.json"
    out.parent.mkdir()
    err = io.StringIO()
    call_command("export_catalog", "--province", "75", "-o", str(out), stderr=err)
    assert "(1 tệp mẫu đơn)" in err.getvalue()
    assert (out.parent / tk["template"]).read_bytes() == LLTP_FORM.read_bytes()
    # On an empty database the exported folder imports as it is: the same fees, the same stored file.
    stored = stored_templates()
    Procedure.objects.all().delete()
    again = load_catalog_file(out)
    assert again.ok, again.errors
    assert export_catalog("75")["procedures"] == exported["procedures"]
    assert stored_templates() == stored


def test_the_procedure_api_lists_fees_and_absolute_template_urls(tmp_path):
    assert load_catalog_file(write(tmp_path, small_catalog())).ok
    body = api_client().get("/api/v1/procedures/2.000488/?province=75").json()
    assert body["fee"] == 200000
    assert body["fees"] == [
        {"group": "default", "label": "Công dân, người nước ngoài", "amount": 200000},
        STUDENT,
    ]
    tk = next(d for d in body["documents"] if d["code"] == "TK")
    document = RequiredDocument.objects.get(procedure=procedure(), code="TK")
    assert tk["template_url"] == f"http://testserver/thu-tuc/mau-don/{document.pk}/"
    assert next(d for d in body["documents"] if d["code"] == "GTTT")["template_url"] is None
    # The list carries them too.
    listed = api_client().get("/api/v1/procedures/?province=75").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert next(r for r in rows if r["code"] == "2.000488")["fees"][1]["group"] == "student"


def test_a_procedure_without_groups_has_the_default_one_at_its_fee():
    plain = ProcedureFactory(fee=8000, documents=1)
    body = api_client().get(f"/api/v1/procedures/{plain.code}/").json()
    assert body["fees"] == [{"group": "default", "label": "Mức thu chung", "amount": 8000}]


def test_the_template_downloads_as_an_attachment_and_only_a_template(client, tmp_path):
    assert load_catalog_file(write(tmp_path, small_catalog())).ok
    document = RequiredDocument.objects.get(procedure=procedure(), code="TK")
    response = client.get(f"/thu-tuc/mau-don/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == LLTP_FORM.read_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{LLTP_FORM.name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # A document without a template, an unknown one, a stored file gone: 404.
    other = RequiredDocument.objects.get(procedure=procedure(), code="GTTT")
    assert client.get(f"/thu-tuc/mau-don/{other.pk}/").status_code == 404
    assert client.get("/thu-tuc/mau-don/999999/").status_code == 404
    default_storage.delete(document.template.name)
    assert client.get(f"/thu-tuc/mau-don/{document.pk}/").status_code == 404
    # A name that is not a template's is never served, whatever the row says.
    RequiredDocument.objects.filter(pk=other.pk).update(template="dossiers/2026/11/giayto.pdf")
    assert client.get(f"/thu-tuc/mau-don/{other.pk}/").status_code == 404


def test_a_vietnamese_file_name_is_offered_safely(client):
    procedure_ = ProcedureFactory(documents=1)
    document = procedure_.documents.get()
    from portal import document_templates

    document.template.name = document_templates.store(LLTP_FORM.read_bytes())
    document.template_name = 'Tờ khai "mẫu" 03.pdf'
    document.save()
    response = client.get(f"/thu-tuc/mau-don/{document.pk}/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''") and "%22" not in disposition
    assert "T%E1%BB%9D%20khai%20m%E1%BA%ABu%2003.pdf" in disposition
