"""A small province whose statistics are worked out by hand (tests/test_reports_*.py).

Every dossier walks the real services under time-machine at the moments below (local time, Asia/Ho_Chi_Minh;
March–April 2024 has no public holiday; 5 working days = 40 working hours).

Desk 1 (agency 1), procedure P1 (5 working days, free) and P2 (5 working days, 50.000 đ, postal intake/return):

    A  P1 online   accepted Mon 04/03 09:00, done Thu 07/03 10:00 (early, 3.125 wd), returned, rated 3 on 08/03
    B  P1 walk-in  accepted Mon 04/03 09:00, done Mon 11/03 08:30 (due 11/03 09:00: on time, 4.9375 wd)
    C  P2 postal   accepted Mon 04/03 09:00 (intake and return by post), done Tue 12/03 10:00 (late, 6.125 wd)
    J  P2 online   accepted Mon 04/03 09:00 (paid online), done Wed 06/03 09:00 (early, 2 wd), returned,
                   rated 5 on 07/03
    E  P1 online   accepted Tue 05/03 09:00 (due 12/03 09:00), never done: overdue from 12/03
    N  P1 online   accepted Mon 11/03 09:00 (due 18/03 09:00), apology Fri 15/03 10:00 with a new date
                   Wed 20/03 17:00, done Wed 20/03 10:00 (on time against the new date, 7.125 wd)
    R  P1 online   accepted Tue 12/03 09:00 (due 19/03 09:00), done Mon 18/03 09:00 (early, 4 wd), returned
                   late: Thu 21/03 10:00 (after its due date; still done early: timeliness is at completion)
    G  P1 online   accepted Thu 07/03 09:00, withdrawn Fri 15/03 10:00
    H  P1 online   submitted Fri 08/03 09:00, refused at intake the same day 10:00
    F  P1 online   accepted Wed 20/03 09:00, paused Thu 21/03 10:00, resumed Tue 02/04 10:00 (due moves to
                   Mon 08/04 09:00), never done
    D  P1 online   accepted Mon 25/03 09:00 (due Mon 01/04 09:00), done Wed 03/04 09:00 (late, 7 wd)
    I  P1 online   accepted Thu 28/03 09:00, withdrawn Fri 05/04 10:00
    M  P1 online   accepted Wed 10/04 09:00, done Fri 12/04 09:00 (early, 2 wd)
    L  P1 online   submitted Fri 29/03 09:00, never accepted (counted nowhere)

Desk 2 (agency 2, same province), procedure P3:

    K  P3 online   accepted Mon 04/03 09:00, done Tue 05/03 09:00 (early, 1 wd)
"""

from dataclasses import dataclass, field
from datetime import datetime

import time_machine
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier
from tests.dossier_helpers import make_dossier
from tests.factories import (
    CitizenFactory,
    HeadFactory,
    OfficerFactory,
    OneStopDeskFactory,
    ProcedureFactory,
    ProvinceAdminFactory,
    ProvinceFactory,
)


def at(text):
    """Local wall-clock time: at("2024-03-04 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.get_default_timezone())


def step(moment, function, *args, **kwargs):
    with time_machine.travel(at(moment), tick=False):
        return function(*args, **kwargs)


@dataclass
class World:
    province: object
    desk: object
    officer: object
    citizen: object
    p1: object
    p2: object
    desk2: object
    officer2: object
    p3: object
    head: object
    admin: object
    dossiers: dict = field(default_factory=dict)


def _received(world, name, moment, procedure=None, officer=None, channel="online", return_channel="desk"):
    postal = "postal" in (channel, return_channel)
    dossier = make_dossier(
        "accepted",
        at=at(moment),
        officer=officer or world.officer,
        citizen=world.citizen,
        procedure=procedure or world.p1,
        intake_channel=channel,
        return_channel=return_channel,
        address="12 Nguyễn Trãi, Biên Hòa" if postal else "",
    )
    world.dossiers[name] = dossier
    return dossier


def build_world():
    province = ProvinceFactory(code="T75", name="Tỉnh Thống Kê")
    desk = OneStopDeskFactory(province=province)
    desk2 = OneStopDeskFactory(province=province)
    officer = OfficerFactory(desk=desk)
    officer2 = OfficerFactory(desk=desk2)
    w = World(
        province=province,
        desk=desk,
        officer=officer,
        citizen=CitizenFactory(),
        p1=ProcedureFactory(province=province, agency=desk.agency, code="1.000001"),
        p2=ProcedureFactory(province=province, agency=desk.agency, code="1.000002", postal=True, fee=50000),
        desk2=desk2,
        officer2=officer2,
        p3=ProcedureFactory(province=province, agency=desk2.agency, code="1.000003"),
        head=HeadFactory(agency=desk.agency),
        admin=ProvinceAdminFactory(province=province),
    )
    o, c = w.officer, w.citizen

    a = _received(w, "A", "2024-03-04 09:00")
    b = _received(w, "B", "2024-03-04 09:00", channel="walk_in")
    cc = _received(w, "C", "2024-03-04 09:00", procedure=w.p2, channel="postal", return_channel="postal")
    j = _received(w, "J", "2024-03-04 09:00", procedure=w.p2)
    Dossier.objects.filter(pk=j.pk).update(payment_status="paid")
    k = _received(w, "K", "2024-03-04 09:00", procedure=w.p3, officer=w.officer2)
    _received(w, "E", "2024-03-05 09:00")
    g = _received(w, "G", "2024-03-07 09:00")
    f = _received(w, "F", "2024-03-20 09:00")
    d = _received(w, "D", "2024-03-25 09:00")
    i = _received(w, "I", "2024-03-28 09:00")
    m = _received(w, "M", "2024-04-10 09:00")
    n = _received(w, "N", "2024-03-11 09:00")
    r = _received(w, "R", "2024-03-12 09:00")

    h = make_dossier("submitted", at=at("2024-03-08 09:00"), officer=o, citizen=c, procedure=w.p1)
    w.dossiers["H"] = h
    step("2024-03-08 10:00", services.refuse, h, o, "Hồ sơ không thuộc thẩm quyền.")
    w.dossiers["L"] = make_dossier("submitted", at=at("2024-03-29 09:00"), officer=o, citizen=c, procedure=w.p1)

    step("2024-03-05 09:00", services.complete, k, w.officer2, "approved")
    step("2024-03-06 09:00", services.complete, j, o, "approved")
    step("2024-03-06 15:00", services.return_result, j, o)
    step("2024-03-07 08:00", services.rate, j, c, 5)
    step("2024-03-07 10:00", services.complete, a, o, "approved")
    step("2024-03-07 15:00", services.return_result, a, o)
    step("2024-03-08 08:00", services.rate, a, c, 3)
    step("2024-03-11 08:30", services.complete, b, o, "approved")
    step("2024-03-12 10:00", services.complete, cc, o, "approved")
    step("2024-03-15 10:00", services.withdraw, g, c)
    step("2024-03-15 10:00", services.apologize, n, o, at("2024-03-20 17:00"), "Chờ xác minh.")
    step("2024-03-18 09:00", services.complete, r, o, "approved")
    step("2024-03-20 10:00", services.complete, n, o, "approved")
    step("2024-03-21 10:00", services.return_result, r, o)
    step("2024-03-21 10:00", services.pause, f, o, "Chờ ý kiến cơ quan phối hợp.")
    step("2024-04-02 10:00", services.resume, f, o)
    step("2024-04-03 09:00", services.complete, d, o, "approved")
    step("2024-04-05 10:00", services.withdraw, i, c)
    step("2024-04-12 09:00", services.complete, m, o, "approved")
    for name, dossier in w.dossiers.items():
        dossier.refresh_from_db()
        w.dossiers[name] = dossier
    return w
