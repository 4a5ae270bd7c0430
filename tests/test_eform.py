"""The one validator of a declaration (portal/eform.py), a pure function: one table of (form, data, draft or
submission) → the exact errors, for every type, bound, condition and repeat, unknown keys, Vietnamese with
diacritics, emoji, very long strings and NUL characters; and the definition's own check the catalog import
runs. No database: the day is passed in (TODAY), as the portal's one clock would give it."""

from datetime import date

import pytest

from portal.eform import definition_errors, validate
from portal.national_id import PROVINCE_CODES

TODAY = date(2024, 6, 15)

REQUIRED = "Vui lòng nhập thông tin này."
UNKNOWN = "Trường này không có trong tờ khai."
NUL = "Không được chứa ký tự NUL."
NOT_TEXT = "Phải là một chuỗi văn bản."
NOT_NUMBER = "Phải là một số."
BAD_DATE = "Ngày không hợp lệ; dùng dạng YYYY-MM-DD, ví dụ 2024-03-02."
BAD_BOOL = "Chọn có (true) hoặc không (false)."
BAD_PHONE = "Số điện thoại không hợp lệ: 10 hoặc 11 chữ số bắt đầu bằng 0 (hoặc +84)."
BAD_EMAIL = "Địa chỉ thư điện tử không hợp lệ."
ID_SHAPE = "Số định danh cá nhân gồm đúng 12 chữ số."
NOT_GROUP = "Phải là một nhóm thông tin (đối tượng JSON)."


def f(key, type_, **kw):
    return {"key": key, "label": key.replace("_", " ").capitalize(), "type": type_, **kw}


FORM = {
    "fields": [
        f("ho_ten", "text", required=True, max_length=20),
        f("ghi_chu", "textarea"),
        f("so_con", "number", min=0, max=10),
        f("ngay_sinh", "date", min="1900-01-01", max="today"),
        f("ngay_hen", "date", min="today", max="2024-12-31"),
        f("gioi_tinh", "choice", choices=[{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}]),
        f("da_ket_hon", "boolean"),
        f("vo_chong", "text", required=True, when={"field": "da_ket_hon", "equals": True}),
        f("ly_do_nu", "text", when={"field": "gioi_tinh", "equals": "nu"}),
        f("cccd", "national_id"),
        f("dien_thoai", "phone"),
        f("email", "email"),
        f("noi_o", "address", required=True),
        f("cha", "group", fields=[f("ho_ten", "text", required=True), f("nam_sinh", "number", min=1900)]),
        f(
            "con",
            "group",
            repeat={"min": 1, "max": 2},
            required=True,
            fields=[
                f("ho_ten", "text", required=True),
                f("ngay_sinh", "date", max="today"),
                f("ghi_chu_cha", "text", when={"field": "da_ket_hon", "equals": False}),
            ],
        ),
    ]
}
HOME = {"line": "25 Võ Thị Sáu", "ward": "Phường Thống Nhất", "province": "Đồng Nai"}
CHILD = {"ho_ten": "Nguyễn Minh An"}
VALID = {"ho_ten": "Nguyễn Văn Bình", "noi_o": HOME, "con": [CHILD]}


def complete_with(**values):
    return {**VALID, **values}


# (name, data, complete, expected errors)
ROWS = [
    # a whole declaration, draft and submission
    ("empty draft", {}, False, {}),
    ("empty submission", {}, True, {"ho_ten": [REQUIRED], "noi_o": [REQUIRED], "con": [REQUIRED]}),
    ("minimal submission", VALID, True, {}),
    ("blank strings are missing", complete_with(ho_ten="   "), True, {"ho_ten": [REQUIRED]}),
    ("null is missing", complete_with(ho_ten=None), True, {"ho_ten": [REQUIRED]}),
    ("blank optional on a draft", {"ghi_chu": "", "so_con": None}, False, {}),
    # unknown keys
    ("unknown key", {"content": "Đề nghị"}, False, {"content": [UNKNOWN]}),
    ("unknown key in a group", {"cha": {"ho_ten": "A", "tuoi": 40}}, False, {"cha.tuoi": [UNKNOWN]}),
    ("unknown key in a repeat", {"con": [{"ho_ten": "A", "x": 1}]}, False, {"con[0].x": [UNKNOWN]}),
    ("unknown key even blank", {"khac": ""}, False, {"khac": [UNKNOWN]}),
    # text
    ("text: Vietnamese with diacritics", {"ho_ten": "Nguyễn Thị Ánh Tuyết"}, False, {}),
    ("text: emoji", {"ho_ten": "Bé Na 👶🏻"}, False, {}),
    ("text: exactly max_length", {"ho_ten": "ơ" * 20}, False, {}),
    ("text: over max_length", {"ho_ten": "ơ" * 21}, False, {"ho_ten": ["Tối đa 20 ký tự (đang có 21)."]}),
    ("text: a number", {"ho_ten": 12}, False, {"ho_ten": [NOT_TEXT]}),
    ("text: a list", {"ho_ten": ["An"]}, False, {"ho_ten": [NOT_TEXT]}),
    ("text: NUL", {"ho_ten": "An\x00"}, False, {"ho_ten": [NUL]}),
    ("key: NUL", {"ho\x00ten": "An"}, False, {"ho\\u0000ten": [NUL]}),
    ("textarea: default 5000", {"ghi_chu": "ạ" * 5000}, False, {}),
    ("textarea: very long", {"ghi_chu": "ạ" * 100_000}, False, {"ghi_chu": ["Tối đa 5000 ký tự (đang có 100000)."]}),
    ("textarea: newlines and emoji", {"ghi_chu": "Dòng 1\nDòng 2 🙏"}, False, {}),
    # number
    ("number: in range", {"so_con": 3}, False, {}),
    ("number: min bound", {"so_con": 0}, False, {}),
    ("number: max bound", {"so_con": 10}, False, {}),
    ("number: below min", {"so_con": -1}, False, {"so_con": ["Phải từ 0 trở lên."]}),
    ("number: above max", {"so_con": 11}, False, {"so_con": ["Không được lớn hơn 10."]}),
    ("number: decimal", {"so_con": 2.5}, False, {}),
    ("number: a string", {"so_con": "3"}, False, {"so_con": [NOT_NUMBER]}),
    ("number: a boolean", {"so_con": True}, False, {"so_con": [NOT_NUMBER]}),
    # date
    ("date: valid", {"ngay_sinh": "1990-02-28"}, False, {}),
    ("date: today is the max", {"ngay_sinh": "2024-06-15"}, False, {}),
    (
        "date: tomorrow",
        {"ngay_sinh": "2024-06-16"},
        False,
        {"ngay_sinh": ["Không được sau ngày hôm nay (15/06/2024)."]},
    ),
    ("date: before min", {"ngay_sinh": "1899-12-31"}, False, {"ngay_sinh": ["Không được trước ngày 01/01/1900."]}),
    ("date: min today", {"ngay_hen": "2024-06-14"}, False, {"ngay_hen": ["Không được trước ngày 15/06/2024."]}),
    ("date: fixed max", {"ngay_hen": "2025-01-01"}, False, {"ngay_hen": ["Không được sau ngày 31/12/2024."]}),
    ("date: no such day", {"ngay_sinh": "2023-02-29"}, False, {"ngay_sinh": [BAD_DATE]}),
    ("date: Vietnamese order", {"ngay_sinh": "28/02/1990"}, False, {"ngay_sinh": [BAD_DATE]}),
    ("date: a datetime", {"ngay_sinh": "1990-02-28T00:00:00"}, False, {"ngay_sinh": [BAD_DATE]}),
    ("date: a number", {"ngay_sinh": 19900228}, False, {"ngay_sinh": [BAD_DATE]}),
    # choice
    ("choice: valid", {"gioi_tinh": "nu"}, False, {}),
    ("choice: the label", {"gioi_tinh": "Nữ"}, False, {"gioi_tinh": ["“Nữ” không phải một lựa chọn của trường này."]}),
    ("choice: not text", {"gioi_tinh": 1}, False, {"gioi_tinh": ["“1” không phải một lựa chọn của trường này."]}),
    # boolean
    ("boolean: false is a value", {"da_ket_hon": False}, False, {}),
    ("boolean: a string", {"da_ket_hon": "true"}, False, {"da_ket_hon": [BAD_BOOL]}),
    ("boolean: 1", {"da_ket_hon": 1}, False, {"da_ket_hon": [BAD_BOOL]}),
    # national ID
    ("national id: valid", {"cccd": "075092001234"}, False, {}),
    ("national id: 21st century", {"cccd": "001224001234"}, False, {}),
    ("national id: 11 digits", {"cccd": "07509200123"}, False, {"cccd": [ID_SHAPE]}),
    ("national id: old 9-digit CMND", {"cccd": "271234567"}, False, {"cccd": [ID_SHAPE]}),
    ("national id: letters", {"cccd": "07509200123A"}, False, {"cccd": [ID_SHAPE]}),
    ("national id: Arabic-Indic digits", {"cccd": "٠٧٥٠٩٢٠٠١٢٣٤"}, False, {"cccd": [ID_SHAPE]}),
    ("national id: a number", {"cccd": 75092001234}, False, {"cccd": [NOT_TEXT]}),
    (
        "national id: no such province",
        {"cccd": "003092001234"},
        False,
        {"cccd": ["Ba chữ số đầu “003” không phải mã tỉnh nơi đăng ký khai sinh."]},
    ),
    (
        "national id: born next year",
        {"cccd": "075225001234"},
        False,
        {"cccd": ["Chữ số thứ tư và năm sinh (2025) không hợp lệ: năm sinh chưa đến."]},
    ),
    (
        "national id: 22nd century",
        {"cccd": "075400001234"},
        False,
        {"cccd": ["Chữ số thứ tư và năm sinh (2100) không hợp lệ: năm sinh chưa đến."]},
    ),
    # phone, e-mail
    ("phone: mobile", {"dien_thoai": "0912345678"}, False, {}),
    ("phone: +84", {"dien_thoai": "+84912345678"}, False, {}),
    ("phone: landline 11 digits", {"dien_thoai": "02513822123"}, False, {}),
    ("phone: too short", {"dien_thoai": "091234567"}, False, {"dien_thoai": [BAD_PHONE]}),
    ("phone: spaces", {"dien_thoai": "0912 345 678"}, False, {"dien_thoai": [BAD_PHONE]}),
    ("email: valid", {"email": "binh.nguyen@example.vn"}, False, {}),
    ("email: invalid", {"email": "binh@"}, False, {"email": [BAD_EMAIL]}),
    ("email: diacritics in the name", {"email": "bình@example.vn"}, False, {"email": [BAD_EMAIL]}),
    # address
    ("address: complete", complete_with(noi_o=HOME), True, {}),
    (
        "address: missing ward on submission",
        complete_with(noi_o={"line": "25 Võ Thị Sáu", "province": "Đồng Nai"}),
        True,
        {"noi_o": ["Địa chỉ còn thiếu: phường/xã."]},
    ),
    ("address: part missing on a draft", {"noi_o": {"province": "Đồng Nai"}}, False, {}),
    ("address: unknown part", {"noi_o": {**HOME, "zip": "76000"}}, False, {"noi_o": ["Địa chỉ không có phần “zip”."]}),
    (
        "address: a string",
        {"noi_o": "25 Võ Thị Sáu, Biên Hòa"},
        False,
        {"noi_o": ["Địa chỉ gồm số nhà, đường (line), phường/xã (ward), quận/huyện (district) và tỉnh (province)."]},
    ),
    (
        "address: part too long",
        {"noi_o": {**HOME, "line": "x" * 201}},
        False,
        {"noi_o": ["Tối đa 200 ký tự (đang có 201)."]},
    ),
    # when: the field exists (and is required) only while the condition holds
    ("when: true needs the field", complete_with(da_ket_hon=True), True, {"vo_chong": [REQUIRED]}),
    ("when: true, given", complete_with(da_ket_hon=True, vo_chong="Trần Thị Hoa"), True, {}),
    ("when: false, not needed", complete_with(da_ket_hon=False), True, {}),
    ("when: unanswered, not needed", VALID, True, {}),
    (
        "when: value sent while false is refused",
        {"da_ket_hon": False, "vo_chong": "Trần Thị Hoa"},
        False,
        {"vo_chong": ["Chỉ khai trường này khi “Da ket hon” là “có”."]},
    ),
    ("when: blank value while false is fine", {"da_ket_hon": False, "vo_chong": ""}, False, {}),
    (
        "when: on a choice, shown by its label",
        {"gioi_tinh": "nam", "ly_do_nu": "x"},
        False,
        {"ly_do_nu": ["Chỉ khai trường này khi “Gioi tinh” là “Nữ”."]},
    ),
    (
        "when: 1 is not true",
        {"da_ket_hon": 1, "vo_chong": "A"},
        False,
        {"da_ket_hon": [BAD_BOOL], "vo_chong": ["Chỉ khai trường này khi “Da ket hon” là “có”."]},
    ),
    ("when: in a repeat, on a top-level field", {"da_ket_hon": False, "con": [{"ghi_chu_cha": "x"}]}, False, {}),
    (
        "when: in a repeat, condition false",
        {"da_ket_hon": True, "vo_chong": "B", "con": [{"ghi_chu_cha": "x"}]},
        False,
        {"con[0].ghi_chu_cha": ["Chỉ khai trường này khi “Da ket hon” là “không”."]},
    ),
    # groups
    ("group: optional and absent", VALID, True, {}),
    ("group: given needs its required", complete_with(cha={"nam_sinh": 1960}), True, {"cha.ho_ten": [REQUIRED]}),
    (
        "group: typed value inside",
        {"cha": {"ho_ten": "A", "nam_sinh": 1800}},
        False,
        {"cha.nam_sinh": ["Phải từ 1.900 trở lên."]},
    ),
    ("group: not an object", {"cha": "Nguyễn Văn A"}, False, {"cha": [NOT_GROUP]}),
    # repeated groups
    ("repeat: min on submission", complete_with(con=[]), True, {"con": [REQUIRED]}),
    ("repeat: empty on a draft", {"con": []}, False, {}),
    ("repeat: max", {"con": [CHILD, CHILD]}, False, {}),
    ("repeat: over max, even on a draft", {"con": [CHILD] * 3}, False, {"con": ["Tối đa 2 mục (đang có 3)."]}),
    (
        "repeat: item's required",
        complete_with(con=[CHILD, {"ngay_sinh": "2020-01-01"}]),
        True,
        {"con[1].ho_ten": [REQUIRED]},
    ),
    (
        "repeat: item's bound",
        {"con": [{"ho_ten": "A", "ngay_sinh": "2030-01-01"}]},
        False,
        {"con[0].ngay_sinh": ["Không được sau ngày hôm nay (15/06/2024)."]},
    ),
    ("repeat: item not an object", {"con": ["An"]}, False, {"con[0]": [NOT_GROUP]}),
    ("repeat: not a list", {"con": {"ho_ten": "A"}}, False, {"con": ["Phải là một danh sách."]}),
    ("repeat: NUL in an item", {"con": [{"ho_ten": "\x00"}]}, False, {"con[0].ho_ten": [NUL]}),
    # the data itself
    ("data: not an object", ["ho_ten"], False, {"non_field_errors": ["Tờ khai phải là một đối tượng JSON."]}),
]


@pytest.mark.parametrize(("name", "data", "complete", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_the_validator_table(name, data, complete, expected):
    assert validate(FORM, data, complete=complete, today=TODAY) == expected


def test_the_table_is_at_least_sixty_rows():
    assert len(ROWS) >= 60


def test_repeat_min_above_one_on_submission():
    form = {"fields": [f("con", "group", repeat={"min": 2, "max": 3}, fields=[f("ho_ten", "text")])]}
    data = {"con": [{"ho_ten": "A"}]}
    assert validate(form, data, complete=True, today=TODAY) == {"con": ["Cần ít nhất 2 mục (đang có 1)."]}
    assert validate(form, data, complete=False, today=TODAY) == {}


def test_today_comes_from_the_clock_by_default(time_machine):
    form = {"fields": [f("ngay", "date", max="today")]}
    time_machine.move_to("2024-06-15 23:30 +07:00")  # still the 15th in Vietnam, the 15th in UTC
    assert validate(form, {"ngay": "2024-06-16"}, complete=False) != {}
    time_machine.move_to("2024-06-16 00:30 +07:00")  # the 16th in Vietnam, still the 15th in UTC
    assert validate(form, {"ngay": "2024-06-16"}, complete=False) == {}


def test_the_province_codes_are_the_circulars_63():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["075"] == "Đồng Nai" and PROVINCE_CODES["001"] == "Hà Nội"


# --- the definition's own check (the catalog import reports these against the procedure) ---------------

DEFINITION_ROWS = [
    ("valid", FORM, []),
    ("valid with the paper form's title", {"title": "TỜ KHAI ĐĂNG KÝ KHAI SINH", **FORM}, []),
    (
        "blank title",
        {"title": " ", **FORM},
        [("title", "expected a non-empty text of at most 300 characters")],
    ),
    ("title not a text", {"title": 7, **FORM}, [("title", "expected a non-empty text of at most 300 characters")]),
    ("unknown top-level key", {"titel": "X", **FORM}, [("titel", "unknown field (expected title, fields)")]),
    ("no fields", {"fields": []}, [("fields", "expected a non-empty list of fields")]),
    (
        "unknown type",
        {"fields": [f("a", "signature")]},
        [
            (
                "fields[0].type",
                '"signature" is not one of '
                + "text, textarea, number, date, choice, boolean, national_id, phone, email, address, group",
            )
        ],
    ),
    (
        "choice without choices",
        {"fields": [f("a", "choice")]},
        [("fields[0].choices", "required for a choice field: a non-empty list of {value, label}")],
    ),
    ("duplicate key", {"fields": [f("a", "text"), f("a", "number")]}, [("fields[1].key", "duplicate of fields[0]")]),
    (
        "when names an unknown field",
        {"fields": [f("a", "text", when={"field": "b", "equals": "x"})]},
        [("fields[0].when.field", 'unknown field "b" (a field of this level or of a level around it)')],
    ),
    (
        "repeat min > max",
        {"fields": [f("g", "group", repeat={"min": 3, "max": 2}, fields=[f("a", "text")])]},
        [("fields[0].repeat", "min 3 is more than max 2")],
    ),
    ("number min > max", {"fields": [f("a", "number", min=5, max=1)]}, [("fields[0].min", "min 5 is more than max 1")]),
    (
        "bad date bound",
        {"fields": [f("a", "date", max="tomorrow")]},
        [("fields[0].max", 'expected a date (YYYY-MM-DD) or "today", got "tomorrow"')],
    ),
    (
        "bad key",
        {"fields": [f("Họ tên", "text")]},
        [("fields[0].key", "required: lower-case letters, digits and _, starting with a letter, at most 40")],
    ),
    (
        "when on a choice value not offered",
        {
            "fields": [
                f("c", "choice", choices=[{"value": "x", "label": "X"}]),
                f("a", "text", when={"field": "c", "equals": "y"}),
            ]
        },
        [("fields[1].when.equals", '"y" is not a choice of c (x)')],
    ),
    (
        "when cycle",
        {
            "fields": [
                f("a", "text", when={"field": "b", "equals": "1"}),
                f("b", "text", when={"field": "a", "equals": "1"}),
            ]
        },
        [
            ("fields[0].when.field", "a cycle of conditions: a → b → a"),
            ("fields[1].when.field", "a cycle of conditions: b → a → b"),
        ],
    ),
]


@pytest.mark.parametrize(("name", "definition", "expected"), DEFINITION_ROWS, ids=[r[0] for r in DEFINITION_ROWS])
def test_the_definition_check(name, definition, expected):
    assert definition_errors(definition) == expected
