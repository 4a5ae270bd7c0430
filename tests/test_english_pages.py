"""The pages added with issues 11–13 read English once a visitor switches language (the switch in
the header posts to Django's set_language, which keeps the choice in the language cookie).

Each test renders a page through the test client after the switch and checks a few key English
phrases and that the visible main content (<main>, tags, scripts and styles stripped) holds no
Vietnamese letter left untranslated. Names that come from data (people, agencies, desks,
procedures, provinces, campaigns) are Vietnamese on purpose and are taken out before the check."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from dossiers import services
from tests.dossier_helpers import make_dossier, pdf
from tests.dossiers.pages.common import upload
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
)
from tests.test_ui_language import visible_text

pytestmark = pytest.mark.django_db

# Letters only Vietnamese uses (English text never has them); "đ" after an amount is the VND sign.
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
AMOUNT = re.compile(r"\d[\d.]*\s?đ(?!\w)")


def in_english(client=None):
    """A browser that pressed "English" in the header (a CSRF-checking one sends the switch's token too)."""
    client = client or Client()
    client.get("/")  # the header's switch form sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    switched = client.post(reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


def main_text(response, *data):
    """The visible text of the page's <main>, without the given data strings and amounts."""
    page = response.content.decode()
    assert '<html lang="en">' in page
    main = re.search(r"<main\b.*?</main>", page, re.S)
    text = visible_text(main.group(0) if main else page)
    for value in sorted((str(v) for v in data if v), key=len, reverse=True):
        text = text.replace(value, " ")
    return AMOUNT.sub(" ", text)


def untranslated(text):
    """The words of `text` still written with Vietnamese letters."""
    return [word for word in text.split() if VIETNAMESE.search(word)]


def test_the_heads_urgent_exception_queue_reads_english():
    officer = OfficerFactory()
    head = HeadFactory(agency=officer.desk.agency)
    dossier = make_dossier("accepted", officer=officer)
    services.grant_exception(dossier, officer, "Khám bệnh gấp")
    other = make_dossier("accepted", officer=officer, procedure=dossier.procedure)
    services.decline_exception(services.grant_exception(other, officer, "Gấp"), head, "Chưa cấp thiết")
    client = in_english()
    client.force_login(head)
    response = client.get("/can-bo/khan-cap/")
    assert response.status_code == 200
    data = (dossier.applicant_name, other.applicant_name, dossier.procedure.name, officer.full_name, head.full_name)
    text = main_text(response, *data, "Khám bệnh gấp", "Chưa cấp thiết", "Gấp")
    for phrase in ("Urgent exception requests", "Awaiting approval", "Requested by", "Approve"):
        assert phrase in text, phrase
    pending, decided = text.split("Decided on", 1)
    assert "Decline " in pending and "Declined" in decided  # the button, then the decided request's state
    assert dossier.code in text
    assert not untranslated(text), untranslated(text)
    timeline = client.get(reverse("dossiers:officer_detail", args=[other.code])).content.decode()
    assert "Urgent exception requested" in timeline and "Urgent exception declined" in timeline


def test_the_province_admin_dashboard_reads_english():
    admin = ProvinceAdminFactory()
    desk = OneStopDeskFactory(province=admin.province)
    client = in_english()
    client.force_login(admin)
    response = client.get("/quan-tri/")
    assert response.status_code == 200
    text = main_text(response, admin.province.name, desk.name)
    for phrase in ("Province admin dashboard", "Campaigns", "Queue numbers at the one-stop desks", "Other tasks"):
        assert phrase in text, phrase
    assert not untranslated(text), untranslated(text)


def test_the_csrf_failure_page_reads_english():
    client = in_english(Client(enforce_csrf_checks=True))
    response = client.post(reverse("login"), {"username": "an", "password": "x"})
    assert response.status_code == 403
    text = main_text(response)
    assert "Your session has expired" in text and "has not been saved" in text
    assert "Forbidden" not in text and "CSRF verification failed" not in text
    assert not untranslated(text), untranslated(text)


def test_the_password_reset_pages_read_english(mailoutbox):
    user = CitizenFactory(email="an@example.vn")
    client = in_english()
    form = client.get(reverse("password_reset"))
    assert "Send the password reset link" in main_text(form)
    assert not untranslated(main_text(form))
    asked = client.post(reverse("password_reset"), {"email": "an@example.vn"}, follow=True)
    text = main_text(asked)
    assert "Check your mailbox" in text and "can be used only once" in text
    assert not untranslated(text), untranslated(text)
    [mail] = mailoutbox
    assert "Open the link below to set a new password" in mail.body

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    bad = client.get(reverse("password_reset_confirm", args=[uid, "sai-ma"]), follow=True)
    assert "The password reset link is invalid or has already been used" in main_text(bad)
    assert not untranslated(main_text(bad))
    token = default_token_generator.make_token(user)
    opened = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    text = main_text(opened)
    assert "Set a new password" in text
    assert not untranslated(text), untranslated(text)
    done = client.get(reverse("password_reset_complete"))
    text = main_text(done)
    assert "New password set" in text and "log in with the new password" in text
    assert not untranslated(text), untranslated(text)


def test_the_payment_panel_on_a_citizens_dossier_reads_english():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        level=4,
        fee=200_000,
        fee_collected_at="before_acceptance",
    )
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    client = in_english()
    client.force_login(dossier.owner)
    response = client.get(reverse("dossiers:detail", args=[dossier.code]))
    assert response.status_code == 200
    panel = re.search(r'<section class="card section-card payment-panel.*?</section>', response.content.decode(), re.S)
    text = visible_text(panel.group(0))
    assert "Fees and charges online" in text
    assert "the dossier is accepted only after you pay" in text
    assert not untranslated(AMOUNT.sub(" ", text)), text


def test_the_supplement_page_and_its_removal_confirmation_read_english():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province,
        agency=officer.desk.agency,
        documents=[{"code": "TK", "name": "Tờ khai đăng ký"}, {"code": "CCCD", "name": "Bản sao căn cước"}],
    )
    dossier = make_dossier("submitted", officer=officer, procedure=procedure)
    services.request_supplement(dossier, officer, "Bản CCCD mờ", missing=["Bản sao căn cước"])
    client = in_english()
    client.force_login(dossier.owner)
    assert upload(client, dossier.code, "CCCD", pdf("cccd-moi.pdf")).status_code == 302
    data = (dossier.procedure.name, "Tờ khai đăng ký", "Bản sao căn cước", "Bản CCCD mờ", dossier.desk.name)
    page = client.get(reverse("dossiers:documents", args=[dossier.code]))
    text = main_text(page, *data)
    assert "Submitted documents are kept" in text and "Submitted, cannot be deleted" in text
    assert not untranslated(text), untranslated(text)

    new = dossier.documents.get(original_name="cccd-moi.pdf")
    asking = client.post(reverse("dossiers:remove_document", args=[dossier.code, new.pk]))
    assert asking.status_code == 200
    text = main_text(asking, *data)
    assert "Delete this file?" in text and "cannot be recovered" in text
    assert not untranslated(text), untranslated(text)


def test_the_receipts_qr_code_is_labelled_in_english():
    dossier = make_dossier("accepted")
    client = in_english()
    client.force_login(dossier.owner)
    page = client.get(reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"])).content.decode()
    assert f'aria-label="Track dossier {dossier.code}"' in page
    assert "Tra cứu hồ sơ" not in visible_text(page)


def test_the_campaign_forms_levels_follow_the_language_of_the_page():
    admin = ProvinceAdminFactory()
    client = in_english()
    client.force_login(admin)
    english = visible_text(client.get(reverse("campaign_create")).content.decode())
    assert "Level 3" in english and "Mức độ 3" not in english
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Mức độ 3" in visible_text(client.get(reverse("campaign_create")).content.decode())
