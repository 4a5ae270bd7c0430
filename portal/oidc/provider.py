"""The OpenID Connect provider as motcua sees it: whether single sign-on is on, the provider's endpoints, and
the address that ends a session at the provider.

The endpoints come from the issuer's discovery document (`<OIDC_ISSUER>/.well-known/openid-configuration`),
fetched the first time a sign-in needs it and kept in the shared cache (Redis, or the database cache) for
OIDC_DISCOVERY_CACHE_SECONDS: every web process reads the same copy, a provider that moves an endpoint or
rotates its keys' address is followed within that time, and the portal starts (and serves every other page)
while the provider is down. Not at start-up: the provider may be unreachable then, and a module global would
differ between processes."""

import hashlib
import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

log = logging.getLogger(__name__)

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(Exception):
    """The discovery document could not be read, or does not describe the configured issuer."""


def enabled():
    return bool(settings.OIDC_ISSUER)


def issuer():
    return settings.OIDC_ISSUER


def discovery_url():
    return f"{settings.OIDC_ISSUER}/.well-known/openid-configuration"


def cache_key():
    return "oidc:discovery:" + hashlib.sha256(settings.OIDC_ISSUER.encode()).hexdigest()[:32]


def metadata():
    """The provider's discovery document (a dict), from the shared cache or fetched. Raises ProviderUnavailable."""
    key = cache_key()
    document = cache.get(key)
    if document is not None:
        return document
    try:
        response = requests.get(discovery_url(), timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OIDC discovery failed for %s: %s", settings.OIDC_ISSUER, type(exc).__name__)
        raise ProviderUnavailable(type(exc).__name__) from exc
    if not isinstance(document, dict) or any(not document.get(name) for name in REQUIRED):
        raise ProviderUnavailable("incomplete discovery document")
    # OpenID Connect Discovery 1.0, 4.3: the document's issuer must be exactly the one asked for.
    if document["issuer"].rstrip("/") != settings.OIDC_ISSUER:
        log.warning("OIDC discovery of %s names another issuer: %s", settings.OIDC_ISSUER, document["issuer"])
        raise ProviderUnavailable("issuer mismatch")
    cache.set(key, document, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return document


def logout_url(request):
    """settings.OIDC_OP_LOGOUT_URL_METHOD: for a session signed in through the provider, the provider's
    end_session_endpoint (RP-initiated logout) with the ID token as id_token_hint and the home page to come
    back to; None for any other session, or when the provider does not say where to log out."""
    id_token = request.session.get(SESSION_ID_TOKEN)
    if not (enabled() and id_token):
        return None
    try:
        endpoint = metadata().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("home")),
            "client_id": settings.OIDC_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# The session keys of single sign-on: the ID token of the sign-in (for the logout at the provider), a sign-in
# waiting for the account's password before the link is stored, and a link asked for from the account page.
SESSION_ID_TOKEN = "oidc_id_token"
SESSION_PENDING_LINK = "oidc_pending_link"
SESSION_LINK_FOR = "oidc_link_for"
