"""A supplement on the served stack (issue 11, point 4): the officer asks for a supplement on the desk's
page, the citizen uploads a new version of the document on a phone (the version submitted first offers no
"Xoá") and completes the supplement; the file submitted first is still there and the dossier is back with
the officer."""

import re

from tests.dossier_helpers import PDF

from .conftest import DESKTOP, PHONE, login

# An online dossier submitted by the demo citizen at the demo officer's desk, for a fee-free procedure of
# that desk with a required document (uploaded once): what the officer then finds in the queue.
SUBMITTED = """
from dossiers import services
from dossiers.demo import declaration_for, sample_declarations
from dossiers.services import uploads
from dossiers.services import desk_serves
from portal.models import Procedure, User
from tests.dossier_helpers import pdf
from campaigns.policy import effective_policy

citizen = User.objects.get(username=%(citizen)r)
officer = User.objects.get(username=%(officer)r)
desk = officer.desk
candidates = Procedure.objects.filter(province=desk.province, active=True, level__gte=3, fee=0,
                                      documents__required=True).distinct().order_by("code")
procedure = next(p for p in candidates if desk_serves(desk, p)
                 and "online" in effective_policy(p, desk).intake_channels)
applicant = {"full_name": "Nguyễn Văn An", "phone": "0912345678"}
dossier = services.create_draft(
    citizen, procedure=procedure, desk=desk, intake_channel="online", return_channel="online"
    if "online" in effective_policy(procedure, desk).return_channels else "desk",
    applicant=applicant,
    # The declaration a citizen fills on the page (issue 16), or the free request of a procedure without a form.
    form_data=declaration_for(procedure, applicant, "", sample_declarations()),
)
required = list(procedure.documents.filter(required=True).values_list("code", flat=True))
for code in required:
    uploads.add_document(dossier, citizen, code, pdf(f"{code}-ban-dau.pdf"))
services.submit(dossier, citizen)
result = {"code": dossier.code, "document": required[0]}
"""

STATUS = """
from dossiers.models import Dossier
dossier = Dossier.objects.get(code=%(code)r)
result = {"status": dossier.status, "files": sorted(dossier.documents.values_list("original_name", flat=True))}
"""


def test_an_officer_asks_for_a_supplement_and_the_citizen_completes_it_with_a_new_version(stack, people, shot):
    world = stack.probe(SUBMITTED % {"citizen": stack.accounts["citizen"], "officer": stack.accounts["officer"]})
    code, document = world["code"], world["document"]
    reason = "Tờ khai chưa có chữ ký của người yêu cầu, đề nghị bổ sung bản có chữ ký."

    officer = people(DESKTOP)
    login(officer, stack.accounts["officer"])
    officer.goto(f"{officer.base}/can-bo/ho-so/{code}/")
    claim = officer.get_by_role("button", name="Nhận xử lý")
    if claim.count():
        claim.first.click()
        officer.wait_for_load_state()
    action = officer.locator("#thao-tac-request_supplement")
    if action.get_attribute("open") is None:
        action.locator("summary").click()
    action.locator("textarea[name$=reason]").fill(reason)
    shot(officer, "officer-request")
    action.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    officer.wait_for_load_state()
    assert stack.probe(STATUS % {"code": code})["status"] == "supplement_requested"
    shot(officer, "officer-requested")

    citizen = people(PHONE)
    login(citizen, stack.accounts["citizen"])
    citizen.goto(f"{citizen.base}/ho-so/{code}/")
    assert reason in citizen.inner_text("main"), "the citizen reads what to supplement"
    shot(citizen, "citizen-asked")
    citizen.goto(f"{citizen.base}/ho-so/{code}/giay-to/")
    upload = citizen.locator(f"form.doc-upload:has(input[name=document][value='{document}'])")
    upload.locator("input[type=file]").set_input_files(
        {"name": f"{document}-bo-sung.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    upload.locator("button[type=submit]").click()
    citizen.wait_for_load_state()
    text = citizen.inner_text("main")
    assert f"{document}-bo-sung.pdf" in text and f"{document}-ban-dau.pdf" in text, "both versions are listed"
    submitted_first = citizen.get_by_role("button", name=re.compile(rf"Xoá\s+{re.escape(document)}-ban-dau\.pdf"))
    assert submitted_first.count() == 0, "a document already submitted cannot be deleted"
    shot(citizen, "citizen-new-version")
    citizen.get_by_role("button", name="Đã bổ sung").click()
    citizen.wait_for_load_state()
    shot(citizen, "citizen-supplemented")

    after = stack.probe(STATUS % {"code": code})
    assert after["status"] == "submitted", after
    assert f"{document}-ban-dau.pdf" in after["files"] and f"{document}-bo-sung.pdf" in after["files"], after
