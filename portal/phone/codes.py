"""Confirming an account's phone with a one-time code sent by SMS (xác nhận số điện thoại).

- `request_code(user)` issues a 6-digit code for the account's current phone and has it sent through
  the outbox (portal/outbox.py → `portal.tasks.send_phone_code` → the configured SMS backend, retried
  with backoff), never on the request. A new code may be asked PHONE_CODE_RESEND_SECONDS after the last
  one, and at most PHONE_CODE_MAX_PER_HOUR an hour per account and per phone number: counted from the
  codes' rows in the database, under a lock on every account holding that number, so several processes
  agree and two requests at once never both pass.
- `confirm_code(user, code)` checks the account's latest code: it lasts PHONE_CODE_TTL_SECONDS and takes
  PHONE_CODE_MAX_ATTEMPTS wrong tries; the right one records the phone as confirmed.
- `confirm_phone(user, phone)` records a phone proved another way (the national identity provider's
  verified phone claim, for a citizen signed in by single sign-on).

The code is never stored in clear: the row keeps a keyed hash (HMAC with SECRET_KEY) for checking, and
until the gateway has taken the SMS its text waits encrypted (Fernet, a key derived from SECRET_KEY),
erased once sent. Nothing here logs the code; the log SMS backend of the demo prints the SMS itself,
which is the demo's delivery."""

import base64
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import PhoneCode, User
from ..outbox import enqueue_task
from ..sms import SMS, backend_for

CODE_DIGITS = 6
HOUR = timedelta(hours=1)


class PhoneCodeError(Exception):
    """A refusal the person can act on; `message` is shown as the code field's error."""

    field = "code"

    def __init__(self, message, wait_seconds=None):
        super().__init__(message)
        self.message = message
        self.wait_seconds = wait_seconds


class NoPhone(PhoneCodeError):
    field = "phone"


class AlreadyConfirmed(PhoneCodeError):
    field = "phone"


class TooSoon(PhoneCodeError):
    """A new code was asked before the resend delay, or past the hourly allowance."""


class NoCode(PhoneCodeError):
    pass


class WrongCode(PhoneCodeError):
    pass


class CodeExpired(PhoneCodeError):
    pass


class TooManyAttempts(PhoneCodeError):
    pass


def _hash(code_row_salt, phone, code):
    return salted_hmac("motcua.phone.code", f"{phone}:{code_row_salt}:{code}", algorithm="sha256").hexdigest()


def _fernet():
    key = hashlib.sha256(f"motcua.phone.sms:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def ttl_minutes():
    return max(1, settings.PHONE_CODE_TTL_SECONDS // 60)


def masked(phone):
    """A phone as the pages show it to its holder: the last three digits only (09••••••123)."""
    return "•" * max(0, len(phone) - 3) + phone[-3:] if phone else ""


def _wait_text(seconds):
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return ngettext("%(n)d giây", "%(n)d giây", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d phút", "%(n)d phút", minutes) % {"n": minutes}


@dataclass(frozen=True)
class Status:
    """What the confirmation page shows: the latest code's moments and when a new one may be asked."""

    phone: str
    confirmed: bool
    code_sent_at: datetime | None
    expires_at: datetime | None
    attempts_left: int | None
    resend_at: datetime | None  # None: a new code may be asked now

    @property
    def resend_wait(self):
        """Whole seconds until a new code may be asked (0: now)."""
        if self.resend_at is None:
            return 0
        return max(0, math.ceil((self.resend_at - timezone.now()).total_seconds()))


def _latest(user):
    return PhoneCode.objects.filter(user=user).order_by("-created_at", "-pk").first()


def _resend_at(user, phone, now):
    """When the next code may be issued for this account and number (None: now)."""
    recent = list(
        PhoneCode.objects.filter(Q(user=user) | Q(phone=phone), created_at__gt=now - HOUR)
        .order_by("created_at")
        .values_list("user_id", "phone", "created_at")
    )
    moments = []
    if recent:
        moments.append(recent[-1][2] + timedelta(seconds=settings.PHONE_CODE_RESEND_SECONDS))
    limit = settings.PHONE_CODE_MAX_PER_HOUR
    for rows in ([r for r in recent if r[0] == user.pk], [r for r in recent if r[1] == phone]):
        if len(rows) >= limit:
            moments.append(rows[-limit][2] + HOUR)  # the oldest of the last `limit` leaves the hour
    later = max(moments, default=None)
    return later if later and later > now else None


def status(user):
    now = timezone.now()
    code = _latest(user)
    current = code is not None and code.phone == user.phone and code.used_at is None and code.expires_at > now
    return Status(
        phone=user.phone,
        confirmed=user.phone_confirmed,
        code_sent_at=code.created_at if current else None,
        expires_at=code.expires_at if current else None,
        attempts_left=max(0, settings.PHONE_CODE_MAX_ATTEMPTS - code.attempts) if current else None,
        resend_at=_resend_at(user, user.phone, now) if user.phone else None,
    )


def request_code(user):
    """Issue a code for the account's phone and have it sent after commit. Raises NoPhone,
    AlreadyConfirmed or TooSoon (with `wait_seconds`)."""
    if not user.phone:
        raise NoPhone(_("Tài khoản chưa có số điện thoại."))
    with transaction.atomic():
        # Every account holding this number, in a fixed order: the counts below see every code issued for
        # the account or the number, and a second request waits for this one's row (several processes).
        locked = list(User.objects.select_for_update().filter(Q(pk=user.pk) | Q(phone=user.phone)).order_by("pk"))
        fresh = next(account for account in locked if account.pk == user.pk)
        if fresh.phone_confirmed:
            raise AlreadyConfirmed(_("Số điện thoại này đã được xác nhận."))
        now = timezone.now()
        resend_at = _resend_at(fresh, fresh.phone, now)
        if resend_at is not None:
            wait = (resend_at - now).total_seconds()
            raise TooSoon(
                _("Vui lòng chờ %(wait)s nữa rồi yêu cầu gửi lại mã (lúc %(at)s).")
                % {"wait": _wait_text(wait), "at": date_format(timezone.localtime(resend_at), "H:i:s")},
                wait_seconds=math.ceil(wait),
            )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(8)
        row = PhoneCode.objects.create(
            user=fresh,
            phone=fresh.phone,
            code_hash=f"{salt}${_hash(salt, fresh.phone, code)}",
            sealed=_fernet().encrypt(code.encode()).decode(),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.PHONE_CODE_TTL_SECONDS),
        )
        enqueue_task("portal.tasks.send_phone_code", row.pk)
    return row


def _matches(row, code):
    salt, _sep, digest = row.code_hash.partition("$")
    return constant_time_compare(digest, _hash(salt, row.phone, code))


def confirm_code(user, code):
    """Check `code` against the account's latest code; on success the phone is confirmed (returns the
    user). Raises NoCode, CodeExpired, TooManyAttempts or WrongCode (attempts left in its message)."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == CODE_DIGITS):
        raise WrongCode(_("Mã xác nhận gồm %(n)d chữ số.") % {"n": CODE_DIGITS})
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        row = PhoneCode.objects.select_for_update().filter(user=fresh).order_by("-created_at", "-pk").first()
        refusal = _check(row, fresh, code, timezone.now())
    # Raised once the transaction is over: a wrong try stays counted.
    if refusal is not None:
        raise refusal
    user.confirmed_phone, user.phone_confirmed_at = fresh.confirmed_phone, fresh.phone_confirmed_at
    return user


def _check(row, fresh, code, now):
    """Inside the locked transaction: count a wrong try, or use the code and confirm; the refusal to raise."""
    if row is None or row.used_at is not None or row.phone != fresh.phone:
        return NoCode(_("Chưa có mã xác nhận cho số điện thoại này. Hãy bấm “Gửi mã xác nhận”."))
    if row.attempts >= settings.PHONE_CODE_MAX_ATTEMPTS:
        return TooManyAttempts(_("Bạn đã nhập sai quá số lần cho phép. Hãy yêu cầu gửi mã mới."))
    if row.expires_at <= now:
        return CodeExpired(_("Mã xác nhận đã hết hạn. Hãy yêu cầu gửi mã mới."))
    if not _matches(row, code):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        left = settings.PHONE_CODE_MAX_ATTEMPTS - row.attempts
        if left <= 0:
            return TooManyAttempts(_("Mã xác nhận không đúng. Bạn đã hết lượt thử; hãy yêu cầu gửi mã mới."))
        message = ngettext(
            "Mã xác nhận không đúng. Bạn còn %(left)d lần thử.",
            "Mã xác nhận không đúng. Bạn còn %(left)d lần thử.",
            left,
        )
        return WrongCode(message % {"left": left})
    row.used_at = now
    row.sealed = ""
    row.save(update_fields=["used_at", "sealed"])
    confirm_phone(fresh, fresh.phone, now=now)
    return None


def confirm_phone(user, phone, now=None):
    """Record `phone` as the account's confirmed phone: after a right code, or for a phone the national
    identity provider vouches for (single sign-on: call it with the verified claim). Sets `user.phone`."""
    user.phone = phone
    user.confirmed_phone = phone
    user.phone_confirmed_at = now or timezone.now()
    user.save(update_fields=["phone", "confirmed_phone", "phone_confirmed_at"])
    return user


def change_phone(user, phone):
    """A new phone on the account: it is unconfirmed until its code is entered (the old confirmation stays
    recorded for the old number, which is no longer the account's)."""
    if phone != user.phone:
        user.phone = phone
        user.save(update_fields=["phone"])
    return user


def deliver(code_id):
    """Send one code's SMS (the task `portal.tasks.send_phone_code`): once, while the code is still of use.
    Returns "sent" or "skipped"; a gateway error is raised for the task to retry."""
    row = PhoneCode.objects.filter(pk=code_id).select_related("user").first()
    if row is None or row.sent_at is not None or not row.sealed:
        return "skipped"
    if row.used_at is not None or row.expires_at <= timezone.now():
        PhoneCode.objects.filter(pk=row.pk).update(sealed="")
        return "skipped"
    try:
        code = _fernet().decrypt(row.sealed.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed since: the code cannot be sent, a new one must be asked
        PhoneCode.objects.filter(pk=row.pk).update(sealed="")
        return "skipped"
    minutes = ttl_minutes()
    body = _(
        "motcua: Mã xác nhận số điện thoại của bạn là %(code)s, có hiệu lực %(minutes)d phút. "
        "Không chia sẻ mã này cho bất kỳ ai."
    ) % {"code": code, "minutes": minutes}
    backend_for("sms").send(SMS(recipient=row.phone, body=body, subject=_("Mã xác nhận số điện thoại")))
    PhoneCode.objects.filter(pk=row.pk, sent_at__isnull=True).update(sent_at=timezone.now(), sealed="")
    return "sent"
