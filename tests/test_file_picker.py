"""Every file input of the citizen's and the officer's pages is the project's file picker (issue 11
follow-up): the browser's own input, whose "Choose File / No file chosen" follows the browser's
language, is visually hidden behind a label styled as a button, "Chọn tệp", and a status, "Chưa chọn
tệp", that static/js/file-picker.js replaces by the chosen names. tests/browser/test_file_picker.py
checks it in Chromium run in English."""

import re

import pytest
from django.urls import reverse

from dossiers import services
from tests.dossier_helpers import make_dossier
from tests.dossiers.pages.common import html, logged_in
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

FILE_INPUT = re.compile(r"<input\b[^>]*\btype=\"file\"[^>]*>")


def assert_file_pickers(page, expected):
    inputs = FILE_INPUT.findall(page)
    assert len(inputs) == expected, inputs
    for tag in inputs:
        assert 'class="file-picker__input"' in tag, tag
        input_id = re.search(r'\bid="([^"]+)"', tag).group(1)
        after = page[page.index(tag) + len(tag) :]
        picker = after[: after.index("</span>") + len("</span>")]  # the picker's label and status
        button = rf'<label for="{re.escape(input_id)}" class="[^"]*file-picker__button[^"]*"[^>]*>Chọn tệp</label>'
        assert re.search(button, picker)
        assert ">Chưa chọn tệp</span>" in picker
    assert "/static/js/file-picker.js" in page  # the script that names the chosen files
    for english in ("Currently", "Change", "Clear", "Choose File", "No file chosen"):
        assert english not in page


@pytest.fixture
def world():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        documents=[{"code": "TK", "name": "Tờ khai"}, {"code": "ANH", "name": "Ảnh", "required": False}],
    )
    return officer, procedure


def test_the_citizens_documents_step_uses_the_file_picker_for_each_document(client, world):
    officer, procedure = world
    dossier = make_dossier("draft", officer=officer, procedure=procedure)
    page = html(logged_in(client, dossier.citizen).get(reverse("dossiers:documents", args=[dossier.code])))
    assert_file_pickers(page, expected=procedure.documents.count() + 1)  # each document and "Giấy tờ khác"
    # The accessible name still says which document the picker is for.
    assert re.search(r'class="visually-hidden">Chọn tệp<span> – Tờ khai</span></label>', page)


def test_the_supplement_page_uses_the_file_picker(client, world):
    officer, procedure = world
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    services.request_supplement(dossier, officer, "Ảnh mờ, chụp lại", missing=["Ảnh"])
    page = html(logged_in(client, dossier.citizen).get(reverse("dossiers:documents", args=[dossier.code])))
    assert "Ảnh mờ, chụp lại" in page
    assert_file_pickers(page, expected=procedure.documents.count() + 1)


def test_the_officers_result_upload_and_walk_in_documents_use_the_file_picker(client, world):
    officer, procedure = world
    processing = make_dossier("processing", officer=officer, procedure=procedure)
    page = html(logged_in(client, officer).get(reverse("dossiers:officer_detail", args=[processing.code])))
    assert "Kết quả điện tử (không bắt buộc)" in page
    assert_file_pickers(page, expected=1)  # the result file of "Hoàn thành giải quyết"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_file_field_of_the_projects_forms_is_a_file_picker():
    import importlib
    from pathlib import Path

    from django import forms

    from portal.widgets import FilePicker

    root = Path(__file__).resolve().parents[1]
    for app in ("portal", "campaigns", "dossiers", "postal", "reports"):
        for path in (root / app).glob("forms*.py"):
            importlib.import_module(f"{app}.{path.stem}")
    ours = [
        form
        for form in _subclasses(forms.BaseForm)
        if form.__module__.split(".")[0] in {"portal", "campaigns", "dossiers", "postal", "reports"}
    ]
    file_fields = [
        (form.__name__, name, field)
        for form in ours
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.FileField)
    ]
    assert {(form, name) for form, name, _field in file_fields} >= {
        ("UploadForm", "file"),
        ("CompleteForm", "result_file"),
    }
    for form, name, field in file_fields:
        assert isinstance(field.widget, FilePicker), f"{form}.{name} uses {type(field.widget).__name__}"
