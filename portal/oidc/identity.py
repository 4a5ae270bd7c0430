"""Which motcua account a verified single sign-on is, by the rules of issue 17:

- an identity already linked (issuer + the provider's stable `sub`) is its account;
- otherwise the account is found by the verified personal identification number claim
  (OIDC_NATIONAL_ID_CLAIM), never by e-mail: no account → a new citizen account (unusable password,
  username from the number) and its link; one citizen account with a password → nothing yet: the citizen
  must also sign in with that account's password (LinkNeeded) before the link is stored;
- a staff account (any role but citizen, or a superuser) is never signed in by single sign-on;
- from the account page a signed-in citizen links the identity to their own account (both proven).

The claims here have been verified by portal/oidc/backend.py (signature, issuer, audience, nonce)."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import IdentityLink, Role, User, phone_validator
from ..national_id import is_digits

log = logging.getLogger(__name__)

# Why a sign-in was refused (portal/oidc/views.py shows each with its own page and status).
STATE, TOKEN, NONCE, PROVIDER, UNAVAILABLE = "state", "token", "nonce", "provider", "unavailable"
NO_NATIONAL_ID, STAFF, INACTIVE, CONFLICT, MISMATCH = "national_id", "staff", "inactive", "conflict", "mismatch"
EXPIRED = "expired"  # the linking page without a verified sign-in (none, or older than its ten minutes)


class Refusal(Exception):
    """A sign-in that must not go on; `reason` is one of the names above, `detail` is for the log only
    (never a token, never the secret)."""

    def __init__(self, reason, detail=""):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


class LinkNeeded(Exception):
    """The verified identity belongs to an existing password account that is not linked yet."""

    def __init__(self, user, subject):
        super().__init__(user.pk)
        self.user = user
        self.subject = subject


def national_id(claims):
    number = str(claims.get(settings.OIDC_NATIONAL_ID_CLAIM) or "").strip()
    if not is_digits(number, 12):
        raise Refusal(NO_NATIONAL_ID, f"claim {settings.OIDC_NATIONAL_ID_CLAIM} missing or not 12 digits")
    return number


def subject_of(claims):
    subject = str(claims.get("sub") or "")
    if not subject:
        raise Refusal(TOKEN, "no sub claim")
    return subject


def check_allowed(user):
    if not user.is_citizen:
        raise Refusal(STAFF, f"staff account {user.pk}")
    if not user.is_active:
        raise Refusal(INACTIVE, f"inactive account {user.pk}")
    return user


def resolve(issuer, claims):
    """The account to sign in; raises Refusal or LinkNeeded."""
    subject = subject_of(claims)
    number = national_id(claims)
    link = IdentityLink.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if link is not None:
        return check_allowed(link.user)
    candidates = list(User.objects.filter(national_id=number).order_by("pk"))
    citizens = [user for user in candidates if user.is_citizen]
    if not citizens:
        if candidates:
            raise Refusal(STAFF, "national id of a staff account")
        return create_account(issuer, subject, number, claims)
    if len(citizens) > 1:
        raise Refusal(CONFLICT, f"{len(citizens)} citizen accounts carry this national id")
    user = check_allowed(citizens[0])
    if user.identity_links.filter(issuer=issuer).exists():
        raise Refusal(CONFLICT, f"account {user.pk} is linked to another identity")
    if not user.has_usable_password():
        raise Refusal(CONFLICT, f"account {user.pk} has no password to prove")
    raise LinkNeeded(user, subject)


def link_signed_in(user, issuer, claims):
    """From the account page: `user` signed in with their password, then through the provider. Links the
    identity to that account (and records the verified number when the account had none)."""
    subject = subject_of(claims)
    number = national_id(claims)
    check_allowed(user)
    link = IdentityLink.objects.filter(issuer=issuer, subject=subject).first()
    if link is not None:
        if link.user_id == user.pk:
            return user
        raise Refusal(CONFLICT, f"identity linked to account {link.user_id}")
    if user.identity_links.filter(issuer=issuer).exists():
        raise Refusal(CONFLICT, f"account {user.pk} is linked to another identity")
    if user.national_id and user.national_id != number:
        raise Refusal(MISMATCH, f"account {user.pk} carries another national id")
    if not user.national_id:
        if User.objects.filter(national_id=number).exclude(pk=user.pk).exists():
            raise Refusal(CONFLICT, "another account carries this national id")
        user.national_id = number
        user.save(update_fields=["national_id"])
    store_link(user, issuer, subject)
    return user


def store_link(user, issuer, subject):
    try:
        with transaction.atomic():
            IdentityLink.objects.create(user=user, issuer=issuer, subject=subject, linked_at=timezone.now())
    except IntegrityError as exc:
        raise Refusal(CONFLICT, "identity or account already linked") from exc
    log.info("Identity linked: account %s, issuer %s", user.pk, issuer)


def username_for(number):
    """The national ID itself, or with a suffix when someone registered that name already."""
    candidate, n = number, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{number}-{n}"
    return candidate


def phone_from(claims):
    phone = str(claims.get("phone_number") or "").replace(" ", "")
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    try:
        phone_validator(phone)
    except ValidationError:
        return ""
    return phone


def vouched_phone(claims):
    """The phone the provider says it verified (`phone_number_verified`: the national identity holds a phone its
    owner proved): an account made from it needs no SMS code (portal/phone/codes.py) to receive dossier SMS."""
    return phone_from(claims) if claims.get("phone_number_verified") is True else ""


def full_name_from(claims):
    name = str(claims.get("name") or "").strip()
    if not name:
        name = " ".join(str(claims.get(part) or "").strip() for part in ("family_name", "given_name")).strip()
    return name[:200]


def create_account(issuer, subject, number, claims):
    full_name = full_name_from(claims)
    try:
        with transaction.atomic():
            user = User(
                username=username_for(number),
                full_name=full_name,
                first_name=full_name[:150],
                email=str(claims.get("email") or "")[:254],
                phone=phone_from(claims),
                national_id=number,
                role=Role.CITIZEN,
            )
            if vouched_phone(claims):
                user.confirmed_phone, user.phone_confirmed_at = user.phone, timezone.now()
            user.set_unusable_password()
            user.save()
            IdentityLink.objects.create(user=user, issuer=issuer, subject=subject, linked_at=timezone.now())
    except IntegrityError as exc:
        # The same identity's first sign-in in two tabs at once: the other one made the account.
        raise Refusal(CONFLICT, "account creation raced") from exc
    log.info("Account %s created by single sign-on (issuer %s)", user.pk, issuer)
    return user
