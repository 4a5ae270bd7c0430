"""Accounts: citizen self-registration and the scope every role sees.

The scope helpers return plain filter values that querysets of every app use, so
that who-sees-what is decided in one place and enforced in the queryset, not by
hiding links."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .models import Role, User, phone_validator


def register_citizen(*, username, password, full_name, phone, email="", national_id=""):
    """Create a citizen account. Raises ValidationError with a field → messages dict."""
    errors = {}
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    phone = (phone or "").strip().replace(" ", "")
    national_id = (national_id or "").strip()
    if not username:
        errors["username"] = [_("Vui lòng nhập tên đăng nhập.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("Tên đăng nhập đã được sử dụng.")]
    if not full_name:
        errors["full_name"] = [_("Vui lòng nhập họ và tên.")]
    try:
        phone_validator(phone)
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    if national_id and not (national_id.isdigit() and len(national_id) in (9, 12)):
        errors["national_id"] = [_("Số định danh cá nhân gồm 12 chữ số (hoặc CMND 9 chữ số).")]
    candidate = User(username=username, full_name=full_name, email=email or "", phone=phone)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User(
            username=username,
            full_name=full_name,
            first_name=full_name[:150],
            email=email or "",
            phone=phone,
            national_id=national_id,
            role=Role.CITIZEN,
        )
        user.set_password(password)
        user.save()
    return user


# Where each role lands after login (when no `next` was asked for): its own work. Names, not
# imports: the pages live in the apps above portal.
LANDING = {
    Role.CITIZEN: ("dossiers:my_dossiers", ""),
    Role.OFFICER: ("dossiers:queue", ""),
    Role.HEAD: ("dossiers:exception_queue", ""),  # the urgent cases waiting for the head's approval
    Role.SPECIALIST: ("dossiers:waiting", ""),  # the process steps waiting for them (Việc chờ tôi xử lý)
    Role.POSTAL_CLERK: ("postal:queue", ""),
    Role.PROVINCE_ADMIN: ("admin_dashboard", ""),
}


def landing_url(user):
    """The page a signed-in person's work starts on (the home page for a role without one)."""
    name, query = LANDING.get(getattr(user, "role", None), ("home", ""))
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return reverse("home")
