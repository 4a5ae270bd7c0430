"""The declaration (form_data) through the dossier API against the procedure's form (issue 16; api.md
"Electronic declaration forms"): a draft is made with the current form version and keeps it; create and
PATCH check typed values (a draft may be incomplete), submission checks every required field as a guard of
the submit row (so the pages get it too); errors are exactly {"form_data": {"key" | "group[i].key": [..]}};
a procedure without a form keeps the free form_data of before."""

import pytest

from dossiers import services
from dossiers.door import FormDataError
from dossiers.models import Status
from portal.models import ProcedureForm
from tests.clients import api_client
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

REQUIRED = "Vui lòng nhập thông tin này."
UNKNOWN = "Trường này không có trong tờ khai."
DEFINITION = {
    "fields": [
        {"key": "ho_ten", "label": "Họ, chữ đệm, tên", "type": "text", "required": True, "max_length": 100},
        {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "max": "today"},
        {"key": "cccd", "label": "Số định danh cá nhân", "type": "national_id"},
        {
            "key": "con",
            "label": "Con",
            "type": "group",
            "repeat": {"min": 0, "max": 3},
            "fields": [{"key": "ho_ten", "label": "Họ tên", "type": "text", "required": True}],
        },
    ]
}


@pytest.fixture
def world():
    officer, citizen = OfficerFactory(), CitizenFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    return officer, citizen, procedure


def body(officer, procedure, **extra):
    return {
        "procedure": procedure.code,
        "province": procedure.province.code,
        "desk": officer.desk.pk,
        "intake_channel": "online",
        "return_channel": "desk",
        "applicant": {"full_name": "Nguyễn Văn An", "phone": "0912345678"},
        **extra,
    }


def test_a_draft_keeps_its_version_and_is_checked_on_create_patch_and_submit(world):
    officer, citizen, procedure = world
    ProcedureForm.publish(procedure, DEFINITION)
    api = api_client(citizen)

    bad = {"ngay_sinh": "2999-01-01", "cccd": "12345", "con": [{"ho_ten": "A"}, {"ho_ten": 7}], "content": "x"}
    refused = api.post("/api/v1/dossiers/", body(officer, procedure, form_data=bad), format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"form_data"}
    assert refused.json()["form_data"].keys() == {"ngay_sinh", "cccd", "con[1].ho_ten", "content"}
    assert refused.json()["form_data"]["content"] == [UNKNOWN]
    assert refused.json()["form_data"]["con[1].ho_ten"] == ["Phải là một chuỗi văn bản."]

    created = api.post("/api/v1/dossiers/", body(officer, procedure, form_data={"con": [{}]}), format="json")
    assert created.status_code == 201, created.json()
    code = created.json()["code"]
    assert created.json()["form_version"] == 1

    patched = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": {"ho_ten": "x" * 101}}, format="json")
    assert patched.json() == {"form_data": {"ho_ten": ["Tối đa 100 ký tự (đang có 101)."]}}
    nul = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": {"ho_ten": "An\u0000"}}, format="json")
    assert nul.json() == {"form_data": {"ho_ten": ["Không được chứa ký tự NUL."]}}

    submitted = api.post(f"/api/v1/dossiers/{code}/submit/")
    assert submitted.status_code == 400
    assert submitted.json() == {"form_data": {"ho_ten": [REQUIRED], "con[0].ho_ten": [REQUIRED]}}
    assert api.get(f"/api/v1/dossiers/{code}/").json()["status"] == "draft"

    # A new version applies to new drafts; this one is still checked against version 1.
    ProcedureForm.publish(
        procedure, {"fields": [*DEFINITION["fields"], {"key": "moi", "label": "Mới", "type": "text"}]}
    )
    data = {"ho_ten": "Nguyễn Thị Ánh", "con": [{"ho_ten": "Bé Na 👶"}], "moi": "x"}
    patched = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": data}, format="json")
    assert patched.json() == {"form_data": {"moi": [UNKNOWN]}}
    del data["moi"]
    assert api.patch(f"/api/v1/dossiers/{code}/", {"form_data": data}, format="json").status_code == 200
    submitted = api.post(f"/api/v1/dossiers/{code}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert (submitted.json()["status"], submitted.json()["form_version"]) == ("submitted", 1)

    newer = api.post("/api/v1/dossiers/", body(officer, procedure, form_data={"moi": "x"}), format="json")
    assert newer.status_code == 201 and newer.json()["form_version"] == 2


def test_the_submit_row_refuses_an_incomplete_declaration_for_every_caller(world):
    """The guard is the table's (services.perform), not the API view's: a page or a walk-in submit gets it."""
    officer, citizen, procedure = world
    ProcedureForm.publish(procedure, DEFINITION)
    draft = services.create_draft(
        officer,
        procedure=procedure,
        desk=officer.desk,
        intake_channel="walk_in",
        return_channel="desk",
        applicant={"full_name": "Trần Văn Bình", "phone": "0912345678"},
    )
    with pytest.raises(FormDataError) as refused:
        services.submit(draft, officer)
    assert refused.value.as_dict() == {"form_data": {"ho_ten": [REQUIRED]}}
    assert refused.value.field == "form_data" and "ho_ten" in refused.value.message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_procedure_without_a_form_keeps_the_free_form_data(world):
    officer, citizen, procedure = world
    api = api_client(citizen)
    created = api.post("/api/v1/dossiers/", body(officer, procedure, form_data={"content": "Đề nghị"}), format="json")
    assert created.status_code == 201 and created.json()["form_version"] is None
    code = created.json()["code"]
    nul = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": {"ho\u0000ten": "An"}}, format="json")
    assert nul.json() == {"form_data": ["form_data không được chứa ký tự NUL (\\u0000)."]}
    listed = api.patch(f"/api/v1/dossiers/{code}/", {"form_data": ["x"]}, format="json")
    assert listed.json() == {"form_data": ["form_data phải là một đối tượng JSON."]}
    assert api.post(f"/api/v1/dossiers/{code}/submit/").json()["status"] == "submitted"
