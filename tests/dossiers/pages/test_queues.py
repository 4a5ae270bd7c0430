"""The officer queues: counts, tabs, keyset pages, sorting, filters, claims."""

import base64
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers import queues, services
from dossiers.models import Dossier
from dossiers.services import claims
from tests.dossier_helpers import make_dossier
from tests.dossiers.pages.common import VN, draft_payload, html, logged_in, upload  # noqa: F401
from tests.factories import OfficerFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


# --- officer: queues -------------------------------------------------------------------------------------


@pytest.fixture
def desk_set(officer, procedure):
    """A hand-built desk: 2 submitted, 1 supplement, 3 running (1 overdue, 1 due soon), 1 paused,
    1 completed, plus a returned and another desk's dossier that no tab counts."""
    start = datetime(2023, 10, 2, 8, 0, tzinfo=VN)  # Monday
    made = {}
    made["submitted"] = [make_dossier("submitted", officer=officer, procedure=procedure, at=start) for _ in range(2)]
    supplement = make_dossier("submitted", officer=officer, procedure=procedure, at=start)
    with time_machine.travel(start, tick=False):
        services.request_supplement(supplement, officer, "Thiếu tờ khai")
    made["overdue"] = make_dossier("accepted", officer=officer, procedure=procedure, at=start)  # due 09/10 08:00
    made["due_soon"] = make_dossier(
        "processing", officer=officer, procedure=procedure, at=datetime(2023, 10, 9, 10, 0, tzinfo=VN)
    )  # due 16/10 10:00, warned from 13/10 10:00
    made["fresh"] = make_dossier(
        "accepted", officer=officer, procedure=procedure, at=datetime(2023, 10, 16, 8, 0, tzinfo=VN)
    )
    paused = make_dossier("accepted", officer=officer, procedure=procedure, at=start)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        services.pause(paused, officer, "Chờ xác minh")
    make_dossier("completed", officer=officer, procedure=procedure, at=start)
    make_dossier("returned", officer=officer, procedure=procedure, at=start)
    make_dossier("submitted")  # another desk
    return made


def test_queue_counts_are_right_for_a_hand_built_desk(client, officer, desk_set):
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 16, 9, 0, tzinfo=VN), tick=False):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dossiers:queue"))
        counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
        counting = [q["sql"] for q in queries.captured_queries if 'COUNT("dossiers_dossier"' in q["sql"]]
    assert counts == {
        "intake": 2,
        "supplement": 1,
        "processing": 3,
        "due_soon": 1,
        "overdue": 1,
        "paused": 1,
        "to_return": 1,
        "held": 0,
    }
    assert len(counting) == 1  # every tab's count in one aggregate query
    page = html(response)
    for dossier in desk_set["submitted"]:
        assert dossier.code in page


def test_overdue_tab_lists_the_late_dossier(client, officer, desk_set):
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 16, 9, 0, tzinfo=VN), tick=False):
        page = html(client.get(reverse("dossiers:queue"), {"queue": "overdue"}))
    assert desk_set["overdue"].code in page
    assert desk_set["due_soon"].code not in page
    assert "quá " in page


@pytest.fixture
def many_running(officer, procedure):
    """30 accepted dossiers at one desk, due dates in a known order (some sharing a due moment)."""
    rows = []
    base = datetime(2023, 10, 2, 8, 0, tzinfo=VN)
    for i in range(30):
        # Pairs accepted at the same moment share a due date: the id breaks the tie.
        rows.append(make_dossier("accepted", officer=officer, procedure=procedure, at=base + timedelta(hours=i // 2)))
    return rows


def walk_pages(client, params):
    seen, url_params = [], dict(params)
    for _ in range(10):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dossiers:queue"), url_params)
        assert response.status_code == 200
        assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
        page = response.context["page"]
        seen.extend(d.code for d in page.rows)
        if not page.has_next:
            return seen, response
        url_params = {**params, "after": page.next_cursor}
    raise AssertionError("too many pages")


def test_keyset_pages_return_every_row_once_without_offset(client, officer, many_running, monkeypatch):
    monkeypatch.setattr(queues, "PAGE_SIZE", 7)
    monkeypatch.setattr(queues.keyset_page, "__defaults__", (None, None, 7))
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 2, 7, 0, tzinfo=VN), tick=False):
        seen, last = walk_pages(client, {"queue": "processing", "sort": "due"})
        expected = [
            d.code for d in Dossier.objects.filter(desk=officer.desk, status="accepted").order_by("due_at", "id")
        ]
        assert seen == expected and len(seen) == 30
        # And backwards from the last page with "before" cursors: the same rows, once each.
        page = last.context["page"]
        back = list(reversed([d.code for d in page.rows]))
        while page.has_previous:
            response = client.get(
                reverse("dossiers:queue"), {"queue": "processing", "sort": "due", "before": page.prev_cursor}
            )
            page = response.context["page"]
            back.extend(reversed([d.code for d in page.rows]))
        assert list(reversed(back)) == expected


def cursor_of(text):
    """A cursor as the page encodes one (URL-safe base64 of JSON), around any text."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Cursors a hostile caller writes by hand: each is a bad cursor (the first page), never a 500.
HOSTILE_CURSORS = {
    "deep": "[" * 2000,
    "deep-closed": "[" * 2000 + "]" * 2000,
    "deep-object": '{"a":' * 2000,
    "1e400": "[1e400, 1]",
    "nan": "[NaN, 1]",
    "lone-surrogate": '["\\udc00", 1]',
}


def test_a_hostile_cursor_shows_the_first_page(client, officer, many_running, monkeypatch):
    monkeypatch.setattr(queues.keyset_page, "__defaults__", (None, None, 7))
    logged_in(client, officer)
    params = {"queue": "processing", "sort": "due"}
    with time_machine.travel(datetime(2023, 10, 2, 7, 0, tzinfo=VN), tick=False):
        first = [d.code for d in client.get(reverse("dossiers:queue"), params).context["page"].rows]
        for case, text in HOSTILE_CURSORS.items():
            for direction in ("after", "before"):
                response = client.get(reverse("dossiers:queue"), {**params, direction: cursor_of(text)})
                assert response.status_code == 200, (case, direction)
                page = response.context["page"]
                assert [d.code for d in page.rows] == first and not page.has_previous, (case, direction)


def test_sort_by_due_date_descending_and_by_submission(client, officer, many_running):
    logged_in(client, officer)
    with time_machine.travel(datetime(2023, 10, 2, 7, 0, tzinfo=VN), tick=False):
        desc = client.get(reverse("dossiers:queue"), {"queue": "processing", "sort": "-due"}).context["page"].rows
        assert [d.due_at for d in desc] == sorted((d.due_at for d in desc), reverse=True)
        assert desc[0].due_at == max(d.due_at for d in Dossier.objects.filter(desk=officer.desk))
        # A tab whose dossiers may have no due date sorts by submission whatever is asked.
        intake = client.get(reverse("dossiers:queue"), {"queue": "intake", "sort": "due"})
        assert intake.context["sort"] == "submitted"


def test_filter_by_procedure_and_channel(client, officer, procedure):
    other = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, documents=0)
    mine = make_dossier(officer=officer, procedure=procedure)
    theirs = make_dossier(officer=officer, procedure=other)
    logged_in(client, officer)
    page = html(client.get(reverse("dossiers:queue"), {"queue": "intake", "procedure": other.pk}))
    assert theirs.code in page and mine.code not in page
    by_channel = html(client.get(reverse("dossiers:queue"), {"queue": "intake", "channel": "postal"}))
    assert theirs.code not in by_channel and mine.code not in by_channel


def test_queue_shows_who_claimed_a_row(client, officer, procedure):
    dossier = make_dossier(officer=officer, procedure=procedure)
    colleague = OfficerFactory(desk=officer.desk, full_name="Lê Văn Cường")
    claims.claim(dossier, colleague)
    logged_in(client, officer)
    assert "Lê Văn Cường" in html(client.get(reverse("dossiers:queue")))
