"""Số thứ tự: walk-in queue tickets per desk and half-day session (seed 004, Tây Ninh 2020:
"thông báo số lượng hồ sơ tối đa có thể xử lý trong 1 buổi, hướng dẫn ... lấy số thứ tự").

The session's capacity is the effective policy's `walk_in_capacity_per_session` at the
session's opening (for the procedure if one is named, else the smallest capacity of the
campaigns in force at the desk); no capacity rule means no limit. Booking locks the
session's counter row, so numbers are 1, 2, 3… without gaps and never exceed the capacity
however many kiosks book at once. The desk calls the next number with the same lock.

Against one caller taking a session's numbers (issue 12): a phone, and an account, holds at most
one number per desk and session and TICKET_DAILY_LIMIT numbers a day (over every desk); the
desk's own staff, who book for the people at the counter, are held to the phone's limit only.
A number may be taken for today up to TICKET_BOOKING_DAYS days ahead. The limits hold under
concurrency: a booking first takes a lock per phone (PostgreSQL advisory lock) and per account
(its row), always in that order and before the session's counter."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.calendar import VN_TZ
from portal.errors import Conflict, RuleError
from portal.models import Role, phone_validator
from portal.working_time import calendar_for_desk

from .models import QueueCounter, QueueTicket, Session
from .policy import desk_capacity, effective_policy


class SessionFull(Conflict):
    def __init__(self, capacity):
        super().__init__(
            _("Buổi này đã đủ %(n)s số thứ tự theo quy định hiện hành. Vui lòng chọn buổi khác hoặc nộp trực tuyến.")
            % {"n": capacity}
        )


def session_bounds(desk, day, session):
    """The session's opening and closing moments (aware, local time)."""
    opens, closes = desk.sessions[0] if session == Session.MORNING else desk.sessions[1]
    return datetime.combine(day, opens, tzinfo=VN_TZ), datetime.combine(day, closes, tzinfo=VN_TZ)


def current_session(desk, now=None):
    """Today's session at `now`: the morning until the afternoon opens, then the afternoon."""
    local = timezone.localtime(now or timezone.now(), VN_TZ)
    afternoon = datetime.combine(local.date(), desk.afternoon_opens, tzinfo=VN_TZ)
    return local.date(), (Session.MORNING if local < afternoon else Session.AFTERNOON)


def serves(desk, procedure):
    if procedure.province_id != desk.province_id:
        return False
    return desk.agency_id is None or desk.agency_id in (procedure.agency_id, procedure.agency.parent_id)


def capacity_for(desk, day, session, procedure=None):
    """The most tickets the session may issue (None: no limit). With a procedure whose
    walk-in intake is closed at that moment, a 400 naming the rule."""
    at = session_bounds(desk, day, session)[0]
    if procedure is None:
        return desk_capacity(desk, at)
    policy = effective_policy(procedure, desk, at)
    if not policy.allows_intake("walk_in"):
        message = _("Thủ tục này không tiếp nhận hồ sơ trực tiếp trong buổi đã chọn.")
        reason = policy.closed_because.get("walk_in")
        raise RuleError(f"{message} {reason}" if reason else message, "procedure")
    return policy.walk_in_capacity_per_session


def _check(desk, day, session, full_name, phone, procedure):
    if session not in Session.values:
        raise RuleError(_("Chọn buổi sáng (morning) hoặc buổi chiều (afternoon)."), "session")
    if not (full_name or "").strip():
        raise RuleError(_("Vui lòng nhập họ và tên."), "full_name")
    phone = (phone or "").strip().replace(" ", "")
    try:
        phone_validator(phone)
    except ValidationError as exc:
        raise RuleError(exc.messages[0], "phone")
    now = timezone.now()
    today = timezone.localtime(now, VN_TZ).date()
    if day < today:
        raise RuleError(_("Không thể lấy số cho ngày đã qua."), "date")
    last = today + timedelta(days=settings.TICKET_BOOKING_DAYS)
    if day > last:
        raise RuleError(
            _("Chỉ lấy được số thứ tự trước tối đa %(n)s ngày, đến hết ngày %(last)s.")
            % {"n": settings.TICKET_BOOKING_DAYS, "last": last.strftime("%d/%m/%Y")},
            "date",
        )
    if not calendar_for_desk(desk).is_working_day(day):
        raise RuleError(_("Ngày %(d)s không phải ngày làm việc.") % {"d": day.strftime("%d/%m/%Y")}, "date")
    if now >= session_bounds(desk, day, session)[1]:
        raise RuleError(_("Buổi này đã kết thúc."), "session")
    if procedure is not None and not serves(desk, procedure):
        raise RuleError(_("Bộ phận Một cửa này không tiếp nhận thủ tục đã chọn."), "procedure")
    return full_name.strip(), phone


def book(desk, *, day, session, full_name, phone, procedure=None, user=None):
    """Lấy số thứ tự. Raises RuleError (400) for bad input and SessionFull (409)."""
    full_name, phone = _check(desk, day, session, full_name, phone, procedure)
    capacity = capacity_for(desk, day, session, procedure)
    account = user if user is not None and user.is_authenticated and not can_serve(user, desk) else None
    with transaction.atomic():
        _lock_booker(phone, account)
        counter, _created = QueueCounter.objects.get_or_create(desk=desk, date=day, session=session)
        counter = QueueCounter.objects.select_for_update().get(pk=counter.pk)
        _check_limits(desk, day, session, phone, account)
        # Walk-in dossiers accepted without a ticket use places too (campaigns/walk_in.py).
        if capacity is not None and counter.last + counter.walk_ins >= capacity:
            raise SessionFull(capacity)
        counter.last += 1
        counter.save(update_fields=["last"])
        return QueueTicket.objects.create(
            desk=desk,
            date=day,
            session=session,
            number=counter.last,
            full_name=full_name,
            phone=phone,
            procedure=procedure,
            created_at=timezone.now(),
            created_by=user if user is not None and user.is_authenticated else None,
        )


def _lock_booker(phone, account):
    """One booking at a time per phone and per account, so the limits below count exactly."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"queue-ticket-phone:{phone}"])
    if account is not None:
        list(get_user_model().objects.select_for_update().filter(pk=account.pk).values_list("pk"))


def _check_limits(desk, day, session, phone, account):
    """One number per phone (and account) per desk and session; TICKET_DAILY_LIMIT a day. 409 otherwise."""
    same_day = QueueTicket.objects.filter(date=day)
    limit = settings.TICKET_DAILY_LIMIT
    for holder, tickets_of, message_session, message_day in (
        (
            phone,
            same_day.filter(phone=phone),
            _("Số điện thoại này đã có số thứ tự %(n)s trong buổi đã chọn."),
            _("Số điện thoại này đã lấy đủ %(limit)s số thứ tự cho ngày %(day)s."),
        ),
        (
            account,
            same_day.filter(created_by=account),
            _("Tài khoản này đã có số thứ tự %(n)s trong buổi đã chọn."),
            _("Tài khoản này đã lấy đủ %(limit)s số thứ tự cho ngày %(day)s."),
        ),
    ):
        if holder is None:
            continue
        existing = tickets_of.filter(desk=desk, session=session).first()
        if existing is not None:
            raise Conflict(message_session % {"n": f"{existing.number:03d}"})
        if tickets_of.count() >= limit:
            raise Conflict(message_day % {"limit": limit, "day": day.strftime("%d/%m/%Y")})


def can_serve(user, desk):
    """The desk's officers (and the province's admins) see and call its queue."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if user.role == Role.OFFICER:
        return user.desk_id == desk.pk
    return user.role == Role.PROVINCE_ADMIN and user.province_id == desk.province_id


def call_next(desk, user, day=None, session=None):
    """Gọi số tiếp theo: the lowest waiting number of the session; 409 when none waits."""
    today, now_session = current_session(desk)
    day, session = day or today, session or now_session
    with transaction.atomic():
        counter = QueueCounter.objects.select_for_update().filter(desk=desk, date=day, session=session).first()
        ticket = None
        if counter is not None:
            ticket = (
                QueueTicket.objects.filter(
                    desk=desk, date=day, session=session, state=QueueTicket.State.WAITING, number__gt=counter.called
                )
                .order_by("number")
                .first()
            )
        if ticket is None:
            raise Conflict(_("Không còn ai đang chờ trong buổi này."))
        ticket.state = QueueTicket.State.CALLED
        ticket.called_at = timezone.now()
        ticket.called_by = user
        ticket.save(update_fields=["state", "called_at", "called_by"])
        counter.called = ticket.number
        counter.save(update_fields=["called"])
    return ticket


def queue(desk, day, session):
    """The session's tickets and its counter (numbers issued, last called, capacity)."""
    counter = QueueCounter.objects.filter(desk=desk, date=day, session=session).first()
    tickets = list(QueueTicket.objects.filter(desk=desk, date=day, session=session).select_related("procedure"))
    return {
        "date": day,
        "session": session,
        "issued": counter.last if counter else 0,
        "walk_ins": counter.walk_ins if counter else 0,  # accepted at the desk without a ticket (walk_in.py)
        "called": counter.called if counter else 0,
        "capacity": desk_capacity(desk, session_bounds(desk, day, session)[0]),
        "tickets": tickets,
    }
