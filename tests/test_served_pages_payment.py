"""Online payment reachable from the citizen's pages (issue 11, point 2): the amount due before
submitting, a "Thanh toán" button wherever payment is due (the page after submission, the
dossier page, "Hồ sơ của tôi"), and after paying the paid status and the e-receipt link."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import PaymentStatus
from tests.dossier_helpers import make_dossier, pdf
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory

FEE = 200_000


def html(response):
    return response.content.decode()


def procedure_at(officer, level=4, fee=FEE, collected_at="before_acceptance"):
    return ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        level=level,
        fee=fee,
        documents=1,
        fee_collected_at=collected_at,
    )


def pay_url(dossier):
    return reverse("payments:pay", args=[dossier.code])


@pytest.mark.django_db
def test_the_amount_due_is_shown_before_submitting_and_the_button_after(client):
    officer = OfficerFactory()
    procedure = procedure_at(officer)
    draft = make_dossier("draft", officer=officer, procedure=procedure)
    client.force_login(draft.citizen)
    document = procedure.documents.get()
    client.post(
        reverse("dossiers:documents", args=[draft.code]),
        {"document": document.code, f"{document.code}-document_code": document.code, f"{document.code}-file": pdf()},
    )

    page = html(client.get(reverse("dossiers:documents", args=[draft.code])))
    assert "Số tiền phải nộp: 200.000 đ" in page
    assert "thanh toán trực tuyến" in page

    submitted = client.post(reverse("dossiers:submit", args=[draft.code]))
    assert submitted.status_code == 302
    after = client.get(submitted["Location"])
    body = html(after)
    assert after.status_code == 200
    assert f'href="{pay_url(draft)}"' in body and "Thanh toán" in body
    assert "hồ sơ chỉ được tiếp nhận sau khi bạn thanh toán" in body
    assert "Chưa thanh toán" in body

    detail = html(client.get(reverse("dossiers:detail", args=[draft.code])))
    assert f'href="{pay_url(draft)}"' in detail and "200.000 đ" in detail
    listing = html(client.get(reverse("dossiers:my_dossiers")))
    assert f'href="{pay_url(draft)}"' in listing


@pytest.mark.django_db
def test_a_level_3_dossier_paid_at_the_desk_shows_no_online_payment(client):
    officer = OfficerFactory()
    dossier = make_dossier(officer=officer, procedure=procedure_at(officer, level=3))
    assert dossier.payment_status == PaymentStatus.NOT_REQUIRED
    client.force_login(dossier.citizen)
    for name in ("dossiers:detail", "dossiers:submitted"):
        assert pay_url(dossier) not in html(client.get(reverse(name, args=[dossier.code])))
    assert pay_url(dossier) not in html(client.get(reverse("dossiers:my_dossiers")))


@pytest.mark.django_db
def test_after_paying_the_dossier_page_shows_paid_and_the_e_receipt(client):
    officer = OfficerFactory()
    dossier = make_dossier(officer=officer, procedure=procedure_at(officer))
    # The officer cannot accept it yet: the citizen is led to pay.
    with pytest.raises(services.DossierError):
        services.accept(dossier, officer)

    client.force_login(dossier.citizen)
    started = client.post(pay_url(dossier))
    gateway = urlsplit(started["Location"]).path
    back = client.post(gateway, {"action": "pay"})
    assert back.status_code == 302

    detail = client.get(reverse("dossiers:detail", args=[dossier.code]))
    body = html(detail)
    assert "Đã thanh toán" in body
    assert f'href="{reverse("payments:receipt", args=[dossier.code])}"' in body
    assert "Xem biên lai điện tử" in body and "BL-" in body
    assert f'href="{pay_url(dossier)}"' not in body
    assert f'href="{pay_url(dossier)}"' not in html(client.get(reverse("dossiers:my_dossiers")))

    dossier.refresh_from_db()
    assert services.accept(dossier, officer).status == "accepted"


@pytest.mark.django_db
def test_only_the_owner_is_offered_the_button(client):
    officer = OfficerFactory()
    dossier = make_dossier(officer=officer, procedure=procedure_at(officer))
    client.force_login(CitizenFactory())
    assert client.get(reverse("dossiers:detail", args=[dossier.code])).status_code == 404


@pytest.mark.django_db
def test_a_fee_collected_at_return_does_not_hold_up_acceptance(client):
    officer = OfficerFactory()
    dossier = make_dossier(officer=officer, procedure=procedure_at(officer, collected_at="at_return"))
    client.force_login(dossier.citizen)
    body = html(client.get(reverse("dossiers:detail", args=[dossier.code])))
    assert f'href="{pay_url(dossier)}"' in body
    assert "hồ sơ chỉ được tiếp nhận sau khi bạn thanh toán" not in body
    assert "trước khi nhận kết quả" in body


@pytest.mark.django_db
def test_the_draft_form_says_the_fee_is_paid_online_after_submitting(client):
    officer = OfficerFactory()
    client.force_login(CitizenFactory())
    before = procedure_at(officer)
    page = html(client.get(reverse("dossiers:start", args=[before.pk])))
    assert "Số tiền phải nộp: 200.000 đ" in page and "Hồ sơ được tiếp nhận khi đã thanh toán." in page
    later = procedure_at(officer, collected_at="at_return")
    page = html(client.get(reverse("dossiers:start", args=[later.pk])))
    assert "Số tiền phải nộp: 200.000 đ" in page and "trước khi nhận kết quả" in page
    at_the_desk = procedure_at(officer, level=3)
    assert "Số tiền phải nộp" not in html(client.get(reverse("dossiers:start", args=[at_the_desk.pk])))
