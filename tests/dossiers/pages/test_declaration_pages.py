"""The declaration form (tờ khai điện tử) on the pages (issue 16): the citizen fills the birth-registration form
on the draft page (prefilled from the profile, a field error beside its field with what was typed kept, rows
added and removed without JavaScript, a condition named beside its field), submission of an incomplete one
brings the citizen back to the fields it lacks, a draft keeps its form version after a new one; the officer's
walk-in entry has the same fields, unprefilled; the officer's page, the citizen's page and the receipt show the
declaration with its labels; the printable tờ khai follows the receipt's access."""

import re

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.demo import sample_declarations
from dossiers.models import Dossier, Status
from portal import demo
from portal.models import ProcedureForm
from tests.dossier_helpers import make_dossier, pdf
from tests.dossiers.pages.common import draft_payload, html, logged_in, upload
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

FORMS = demo.forms()
BIRTH, LLTP = FORMS["1.001193"], FORMS["2.000488"]
REQUIRED = "Vui lòng nhập thông tin này."
HOME = {"line": "25 Võ Thị Sáu", "ward": "Phường Trấn Biên", "province": "Đồng Nai"}


def birth_inputs(**changes):
    """The inputs of a complete birth registration, as the page posts them."""
    data = {
        "fd-nguoi_yeu_cau-ho_ten": "Trần Thị Bình",
        "fd-nguoi_yeu_cau-ngay_sinh": "05/08/1993",
        "fd-nguoi_yeu_cau-so_dinh_danh": "075193004567",
        "fd-nguoi_yeu_cau-noi_cu_tru-line": HOME["line"],
        "fd-nguoi_yeu_cau-noi_cu_tru-ward": HOME["ward"],
        "fd-nguoi_yeu_cau-noi_cu_tru-province": HOME["province"],
        "fd-nguoi_yeu_cau-dien_thoai": "0987654321",
        "fd-quan_he": "me",
        "fd-tre-ho_ten": "Nguyễn Minh Khang",
        "fd-tre-ngay_sinh": "20/10/2025",
        "fd-tre-gioi_tinh": "nam",
        "fd-tre-dan_toc": "Kinh",
        "fd-tre-quoc_tich": "Việt Nam",
        "fd-tre-noi_sinh": "Bệnh viện Đa khoa Đồng Nai",
        "fd-tre-que_quan": "Đồng Nai",
        "fd-co_thong_tin_cha": "false",
        "fd-co_thong_tin_me": "true",
        "fd-me-ho_ten": "Trần Thị Bình",
        "fd-me-ngay_sinh": "05/08/1993",
        "fd-me-dan_toc": "Kinh",
        "fd-me-quoc_tich": "Việt Nam",
        "fd-me-noi_cu_tru-line": HOME["line"],
        "fd-me-noi_cu_tru-ward": HOME["ward"],
        "fd-me-noi_cu_tru-province": HOME["province"],
        "fd-so_ban_sao": "2",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def beside(page, name):
    """The HTML of the field wrapper holding the input `name` (its label, hint, errors and input)."""
    at = page.index(f'name="{name}"')
    start = page.rindex('<div class="field', 0, at)
    return page[start : page.index("</div>", at) + 6]


@pytest.fixture
def birth(procedure):
    ProcedureForm.publish(procedure, BIRTH)
    return procedure


@pytest.fixture
def citizen():
    return CitizenFactory(full_name="Trần Thị Bình", phone="0987654321", national_id="075193004567", email="")


def test_the_draft_page_shows_the_form_prefilled_from_the_profile_and_the_last_declared_address(
    client, officer, birth, citizen
):
    logged_in(client, citizen)
    first = client.get(reverse("dossiers:start", args=[birth.pk]))
    page = html(first)
    assert "Nội dung yêu cầu" not in page and "Tờ khai đăng ký khai sinh" in page
    assert 'name="fd-nguoi_yeu_cau-ho_ten"' in page and 'value="Trần Thị Bình"' in beside(
        page, "fd-nguoi_yeu_cau-ho_ten"
    )
    assert 'value="075193004567"' in beside(page, "fd-nguoi_yeu_cau-so_dinh_danh")
    assert 'value="0987654321"' in beside(page, "fd-nguoi_yeu_cau-dien_thoai")
    assert 'value="25 Võ Thị Sáu"' not in page  # no address yet: the account has none
    # The province is a select of the catalog's provinces.
    assert f'<option value="{birth.province.name}">' in page

    client.post(reverse("dossiers:start", args=[birth.pk]), {**draft_payload(officer), **birth_inputs()})
    assert Dossier.objects.filter(owner=citizen).count() == 1
    again = html(client.get(reverse("dossiers:start", args=[birth.pk])))
    assert 'value="25 Võ Thị Sáu"' in beside(again, "fd-nguoi_yeu_cau-noi_cu_tru-line")  # the last declared one


def test_a_field_error_is_shown_beside_its_field_with_what_was_typed_kept_then_corrected(
    client, officer, birth, citizen
):
    logged_in(client, citizen)
    url = reverse("dossiers:start", args=[birth.pk])
    inputs = birth_inputs(**{"fd-nguoi_yeu_cau-so_dinh_danh": "999123456789", "fd-tre-ngay_sinh": "31/02/2025"})
    refused = client.post(url, {**draft_payload(officer), **inputs})
    assert refused.status_code == 400 and not Dossier.objects.exists()
    page = html(refused)
    assert "Nhập một ngày hợp lệ." in beside(page, "fd-tre-ngay_sinh")
    assert 'value="31/02/2025"' in beside(page, "fd-tre-ngay_sinh")
    assert 'value="Nguyễn Minh Khang"' in beside(page, "fd-tre-ho_ten")  # the rest stays typed

    inputs["fd-tre-ngay_sinh"] = "20/10/2025"
    refused = client.post(url, {**draft_payload(officer), **inputs})  # now the validator's own error
    assert refused.status_code == 400
    page = html(refused)
    assert "Ba chữ số đầu “999” không phải mã tỉnh" in beside(page, "fd-nguoi_yeu_cau-so_dinh_danh")
    assert 'value="999123456789"' in beside(page, "fd-nguoi_yeu_cau-so_dinh_danh")
    assert 'href="#id_fd-nguoi_yeu_cau-so_dinh_danh"' in page  # the summary links to it

    inputs["fd-nguoi_yeu_cau-so_dinh_danh"] = "075193004567"
    saved = client.post(url, {**draft_payload(officer), **inputs})
    assert saved.status_code == 302
    dossier = Dossier.objects.get(owner=citizen)
    assert dossier.form_version == 1
    assert dossier.form_data["tre"]["ngay_sinh"] == "2025-10-20" and dossier.form_data["so_ban_sao"] == 2
    assert dossier.form_data["co_thong_tin_cha"] is False and "cha" not in dossier.form_data
    assert dossier.form_data["nguoi_yeu_cau"]["noi_cu_tru"] == HOME


def test_rows_are_added_and_removed_without_javascript_and_nothing_is_saved_meanwhile(
    client, officer, procedure, citizen
):
    ProcedureForm.publish(procedure, LLTP)
    logged_in(client, citizen)
    url = reverse("dossiers:start", args=[procedure.pk])
    first = html(client.get(url))
    assert 'name="fd-qua_trinh_cu_tru-0-noi_cu_tru"' in first  # the minimum, one row
    assert 'name="fd-qua_trinh_cu_tru-1-noi_cu_tru"' not in first

    typed = {
        **draft_payload(officer),
        "fd-ho_ten": "Trần Thị Bình",
        "fd-qua_trinh_cu_tru-_n": "1",
        "fd-qua_trinh_cu_tru-0-noi_cu_tru": "Biên Hòa",
    }
    added = client.post(url, {**typed, "fd-qua_trinh_cu_tru-_add": "1"})
    assert added.status_code == 200 and not Dossier.objects.exists()
    page = html(added)
    assert 'name="fd-qua_trinh_cu_tru-1-noi_cu_tru"' in page
    assert 'value="Biên Hòa"' in page and 'value="Trần Thị Bình"' in page
    assert "Vui lòng kiểm tra lại thông tin" not in page  # no error for what is not typed yet

    two = {**typed, "fd-qua_trinh_cu_tru-_n": "2", "fd-qua_trinh_cu_tru-1-noi_cu_tru": "Thủ Đức"}
    removed = html(client.post(url, {**two, "fd-qua_trinh_cu_tru-_remove": "0"}))
    assert 'value="Thủ Đức"' in beside(removed, "fd-qua_trinh_cu_tru-0-noi_cu_tru")
    assert 'name="fd-qua_trinh_cu_tru-1-noi_cu_tru"' not in removed

    client.post(url, two)
    dossier = Dossier.objects.get(owner=citizen)
    assert [row["noi_cu_tru"] for row in dossier.form_data["qua_trinh_cu_tru"]] == ["Biên Hòa", "Thủ Đức"]


def test_a_condition_is_named_beside_its_field_and_an_answer_that_does_not_apply_is_refused_there(
    client, officer, birth, citizen
):
    logged_in(client, citizen)
    url = reverse("dossiers:start", args=[birth.pk])
    page = html(client.get(url))
    hint = "Chỉ điền khi “Quan hệ với người được khai sinh” là “Khác”."
    assert hint in beside(page, "fd-quan_he_khac")
    assert 'data-when-name="fd-quan_he" data-when-value="khac"' in page

    refused = client.post(url, {**draft_payload(officer), **birth_inputs(**{"fd-quan_he_khac": "Cô ruột"})})
    assert refused.status_code == 400
    assert "Chỉ khai trường này khi" in beside(html(refused), "fd-quan_he_khac")
    saved = client.post(
        url, {**draft_payload(officer), **birth_inputs(**{"fd-quan_he": "khac", "fd-quan_he_khac": "Cô ruột"})}
    )
    assert saved.status_code == 302
    assert Dossier.objects.get(owner=citizen).form_data["quan_he_khac"] == "Cô ruột"


def test_an_incomplete_declaration_is_saved_and_its_submission_comes_back_to_the_missing_fields(
    client, officer, birth, citizen
):
    logged_in(client, citizen)
    inputs = birth_inputs(**{"fd-tre-ho_ten": "", "fd-co_thong_tin_me": None})
    inputs = {key: value for key, value in inputs.items() if not key.startswith("fd-me-")}  # the mother: unsaid
    saved = client.post(reverse("dossiers:start", args=[birth.pk]), {**draft_payload(officer), **inputs})
    assert saved.status_code == 302
    dossier = Dossier.objects.get(owner=citizen)
    for code in ("TK", "CCCD"):
        upload(client, dossier.code, code, pdf(f"{code}.pdf"))

    refused = client.post(reverse("dossiers:submit", args=[dossier.code]))
    assert refused.status_code == 302 and refused.url.startswith(reverse("dossiers:edit", args=[dossier.code]))
    page = html(client.get(refused.url))
    assert "Tờ khai chưa đầy đủ" in page
    assert REQUIRED in beside(page, "fd-tre-ho_ten")
    assert REQUIRED in page[page.index('id="id_fd-co_thong_tin_me"') :][:2000]
    assert 'value="Kinh"' in beside(page, "fd-tre-dan_toc")  # what was saved is there
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT

    client.post(reverse("dossiers:edit", args=[dossier.code]), {**draft_payload(officer), **birth_inputs()})
    done = client.post(reverse("dossiers:submit", args=[dossier.code]))
    assert done.status_code == 302 and done.url == reverse("dossiers:submitted", args=[dossier.code])


def test_a_draft_keeps_its_form_version_after_a_new_catalog_version(client, officer, birth, citizen):
    logged_in(client, citizen)
    client.post(reverse("dossiers:start", args=[birth.pk]), {**draft_payload(officer), **birth_inputs()})
    dossier = Dossier.objects.get(owner=citizen)
    newer = {**BIRTH, "fields": [*BIRTH["fields"], {"key": "ghi_chu", "label": "Ghi chú thêm", "type": "textarea"}]}
    ProcedureForm.publish(birth, newer)
    assert birth.form_version == 2

    editing = html(client.get(reverse("dossiers:edit", args=[dossier.code])))
    assert "Ghi chú thêm" not in editing and 'value="Nguyễn Minh Khang"' in editing
    saved = client.post(reverse("dossiers:edit", args=[dossier.code]), {**draft_payload(officer), **birth_inputs()})
    assert saved.status_code == 302
    dossier.refresh_from_db()
    assert dossier.form_version == 1
    assert "Ghi chú thêm" in html(client.get(reverse("dossiers:start", args=[birth.pk])))  # new drafts: v2


def test_the_walk_in_entry_has_the_same_fields_unprefilled_and_asks_for_them_all(client, officer, birth):
    officer.full_name, officer.phone = "Cán bộ Một Cửa", "0911111111"
    officer.save()
    logged_in(client, officer)
    url = reverse("dossiers:walk_in") + f"?procedure={birth.pk}"
    page = html(client.get(url))
    declaration = page[page.index('id="to-khai"') :]
    assert 'name="fd-tre-ho_ten"' in declaration
    assert "Cán bộ Một Cửa" not in declaration and "0911111111" not in declaration
    payload = {**draft_payload(officer, return_channel="desk"), "ticket": ""}
    refused = client.post(url, {**payload, **birth_inputs(**{"fd-tre-ho_ten": ""})})
    assert refused.status_code == 400 and not Dossier.objects.exists()
    assert REQUIRED in beside(html(refused), "fd-tre-ho_ten")
    created = client.post(url, {**payload, **birth_inputs()})
    assert created.status_code == 302
    assert Dossier.objects.get().form_data["tre"]["ho_ten"] == "Nguyễn Minh Khang"


def _declared(officer, procedure, citizen, state="accepted"):
    data = sample_declarations()["1.001193"]  # the demo's: a complete declaration
    data.update(quan_he="me", co_thong_tin_cha=False)
    del data["cha"]
    data["nguoi_yeu_cau"]["noi_cu_tru"] = HOME
    return make_dossier(state, officer=officer, citizen=citizen, procedure=procedure, form_data=data)


def test_the_officer_and_the_citizen_see_the_declaration_with_its_labels(client, officer, birth, citizen):
    dossier = _declared(officer, birth, citizen)
    page = html(logged_in(client, officer).get(reverse("dossiers:officer_detail", args=[dossier.code])))
    section = page[page.index('id="form-title"') :][:6000]
    for shown in ("Người được khai sinh", "Họ, chữ đệm, tên", "Nguyễn Minh Khang", "20/10/2025", "Mẹ", "Nam"):
        assert shown in section, shown
    assert re.search(r"Có thông tin về người cha</dt><dd>Không", section)
    assert "Thông tin người cha" not in section  # its condition did not apply
    assert "25 Võ Thị Sáu, Phường Trấn Biên, Đồng Nai" in section
    assert reverse("dossiers:print", args=[dossier.code, "to-khai"]) in section

    page = html(logged_in(client, citizen).get(reverse("dossiers:detail", args=[dossier.code])))
    assert "Nguyễn Minh Khang" in page and "20/10/2025" in page
    assert reverse("dossiers:print", args=[dossier.code, "to-khai"]) in page
    receipt = html(client.get(reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"])))
    assert "Nội dung tờ khai" in receipt and "Nguyễn Minh Khang" in receipt


def test_the_printable_declaration_follows_the_receipts_access(client, officer, birth, citizen):
    dossier = _declared(officer, birth, citizen, state="submitted")
    url = reverse("dossiers:print", args=[dossier.code, "to-khai"])
    page = html(logged_in(client, citizen).get(url))
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in page and "Độc lập – Tự do – Hạnh phúc" in page
    assert "Tờ khai đăng ký khai sinh" in page
    assert f"Kính gửi: <strong>{birth.agency.name}</strong>" in page
    assert "Nguyễn Minh Khang" in page and "Người yêu cầu" in page
    assert logged_in(client, officer).get(url).status_code == 200
    assert logged_in(client, CitizenFactory()).get(url).status_code == 404
    other = services.create_draft(
        officer,
        procedure=birth,
        desk=officer.desk,
        intake_channel="walk_in",
        return_channel="desk",
        applicant={"full_name": "Lê Văn C", "phone": "0911222333"},
    )
    assert logged_in(client, citizen).get(reverse("dossiers:print", args=[other.code, "to-khai"])).status_code == 404
