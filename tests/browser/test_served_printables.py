"""The printables as a person sees them (issue 11, point 6): the appointment receipt, the control
sheet, the e-receipt and the postal handover record fit a 390 px phone screen with no sideways
scrolling, and print on A4 (the stylesheet's @page, not the browser's default Letter).
Screenshots at 390 px and 1366 px go to test-output/screenshots/."""

import re

import pytest

from dossiers import services
from dossiers.payments import service as payments
from dossiers.payments.providers import PAID
from tests.browser.test_journeys import login
from tests.dossier_helpers import make_dossier
from tests.factories import OfficerFactory, ProcedureFactory
from tests.postal_factories import make_order, postal_world

pytestmark = pytest.mark.django_db(transaction=True)

A4 = re.compile(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]")


def paid_dossier():
    officer = OfficerFactory()
    procedure = ProcedureFactory(
        province=officer.desk.province, agency=officer.desk.agency, level=4, fee=200000, documents=2
    )
    dossier = make_dossier(officer=officer, procedure=procedure)
    payment = payments.start_payment(dossier, dossier.citizen)
    provider = payments.get_provider(payment.provider)
    payments.handle_callback(provider, provider.callback_payload(payment, PAID))
    dossier.refresh_from_db()
    services.accept(dossier, officer)
    return dossier, officer


def check(page, shot, path, name):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + path)
    assert page.locator(".page-print").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: {width} px wide on a 390 px phone"
    shot(page, f"{name}-390")
    page.set_viewport_size({"width": 1366, "height": 768})
    shot(page, f"{name}-1366")
    pdf = page.pdf(prefer_css_page_size=True)
    assert A4.search(pdf), f"{name}: not an A4 page"


def test_printables_fit_a_phone_and_print_on_a4(page, new_page, shot):
    dossier, officer = paid_dossier()
    login(page, officer, f"/can-bo/ho-so/{dossier.code}/")
    check(page, shot, f"/ho-so/{dossier.code}/in/giay-tiep-nhan/", "receipt")
    check(page, shot, f"/ho-so/{dossier.code}/in/phieu-kiem-soat/", "control-sheet")
    check(page, shot, f"/thanh-toan/bien-lai/{dossier.code}/", "e-receipt")

    order = make_order(postal_world(), kind="pickup", state="picked_up")
    clerk = order.world.clerk
    other = new_page()
    login(other, clerk, f"/buu-chinh/don/{order.pk}/")
    check(other, shot, f"/buu-chinh/don/{order.pk}/in/bien-ban-giao-nhan/", "handover")
