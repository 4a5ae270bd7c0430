"""The internal process in the procedure's admin page (issue 15): a province admin sets a procedure's steps
in order, picks each step's agency among their own province's only, and is told in Vietnamese, naming the
procedure, when the steps take longer than the processing time or a step's role and agency do not fit."""

from decimal import Decimal

import pytest
from django.db.models.fields.files import FieldFile

from portal.models import ProcessStep
from tests.factories import AgencyFactory, ProcedureFactory, ProvinceAdminFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    province = ProvinceFactory(name="Đồng Nai")
    admin = ProvinceAdminFactory(province=province, is_staff=True)
    district = AgencyFactory(province=province, name="UBND thành phố Long Khánh")
    ward = AgencyFactory(province=province, name="UBND phường Xuân Trung", parent=district)
    foreign = AgencyFactory(province=ProvinceFactory(name="Khánh Hòa"), name="Sở Xây dựng tỉnh Khánh Hòa")
    # 10 working days = 80 working hours to share.
    procedure = ProcedureFactory(province=province, agency=district, processing_time_value=Decimal(10))
    return {"admin": admin, "district": district, "ward": ward, "foreign": foreign, "procedure": procedure}


def url(procedure):
    return f"/admin/portal/procedure/{procedure.pk}/change/"


def _value(value):
    if value is None or isinstance(value, FieldFile):  # a stored file is not posted back: an empty upload keeps it
        return ""
    return value


def current_form(client, procedure):
    """The change form as the page renders it: the procedure's fields and every inline's forms."""
    page = client.get(url(procedure))
    assert page.status_code == 200
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = _value(value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if isinstance(value, bool):
                    if value:
                        data[sub.add_prefix(name)] = "on"
                    continue
                data[sub.add_prefix(name)] = _value(value)
    return page, data


def with_steps(data, steps):
    """`data` with the steps inline replaced by new rows `steps` (existing rows deleted)."""
    initial = int(data["process_steps-INITIAL_FORMS"])
    for i in range(initial):
        data[f"process_steps-{i}-DELETE"] = "on"
    for offset, step in enumerate(steps):
        i = initial + offset
        for name, value in step.items():
            data[f"process_steps-{i}-{name}"] = "" if value is None else getattr(value, "pk", value)
    data["process_steps-TOTAL_FORMS"] = str(initial + len(steps))
    return data


def step(order, code, role, agency, hours, name=None):
    return {
        "order": order,
        "code": code,
        "name": name or f"Bước {code}",
        "role": role,
        "agency": agency,
        "hours": hours,
    }


def steps_of(procedure):
    return list(
        ProcessStep.objects.filter(procedure=procedure)
        .order_by("order")
        .values_list("order", "code", "role", "agency__name", "hours")
    )


def test_the_province_admin_sets_a_procedures_steps_in_order(client, world):
    client.force_login(world["admin"])
    procedure = world["procedure"]
    page, data = current_form(client, procedure)
    html = page.content.decode()
    assert "Quy trình nội bộ" in html or "quy trình nội bộ" in html
    assert "UBND phường Xuân Trung" in html
    assert "Sở Xây dựng tỉnh Khánh Hòa" not in html  # another province's agency is never offered
    steps = [
        step(0, "XM", "specialist", world["ward"], 24, "Xác nhận hiện trạng, niêm yết công khai"),
        step(1, "TD", "specialist", world["district"], 32),
        step(2, "PD", "head", world["district"], 16),
        step(3, "VT", "officer", None, 8),
    ]
    answer = client.post(url(procedure), with_steps(data, steps))
    assert answer.status_code == 302, answer.context and answer.context["errors"]
    assert steps_of(procedure) == [
        (0, "XM", "specialist", "UBND phường Xuân Trung", Decimal(24)),
        (1, "TD", "specialist", "UBND thành phố Long Khánh", Decimal(32)),
        (2, "PD", "head", "UBND thành phố Long Khánh", Decimal(16)),
        (3, "VT", "officer", None, Decimal(8)),
    ]

    # The page shows them back, in order, and an unchanged post keeps them.
    page, data = current_form(client, procedure)
    assert [f["code"].value() for f in page.context["inline_admin_formsets"][1].formset.forms] == [
        "XM",
        "TD",
        "PD",
        "VT",
    ]
    assert client.post(url(procedure), data).status_code == 302
    assert len(steps_of(procedure)) == 4


def errors_of(answer):
    assert answer.status_code == 200  # the form again, with its errors
    formset = next(f.formset for f in answer.context["inline_admin_formsets"] if f.formset.prefix == "process_steps")
    return formset.non_form_errors(), [dict(form.errors) for form in formset.forms]


def test_steps_longer_than_the_processing_time_are_refused_naming_the_procedure(client, world):
    client.force_login(world["admin"])
    procedure = world["procedure"]
    _page, data = current_form(client, procedure)
    steps = [step(0, "TD", "specialist", world["district"], 64), step(1, "PD", "head", world["district"], 24)]
    non_form, _forms = errors_of(client.post(url(procedure), with_steps(data, steps)))
    assert non_form == [
        f"Tổng thời gian các bước (88 giờ làm việc) vượt thời hạn giải quyết của thủ tục {procedure.code} "
        "(80 giờ làm việc)."
    ]
    assert steps_of(procedure) == []

    # Exactly the processing time is allowed.
    steps[0]["hours"] = 56
    assert client.post(url(procedure), with_steps(data, steps)).status_code == 302
    assert [row[4] for row in steps_of(procedure)] == [56, 24]


def test_shortening_the_processing_time_is_checked_against_the_steps(client, world):
    client.force_login(world["admin"])
    procedure = world["procedure"]
    ProcessStep.objects.create(procedure=procedure, order=0, code="TD", name="Thẩm định", role="specialist",
                               agency=world["district"], hours=40)  # fmt: skip
    _page, data = current_form(client, procedure)
    data["processing_time_value"] = "3"
    non_form, _forms = errors_of(client.post(url(procedure), data))
    assert non_form == [
        f"Tổng thời gian các bước (40 giờ làm việc) vượt thời hạn giải quyết của thủ tục {procedure.code} "
        "(24 giờ làm việc)."
    ]
    procedure.refresh_from_db()
    assert procedure.processing_time_value == 10


@pytest.mark.parametrize(
    ("role", "agency", "message"),
    [
        ("specialist", None, "Bước của chuyên viên hoặc lãnh đạo phải có cơ quan thực hiện."),
        ("head", None, "Bước của chuyên viên hoặc lãnh đạo phải có cơ quan thực hiện."),
        ("officer", "district", "Bước của cán bộ một cửa thực hiện tại bộ phận đã tiếp nhận hồ sơ."),
    ],
)
def test_a_step_whose_role_and_agency_do_not_fit_is_refused(client, world, role, agency, message):
    client.force_login(world["admin"])
    procedure = world["procedure"]
    _page, data = current_form(client, procedure)
    steps = [step(0, "XL", role, world[agency] if agency else None, 8)]
    _non_form, forms = errors_of(client.post(url(procedure), with_steps(data, steps)))
    assert forms == [{"agency": [message]}]
    assert steps_of(procedure) == []


def test_an_agency_of_another_province_cannot_be_posted(client, world):
    client.force_login(world["admin"])
    procedure = world["procedure"]
    _page, data = current_form(client, procedure)
    steps = [step(0, "LT", "specialist", world["foreign"], 8)]
    _non_form, forms = errors_of(client.post(url(procedure), with_steps(data, steps)))
    assert list(forms[0]) == ["agency"]
    assert steps_of(procedure) == []


def test_two_steps_with_one_code_are_refused(client, world):
    client.force_login(world["admin"])
    procedure = world["procedure"]
    _page, data = current_form(client, procedure)
    steps = [step(0, "XL", "specialist", world["district"], 8), step(1, "XL", "head", world["district"], 8)]
    non_form, _forms = errors_of(client.post(url(procedure), with_steps(data, steps)))
    assert non_form == ["Mã bước bị trùng: mỗi bước của quy trình phải có một mã riêng."]
    assert steps_of(procedure) == []
