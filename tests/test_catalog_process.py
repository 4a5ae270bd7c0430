"""A procedure's internal process in the catalog file (issue 15; api.md "Internal processes"): what a
province admin sees when importing a procedure with `process`, importing it again, leaving `process` out
of a partial file, and feeding a bad definition (an error naming the record, nothing written); the
export writes the process back and an export imported again changes nothing."""

import copy
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.catalog_io import export_catalog, import_catalog
from portal.models import Procedure, ProcessStep

DEMO_FILE = Path(__file__).resolve().parent.parent / "portal" / "fixtures" / "demo_catalog.json"
DEMO = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
# The demo's document templates are files beside it (read from a file's folder): tests/test_catalog_templates.py.
for _procedure in DEMO["procedures"]:
    for _document in _procedure["documents"]:
        _document.pop("template", None)
CODE = "1.003010"  # Đăng ký biến động đất đai, UBND thành phố Long Khánh (Đồng Nai): 10 working days = 80 h
LONG_KHANH = "000.00.13.H19"
TNMT = "000.00.07.H19"  # Sở Tài nguyên và Môi trường tỉnh Đồng Nai
STEPS = [
    {"code": "TD", "name": "Thẩm định hồ sơ", "role": "specialist", "agency": LONG_KHANH, "hours": 40},
    {"code": "LT", "name": "Lấy ý kiến Sở Tài nguyên và Môi trường", "role": "specialist", "agency": TNMT, "hours": 16},
    {"code": "PD", "name": "Ký, phê duyệt", "role": "head", "agency": LONG_KHANH, "hours": 12.5},
    {"code": "VT", "name": "Đóng dấu, trả kết quả", "role": "officer", "agency": None, "hours": 8},
]


@pytest.fixture
def imported(db):
    result = import_catalog(copy.deepcopy(DEMO))
    assert result.errors == []


def record(steps=STEPS, code=CODE, **changes):
    """The demo's record of procedure `code` in Đồng Nai, with `process` set to `steps` (left out for None)."""
    found = next(p for p in DEMO["procedures"] if p["province"] == "75" and p["code"] == code)
    data = {**copy.deepcopy(found), **changes}
    data.pop("process", None)
    if steps is not None:
        data["process"] = {"steps": copy.deepcopy(steps)}
    return data


def steps_of(code=CODE):
    return [
        (s.order, s.code, s.name, s.role, s.agency.code if s.agency else None, s.hours)
        for s in ProcessStep.objects.filter(procedure__province__code="75", procedure__code=code)
        .select_related("agency")
        .order_by("order")
    ]


def rows():
    return list(ProcessStep.objects.order_by("pk").values())


def test_a_process_imports_in_order_and_a_second_import_changes_nothing(imported):
    result = import_catalog({"procedures": [record()]})
    assert result.errors == []
    assert result.counts["procedures"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert steps_of() == [
        (0, "TD", "Thẩm định hồ sơ", "specialist", LONG_KHANH, Decimal(40)),
        (1, "LT", "Lấy ý kiến Sở Tài nguyên và Môi trường", "specialist", TNMT, Decimal(16)),
        (2, "PD", "Ký, phê duyệt", "head", LONG_KHANH, Decimal("12.5")),
        (3, "VT", "Đóng dấu, trả kết quả", "officer", None, Decimal(8)),
    ]
    before = rows()
    again = import_catalog({"procedures": [record()]})
    assert again.counts["procedures"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert rows() == before  # same rows, same ids: nothing rewritten


def test_reimporting_replaces_the_steps_and_a_dry_run_writes_nothing(imported):
    import_catalog({"procedures": [record()]})
    changed = [dict(STEPS[2], hours=16), STEPS[0], {**STEPS[3], "name": "Trả kết quả"}]  # LT dropped, PD first
    before = rows()
    dry = import_catalog({"procedures": [record(changed)]}, dry_run=True)
    assert dry.errors == [] and dry.counts["procedures"]["updated"] == 1
    assert rows() == before
    assert import_catalog({"procedures": [record(changed)]}).errors == []
    assert [(order, code, name, hours) for order, code, name, _r, _a, hours in steps_of()] == [
        (0, "PD", "Ký, phê duyệt", Decimal(16)),
        (1, "TD", "Thẩm định hồ sơ", Decimal(40)),
        (2, "VT", "Trả kết quả", Decimal(8)),
    ]


def test_a_step_may_be_at_an_agency_the_same_file_declares(imported):
    ward = {"code": "000.09.13.H19", "province": "75", "name": "UBND phường Xuân Hòa", "level": "commune"}
    steps = [{"code": "XM", "name": "Xác nhận hiện trạng", "role": "specialist", "agency": ward["code"], "hours": 24}]
    result = import_catalog({"agencies": [ward], "procedures": [record(steps)]})
    assert result.errors == []
    assert steps_of()[0][4] == "000.09.13.H19"


def test_a_file_without_process_keeps_the_steps_and_null_or_no_steps_removes_them(imported):
    """A province admin re-importing a partial file (fees, documents) without `process` keeps the processes
    configured in the admin; only an explicit `"process": null` or `{"steps": []}` removes them."""
    import_catalog({"procedures": [record()]})
    kept = import_catalog({"procedures": [record(None, fee=40000)]})
    assert kept.errors == [] and kept.counts["procedures"]["updated"] == 1
    assert [code for _o, code, *_rest in steps_of()] == ["TD", "LT", "PD", "VT"]

    assert import_catalog({"procedures": [record([])]}).errors == []
    assert steps_of() == []
    import_catalog({"procedures": [record()]})
    cleared = {**record(None), "process": None}
    assert import_catalog({"procedures": [cleared]}).counts["procedures"]["updated"] == 1
    assert steps_of() == []
    assert import_catalog({"procedures": [cleared]}).counts["procedures"]["unchanged"] == 1


WHERE = f"procedures[0] ({CODE})"


def bad(index, **changes):
    steps = copy.deepcopy(STEPS)
    steps[index].update(changes)
    for key, value in changes.items():
        if value is ...:
            del steps[index][key]
    return steps


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        (bad(0, role="clerk"), 'process.steps[0].role: "clerk" is not one of officer, specialist, head'),
        (
            bad(0, agency=None),
            'process.steps[0].agency: required for role "specialist" (null is the receiving desk, for officer '
            "steps only)",
        ),
        (bad(2, agency=...), "process.steps[2].agency: required field is missing"),
        (
            bad(3, agency=LONG_KHANH),
            'process.steps[3].agency: must be null for role "officer" (an officer step is at the receiving desk)',
        ),
        (bad(1, agency="000.00.99.H19"), 'process.steps[1].agency: unknown agency "000.00.99.H19"'),
        (
            bad(1, agency="000.00.07.H34"),
            'process.steps[1].agency: agency "000.00.07.H34" is in province "56", not "75"',
        ),
        (bad(1, hours=0), "process.steps[1].hours: must be more than 0, got 0"),
        (bad(1, hours=-8), "process.steps[1].hours: must be more than 0, got -8"),
        (bad(1, hours="8"), 'process.steps[1].hours: expected a number, got string "8"'),
        (bad(1, hours=1.125), "process.steps[1].hours: must have at most 2 decimal places, got 1.125"),
        (bad(2, code="TD"), "process.steps[2].code: duplicate of process.steps[0]"),
        (bad(2, name=""), "process.steps[2].name: must not be empty"),
        (bad(2, by="lanhdao"), "process.steps[2].by: unknown field (expected one of code, name, role, agency, hours)"),
        (
            bad(0, hours=44),
            f'process.steps: the steps take 80.5 working hours, more than the processing time of procedure "{CODE}"'
            " (80 working hours)",
        ),
        (["TD"], 'process.steps[0]: expected an object, got string "TD"'),
    ],
)
def test_a_bad_step_is_an_error_naming_the_procedure_and_nothing_is_written(imported, steps, error):
    import_catalog({"procedures": [record()]})
    before = rows()
    result = import_catalog({"procedures": [record(steps)]})
    assert result.errors == [f"{WHERE}: {error}"]
    assert rows() == before


@pytest.mark.parametrize(
    ("process", "error"),
    [
        ([], "process: expected an object, got list"),
        ({}, "process.steps: required field is missing"),
        ({"steps": {}}, "process.steps: expected a list, got object"),
        ({"steps": [], "version": 2}, "process.version: unknown field (expected one of steps)"),
    ],
)
def test_a_bad_process_shape_is_an_error(imported, process, error):
    result = import_catalog({"procedures": [{**record(None), "process": process}]})
    assert result.errors == [f"{WHERE}: {error}"]


def test_a_shorter_processing_time_is_checked_against_the_steps_the_procedure_keeps(imported):
    """A file that shortens the processing time and leaves `process` out would leave steps longer than the
    procedure: the import refuses it, naming the procedure; with a shorter process in the same file it passes."""
    import_catalog({"procedures": [record()]})
    shorter = record(None, processing_time={"value": 5, "unit": "working_days"})
    result = import_catalog({"procedures": [shorter]})
    assert result.errors == [
        f'{WHERE}: processing_time: the 4 steps procedure "{CODE}" has take 76.5 working hours, more than this '
        "processing time (40 working hours): shorten its process in the same file"
    ]
    assert Procedure.objects.get(province__code="75", code=CODE).processing_time_value == 10
    fitting = [dict(step, hours=8) for step in STEPS]
    assert import_catalog({"procedures": [record(fitting, processing_time=shorter["processing_time"])]}).errors == []
    assert [hours for *_rest, hours in steps_of()] == [8, 8, 8, 8]


def test_a_process_exactly_as_long_as_the_processing_time_is_accepted(imported):
    exact = [dict(step, hours=20) for step in STEPS]  # 4 × 20 h = the 10 working days
    assert import_catalog({"procedures": [record(exact)]}).errors == []


def test_the_export_writes_the_process_and_imports_back_unchanged(imported, tmp_path):
    import_catalog({"procedures": [record()]})
    exported = export_catalog("75")
    written = next(p for p in exported["procedures"] if p["code"] == CODE)
    assert written["process"] == {"steps": STEPS}
    without = [p for p in exported["procedures"] if not Procedure.objects.get(province__code="75", code=p["code"])
               .process_steps.exists()]  # fmt: skip
    assert without and all("process" not in p for p in without)

    path = tmp_path / "dong-nai.json"
    call_command("export_catalog", "--province", "75", "-o", str(path), stderr=io.StringIO())
    before = rows()
    result = import_catalog(json.loads(path.read_text(encoding="utf-8")))
    assert result.errors == []
    assert result.counts["procedures"] == {"created": 0, "updated": 0, "unchanged": len(exported["procedures"])}
    assert rows() == before
    assert export_catalog("75") == exported
