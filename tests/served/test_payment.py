"""A level-4 payment on the served stack (issue 11, point 2): the citizen creates a dossier of a level-4
procedure with a fee on a phone, sees the amount due before submitting, pays through the demo gateway,
which sends the browser back to the port served (SITE_URL defaults to make run's address), and sees the
paid status and the e-receipt."""

import re

from tests.dossier_helpers import PDF

from .conftest import PHONE, login

# Cấp Giấy xác nhận tình trạng hôn nhân, Đồng Nai: level 4, 3.000 đ, one required document (TK).
PICK = """
from campaigns.policy import effective_policy
from dossiers.services import desk_serves
from portal.models import OneStopDesk, Procedure

procedure = Procedure.objects.get(province__code="75", code="1.004873")
desk = next(d for d in OneStopDesk.objects.filter(province__code="75").order_by("pk") if desk_serves(d, procedure))
policy = effective_policy(procedure, desk)
assert procedure.level == 4 and procedure.fee > 0 and "online" in policy.intake_channels, policy
result = {"pk": procedure.pk, "desk": desk.pk, "fee": procedure.fee,
          "documents": list(procedure.documents.filter(required=True).values_list("code", flat=True))}
"""


def test_a_citizen_pays_a_level_4_fee_through_the_demo_gateway_and_sees_the_e_receipt(stack, people, shot):
    world = stack.probe(PICK)
    fee = f"{world['fee']:,}".replace(",", ".") + " đ"
    page = people(PHONE)
    login(page, stack.accounts["citizen"])

    page.goto(f"{page.base}/ho-so/nop/{world['pk']}/")
    page.select_option("select[name=desk]", str(world["desk"]))
    page.check("input[name=intake_channel][value=online]")
    page.check("input[name=return_channel][value=online]")
    shot(page, "draft")
    page.get_by_role("button", name="Lưu nháp và tiếp tục").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/giay-to/$"))
    code = page.url.rstrip("/").split("/")[-2]

    for document in world["documents"]:
        upload = page.locator(f"form.doc-upload:has(input[name=document][value='{document}'])")
        upload.locator("input[type=file]").set_input_files(
            {"name": f"{document}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        upload.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert fee in page.inner_text("main"), "the amount due is shown before submitting"
    shot(page, "documents-amount-due")

    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(rf"/ho-so/{re.escape(code)}/"))
    assert "Chưa thanh toán" in page.inner_text("main")
    shot(page, "submitted-unpaid")
    page.locator(f"a[href='/thanh-toan/ho-so/{code}/']").first.click()
    page.wait_for_url(f"**/thanh-toan/ho-so/{code}/")
    shot(page, "pay")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/thanh-toan/demo/"))
    assert page.url.startswith(stack.url), f"the gateway is on {page.url}, not on the port served {stack.url}"
    shot(page, "demo-gateway")
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    page.wait_for_load_state()

    # Back on the stack's own port, on the dossier: paid, with the e-receipt.
    assert page.url.startswith(stack.url + "/"), f"the gateway sent the browser to {page.url}"
    text = page.inner_text("main")
    assert "Đã thanh toán" in text and "Xem biên lai điện tử" in text, text[:2000]
    shot(page, "paid")
    page.get_by_role("link", name="Xem biên lai điện tử").first.click()
    page.wait_for_url(f"**/thanh-toan/bien-lai/{code}/")
    receipt = page.inner_text("body")
    assert code in receipt and fee in receipt
    shot(page, "e-receipt")

    status, body, _ = stack.api("GET", f"/api/v1/dossiers/{code}/", token=stack.token(stack.accounts["citizen"]))
    assert status == 200 and body["status"] == "submitted", body
