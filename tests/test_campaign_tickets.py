"""Walk-in queue tickets: sequential numbers per desk and session, capped by the effective
capacity (never over it, even with many kiosks at once on PostgreSQL), the desk's list and
calling the next number, and the kiosk and desk pages."""

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, connections
from rest_framework.test import APIClient

from campaigns import tickets
from campaigns.models import QueueCounter, QueueTicket
from campaigns.testing import make_campaign, vn
from tests.factories import CitizenFactory, OfficerFactory, ProcedureFactory, ProvinceAdminFactory

NOW = vn(2020, 3, 31, 8, 0)  # Tuesday morning
DAY = "2020-03-31"


def book(api, desk, phone, session="morning", day=DAY, **extra):
    data = {"date": day, "session": session, "full_name": "Lê Văn Cường", "phone": phone, **extra}
    return api.post(f"/api/v1/desks/{desk.pk}/tickets/", data, format="json")


@pytest.fixture
def desk_with_cap(db):
    officer = OfficerFactory()
    with time_machine.travel(vn(2020, 3, 29), tick=False):
        make_campaign(
            officer.desk.province,
            status="active",
            starts_at=vn(2020, 3, 30),
            rules={"walk_in_capacity_per_session": 3},
        )
    return officer


@pytest.mark.django_db
def test_numbers_are_sequential_and_capped_per_session(desk_with_cap):
    desk = desk_with_cap.desk
    api = APIClient()
    with time_machine.travel(NOW, tick=False):
        numbers = [book(api, desk, f"090000000{i}").json() for i in range(3)]
        assert [n["number"] for n in numbers] == [1, 2, 3]
        assert numbers[0] == {"number": 1, "date": DAY, "session": "morning"}
        full = book(api, desk, "0900000009")
        assert full.status_code == 409 and "3" in full.json()["detail"]
        assert book(api, desk, "0900000009", session="afternoon").json()["number"] == 1
        assert book(api, desk, "0900000000", session="afternoon").json()["number"] == 2
    assert QueueCounter.objects.get(desk=desk, session="morning").last == 3


@pytest.mark.django_db
def test_no_capacity_rule_means_no_limit_and_bad_input_is_400():
    officer = OfficerFactory()
    api = APIClient()
    with time_machine.travel(NOW, tick=False):
        for i in range(5):
            assert book(api, officer.desk, f"091000000{i}").status_code == 201
        assert book(api, officer.desk, "0910000000").status_code == 409  # the same phone twice
        assert "date" in book(api, officer.desk, "0911111111", day="2020-03-30").json()  # the past
        assert "date" in book(api, officer.desk, "0911111111", day="2020-04-02").json()  # Hùng Kings holiday
        assert "session" in book(api, officer.desk, "0911111111", session="evening").json()
        assert "phone" in book(api, officer.desk, "12").json()
    with time_machine.travel(vn(2020, 3, 31, 12, 0), tick=False):
        assert "session" in book(api, officer.desk, "0911111111").json()  # the morning is over


@pytest.mark.django_db
def test_a_procedure_closed_to_walk_in_cannot_take_a_number():
    officer = OfficerFactory()
    procedure = ProcedureFactory(province=officer.desk.province, agency=officer.desk.agency, level=4)
    with time_machine.travel(vn(2020, 3, 29), tick=False):
        make_campaign(
            officer.desk.province,
            status="active",
            title="Chỉ nhận trực tuyến",
            scope={"levels": [3, 4]},
            rules={"intake_channels": ["online"]},
        )
    with time_machine.travel(NOW, tick=False):
        response = book(APIClient(), officer.desk, "0912345678", procedure=procedure.code)
    assert response.status_code == 400 and "Chỉ nhận trực tuyến" in response.json()["procedure"][0]


@pytest.mark.django_db
def test_the_desk_lists_and_calls_the_next_number(desk_with_cap):
    officer = desk_with_cap
    desk = officer.desk
    with time_machine.travel(NOW, tick=False):
        for i in range(2):
            book(APIClient(), desk, f"092000000{i}")
        staff = APIClient()
        staff.force_authenticate(officer)
        listed = staff.get(f"/api/v1/desks/{desk.pk}/tickets/", {"date": DAY, "session": "morning"}).json()
        assert (listed["issued"], listed["called"], listed["capacity"]) == (2, 0, 3)
        assert [t["number"] for t in listed["results"]] == [1, 2]
        assert staff.post(f"/api/v1/desks/{desk.pk}/tickets/call-next/").json()["number"] == 1
        assert staff.post(f"/api/v1/desks/{desk.pk}/tickets/call-next/").json()["number"] == 2
        assert staff.post(f"/api/v1/desks/{desk.pk}/tickets/call-next/").status_code == 409
        for outsider in (CitizenFactory(), OfficerFactory(), ProvinceAdminFactory()):
            other = APIClient()
            other.force_authenticate(outsider)
            assert other.get(f"/api/v1/desks/{desk.pk}/tickets/").status_code == 403
            assert other.post(f"/api/v1/desks/{desk.pk}/tickets/call-next/").status_code == 403
        assert APIClient().get(f"/api/v1/desks/{desk.pk}/tickets/").status_code == 401
        admin = APIClient()
        admin.force_authenticate(ProvinceAdminFactory(province=desk.province))
        assert admin.get(f"/api/v1/desks/{desk.pk}/tickets/").status_code == 200


@pytest.mark.django_db
def test_the_portal_desk_routes_still_work_beside_the_tickets(desk_with_cap):
    desk = desk_with_cap.desk
    assert APIClient().get(f"/api/v1/desks/{desk.pk}/").json()["id"] == desk.pk
    assert APIClient().get("/api/v1/desks/").status_code == 200


@pytest.mark.django_db
def test_kiosk_page_books_and_desk_page_calls(client, desk_with_cap):
    officer = desk_with_cap
    desk = officer.desk
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/lay-so/{desk.pk}/")
        assert page.status_code == 200 and "tối đa 3 hồ sơ" in page.content.decode()
        booked = client.post(
            f"/lay-so/{desk.pk}/",
            {"date": DAY, "session": "morning", "full_name": "Phạm Thị Dung", "phone": "0933333333"},
        )
        assert booked.status_code == 200 and "001" in booked.content.decode()
        assert client.get("/lay-so/").status_code == 200
        assert client.get(f"/quay/{desk.pk}/goi-so/").status_code == 302  # login first
        client.force_login(officer)
        queue = client.get(f"/quay/{desk.pk}/goi-so/")
        assert queue.status_code == 200 and "Phạm Thị Dung" in queue.content.decode()
        called = client.post(f"/quay/{desk.pk}/goi-so/", {"session": "morning"}, follow=True)
        assert "Mời số 001" in called.content.decode()
    assert QueueTicket.objects.get().state == QueueTicket.State.CALLED
    client.force_login(OfficerFactory())
    assert client.get(f"/quay/{desk.pk}/goi-so/").status_code == 403


def test_current_session_switches_when_the_afternoon_opens():
    class Desk:
        from datetime import time

        afternoon_opens = time(13, 30)

    assert tickets.current_session(Desk, vn(2020, 3, 31, 13, 29)) == (date(2020, 3, 31), "morning")
    assert tickets.current_session(Desk, vn(2020, 3, 31, 13, 30)) == (date(2020, 3, 31), "afternoon")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_bookings_never_exceed_the_capacity():
    officer = OfficerFactory()
    make_campaign(
        officer.desk.province,
        status="active",
        starts_at=vn(2020, 1, 1),
        rules={"walk_in_capacity_per_session": 5},
    )
    desk = officer.desk
    count = 12
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=10)
            results[index] = tickets.book(
                desk, day=date(2020, 3, 31), session="morning", full_name=f"Người {index}", phone=f"09400000{index:02d}"
            ).number
        except Exception as exc:  # collected and asserted below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    with time_machine.travel(NOW, tick=False):  # process-wide: every thread sees it
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    numbers = sorted(r for r in results if isinstance(r, int))
    refused = [r for r in results if isinstance(r, tickets.SessionFull)]
    assert numbers == [1, 2, 3, 4, 5], results
    assert len(refused) == count - 5, results
    assert QueueTicket.objects.filter(desk=desk).count() == 5
