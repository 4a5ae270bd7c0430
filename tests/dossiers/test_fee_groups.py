"""Fees by applicant group (issue 16, api.md "fees"): a student pays 100,000 đ instead of 200,000 đ for the
judicial record certificate and proves it with the student card. The dossier's `fee_group` through the API and
the pages, the proof document required at submission, the amount due and its snapshot, the e-receipt, the
statistics, and the templates' links on the citizen's and the clerk's pages; the admin's inline."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, PaymentStatus
from dossiers.payments import service as payments
from dossiers.payments.providers import DemoProvider
from dossiers.services import uploads
from portal import document_templates
from portal.models import ProcedureFee, RequiredDocument
from reports import fees as fee_report
from reports.indicators import Scope
from tests.clients import api_client
from tests.dossier_helpers import make_dossier, pdf
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory, ProvinceAdminFactory
from tests.test_admin_process import current_form

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
FORM = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% to khai mau 03\n"


def student_procedure(officer, **fields):
    """The judicial record certificate at `officer`'s desk: 200,000 đ, 100,000 đ for students with their card."""
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        name="Cấp Phiếu lý lịch tư pháp",
        level=4,
        fee=200000,
        fee_collected_at="at_return",  # paid online any time before the result: acceptance does not wait
        documents=[
            {"code": "TK", "name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"},
            {"code": "THE_SV", "name": "Thẻ học sinh, sinh viên", "required": False},
        ],
        **fields,
    )
    ProcedureFee.objects.create(procedure=procedure, group="default", label="Công dân", amount=200000, order=0)
    ProcedureFee.objects.create(
        procedure=procedure,
        group="student",
        label="Học sinh, sinh viên",
        amount=100000,
        proof_document="THE_SV",
        order=1,
    )
    tk = procedure.documents.get(code="TK")
    tk.template.name = document_templates.store(FORM)
    tk.template_name = "mau-03.pdf"
    tk.save()
    return procedure


@pytest.fixture
def officer():
    return OfficerFactory()


@pytest.fixture
def procedure(officer):
    return student_procedure(officer)


def body(procedure, officer, **extra):
    return {
        "procedure": procedure.code,
        "province": procedure.province.code,
        "desk": officer.desk.pk,
        "intake_channel": "online",
        "return_channel": "desk",
        "applicant": {"full_name": "Trần Thị Bình", "phone": "0912345678"},
        **extra,
    }


def upload(dossier, user, *codes):
    for code in codes:
        uploads.add_document(dossier, user, code, pdf(f"{code}.pdf"))


# --- the API -------------------------------------------------------------------------------------------------


def test_the_api_takes_the_group_and_refuses_an_unknown_one_naming_the_field(procedure, officer):
    api = api_client(CitizenFactory())
    created = api.post("/api/v1/dossiers/", body(procedure, officer, fee_group="student"), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["fee_group"] == "student" and created.json()["fee"] == 100000
    code = created.json()["code"]
    unknown = api.post("/api/v1/dossiers/", body(procedure, officer, fee_group="veteran"), format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["fee_group"]
    assert "veteran" in unknown.json()["fee_group"][0]
    # A draft may change its group; the amount follows.
    changed = api.patch(f"/api/v1/dossiers/{code}/", {"fee_group": "default"}, format="json")
    assert changed.status_code == 200 and changed.json()["fee_group"] == "default" and changed.json()["fee"] == 200000
    bad = api.patch(f"/api/v1/dossiers/{code}/", {"fee_group": "veteran"}, format="json")
    assert bad.status_code == 400 and "fee_group" in bad.json()
    assert api.get(f"/api/v1/dossiers/{code}/").json()["fee_group"] == "default"
    # Left out: the default group.
    plain = api.post("/api/v1/dossiers/", body(procedure, officer), format="json").json()
    assert plain["fee_group"] == "default" and plain["fee"] == 200000


def test_the_student_card_is_required_at_submission_for_the_student_fee_only(procedure, officer):
    citizen = CitizenFactory()
    api = api_client(citizen)
    student = api.post("/api/v1/dossiers/", body(procedure, officer, fee_group="student"), format="json").json()
    dossier = Dossier.objects.get(code=student["code"])
    upload(dossier, citizen, "TK")
    refused = api.post(f"/api/v1/dossiers/{dossier.code}/submit/", {})
    assert refused.status_code == 400
    assert refused.json() == {"documents": ["Còn thiếu giấy tờ bắt buộc: Thẻ học sinh, sinh viên."]}
    upload(dossier, citizen, "THE_SV")
    submitted = api.post(f"/api/v1/dossiers/{dossier.code}/submit/", {})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    # The default group needs no card.
    default = api.post("/api/v1/dossiers/", body(procedure, officer), format="json").json()
    upload(Dossier.objects.get(code=default["code"]), citizen, "TK")
    assert api.post(f"/api/v1/dossiers/{default['code']}/submit/", {}).status_code == 200


def test_a_group_withdrawn_from_the_catalog_stops_the_submission_on_the_field(procedure, officer):
    dossier = make_dossier("draft", officer=officer, procedure=procedure, fee_group="student")
    upload(dossier, dossier.citizen, "TK", "THE_SV")
    ProcedureFee.objects.filter(procedure=procedure, group="student").delete()
    response = api_client(dossier.citizen).post(f"/api/v1/dossiers/{dossier.code}/submit/", {})
    assert response.status_code == 400 and list(response.json()) == ["fee_group"]


def test_the_amount_due_and_the_snapshot_follow_the_group(procedure, officer):
    student = make_dossier("submitted", officer=officer, procedure=procedure, fee_group="student")
    assert student.snap_fee == 100000 and payments.amount_due(student) == 100000
    assert student.payment_status == PaymentStatus.UNPAID  # level 4: paid online, the student's amount
    # A catalog change after submission does not change what was submitted.
    ProcedureFee.objects.filter(procedure=procedure, group="student").update(amount=120000)
    body_, payment = _pay(student)
    assert payment.amount == 100000
    accepted = services.accept(student, officer)
    assert accepted.snap_fee == 100000
    default = make_dossier("submitted", officer=officer, procedure=procedure)
    assert default.snap_fee == 200000 and default.fee_group == "default"


def test_a_free_group_is_not_paid_online(officer):
    procedure = student_procedure(officer)
    ProcedureFee.objects.filter(procedure=procedure, group="student").update(amount=0)
    dossier = make_dossier("submitted", officer=officer, procedure=procedure, fee_group="student")
    assert dossier.snap_fee == 0 and dossier.payment_status == PaymentStatus.NOT_REQUIRED


def _pay(dossier):
    response = api_client(dossier.citizen).post(f"/api/v1/dossiers/{dossier.code}/pay/", {}, format="json")
    assert response.status_code == 200, response.content
    payment = dossier.payments.get(reference=response.json()["reference"])
    return response.json(), payment


def test_the_e_receipt_names_the_group(client, procedure, officer):
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=VN), tick=False):
        dossier = make_dossier("submitted", officer=officer, procedure=procedure, fee_group="student")
        _body, payment = _pay(dossier)
        callback = DemoProvider("demo").callback_payload(payment, "paid")
        assert api_client().post("/api/v1/payments/callback/demo/", callback, format="json").status_code == 200
    receipt = api_client(dossier.citizen).get(f"/api/v1/dossiers/{dossier.code}/receipt/").json()
    assert receipt["amount"] == 100000 and receipt["amount_in_words"] == "Một trăm nghìn đồng"
    assert receipt["fee_group"] == "student" and receipt["fee_group_label"] == "Học sinh, sinh viên"
    client.force_login(dossier.citizen)
    page = client.get(f"/thanh-toan/bien-lai/{dossier.code}/").content.decode()
    assert "Đối tượng nộp" in page and "Học sinh, sinh viên" in page and "100.000 đ" in page


def test_the_statistics_split_the_fees_by_group(client, procedure, officer):
    at = datetime(2026, 11, 23, 9, 0, tzinfo=VN)
    for group in ("student", "student", "default"):
        make_dossier("accepted", at=at, officer=officer, procedure=procedure, fee_group=group)
    scope = Scope(province_id=procedure.province_id)
    rows = fee_report.by_group(scope, at.date(), at.date().replace(day=24))
    assert [(r.label, r.dossiers, r.amount) for r in rows] == [
        ("Công dân", 1, 200000),
        ("Học sinh, sinh viên", 2, 200000),
    ]
    admin = ProvinceAdminFactory(province=procedure.province)
    client.force_login(admin)
    page = client.get("/thong-ke/bang-dieu-khien/?from=2026-11-01&to=2026-12-01").content.decode()
    section = page.split("Phí, lệ phí theo đối tượng nộp")[1]
    assert "Học sinh, sinh viên" in section and "200.000 đ" in section and "Công dân" in section


# --- the pages -----------------------------------------------------------------------------------------------


def test_the_public_page_lists_every_group_and_the_template(client, procedure):
    page = client.get(reverse("procedure_detail", args=[procedure.pk])).content.decode()
    assert "Công dân: <strong>200.000 đ</strong>" in page
    assert "Học sinh, sinh viên: <strong>100.000 đ</strong>" in page and "kèm Thẻ học sinh, sinh viên" in page
    tk = procedure.documents.get(code="TK")
    assert f'href="/thu-tuc/mau-don/{tk.pk}/"' in page and "Tải mẫu đơn, tờ khai" in page


def test_the_citizen_picks_the_student_group_and_the_card_becomes_required(client, procedure, officer):
    citizen = CitizenFactory()
    client.force_login(citizen)
    start = client.get(reverse("dossiers:start", args=[procedure.pk])).content.decode()
    assert 'name="fee_group" id="id_fee_group_student" value="student"' in start
    assert (
        "Học sinh, sinh viên: <strong>100.000 đ</strong>" in start and "Cần nộp kèm: Thẻ học sinh, sinh viên." in start
    )
    form = {
        "desk": officer.desk.pk,
        "full_name": "Trần Thị Bình",
        "phone": "0912345678",
        "fee_group": "student",
        "intake_channel": "online",
        "return_channel": "desk",
        "address_zone": "default",
    }
    # A group that is not offered is an error beside the field, the rest kept.
    wrong = client.post(reverse("dossiers:start", args=[procedure.pk]), {**form, "fee_group": "veteran"})
    assert wrong.status_code == 400
    assert "Vui lòng chọn một đối tượng nộp phí trong danh sách." in wrong.content.decode()
    assert 'value="Trần Thị Bình"' in wrong.content.decode()
    created = client.post(reverse("dossiers:start", args=[procedure.pk]), form)
    assert created.status_code == 302
    dossier = Dossier.objects.get(owner=citizen)
    assert dossier.fee_group == "student"
    page = client.get(reverse("dossiers:documents", args=[dossier.code])).content.decode()
    card = page.split('id="giay-to-the_sv"')[1].split("</li>")[0]
    assert "Bắt buộc" in card and "Không bắt buộc" not in card
    assert "100.000 đ" in page and "(Học sinh, sinh viên)" in page
    tk = procedure.documents.get(code="TK")
    assert f'href="/thu-tuc/mau-don/{tk.pk}/"' in page.split('id="giay-to-tk"')[1].split("</li>")[0]
    # Submitting without the card: the page says what is missing.
    upload(dossier, citizen, "TK")
    refused = client.post(reverse("dossiers:submit", args=[dossier.code]))
    assert refused.status_code == 400 and "Thẻ học sinh, sinh viên" in refused.content.decode()


def test_one_group_only_offers_no_choice(client, officer):
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=4, fee=50000)
    client.force_login(CitizenFactory())
    page = client.get(reverse("dossiers:start", args=[procedure.pk])).content.decode()
    assert 'name="fee_group"' not in page and "50.000 đ" in page


def test_the_officer_enters_a_walk_in_student(client, procedure, officer):
    client.force_login(officer)
    url = reverse("dossiers:walk_in") + f"?procedure={procedure.pk}"
    page = client.get(url).content.decode()
    assert 'value="student"' in page and "Học sinh, sinh viên: <strong>100.000 đ</strong>" in page
    response = client.post(
        url,
        {"full_name": "Lê Văn Cường", "phone": "0987654321", "fee_group": "student", "return_channel": "desk"},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(applicant_name="Lê Văn Cường").fee_group == "student"


def test_the_postal_slip_gives_the_template_address(client, procedure, officer):
    from postal.models import PostalOrder
    from tests.factories import PostalClerkFactory
    from tests.test_postal_report import make_order

    dossier = make_dossier("accepted", officer=officer, procedure=procedure, fee_group="student")
    order = PostalOrder.objects.filter(dossier=dossier, kind="pickup").first() or make_order(
        dossier, "pickup", at=dossier.received_at
    )
    client.force_login(PostalClerkFactory(province=procedure.province))
    page = client.get(reverse("postal:print", args=[order.pk, "phieu-gui"])).content.decode()
    tk = procedure.documents.get(code="TK")
    assert f"http://testserver/thu-tuc/mau-don/{tk.pk}/" in page and "Mẫu đơn, tờ khai:" in page
    card = page.split("Thẻ học sinh, sinh viên")[1].split("</td>")[0]
    assert "nếu có" not in card  # the student's card is required for this dossier


# --- the admin -------------------------------------------------------------------------------------------------


def _admin(client, procedure):
    admin = ProvinceAdminFactory(province=procedure.province, is_staff=True)
    client.force_login(admin)
    page, data = current_form(client, procedure)
    # A stored file is not posted back (an upload field left empty keeps it).
    return page, {key: value for key, value in data.items() if not key.endswith("-template")}


def _row(data, index):
    prefix = f"fee_groups-{index}-"
    return {key[len(prefix) :]: value for key, value in data.items() if key.startswith(prefix)}


def test_the_admin_checks_the_groups_as_the_import_does(client, procedure):
    page, data = _admin(client, procedure)
    assert "Phí, lệ phí theo đối tượng" in page.content.decode()
    student = next(i for i in range(2) if _row(data, i).get("group") == "student")
    default = 1 - student
    data[f"fee_groups-{student}-proof_document"] = "THE_HS"
    data[f"fee_groups-{default}-amount"] = "150000"
    response = client.post(f"/admin/portal/procedure/{procedure.pk}/change/", data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "“THE_HS” không phải mã một thành phần hồ sơ của thủ tục." in text
    assert "Mức thu của đối tượng chung (150000 đồng) phải bằng phí, lệ phí của thủ tục (200000 đồng)." in text
    assert ProcedureFee.objects.get(procedure=procedure, group="student").proof_document == "THE_SV"
    # Right again, and a new group whose proof is a document added on the same page.
    data[f"fee_groups-{student}-proof_document"] = "THE_SV"
    data[f"fee_groups-{default}-amount"] = "200000"
    docs = int(data["documents-TOTAL_FORMS"])
    data.update({f"documents-{docs}-code": "GCN_NCC", f"documents-{docs}-name": "Giấy chứng nhận người có công"})
    data.update({f"documents-{docs}-order": "5", f"documents-{docs}-form": "copy", f"documents-{docs}-copies": "1"})
    data["documents-TOTAL_FORMS"] = str(docs + 1)
    groups = int(data["fee_groups-TOTAL_FORMS"])
    data.update({f"fee_groups-{groups}-group": "merit", f"fee_groups-{groups}-label": "Người có công"})
    data.update({f"fee_groups-{groups}-amount": "100000", f"fee_groups-{groups}-proof_document": "GCN_NCC"})
    data[f"fee_groups-{groups}-order"] = "2"
    data["fee_groups-TOTAL_FORMS"] = str(groups + 1)
    saved = client.post(f"/admin/portal/procedure/{procedure.pk}/change/", data)
    assert saved.status_code == 302, [
        f.errors for inline in saved.context["inline_admin_formsets"] for f in inline.formset.forms
    ] + [inline.formset.non_form_errors() for inline in saved.context["inline_admin_formsets"]]
    assert ProcedureFee.objects.get(procedure=procedure, group="merit").proof_document == "GCN_NCC"


def test_the_admin_uploads_a_template_checked_by_its_content(client, procedure):
    _page, data = _admin(client, procedure)
    gttt = next(i for i in range(2) if data.get(f"documents-{i}-code") == "THE_SV")
    fake = SimpleUploadedFile("mau.pdf", b"<html>not a form</html>", content_type="application/pdf")
    refused = client.post(
        f"/admin/portal/procedure/{procedure.pk}/change/", {**data, f"documents-{gttt}-template": fake}
    )
    assert refused.status_code == 200
    assert "Tệp mẫu phải là PDF, DOC, DOCX hoặc ODT" in refused.content.decode()
    real = SimpleUploadedFile("Thẻ SV mẫu.pdf", FORM, content_type="application/pdf")
    saved = client.post(f"/admin/portal/procedure/{procedure.pk}/change/", {**data, f"documents-{gttt}-template": real})
    assert saved.status_code == 302
    document = RequiredDocument.objects.get(procedure=procedure, code="THE_SV")
    assert document.template.name == document_templates.storage_name(FORM, "pdf")  # the same bytes: one file
    assert document.template_name == "Thẻ SV mẫu.pdf"
    assert client.get(f"/thu-tuc/mau-don/{document.pk}/").status_code == 200
    assert (
        'name="documents-0-template"' in client.get(f"/admin/portal/procedure/{procedure.pk}/change/").content.decode()
    )

    # Taken away again with the row's "Bỏ tệp mẫu" box: the download is gone.
    removed = client.post(
        f"/admin/portal/procedure/{procedure.pk}/change/", {**data, f"documents-{gttt}-remove_template": "on"}
    )
    assert removed.status_code == 302
    document.refresh_from_db()
    assert not document.template and document.template_name == ""
    assert client.get(f"/thu-tuc/mau-don/{document.pk}/").status_code == 404


def test_the_dossier_pages_show_the_group_and_its_fee(client, procedure, officer):
    dossier = make_dossier("submitted", officer=officer, procedure=procedure, fee_group="student")
    client.force_login(officer)
    page = client.get(reverse("dossiers:officer_detail", args=[dossier.code])).content.decode()
    assert '100.000 đ <span class="muted">(Học sinh, sinh viên)</span>' in page
    client.force_login(dossier.citizen)
    page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert '100.000 đ <span class="muted">(Học sinh, sinh viên)</span>' in page
