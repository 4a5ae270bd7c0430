"""A form sent after the session expired (issue 11, point 7): the login page says plainly that the
session expired and nothing was saved; after the new login the same page carries what was typed
(never a password, the CSRF token or a file) for the person to check and send again; nothing is
done until they do. The session's expiry is simulated by deleting it on the server, as
SESSION_COOKIE_AGE running out does; the CSRF cookie outlives it, as in a browser."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier, Status
from portal.expired_session import MAX_AGE, MAX_BYTES, SESSION_KEY
from tests.dossier_helpers import make_dossier
from tests.dossiers.pages.common import draft_payload
from tests.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

EXPIRED = "Phiên đăng nhập đã hết hạn."
NOT_SAVED = "Biểu mẫu bạn vừa gửi chưa được lưu và chưa có thao tác nào được thực hiện."
COMES_BACK = "những gì bạn đã nhập sẽ được điền lại vào biểu mẫu"
RESTORED = "Nội dung bạn đã nhập trước khi phiên đăng nhập hết hạn đã được điền lại."


def html(response):
    return response.content.decode()


def csrf_token(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def restored(page):
    """The fields the page puts back into its form (the data js/restore-form.js reads), or None."""
    found = re.search(r'<script id="restored-form-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1)) if found else None


def sent_to_login(response):
    """The `next` of a redirect to the login page (None for any other answer)."""
    if response.status_code != 302 or urlsplit(response.url).path != reverse("login"):
        return None
    return parse_qs(urlsplit(response.url).query)["next"][0]


def expire_session(client):
    """SESSION_COOKIE_AGE ran out: the server no longer knows the session."""
    client.session.flush()


def sign_in(client, user, next_url):
    """The login page as a browser uses it: its form, its token, then the redirect to `next`."""
    login = client.get(reverse("login") + f"?next={next_url}")
    token = csrf_token(html(login))
    data = {"username": user.username, "password": DEFAULT_PASSWORD, "next": next_url, "csrfmiddlewaretoken": token}
    return client.post(reverse("login"), data)


@pytest.fixture
def citizen_at_the_draft_form():
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=3)
    citizen = CitizenFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    form_url = reverse("dossiers:start", args=[procedure.pk])
    token = csrf_token(html(client.get(form_url)))
    return client, citizen, officer, form_url, token


def test_a_draft_sent_after_the_session_expired_comes_back_after_login_unsent(citizen_at_the_draft_form):
    client, citizen, officer, form_url, token = citizen_at_the_draft_form
    expire_session(client)
    typed = draft_payload(officer, content="Cấp 02 bản sao trích lục khai sinh cho con", csrfmiddlewaretoken=token)
    typed["old_password"] = "bi-mat-khong-giu"  # a password-like field is never kept

    sent = client.post(form_url, typed, HTTP_REFERER=f"http://testserver{form_url}")

    assert sent.status_code == 302
    assert sent_to_login(sent) == form_url
    login_page = html(client.get(sent.url))
    assert EXPIRED in login_page and NOT_SAVED in login_page and COMES_BACK in login_page
    assert not Dossier.objects.exists()

    signed_in = sign_in(client, citizen, form_url)
    assert signed_in.status_code == 302 and signed_in.url == form_url
    page = html(client.get(form_url))
    assert RESTORED in page and "hãy kiểm tra rồi bấm gửi lại" in page
    back = restored(page)
    assert back["action"] == form_url
    assert back["fields"]["content"] == ["Cấp 02 bản sao trích lục khai sinh cho con"]
    assert back["fields"]["full_name"] == ["Trần Thị Bình"] and back["fields"]["return_channel"] == ["desk"]
    assert "old_password" not in back["fields"] and "csrfmiddlewaretoken" not in back["fields"]
    assert "bi-mat-khong-giu" not in page and token not in json.dumps(back)
    assert 'src="/static/js/restore-form.js"' in page
    assert not Dossier.objects.exists()  # nothing was done on the person's behalf

    again = html(client.get(form_url))  # shown once
    assert restored(again) is None and RESTORED not in again

    # Sent again by the person, with the new session's token: the draft is saved.
    saved = client.post(form_url, dict(back["fields"], csrfmiddlewaretoken=csrf_token(again)))
    assert saved.status_code == 302
    assert Dossier.objects.get(owner=citizen).form_data["content"] == "Cấp 02 bản sao trích lục khai sinh cho con"


def test_an_officers_note_comes_back_on_the_dossier_page_not_the_action_address():
    officer = OfficerFactory()
    dossier = make_dossier("submitted", officer=officer)
    client = Client()
    client.force_login(officer)
    page_url = reverse("dossiers:officer_detail", args=[dossier.code])
    action_url = reverse("dossiers:officer_action", args=[dossier.code, "request_supplement"])
    assert client.get(page_url).status_code == 200
    expire_session(client)
    reason = "Bản sao căn cước bị mờ phần số định danh; đề nghị nộp lại bản chụp rõ nét cả hai mặt. " * 5

    sent = client.post(
        action_url,
        {"request_supplement-reason": reason, "request_supplement-missing": ["Bản sao căn cước", "Tờ khai"]},
        HTTP_REFERER=f"http://testserver{page_url}",
    )

    assert sent_to_login(sent) == page_url
    assert EXPIRED in html(client.get(sent.url))
    assert sign_in(client, officer, page_url).url == page_url
    back = restored(html(client.get(page_url)))
    assert back["action"] == action_url
    assert back["fields"]["request_supplement-reason"] == [reason]
    assert back["fields"]["request_supplement-missing"] == ["Bản sao căn cước", "Tờ khai"]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED  # no supplement was requested behind the officer's back


def test_a_form_too_long_to_keep_is_said_lost_and_why(citizen_at_the_draft_form):
    client, citizen, officer, form_url, token = citizen_at_the_draft_form
    expire_session(client)
    sent = client.post(form_url, draft_payload(officer, content="x" * (MAX_BYTES + 1), csrfmiddlewaretoken=token))

    login_page = html(client.get(sent.url))
    assert EXPIRED in login_page and NOT_SAVED in login_page
    assert "quá dài để giữ lại qua lần đăng nhập nên đã bị mất" in login_page and COMES_BACK not in login_page
    sign_in(client, citizen, form_url)
    assert restored(html(client.get(form_url))) is None
    assert SESSION_KEY not in client.session


def test_a_kept_form_goes_stale_and_never_follows_to_another_page(citizen_at_the_draft_form):
    client, citizen, officer, form_url, token = citizen_at_the_draft_form
    expire_session(client)
    client.post(form_url, draft_payload(officer, csrfmiddlewaretoken=token), HTTP_REFERER="https://evil.example/x/")
    assert client.session[SESSION_KEY]["page"] == form_url  # a foreign Referer is not a page of ours

    sign_in(client, citizen, reverse("dossiers:my_dossiers"))
    other = html(client.get(reverse("dossiers:my_dossiers")))
    assert restored(other) is None and RESTORED not in other
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=MAX_AGE + 60)):
        late = html(client.get(form_url))
    assert restored(late) is None and RESTORED not in late
    assert SESSION_KEY not in client.session


def test_the_expired_form_still_needs_its_csrf_token(citizen_at_the_draft_form):
    client, citizen, officer, form_url, token = citizen_at_the_draft_form
    expire_session(client)
    forged = client.post(form_url, draft_payload(officer))  # another site's form: no token
    assert forged.status_code == 403
    assert SESSION_KEY not in client.session
