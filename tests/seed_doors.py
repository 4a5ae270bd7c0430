"""What the issue-13 tests share (tests/test_seed_doors*.py): the `committed` fixture (on-commit callbacks run,
so campaigns apply), running one officer action through a door (the service, the API, the officer's page),
and a head granting an urgent exception."""

import pytest
import time_machine
from django.test import Client

from portal.errors import RuleError
from tests.clients import api_client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


API_PATHS = {"return": "return", "accept": "accept"}


def _between(text, start, end):
    """The part of `text` from `start` to the next `end` ("" when `start` is not there)."""
    at = text.find(start)
    if at < 0:
        return ""
    stop = text.find(end, at)
    return text[at : stop if stop >= 0 else len(text)]


def shown_error(html, action):
    """A refusal as the officer's page shows it: the error summary of the action's own form (beside it,
    `#thao-tac-<action>`), else the messages area at the top. "" when neither holds one: the campaign's banner,
    which names the same letter, does not count."""
    form = _between(html, f'id="thao-tac-{action}"', "</details>")
    summary = _between(form, 'class="error-summary"', "</div>")
    return summary or _between(html, 'class="container messages"', "</div>")


def through(door, action, dossier, user, **data):
    """Run `action` through `door`; the answer as ("ok", None) or ("refused", message)."""
    from dossiers import services as dossier_services

    if door == "service":
        call = {"return": dossier_services.return_result, "accept": dossier_services.accept}[action]
        try:
            call(dossier, user)
        except RuleError as error:  # DossierError and the walk-in cap's SessionFull (HTTP 400)
            return "refused", error.message
        return "ok", None
    if door == "api":
        answer = api_client(user).post(f"/api/v1/dossiers/{dossier.code}/{API_PATHS[action]}/", data, format="json")
        if answer.status_code == 400:
            return "refused", " ".join(str(m) for messages in answer.json().values() for m in messages)
        assert answer.status_code == 200, answer.content
        return "ok", None
    page = Client()
    page.force_login(user)
    answer = page.post(f"/can-bo/ho-so/{dossier.code}/thao-tac/{action}/", {f"{action}-note": ""})
    if answer.status_code == 400:
        return "refused", shown_error(answer.content.decode(), action)
    assert answer.status_code == 302, answer.status_code
    return "ok", None


DOORS = ("service", "api", "page")
SUSPENDED = {
    "walk_in_suspended": True,
    "notice": "Tạm ngừng tiếp nhận và trả kết quả trực tiếp trong 14 ngày.",
}
QB_BASIS = "Công văn số 1318/UBND-KSTT ngày 22/7/2021"


def quang_binh_campaign(committed, province, rules=SUSPENDED, **fields):
    """Seed 003's window (22/7–5/8/2021), made active on the evening before it opens, on-commit effects run."""
    from campaigns.testing import make_campaign, vn

    with time_machine.travel(vn(2021, 7, 21, 16), tick=False):
        return committed(
            make_campaign,
            province,
            status="active",
            starts_at=vn(2021, 7, 22, 0),
            ends_at=vn(2021, 8, 5, 0),
            rules=rules,
            legal_basis=QB_BASIS,
            **fields,
        )


def head_grants(dossier, head, at):
    from dossiers import services as dossier_services

    with time_machine.travel(at, tick=False):
        dossier_services.grant_exception(dossier, head, "Giấy tờ cấp thiết cho khám chữa bệnh.", "")
