"""Catalog import / export (docs/api.md, "Catalog import"): what a province admin notices
when loading the demo file, re-importing it, fixing a fee, or feeding a broken file."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.catalog_io import CatalogImportError, export_catalog, import_catalog, load_catalog_file
from portal.models import Agency, CalendarOverride, OneStopDesk, Procedure, Province, RequiredDocument, Role, User
from postal.models import PostalTariff

DEMO_FILE = Path(__file__).resolve().parent.parent / "portal" / "fixtures" / "demo_catalog.json"
DEMO_PASSWORD = "motcua-demo-2026"
DEMO = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
# The demo's document templates are files beside it (read from a file's folder): tests/test_catalog_templates.py.
for _procedure in DEMO["procedures"]:
    for _document in _procedure["documents"]:
        _document.pop("template", None)
SECTIONS = ["provinces", "agencies", "desks", "procedures", "postal_tariffs", "staff", "calendar_overrides"]


def demo():
    return copy.deepcopy(DEMO)


def find(records, **match):
    return next(r for r in records if all(r.get(k) == v for k, v in match.items()))


def db_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Province, Agency, OneStopDesk, Procedure, RequiredDocument, User, PostalTariff, CalendarOverride)
    }


@pytest.fixture
def imported(db):
    result = import_catalog(demo())
    assert result.errors == []
    return result


def write(tmp_path, data, name="catalog.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the demo file


def test_demo_import_creates_the_four_provinces_with_their_procedures(imported):
    assert list(imported.counts) == SECTIONS
    assert imported.counts["provinces"] == {"created": 4, "updated": 0, "unchanged": 0}
    assert dict(Province.objects.values_list("code", "name")) == {
        "75": "Đồng Nai",
        "56": "Khánh Hòa",
        "44": "Quảng Bình",
        "72": "Tây Ninh",
    }
    for province in Province.objects.all():
        procedures = Procedure.objects.filter(province=province)
        assert procedures.count() >= 22
        assert procedures.filter(in_person_only=True).count() >= 2
        assert procedures.filter(field_verification=True).count() >= 2
        assert procedures.filter(processing_time_unit="working_hours").exists()
        assert set(procedures.values_list("level", flat=True)) >= {2, 3, 4}
        for procedure in procedures:
            assert 1 <= procedure.documents.count() <= 5, procedure.code  # 2.000488: the student card too
            assert procedure.agency.province_id == province.id
        desks = OneStopDesk.objects.filter(province=province)
        assert desks.filter(agency=None).count() == 1
        assert desks.exclude(agency=None).count() >= 2
        assert Agency.objects.filter(province=province, level="commune").exclude(parent=None).exists()

    birth = Procedure.objects.get(province__code="75", code="1.001193")
    assert (birth.name, birth.level, birth.processing_time_unit, birth.fee) == ("Đăng ký khai sinh", 4, "same_day", 0)
    assert birth.agency.code == "000.00.12.H19"
    assert list(birth.documents.values_list("code", flat=True)) == ["TK", "GCS", "GTTT", "UQ"]
    record = Procedure.objects.get(province__code="72", code="2.000488")
    assert (record.processing_time_value, record.processing_time_unit, record.fee) == (10, "working_days", 200000)
    assert "100.000 đồng" in record.fee_note
    copy_ = Procedure.objects.get(province__code="56", code="2.000815")
    assert (copy_.fee, copy_.processing_time_unit) == (2000, "same_day")
    hours_desk = OneStopDesk.objects.get(code="MC-BOTRACH")
    assert (str(hours_desk.afternoon_opens), str(hours_desk.afternoon_closes)) == ("14:00:00", "17:30:00")


def test_second_import_changes_nothing_and_keeps_passwords(imported):
    again = demo()
    for person in again["staff"]:
        person["password"] = "another-password-2027"
    result = import_catalog(again)
    assert result.errors == []
    for name in SECTIONS:
        counts = result.counts[name]
        assert counts["created"] == counts["updated"] == 0, name
        assert counts["unchanged"] == len(DEMO[name])
    assert User.objects.get(username="canbo.dongnai").check_password(DEMO_PASSWORD)


def test_changed_fee_updates_the_procedure_and_a_removed_document_disappears(imported):
    data = demo()
    record = find(data["procedures"], province="75", code="2.000488")
    record["fee"] = 250000
    find(record["fees"], group="default")["amount"] = 250000  # fee stays the default group's amount (api.md)
    record["documents"] = [d for d in record["documents"] if d["code"] != "MIEN"]
    find(record["documents"], code="TK")["required"] = True
    result = import_catalog(data)
    assert result.errors == []
    assert result.counts["procedures"] == {"created": 0, "updated": 1, "unchanged": len(DEMO["procedures"]) - 1}
    procedure = Procedure.objects.get(province__code="75", code="2.000488")
    assert procedure.fee == 250000
    assert list(procedure.documents.values_list("code", flat=True)) == ["TK", "GTTT", "UQ", "THE_SV"]
    # The same code in another province is another record, untouched.
    assert Procedure.objects.get(province__code="72", code="2.000488").fee == 200000
    assert Procedure.objects.get(province__code="72", code="2.000488").documents.filter(code="MIEN").exists()


def test_a_document_change_alone_counts_as_an_update(imported):
    data = demo()
    record = find(data["procedures"], province="44", code="1.001193")
    record["documents"].append({"code": "XN", "name": "Văn bản xác nhận nơi cư trú", "required": False})
    result = import_catalog(data)
    assert result.counts["procedures"]["updated"] == 1
    document = RequiredDocument.objects.get(procedure__province__code="44", procedure__code="1.001193", code="XN")
    assert (document.form, document.copies, document.order) == ("any", 1, 4)


# --------------------------------------------------------------------------- errors


BAD = {
    "provinces": [{"code": "01", "name": "Hà Nội"}],
    "agencies": [
        {"code": "000.00.00.H99", "province": "99", "name": "Sở Tư pháp", "level": "province"},
        {"code": "000.00.01.H01", "province": "01", "name": "Sở Nội vụ", "level": "region"},
    ],
    "procedures": [
        {
            "code": "1.001193",
            "province": "75",
            "agency": "000.00.12.H19",
            "name": "Đăng ký khai sinh",
            "sector": "Hộ tịch",
            "level": 4,
            "processing_time": {"value": 2, "unit": "weeks"},
            "fee": 0,
            "postal_intake": True,
            "postal_return": True,
            "in_person_only": False,
            "field_verification": False,
            "documents": [{"code": "TK", "name": "Tờ khai", "required": "yes"}],
        },
        {
            "code": "1.000656",
            "province": "75",
            "agency": "000.00.12.H19",
            "name": "Đăng ký khai tử",
            "sector": "Hộ tịch",
            "level": 7,
            "processing_time": {"value": 0, "unit": "same_day"},
            "fee": 0,
            "postal_intake": True,
            "postal_return": True,
            "in_person_only": False,
            "field_verification": False,
            "documents": [],
        },
        {
            "code": "2.000635",
            "province": "75",
            "agency": "000.00.12.H19",
            "sector": "Hộ tịch",
            "level": 4,
            "processing_time": {"value": 0, "unit": "same_day"},
            "fee": 8000,
            "postal_intake": True,
            "postal_return": True,
            "in_person_only": False,
            "field_verification": False,
            "documents": [],
        },
        {
            "code": "2.000488",
            "province": "75",
            "agency": "000.00.04.H56",
            "name": "Cấp Phiếu lý lịch tư pháp",
            "sector": "Lý lịch tư pháp",
            "level": 4,
            "processing_time": {"value": 10, "unit": "working_days"},
            "fee": "200.000",
            "postal_intake": True,
            "postal_return": True,
            "in_person_only": False,
            "field_verification": False,
            "documents": [],
        },
    ],
    "postal_tariffs": [{"province": "75", "leg": "pickup", "amount": -1, "valid_from": "2019-13-01"}],
    "staff": [
        {"username": "canbo.moi", "password": DEMO_PASSWORD, "role": "officer", "desk": "HCC-XX"},
        {"username": "lanhdao.moi", "role": "head"},
    ],
    "holidays": [],
}


def test_a_bad_file_reports_every_record_and_field_and_writes_nothing(imported):
    before = db_counts()
    result = import_catalog(copy.deepcopy(BAD))
    assert result.counts == {}
    assert result.errors == [
        'holidays: unknown section "holidays" (expected one of provinces, agencies, desks, procedures, '
        "postal_tariffs, staff, calendar_overrides)",
        'agencies[0] (000.00.00.H99): province: unknown province "99"',
        'agencies[1] (000.00.01.H01): level: "region" is not one of province, district, commune',
        'procedures[0] (1.001193): processing_time.unit: "weeks" is not one of working_days, working_hours, same_day',
        'procedures[0] (1.001193): documents[0].required: expected true or false, got string "yes"',
        "procedures[1] (1.000656): level: must be between 1 and 4, got 7",
        "procedures[2] (2.000635): name: required field is missing",
        'procedures[3] (2.000488): agency: agency "000.00.04.H56" is in province "72", not "75"',
        'procedures[3] (2.000488): fee: expected an integer, got string "200.000"',
        "postal_tariffs[0] (75/pickup/default/2019-13-01): amount: must be at least 0, got -1",
        'postal_tariffs[0] (75/pickup/default/2019-13-01): valid_from: "2019-13-01" is not a date (YYYY-MM-DD)',
        'staff[0] (canbo.moi): desk: unknown desk "HCC-XX"',
        "staff[1] (lanhdao.moi): agency: required field is missing",
    ]
    # The valid province of the same file was not written either.
    assert db_counts() == before
    assert not Province.objects.filter(code="01").exists()


def test_references_may_point_to_the_file_or_the_database(imported):
    data = {
        "agencies": [
            # A commune listed before its new district parent.
            {"code": "000.02.20.H19", "province": "75", "name": "UBND xã Phú Hữu", "level": "commune",
             "parent": "000.00.20.H19"},
            {"code": "000.00.20.H19", "province": "75", "name": "UBND huyện Nhơn Trạch", "level": "district"},
        ],
        "desks": [{"code": "MC-NHONTRACH", "province": "75", "agency": "000.00.20.H19",
                   "name": "Bộ phận Một cửa UBND huyện Nhơn Trạch"}],
        "staff": [
            {"username": "canbo.nhontrach", "role": "officer", "desk": "MC-NHONTRACH", "password": DEMO_PASSWORD},
            {"username": "lanhdao.khdt.dongnai", "role": "head", "agency": "000.00.03.H19"},
        ],
    }  # fmt: skip
    result = import_catalog(data)
    assert result.errors == []
    assert Agency.objects.get(code="000.02.20.H19").parent.code == "000.00.20.H19"
    officer = User.objects.get(username="canbo.nhontrach")
    assert (officer.desk.code, officer.province.code, officer.check_password(DEMO_PASSWORD)) == (
        "MC-NHONTRACH",
        "75",
        True,
    )
    # A new account without a password cannot log in until one is set.
    assert not User.objects.get(username="lanhdao.khdt.dongnai").has_usable_password()


def test_parent_cycles_and_duplicates_are_errors(db):
    data = {
        "provinces": [{"code": "75", "name": "Đồng Nai"}, {"code": "75", "name": "Đồng Nai (trùng)"}],
        "agencies": [
            {"code": "A", "province": "75", "name": "A", "level": "district", "parent": "B"},
            {"code": "B", "province": "75", "name": "B", "level": "district", "parent": "A"},
        ],
    }
    result = import_catalog(data)
    assert result.errors == [
        "provinces[1] (75): code: duplicate of provinces[0]",
        'agencies[0] (A): parent: "B" would make a cycle of parents',
        'agencies[1] (B): parent: "A" would make a cycle of parents',
    ]
    assert Province.objects.count() == 0


def test_a_citizen_account_is_never_taken_over(imported):
    User.objects.create_user("nguoidan", password="x-long-password-1", role=Role.CITIZEN)
    result = import_catalog({"staff": [{"username": "nguoidan", "role": "province_admin", "province": "75"}]})
    assert result.errors == [
        'staff[0] (nguoidan): username: "nguoidan" is a citizen or superuser account, not a staff account'
    ]
    assert User.objects.get(username="nguoidan").role == Role.CITIZEN


def test_invalid_json_names_line_and_column(db, tmp_path):
    path = write(tmp_path, '{\n  "provinces": [\n    {"code": "75" "name": "Đồng Nai"}\n  ]\n}\n')
    result = load_catalog_file(path, raise_on_error=False)
    assert result.errors == ["invalid JSON at line 3, column 19: Expecting ',' delimiter"]
    with pytest.raises(CatalogImportError, match="line 3, column 19"):
        load_catalog_file(path)
    assert Province.objects.count() == 0


def test_not_an_object_and_not_a_list(db):
    assert import_catalog([]).errors == ["expected a JSON object with sections, got list"]
    assert import_catalog({"provinces": {"code": "75"}}).errors == ["provinces: expected a list of records, got object"]
    assert import_catalog({"provinces": ["75"]}).errors == ['provinces[0]: expected an object, got string "75"']


# --------------------------------------------------------------------------- dry run and commands


def test_dry_run_reports_counts_and_writes_nothing(db):
    result = import_catalog(demo(), dry_run=True)
    assert result.errors == []
    assert result.counts["procedures"] == {"created": len(DEMO["procedures"]), "updated": 0, "unchanged": 0}
    assert result.counts["staff"]["created"] == len(DEMO["staff"])
    assert set(db_counts().values()) == {0}


def test_command_prints_counts_in_vietnamese(db):
    out = io.StringIO()
    call_command("import_catalog", str(DEMO_FILE), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Chạy thử (--dry-run)" in text
    assert f"procedures: {len(DEMO['procedures'])} tạo mới, 0 cập nhật, 0 không đổi" in text
    assert Procedure.objects.count() == 0

    out = io.StringIO()
    call_command("import_catalog", str(DEMO_FILE), stdout=out)
    assert f"staff: {len(DEMO['staff'])} tạo mới, 0 cập nhật, 0 không đổi" in out.getvalue()
    out = io.StringIO()
    call_command("import_catalog", str(DEMO_FILE), stdout=out)
    assert f"procedures: 0 tạo mới, 0 cập nhật, {len(DEMO['procedures'])} không đổi" in out.getvalue()


def test_command_fails_with_the_errors_on_stderr_and_no_traceback(imported, tmp_path):
    path = write(tmp_path, BAD)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="13 lỗi"):
        call_command("import_catalog", str(path), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert 'agencies[0] (000.00.00.H99): province: unknown province "99"' in lines
    assert "procedures[1] (1.000656): level: must be between 1 and 4, got 7" in lines
    assert len(lines) == 13
    assert "Traceback" not in err.getvalue() + out.getvalue()

    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("import_catalog", str(tmp_path / "missing.json"))
    broken = write(tmp_path, "{", "broken.json")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(broken), stderr=err)
    assert err.getvalue().startswith("invalid JSON at line 1, column 2")


# --------------------------------------------------------------------------- export


def wipe():
    User.objects.exclude(role=Role.CITIZEN).delete()
    RequiredDocument.objects.all().delete()
    Procedure.objects.all().delete()
    PostalTariff.objects.all().delete()
    CalendarOverride.objects.all().delete()
    OneStopDesk.objects.all().delete()
    Agency.objects.update(parent=None)
    Agency.objects.all().delete()
    Province.objects.all().delete()


def test_export_then_import_on_an_empty_database_round_trips(imported, tmp_path):
    path = tmp_path / "export.json"
    call_command("export_catalog", "-o", str(path), stderr=io.StringIO())
    first = json.loads(path.read_text(encoding="utf-8"))
    assert list(first) == SECTIONS
    assert all("password" not in person for person in first["staff"])
    assert "Đồng Nai" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes
    assert [p["code"] for p in first["provinces"]] == ["44", "56", "72", "75"]

    wipe()
    assert set(db_counts().values()) == {0}
    result = load_catalog_file(path)
    assert result.counts["procedures"]["created"] == len(DEMO["procedures"])
    assert export_catalog() == first
    assert not User.objects.get(username="canbo.dongnai").has_usable_password()


def test_export_of_one_province_to_stdout(imported):
    out = io.StringIO()
    call_command("export_catalog", "--province", "44", stdout=out)
    data = json.loads(out.getvalue())
    assert [p["code"] for p in data["provinces"]] == ["44"]
    for name in ("agencies", "desks", "procedures", "postal_tariffs", "staff", "calendar_overrides"):
        assert data[name] and {r["province"] for r in data[name]} == {"44"}, name
    assert find(data["desks"], code="MC-BOTRACH")["opening_hours"] == {
        "morning": ["07:00", "11:30"],
        "afternoon": ["14:00", "17:30"],
    }
    with pytest.raises(CommandError):
        call_command("export_catalog", "--province", "99", stdout=io.StringIO())


# --------------------------------------------------------------------------- staff, tariffs, calendar


def test_staff_roles_get_their_scope(imported):
    officer = User.objects.get(username="canbo.dongnai")
    assert (officer.role, officer.desk.code, officer.province.code, officer.is_staff) == (
        "officer",
        "HCC-DN",
        "75",
        False,
    )
    district = User.objects.get(username="canbo.bienhoa")
    assert (district.desk.code, district.desk.agency.code) == ("MC-BIENHOA", "000.00.12.H19")
    head = User.objects.get(username="lanhdao.tuphap.dongnai")
    assert (head.role, head.agency.name, head.province.code, head.desk) == (
        "head",
        "Sở Tư pháp tỉnh Đồng Nai",
        "75",
        None,
    )
    clerk = User.objects.get(username="buudien.dongnai")
    assert (clerk.role, clerk.province.code, clerk.is_staff) == ("postal_clerk", "75", False)
    admin = User.objects.get(username="quantri.dongnai")
    assert (admin.role, admin.province.code, admin.is_staff, admin.is_superuser) == (
        "province_admin",
        "75",
        True,
        False,
    )
    assert admin.check_password(DEMO_PASSWORD)
    specialist = User.objects.get(username="chuyenvien.xaydung.dongnai")
    assert (specialist.role, specialist.agency.name, specialist.province.code, specialist.desk) == (
        "specialist",
        "Sở Xây dựng tỉnh Đồng Nai",
        "75",
        None,
    )
    for province in Province.objects.all():
        assert set(User.objects.filter(province=province).values_list("role", flat=True)) == {
            "officer",
            "specialist",
            "head",
            "postal_clerk",
            "province_admin",
        }
    # Every demo agency has a specialist to work the steps of its internal processes (issue 15).
    assert not Agency.objects.exclude(staff__role="specialist").exists()

    # Moving the officer to a district desk updates the scope, not the password.
    result = import_catalog({"staff": [{"username": "canbo.dongnai", "role": "officer", "desk": "MC-LONGKHANH"}]})
    assert result.counts["staff"] == {"created": 0, "updated": 1, "unchanged": 0}
    officer.refresh_from_db()
    assert officer.desk.code == "MC-LONGKHANH" and officer.check_password(DEMO_PASSWORD)


def test_postal_tariffs_are_imported_idempotently(imported):
    assert imported.counts["postal_tariffs"]["created"] == len(DEMO["postal_tariffs"])
    rows = PostalTariff.objects.filter(province__code="75", leg="pickup", zone="default").order_by("valid_from")
    assert [(str(t.valid_from), t.amount) for t in rows] == [
        ("2019-01-01", 22000),
        ("2020-03-30", 15000),
        ("2020-04-30", 22000),
    ]
    for province in Province.objects.all():
        zones = set(PostalTariff.objects.filter(province=province).values_list("leg", "zone"))
        assert zones == {(leg, zone) for leg in ("pickup", "return") for zone in ("default", "noi_thanh", "huyen")}

    change = [{"province": "56", "leg": "return", "amount": 26000, "valid_from": "2019-01-01"}]
    result = import_catalog({"postal_tariffs": change})
    assert result.counts["postal_tariffs"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert PostalTariff.objects.get(province__code="56", leg="return", zone="default").amount == 26000
    assert import_catalog({"postal_tariffs": change}).counts["postal_tariffs"]["unchanged"] == 1
    assert PostalTariff.objects.count() == len(DEMO["postal_tariffs"])


def test_calendar_overrides_are_imported(imported):
    swapped = CalendarOverride.objects.filter(kind="working_day", date="2025-02-08")
    assert swapped.count() == 4
    assert CalendarOverride.objects.get(province__code="75", kind="day_off").date.isoformat() == "2026-01-02"
