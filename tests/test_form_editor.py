"""The province admin's form editor (issue 16, "editable in the admin by a province admin"): the rows of fields a
province admin fills (no JSON to write) become a definition checked by portal.eform.definition_errors and
published as a new version by ProcedureForm.publish, with who published it; a bad definition shows each problem
beside the row and the column it names, in Vietnamese, keeps what was typed and publishes nothing; a province
admin of another province finds nothing (404); the preview endpoint renders the posted rows or JSON, and answers
a 400 with a message to bad JSON or a bad definition, never a 500."""

import json
from pathlib import Path

import pytest

from portal.form_editor import rows as editor_rows
from portal.models import ProcedureForm
from tests.factories import ProcedureFactory, ProvinceAdminFactory, ProvinceFactory, UserFactory

pytestmark = pytest.mark.django_db

FORMS = json.loads((Path(__file__).resolve().parent / "data" / "declaration_forms.json").read_text("utf-8"))
BIRTH = {"fields": FORMS["1.001193"]["fields"]}


@pytest.fixture
def procedure():
    return ProcedureFactory(code="1.001193", name="Đăng ký khai sinh")


@pytest.fixture
def admin(procedure):
    return ProvinceAdminFactory(province=procedure.province, is_staff=True, full_name="Lê Quản Trị")


def editor(procedure):
    return f"/admin/portal/procedure/{procedure.pk}/declaration-form/"


def preview(procedure):
    return f"{editor(procedure)}preview/"


def current(procedure):
    procedure.refresh_from_db()
    return ProcedureForm.current(procedure)


def posted(rows, **extra):
    """The editor's POST of `rows` (dicts of columns), in order, as the page sends it."""
    data = {"rows-TOTAL_FORMS": str(len(rows)), "rows-INITIAL_FORMS": "0", "rows-MIN_NUM_FORMS": "0"}
    data["rows-MAX_NUM_FORMS"] = "1000"
    for i, row in enumerate(rows):
        row = {"row_id": f"r{i + 1}", "type": "text", **row, "ORDER": str(i + 1)}
        for name, value in row.items():
            if value is True:
                data[f"rows-{i}-{name}"] = "on"
            elif value not in (False, None):
                data[f"rows-{i}-{name}"] = str(value)
    data.update(extra)
    return data


# A text field, a choice with its choices, a field shown on a condition, a repeated group with two fields.
ROWS = [
    {"label": "Họ và tên người yêu cầu", "type": "text", "required": True, "max_length": "100", "prefill": "full_name"},
    {"label": "Mục đích", "key": "muc_dich", "type": "choice", "required": True, "choices": "Xin việc\nkhac | Khác"},
    {"label": "Ghi rõ mục đích", "type": "text", "required": True, "when_field": "muc_dich", "when_equals": "Khác"},
    {"row_id": "r4", "label": "Con chung", "key": "con", "type": "group", "repeat": True, "repeat_max": "5"},
    {"row_id": "r5", "parent": "r4", "label": "Họ tên con", "key": "ho_ten", "type": "text", "required": True},
    {"row_id": "r6", "parent": "r4", "label": "Ngày sinh", "key": "ngay_sinh", "type": "date", "max": "hôm nay"},
]
EXPECTED = {
    "fields": [
        {
            "key": "ho_va_ten_nguoi_yeu_cau",
            "label": "Họ và tên người yêu cầu",
            "type": "text",
            "required": True,
            "max_length": 100,
            "prefill": "full_name",
        },
        {
            "key": "muc_dich",
            "label": "Mục đích",
            "type": "choice",
            "required": True,
            "choices": [{"value": "xin_viec", "label": "Xin việc"}, {"value": "khac", "label": "Khác"}],
        },
        {
            "key": "ghi_ro_muc_dich",
            "label": "Ghi rõ mục đích",
            "type": "text",
            "required": True,
            "when": {"field": "muc_dich", "equals": "khac"},
        },
        {
            "key": "con",
            "label": "Con chung",
            "type": "group",
            "repeat": {"max": 5},
            "fields": [
                {"key": "ho_ten", "label": "Họ tên con", "type": "text", "required": True},
                {"key": "ngay_sinh", "label": "Ngày sinh", "type": "date", "max": "today"},
            ],
        },
    ]
}


def test_the_rows_make_a_valid_definition_published_as_a_new_version_by_the_admin(client, procedure, admin):
    ProcedureForm.publish(procedure, BIRTH)
    client.force_login(admin)
    response = client.post(editor(procedure), posted(ROWS, _publish="1"))
    assert response.status_code == 302, response.content.decode()[:3000]
    published = current(procedure)
    assert published.version == 2 and published.definition == EXPECTED and published.published_by == admin
    assert ProcedureForm.objects.get(procedure=procedure, version=1).definition == BIRTH  # kept for its dossiers
    page = client.get(response["Location"]).content.decode()
    assert "Đã phát hành tờ khai phiên bản 2" in page and "hồ sơ đã tạo giữ phiên bản" in page
    assert "Lê Quản Trị" in page and "Nhập từ danh mục" in page  # the history: who published each version
    assert 'value="Ghi rõ mục đích"' in page  # the editor opens on the new version


def test_publishing_the_same_rows_again_makes_no_new_version(client, procedure, admin):
    client.force_login(admin)
    client.post(editor(procedure), posted(ROWS, _publish="1"))
    response = client.post(editor(procedure), posted(ROWS, _publish="1"), follow=True)
    assert "Tờ khai không thay đổi: vẫn dùng phiên bản 1." in response.content.decode()
    assert ProcedureForm.objects.filter(procedure=procedure).count() == 1


def test_the_published_forms_come_back_as_the_same_rows():
    for definition in FORMS.values():
        definition = {"fields": definition["fields"]}
        rows = editor_rows.rows_from_definition(definition)
        built, _places, problems = editor_rows.definition_from_rows(rows)
        assert built == definition and problems == {}


def test_a_bad_definition_shows_each_problem_beside_its_row_and_publishes_nothing(client, procedure, admin):
    ProcedureForm.publish(procedure, BIRTH)
    client.force_login(admin)
    rows = [
        {"label": "Mục đích", "key": "muc_dich", "type": "choice"},  # no choices
        {"label": "Số bản", "key": "Số bản!", "type": "number", "min": "10", "max": "2"},
        {"label": "Ghi rõ", "type": "text", "when_field": "khong_co"},
        {"row_id": "r4", "label": "Con chung", "key": "con", "type": "group", "repeat": True, "repeat_max": "500"},
    ]
    response = client.post(editor(procedure), posted(rows, _publish="1"))
    assert response.status_code == 200
    page = response.content.decode()
    forms = response.context["formset"].forms
    assert forms[0].errors == {"choices": ["Trường “Lựa chọn” cần ít nhất một lựa chọn (mỗi dòng một)."]}
    assert forms[1].errors == {
        "key": ["Bắt buộc: chữ thường không dấu, chữ số và dấu _, bắt đầu bằng một chữ cái, tối đa 40 ký tự."],
        "min": ["Giới hạn nhỏ nhất lớn hơn giới hạn lớn nhất."],
    }
    assert forms[2].errors == {"when_field": ["Không có trường “khong_co” trong nhóm này hay nhóm ngoài nó."]}
    assert forms[3].errors["repeat_max"] == ["Phải là một số nguyên từ 1 đến 100."]
    assert "Nhóm cần ít nhất một trường" in forms[3].errors["type"][0]
    assert "Tờ khai chưa phát hành được" in page
    assert 'value="Số bản!"' in page and 'value="500"' in page  # what was typed is kept
    assert current(procedure).version == 1 and ProcedureForm.objects.count() == 1


def test_no_field_at_all_is_an_error_of_the_form(client, procedure, admin):
    client.force_login(admin)
    response = client.post(editor(procedure), posted([], _publish="1"))
    assert "Tờ khai cần ít nhất một trường." in response.content.decode()
    assert not ProcedureForm.objects.exists()


def test_removing_a_group_removes_its_fields(client, procedure, admin):
    client.force_login(admin)
    rows = [*ROWS]
    rows[3] = {**rows[3], "DELETE": True}
    client.post(editor(procedure), posted(rows, _publish="1"))
    assert [f["key"] for f in current(procedure).definition["fields"]] == [
        "ho_va_ten_nguoi_yeu_cau",
        "muc_dich",
        "ghi_ro_muc_dich",
    ]


def test_the_order_numbers_reorder_the_fields(client, procedure, admin):
    client.force_login(admin)
    data = posted(ROWS[:3], _publish="1")
    data["rows-0-ORDER"], data["rows-2-ORDER"] = "3", "1"
    client.post(editor(procedure), data)
    keys = [f["key"] for f in current(procedure).definition["fields"]]
    assert keys == ["ghi_ro_muc_dich", "muc_dich", "ho_va_ten_nguoi_yeu_cau"]


def test_the_json_box_loads_a_definition_into_the_rows_and_refuses_bad_json(client, procedure, admin):
    client.force_login(admin)
    data = posted([{"label": "Cũ"}], _load_json="1", definition_json=json.dumps(FORMS["2.000488"]))
    page = client.post(editor(procedure), data)
    assert [f.initial["key"] for f in page.context["formset"].initial_forms][:2] == [
        f["key"] for f in editor_rows.rows_from_definition({"fields": FORMS["2.000488"]["fields"]})[:2]
    ]
    assert not ProcedureForm.objects.exists()  # loaded, not published
    page = client.post(editor(procedure), posted([{"label": "Cũ"}], _load_json="1", definition_json='{"fields": ['))
    text = page.content.decode()
    assert "Nội dung không phải JSON hợp lệ" in text and 'value="Cũ"' in text


def test_an_admin_of_another_province_finds_nothing_and_changes_nothing(client, procedure):
    ProcedureForm.publish(procedure, BIRTH)
    intruder = ProvinceAdminFactory(province=ProvinceFactory(), is_staff=True)
    client.force_login(intruder)
    for url in (editor(procedure), preview(procedure)):
        assert client.get(url).status_code == 404
        assert client.post(url, posted(ROWS, _publish="1")).status_code == 404
    assert ProcedureForm.objects.count() == 1


def test_staff_without_a_province_is_refused_and_the_superuser_is_let_in(client, procedure):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(editor(procedure)).status_code in (403, 404)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(editor(procedure)).status_code == 200


def test_the_change_page_links_to_the_editor(client, procedure, admin):
    client.force_login(admin)
    page = client.get(f"/admin/portal/procedure/{procedure.pk}/change/").content.decode()
    assert f'href="{editor(procedure)}"' in page and "Sửa tờ khai điện tử" in page


def test_the_preview_renders_the_posted_rows(client, procedure, admin):
    client.force_login(admin)
    answer = client.post(preview(procedure), posted(ROWS))
    assert answer.status_code == 200, answer.content
    html = answer.json()["html"]
    for label in ("Họ và tên người yêu cầu", "Xin việc", "Con chung", "Họ tên con"):
        assert label in html


def test_the_preview_answers_the_problems_of_bad_rows_by_row(client, procedure, admin):
    client.force_login(admin)
    answer = client.post(preview(procedure), posted([{"label": "Mục đích", "type": "choice"}]))
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "r1": {"choices": ["Trường “Lựa chọn” cần ít nhất một lựa chọn (mỗi dòng một)."]}
    }
    assert "cần ít nhất một lựa chọn" in answer.json()["html"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("{not json", "Nội dung không phải JSON hợp lệ"),
        ('"text"', "Tờ khai phải là một đối tượng có danh sách trường."),
        ('{"fields": [{"key": "a", "label": "A", "type": "bogus"}]}', "Trường “A”: Chọn một loại trường."),
        ('{"fields": [{"key": "a", "label": "A", "type": "text", "x\\u0000": 1}]}', "Thuộc tính này không có"),
        ("[" * 5000, "Nội dung không phải JSON hợp lệ"),
    ],
)
def test_the_preview_refuses_bad_json_with_a_400_message(client, procedure, admin, body, message):
    client.force_login(admin)
    answer = client.post(preview(procedure), body, content_type="application/json")
    assert answer.status_code == 400
    assert message in json.dumps(answer.json(), ensure_ascii=False)


def test_the_preview_of_a_json_definition(client, procedure, admin):
    client.force_login(admin)
    answer = client.post(preview(procedure), json.dumps(FORMS["1.001193"]), content_type="application/json")
    assert answer.status_code == 200
    assert "Người được khai sinh" in answer.json()["html"]


def test_the_paper_forms_title_is_kept_with_the_rows(client, procedure, admin):
    client.force_login(admin)
    client.post(editor(procedure), posted(ROWS[:1], _publish="1", form_title="TỜ KHAI ĐĂNG KÝ KHAI SINH"))
    assert current(procedure).definition["title"] == "TỜ KHAI ĐĂNG KÝ KHAI SINH"
    assert 'value="TỜ KHAI ĐĂNG KÝ KHAI SINH"' in client.get(editor(procedure)).content.decode()
    page = client.post(editor(procedure), posted(ROWS[:1], _publish="1", form_title="X" * 301))
    assert page.context["title_errors"] == ["Không để trống, tối đa 300 ký tự."]
    assert current(procedure).version == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rows-TOTAL_FORMS": "nhiều", "rows-INITIAL_FORMS": "0"},
        {"rows-TOTAL_FORMS": "99999", "rows-INITIAL_FORMS": "0", "rows-0-type": "bogus", "rows-0-row_id": "r1"},
        posted([{"label": "A", "type": "không có"}]),
        posted([{"label": "A", "parent": "r1", "type": "group"}]),
    ],
)
def test_a_broken_post_is_a_message_never_a_500(client, procedure, admin, data):
    client.force_login(admin)
    assert client.post(preview(procedure), data).status_code == 400
    page = client.post(editor(procedure), {**data, "_publish": "1"})
    assert page.status_code == 200 and "Tờ khai chưa phát hành được" in page.content.decode()
    assert not ProcedureForm.objects.exists()
