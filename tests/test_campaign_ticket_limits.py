"""Queue tickets cannot be exhausted by one caller (issue 12, point 6): every caller is throttled
(an account whatever its address, as an anonymous client is per address); a phone and an account
hold one number per desk and session and TICKET_DAILY_LIMIT (2) a day; a number is taken only
from today to TICKET_BOOKING_DAYS (14) days ahead. The kiosk page shows the same refusals."""

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, connections
from rest_framework.test import APIClient

from campaigns import tickets
from campaigns.models import QueueTicket
from campaigns.testing import vn
from portal.errors import Conflict
from tests.clients import api_client as api_for
from tests.factories import CitizenFactory, OfficerFactory, OneStopDeskFactory

NOW = vn(2020, 3, 31, 8, 0)  # Tuesday 31/03/2020, morning
DAY = "2020-03-31"
pytestmark = pytest.mark.django_db


def book(api, desk, phone, session="morning", day=DAY):
    data = {"date": day, "session": session, "full_name": "Lê Văn Cường", "phone": phone}
    return api.post(f"/api/v1/desks/{desk.pk}/tickets/", data, format="json")


@pytest.fixture
def desks():
    first = OfficerFactory().desk
    return first, OneStopDeskFactory(province=first.province)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_one_citizen_token_cannot_take_a_session_s_numbers_with_other_phones(desks):
    first, second = desks
    citizen = api_for(CitizenFactory())
    assert book(citizen, first, "0900000001").status_code == 201
    statuses = [book(citizen, first, f"09100000{i:02d}").status_code for i in range(20)]
    assert statuses == [409] * 20
    refused = book(citizen, first, "0900000002")
    assert refused.json() == {"detail": "Tài khoản này đã có số thứ tự 001 trong buổi đã chọn."}
    assert book(citizen, first, "0900000002", session="afternoon").status_code == 201
    third = book(citizen, second, "0900000003")
    assert third.status_code == 409
    assert third.json() == {"detail": "Tài khoản này đã lấy đủ 2 số thứ tự cho ngày 31/03/2020."}
    assert book(citizen, second, "0900000003", day="2020-04-01").status_code == 201  # another day
    assert QueueTicket.objects.filter(date=date(2020, 3, 31)).count() == 2


def test_one_phone_holds_two_numbers_a_day_over_every_desk(desks):
    first, second = desks
    kiosk = APIClient()
    assert book(kiosk, first, "0900000001").status_code == 201
    assert book(kiosk, first, "0900000001", session="afternoon").status_code == 201
    refused = book(kiosk, second, "0900000001")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "Số điện thoại này đã lấy đủ 2 số thứ tự cho ngày 31/03/2020."}
    assert book(kiosk, second, "0900000002").status_code == 201  # someone else at the same kiosk


def test_the_desk_s_officer_books_for_the_people_at_the_counter(desks):
    first, _second = desks
    officer = api_for(OfficerFactory(desk=first))
    numbers = [book(officer, first, f"09200000{i:02d}").json()["number"] for i in range(5)]
    assert numbers == [1, 2, 3, 4, 5]
    assert book(officer, first, "0920000000").status_code == 409  # the phone's limit still holds


@pytest.mark.parametrize(
    ("day", "status"),
    [("2020-03-31", 201), ("2020-04-14", 201), ("2020-04-15", 400), ("2021-03-31", 400), ("9999-12-31", 400)],
)
def test_a_number_is_taken_only_within_the_booking_horizon(desks, day, status):
    first, _second = desks
    response = book(APIClient(), first, "0900000001", day=day)
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json() == {"date": ["Chỉ lấy được số thứ tự trước tối đa 14 ngày, đến hết ngày 14/04/2020."]}
        assert not QueueTicket.objects.exists()


def test_the_horizon_is_a_setting(desks, settings):
    first, _second = desks
    settings.TICKET_BOOKING_DAYS = 1
    assert book(APIClient(), first, "0900000001", day="2020-04-01").status_code == 201
    assert "đến hết ngày 01/04/2020" in book(APIClient(), first, "0900000001", day="2020-04-03").json()["date"][0]


def test_a_signed_in_caller_is_throttled_per_account_whatever_its_address(desks, settings):
    first, _second = desks
    settings.TICKET_BOOKING_USER_RATE = "3/hour"
    user = CitizenFactory()
    statuses = []
    for i in range(4):
        client = api_for(user)
        client.defaults["REMOTE_ADDR"] = f"10.0.0.{i}"  # a token used from several machines
        statuses.append(book(client, first, f"09300000{i:02d}", day=f"2020-04-0{i + 6}").status_code)
    assert statuses == [201, 201, 201, 429]
    assert book(api_for(CitizenFactory()), first, "0930000099").status_code == 201  # another account


def test_an_anonymous_caller_is_still_throttled_per_address(desks, settings):
    first, _second = desks
    settings.TICKET_BOOKING_RATE = "2/hour"
    kiosk = APIClient()
    statuses = [book(kiosk, first, f"09400000{i:02d}").status_code for i in range(3)]
    assert statuses == [201, 201, 429]


def page_book(client, desk, phone, day=DAY, session="morning"):
    data = {"date": day, "session": session, "full_name": "Phạm Thị Dung", "phone": phone}
    return client.post(f"/lay-so/{desk.pk}/", data)


def test_the_kiosk_page_shows_the_same_refusals(client, desks, settings):
    first, second = desks
    horizon = page_book(client, first, "0950000001", day="9999-12-31")
    assert "Chỉ lấy được số thứ tự trước tối đa 14 ngày, đến hết ngày 14/04/2020." in horizon.content.decode()
    assert not QueueTicket.objects.exists()
    assert page_book(client, first, "0950000001").status_code == 200
    assert page_book(client, first, "0950000001", session="afternoon").status_code == 200
    daily = page_book(client, second, "0950000001")
    assert "Số điện thoại này đã lấy đủ 2 số thứ tự cho ngày 31/03/2020." in daily.content.decode()
    client.force_login(CitizenFactory())
    assert page_book(client, first, "0950000002", day="2020-04-01").status_code == 200
    account = page_book(client, first, "0950000003", day="2020-04-01")
    assert "Tài khoản này đã có số thứ tự 001 trong buổi đã chọn." in account.content.decode()
    assert QueueTicket.objects.count() == 3


def test_the_kiosk_page_is_throttled_with_the_api(client, desks, settings):
    first, _second = desks
    settings.TICKET_BOOKING_RATE = "2/hour"
    assert book(APIClient(), first, "0960000001").status_code == 201  # the API and the page share the count
    assert page_book(client, first, "0960000002").status_code == 200
    throttled = page_book(client, first, "0960000003")
    assert throttled.status_code == 429
    assert "Bạn đã lấy số quá nhiều lần. Vui lòng thử lại sau 60 phút." in throttled.content.decode()
    assert QueueTicket.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks need PostgreSQL")
def test_one_phone_booking_at_many_desks_at_once_gets_two_numbers():
    first = OfficerFactory().desk
    desks = [first] + [OneStopDeskFactory(province=first.province) for _ in range(7)]
    barrier = threading.Barrier(len(desks))
    results = [None] * len(desks)

    def worker(index):
        try:
            barrier.wait(timeout=10)
            results[index] = tickets.book(
                desks[index], day=date(2020, 3, 31), session="morning", full_name="Một người", phone="0970000000"
            )
        except Conflict as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(desks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    booked = [r for r in results if isinstance(r, QueueTicket)]
    assert len(booked) == 2, results
    assert all(isinstance(r, Conflict) for r in results if r not in booked)
    assert QueueTicket.objects.filter(phone="0970000000").count() == 2
