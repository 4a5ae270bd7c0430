"""Authentication of the post office's own software: `Authorization: Bearer <token>`,
matched against IntegrationClient.token_hash (SHA-256 of the token; the token itself is
shown once by `manage.py issue_postal_client`). The request's user is a principal that is
authenticated and nothing else (no role, no staff rights); `request.auth` is the client,
whose province scopes every queryset (access.orders_for_client)."""

import hashlib
import secrets

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .models import IntegrationClient

KEYWORD = b"bearer"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_credentials():
    """(token, webhook secret): shown once, only the token's hash is stored."""
    return secrets.token_urlsafe(32), secrets.token_hex(32)


class ClientPrincipal:
    """`request.user` for an integration client."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    role = None
    pk = id = None

    def __init__(self, client):
        self.client = client
        self.username = f"client:{client.pk}"

    def __str__(self):
        return self.client.name


class IntegrationClientAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Tiêu đề Authorization không hợp lệ."))
        try:
            token = parts[1].decode()
        except UnicodeError:
            raise AuthenticationFailed(_("Tiêu đề Authorization không hợp lệ.")) from None
        client = IntegrationClient.objects.select_related("province").filter(token_hash=hash_token(token)).first()
        if client is None or not client.active:
            raise AuthenticationFailed(_("Mã truy cập không hợp lệ hoặc đã bị thu hồi."))
        return ClientPrincipal(client), client

    def authenticate_header(self, request):
        return 'Bearer realm="motcua-postal"'


def client_of(request):
    """The IntegrationClient calling, or None (a person)."""
    return request.auth if isinstance(request.auth, IntegrationClient) else None


class IntegrationClientScheme(OpenApiAuthenticationExtension):
    target_class = "postal.auth.IntegrationClientAuthentication"
    name = "postalClientBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _("Mã truy cập của phần mềm bưu điện (một tỉnh), cấp bằng issue_postal_client."),
        }
