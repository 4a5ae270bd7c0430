"""Accounts: citizen self-registration and the scope every role sees.

The scope helpers return plain filter values that querysets of every app use, so
that who-sees-what is decided in one place and enforced in the queryset, not by
hiding links."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
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
