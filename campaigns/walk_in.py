"""The walk-in cap per half-day session (seed 004, Tây Ninh: "thông báo số lượng hồ sơ tối đa có thể xử lý
trong 1 buổi"): `walk_in_capacity_per_session` places per desk and session, shared by the queue tickets
(tickets.book) and the walk-in dossiers accepted at the desk without a ticket (`take_place`, called by the
dossier's acceptance door inside its transaction). A dossier entered with a ticket of that session takes the
ticket's place, so nobody is counted twice. Both lock the session's counter row, so the cap holds however
many kiosks and officers act at once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.calendar import VN_TZ
from portal.errors import RuleError
from portal.working_time import calendar_for_desk

from .models import QueueCounter, Session
from .tickets import current_session, session_bounds


def next_session(desk, day, session):
    """The next half-day session on the desk's working calendar after (day, session): its (day, session, opening)."""
    calendar = calendar_for_desk(desk)
    if session == Session.MORNING and calendar.is_working_day(day):
        return day, Session.AFTERNOON, session_bounds(desk, day, Session.AFTERNOON)[0]
    following = day + timedelta(days=1)
    while not calendar.is_working_day(following):
        following += timedelta(days=1)
    return following, Session.MORNING, session_bounds(desk, following, Session.MORNING)[0]


class SessionFull(RuleError):
    """HTTP 400 on the acceptance (the ticket kiosk answers 409 with its own message)."""


def take_place(desk, capacity, at=None, ticket=None):
    """One place in the session at `at` for a walk-in dossier accepted at the desk; a ticket of that session
    already holds one. Raises SessionFull naming the session, the cap and when the next session opens."""
    day, session = current_session(desk, at or timezone.now())
    if ticket is not None and (ticket.desk_id, ticket.date, ticket.session) == (desk.pk, day, session):
        return None
    if capacity is None:
        return None
    counter, _created = QueueCounter.objects.get_or_create(desk=desk, date=day, session=session)
    counter = QueueCounter.objects.select_for_update().get(pk=counter.pk)
    if counter.last + counter.walk_ins >= capacity:
        next_day, next_name, opens = next_session(desk, day, session)
        raise SessionFull(
            _(
                "%(session)s ngày %(day)s đã đủ %(n)s hồ sơ tiếp nhận trực tiếp (kể cả số thứ tự đã cấp) theo quy định "
                "hiện hành. Buổi tiếp theo: %(next)s ngày %(next_day)s, bắt đầu lúc %(opens)s."
            )
            % {
                "session": Session(session).label,
                "day": day.strftime("%d/%m/%Y"),
                "n": capacity,
                "next": str(Session(next_name).label).lower(),
                "next_day": next_day.strftime("%d/%m/%Y"),
                "opens": timezone.localtime(opens, VN_TZ).strftime("%H:%M"),
            },
            "ticket",
        )
    counter.walk_ins += 1
    counter.save(update_fields=["walk_ins"])
    return counter


def find_ticket(desk, number, at=None):
    """The queue ticket `number` of the desk's current session (a walk-in dossier entered with it)."""
    from .models import QueueTicket

    day, session = current_session(desk, at or timezone.now())
    ticket = QueueTicket.objects.filter(desk=desk, date=day, session=session, number=number).first()
    if ticket is None:
        raise RuleError(
            _("Không có số thứ tự %(n)s trong %(session)s ngày %(day)s tại Bộ phận này.")
            % {"n": f"{number:03d}", "session": str(Session(session).label).lower(), "day": day.strftime("%d/%m/%Y")},
            "ticket",
        )
    return ticket
