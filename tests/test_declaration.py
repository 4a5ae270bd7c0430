"""The declaration form built from a definition (portal/declaration.py), without a database: typed inputs become
the declaration the validator checks (dates dd/mm/yyyy stored ISO, numbers as numbers, Có/Không as booleans,
an address of four parts, choices by value), blank inputs are left out; the validator's errors land beside
their field, group or address, with what was typed kept; repeated groups grow and shrink by plain submit
buttons (never above their maximum); a condition is named beside its field; prefill fills the marked fields;
a stored declaration is shown with its labels."""

from datetime import date

from django.template.loader import render_to_string

from portal.declaration import DeclarationForm, flatten, prefilled, shown
from portal.eform import validate

TODAY = date(2024, 6, 15)


def f(key, type_, **kw):
    return {"key": key, "label": kw.pop("label", key.replace("_", " ").capitalize()), "type": type_, **kw}


FORM = {
    "fields": [
        f("ho_ten", "text", label="Họ, chữ đệm, tên", required=True, max_length=20, prefill="full_name"),
        f("ngay_sinh", "date", label="Ngày sinh", max="today"),
        f("so_ban", "number", label="Số bản sao", min=0, max=10),
        f("co_vo_chong", "boolean", label="Đã kết hôn", required=True),
        f("vo_chong", "text", label="Họ tên vợ/chồng", required=True, when={"field": "co_vo_chong", "equals": True}),
        f(
            "gioi_tinh",
            "choice",
            label="Giới tính",
            choices=[{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}],
        ),
        f("noi_o", "address", label="Nơi cư trú", required=True, prefill="address"),
        f("cha", "group", label="Cha", fields=[f("ho_ten", "text", label="Họ tên cha", required=True)]),
        f(
            "con",
            "group",
            label="Con",
            required=True,
            repeat={"min": 1, "max": 2},
            fields=[f("ho_ten", "text", label="Họ tên con", required=True), f("ngay_sinh", "date")],
        ),
    ]
}


def render(form):
    return render_to_string("includes/declaration_fields.html", {"declaration": form})


def test_inputs_are_named_by_their_path_and_become_the_typed_declaration():
    form = DeclarationForm(FORM, provinces=["Đồng Nai", "Tây Ninh"])
    assert "fd-ho_ten" in form.fields and "fd-cha-ho_ten" in form.fields and "fd-con-0-ho_ten" in form.fields
    assert "fd-noi_o-province" in form.fields and "fd-con-1-ho_ten" not in form.fields  # one row (the minimum)
    posted = {
        "fd-ho_ten": "  Trần Thị Bình ",
        "fd-ngay_sinh": "02/03/1990",
        "fd-so_ban": "2",
        "fd-co_vo_chong": "false",
        "fd-gioi_tinh": "nu",
        "fd-noi_o-line": "12 Lê Lợi",
        "fd-noi_o-ward": "Phường Trấn Biên",
        "fd-noi_o-province": "Đồng Nai",
        "fd-cha-ho_ten": "",
        "fd-con-_n": "1",
        "fd-con-0-ho_ten": "Bé Na",
    }
    form = DeclarationForm(FORM, posted, provinces=["Đồng Nai", "Tây Ninh"])
    assert form.is_valid() and not form.repeat_action
    data = form.form_data()
    assert data == {
        "ho_ten": "Trần Thị Bình",
        "ngay_sinh": "1990-03-02",
        "so_ban": 2,
        "co_vo_chong": False,
        "gioi_tinh": "nu",
        "noi_o": {"line": "12 Lê Lợi", "ward": "Phường Trấn Biên", "province": "Đồng Nai"},
        "con": [{"ho_ten": "Bé Na"}],
    }
    assert validate(FORM, data, complete=True, today=TODAY) == {}


def test_a_stored_declaration_comes_back_into_the_inputs_dates_as_dd_mm_yyyy():
    stored = {"ngay_sinh": "1990-03-02", "so_ban": 1.5, "co_vo_chong": True, "con": [{"ho_ten": "A"}, {"ho_ten": "B"}]}
    assert flatten(FORM, stored)["fd-con-_n"] == "2"
    form = DeclarationForm(FORM, initial=stored)
    html = render(form)
    assert 'value="02/03/1990"' in html and 'value="1.5"' in html and 'name="fd-con-1-ho_ten"' in html
    assert form["fd-co_vo_chong"].value() == "true"
    assert 'value="true" id="id_fd-co_vo_chong_0" checked' in html


def test_an_input_that_does_not_convert_keeps_what_was_typed_beside_its_error():
    form = DeclarationForm(FORM, {"fd-ngay_sinh": "31/02/2020", "fd-so_ban": "hai"})
    assert not form.is_valid()
    html = render(form)
    assert 'value="31/02/2020"' in html and 'value="hai"' in html
    assert "Phải là một số." in html


def test_the_validators_errors_go_beside_their_field_group_and_address():
    posted = {"fd-ho_ten": "x" * 21, "fd-noi_o-line": "12 Lê Lợi", "fd-con-_n": "1", "fd-con-0-ngay_sinh": "01/01/2020"}
    form = DeclarationForm(FORM, posted)
    assert form.is_valid()
    errors = validate(FORM, form.form_data(), complete=True, today=TODAY)
    assert set(errors) == {"ho_ten", "co_vo_chong", "noi_o", "con[0].ho_ten"}
    form.attach(errors)
    assert form["fd-ho_ten"].errors == ["Tối đa 20 ký tự (đang có 21)."]
    assert form["fd-con-0-ho_ten"].errors == ["Vui lòng nhập thông tin này."]
    assert form.by_path["noi_o"].errors == ["Địa chỉ còn thiếu: phường/xã, tỉnh/thành phố."]
    links = form.error_links()
    assert ("id_fd-con-0-ho_ten", "Con (mục 1) – Họ tên con", "Vui lòng nhập thông tin này.") in links
    html = render(form)
    assert 'value="' + "x" * 21 + '"' in html and 'value="12 Lê Lợi"' in html
    fieldset = html.index('id="id_fd-noi_o"')  # the address's own error, inside its fieldset, above its inputs
    assert fieldset < html.index("Địa chỉ còn thiếu", fieldset) < html.index('name="fd-noi_o-line"')


def test_without_javascript_a_row_is_added_kept_and_removed_never_above_the_maximum():
    posted = {"fd-ho_ten": "An", "fd-con-_n": "1", "fd-con-0-ho_ten": "Một", "fd-con-_add": "1"}
    form = DeclarationForm(FORM, posted)
    assert form.repeat_action
    html = render(form)
    assert 'name="fd-con-1-ho_ten"' in html and 'value="Một"' in html and 'value="An"' in html
    assert form.by_path["con"].count == 2 and not form.by_path["con"].can_add
    # At the maximum, another "Thêm" changes nothing.
    again = DeclarationForm(FORM, {"fd-con-_n": "2", "fd-con-_add": "1"})
    assert again.by_path["con"].count == 2
    # Removing the first row moves the second up.
    removed = DeclarationForm(
        FORM, {"fd-con-_n": "2", "fd-con-0-ho_ten": "Một", "fd-con-1-ho_ten": "Hai", "fd-con-_remove": "0"}
    )
    assert removed.repeat_action and removed.by_path["con"].count == 1
    assert removed.is_valid() and removed.form_data() == {"con": [{"ho_ten": "Hai"}]}


def test_trailing_blank_rows_are_left_out_and_blank_rows_between_stay():
    form = DeclarationForm(FORM, {"fd-con-_n": "2", "fd-con-0-ho_ten": "", "fd-con-1-ho_ten": ""})
    assert form.is_valid() and form.form_data() == {}
    form = DeclarationForm(FORM, {"fd-con-_n": "2", "fd-con-0-ho_ten": "", "fd-con-1-ho_ten": "Hai"})
    assert form.is_valid() and form.form_data() == {"con": [{}, {"ho_ten": "Hai"}]}


def test_a_condition_is_named_beside_its_field_and_the_script_reads_it():
    html = render(DeclarationForm(FORM))
    assert "Chỉ điền khi “Đã kết hôn” là “có”." in html
    assert 'data-when-name="fd-co_vo_chong" data-when-value="true"' in html
    assert "js/declaration.js" in html


def test_prefill_fills_the_marked_fields_and_a_blank_profile_value_none():
    start = prefilled(FORM, {"full_name": "Nguyễn Văn An", "phone": "", "address": {"line": "1", "province": "X"}})
    assert start == {"ho_ten": "Nguyễn Văn An", "noi_o": {"line": "1", "province": "X"}}
    assert prefilled(FORM, {"full_name": ""}) == {}


def test_the_province_select_keeps_a_stored_name_that_is_not_in_the_catalog():
    form = DeclarationForm(FORM, initial={"noi_o": {"province": "Hà Nội"}}, provinces=["Đồng Nai"])
    choices = [value for value, _label in form.fields["fd-noi_o-province"].choices]
    assert choices == ["", "Đồng Nai", "Hà Nội"]


def test_a_stored_declaration_is_shown_with_labels_and_only_the_fields_that_applied():
    data = {
        "ho_ten": "An",
        "ngay_sinh": "1990-03-02",
        "so_ban": 1200,
        "co_vo_chong": False,
        "gioi_tinh": "nu",
        "noi_o": {"line": "12 Lê Lợi", "ward": "Trấn Biên", "province": "Đồng Nai"},
        "con": [{"ho_ten": "Một"}, {"ho_ten": "Hai", "ngay_sinh": "2020-01-05"}],
    }
    lines = shown(FORM, data)
    values = {line.label: line.value for line in lines if line.kind == "value"}
    assert values == {
        "Họ, chữ đệm, tên": "An",
        "Ngày sinh": "02/03/1990",
        "Số bản sao": "1.200",
        "Đã kết hôn": "Không",
        "Giới tính": "Nữ",
        "Nơi cư trú": "12 Lê Lợi, Trấn Biên, Đồng Nai",
    }
    children = next(line for line in lines if line.kind == "repeat")
    assert [(n, [(c.label, c.value) for c in row]) for n, row in children.rows] == [
        (1, [("Họ tên con", "Một")]),
        (2, [("Họ tên con", "Hai"), ("Ngay sinh", "05/01/2020")]),
    ]
    # A condition that did not apply hides the field even if a value was stored.
    assert "Họ tên vợ/chồng" not in [line.label for line in shown(FORM, {**data, "vo_chong": "B"})]
