"""Public tracking (issue 12.7, 11.8): wrong answers are limited per client, never per code, so a
stranger's guesses never lock the owner out; the receipt's QR token works alone; a code is found
in any letter case; the page and the API show the public history and the unit handling it."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dossiers import tracking
from dossiers.models import TrackingFailure
from dossiers.pages import prints as views_print
from dossiers.pages.public import EXAMPLE_CODE
from tests.dossier_helpers import make_dossier

pytestmark = pytest.mark.django_db
PAGE = "dossiers:tracking"


def wrong_digits(dossier):
    return "0000" if not dossier.applicant_phone.endswith("0000") else "1111"


def api(code, address, **params):
    return APIClient().get(f"/api/v1/tracking/{code}/", params, REMOTE_ADDR=address)


def test_another_clients_wrong_guesses_do_not_lock_the_owner_out(client, settings):
    settings.TRACKING_CLIENT_FAILURES = 3
    dossier = make_dossier("accepted")
    right = dossier.applicant_phone[-4:]
    for _ in range(12):  # a stranger keeps guessing this code (past any per-code limit), from one address
        api(dossier.code, "203.0.113.9", phone=wrong_digits(dossier))
    # The owner, from home, by the API and by the page, still sees the dossier.
    assert api(dossier.code, "198.51.100.4", phone=right).status_code == 200
    page = client.get(reverse(PAGE), {"code": dossier.code, "phone": right}, REMOTE_ADDR="198.51.100.4")
    assert page.status_code == 200 and "Đã tiếp nhận" in page.content.decode()


def test_the_guessing_client_is_stopped_whatever_codes_it_tries(client, settings):
    settings.TRACKING_CLIENT_FAILURES = 3
    first, second = make_dossier("accepted"), make_dossier("accepted")
    for dossier in (first, second, first):  # wrong answers spread over codes
        assert api(dossier.code, "203.0.113.9", phone=wrong_digits(dossier)).status_code == 404
    # Now even a right answer from that client waits (no oracle), by the API and the page.
    limited = api(second.code, "203.0.113.9", phone=second.applicant_phone[-4:])
    assert limited.status_code == 429
    page = client.get(reverse(PAGE), {"code": second.code, "phone": "1234"}, REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 429
    assert "nhập sai mã hồ sơ hoặc số điện thoại quá nhiều lần" in page.content.decode()
    # The window passes: the client may try again.
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.TRACKING_CLIENT_WINDOW + 1)):
        assert api(second.code, "203.0.113.9", phone=second.applicant_phone[-4:]).status_code == 200


def test_behind_the_proxy_each_client_is_counted_apart(settings):
    settings.TRACKING_CLIENT_FAILURES = 3
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    dossier = make_dossier("accepted")
    proxy = "10.0.0.2"
    url = f"/api/v1/tracking/{dossier.code}/"
    for _ in range(3):
        APIClient().get(url, {"phone": wrong_digits(dossier)}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    guesser = APIClient().get(url, {"phone": "1234"}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert guesser.status_code == 429  # a forged first entry buys nothing: the proxy's entry counts
    owner = APIClient().get(
        url, {"phone": dossier.applicant_phone[-4:]}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.4"
    )
    assert owner.status_code == 200


def test_the_receipt_token_works_alone_and_a_wrong_token_counts_as_a_wrong_answer(client, settings):
    settings.TRACKING_CLIENT_FAILURES = 2
    dossier = make_dossier("accepted")
    token = dossier.tracking_token
    assert len(token) >= 20
    assert api(dossier.code, "198.51.100.4", token=token).json()["code"] == dossier.code
    page = client.get(reverse(PAGE), {"code": dossier.code, "token": token})
    assert page.status_code == 200 and "Đã tiếp nhận" in page.content.decode()
    assert dossier.applicant_phone not in page.content.decode()
    # Another dossier's token does not open this one; two wrong tokens stop the client.
    other = make_dossier("accepted")
    assert api(dossier.code, "203.0.113.9", token=other.tracking_token).status_code == 404
    assert api(dossier.code, "203.0.113.9", token="x" * 22).status_code == 404
    assert api(dossier.code, "203.0.113.9", token=token).status_code == 429


def test_every_dossier_has_its_own_token():
    tokens = {make_dossier("submitted").tracking_token for _ in range(3)}
    assert len(tokens) == 3


def test_the_receipts_qr_code_carries_the_token(client, monkeypatch):
    encoded = []
    monkeypatch.setattr(views_print, "qr_svg", lambda data, label="": encoded.append(data) or "")
    dossier = make_dossier("accepted")
    client.force_login(dossier.owner)
    receipt = client.get(reverse("dossiers:print", args=[dossier.code, "giay-tiep-nhan"]))
    assert receipt.status_code == 200
    [link] = encoded
    query = parse_qs(urlsplit(link).query)
    assert query == {"code": [dossier.code], "token": [dossier.tracking_token]}
    # Opening the QR's link shows the dossier without typing anything.
    opened = client.get(urlsplit(link).path, query)
    assert opened.status_code == 200 and "Đã tiếp nhận" in opened.content.decode()


def test_a_code_in_any_letter_case_with_spaces_around_is_found(client):
    dossier = make_dossier("accepted")
    typed = f"  {dossier.code.lower()} "
    assert api(typed.strip(), "198.51.100.4", phone=dossier.applicant_phone[-4:]).status_code == 200
    page = client.get(reverse(PAGE), {"code": typed, "phone": dossier.applicant_phone[-4:]})
    assert page.status_code == 200 and dossier.code in page.content.decode()


def test_the_page_and_the_api_show_the_public_history_and_the_unit_handling_it(client):
    dossier = make_dossier("processing")
    answer = api(dossier.code, "198.51.100.4", phone=dossier.applicant_phone[-4:]).json()
    assert [event["label"] for event in answer["history"]] == ["Nộp hồ sơ", "Tiếp nhận hồ sơ", "Chuyển xử lý"]
    assert answer["handling_unit"] == dossier.agency.name
    page = client.get(reverse(PAGE), {"code": dossier.code, "phone": dossier.applicant_phone[-4:]})
    text = page.content.decode()
    assert "Quá trình giải quyết" in text and "Chuyển xử lý" in text
    assert "Đơn vị đang giải quyết" in text and dossier.agency.name in text
    assert dossier.applicant_name not in text  # nothing personal, the history neither


def test_before_processing_the_desk_handles_it():
    dossier = make_dossier("submitted")
    view = tracking.public_view(dossier.code, dossier.applicant_phone[-4:])
    assert view["handling_unit"] == dossier.desk.name
    assert [event["action"] for event in view["history"]] == ["submit"]


def test_the_help_text_shows_a_code_in_the_format_motcua_issues(client):
    page = client.get(reverse(PAGE)).content.decode()
    assert EXAMPLE_CODE in page
    issued = make_dossier("submitted").code
    shape = re.compile(r"^[0-9A-Z.]+-\d{6}-\d{4}$")
    assert shape.match(issued) and shape.match(EXAMPLE_CODE)


def test_wrong_answers_past_the_window_are_not_kept(settings):
    dossier = make_dossier("accepted")
    api(dossier.code, "203.0.113.9", phone=wrong_digits(dossier))
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.TRACKING_CLIENT_WINDOW + 1)):
        api(dossier.code, "198.51.100.4", phone=wrong_digits(dossier))
    assert TrackingFailure.objects.count() == 1  # the first client's row expired and went


def test_the_history_names_postal_and_payment_events_in_vietnamese_and_never_their_notes(client):
    from dossiers import services

    dossier = make_dossier("processing")
    services.record_event(dossier, None, "payment_paid", "Biên lai BL-0001, người nộp Trần Thị Bình")
    services.record_event(dossier, None, "postal_delivered", "Bưu điện đã phát đơn EB1. Người nhận: Lê Văn Cường.")
    answer = api(dossier.code, "198.51.100.4", phone=dossier.applicant_phone[-4:]).json()
    labels = [event["label"] for event in answer["history"]]
    assert labels[-2:] == ["Đã thanh toán phí, lệ phí", "Bưu điện đã phát"]
    page = client.get(reverse(PAGE), {"code": dossier.code, "phone": dossier.applicant_phone[-4:]})
    text = page.content.decode()
    assert "Đã thanh toán phí, lệ phí" in text and "Bưu điện đã phát" in text
    assert "payment_paid" not in text and "postal_delivered" not in text
    assert "Lê Văn Cường" not in text and "Trần Thị Bình" not in text  # labels only, never the notes
