"""The portal as a person first sees it, in a real browser."""

import pytest

from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_finds_a_procedure_and_reads_its_fee(page, shot):
    procedure = ProcedureFactory(name="Cấp Phiếu lý lịch tư pháp", fee=200000, code="2.000488")
    page.goto(page.base + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    shot(page, "home")
    page.goto(page.base + "/thu-tuc/?q=2.000488")
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").first.click()
    page.wait_for_url(f"**/thu-tuc/{procedure.pk}/")
    assert "200.000 đ" in page.content()
    shot(page, "procedure")
