"""The authentication backend of single sign-on: mozilla-django-oidc's, with the provider's endpoints read from
its discovery document (portal/oidc/provider.py) and stricter token checks.

mozilla-django-oidc exchanges the code (with the PKCE verifier, the client secret by HTTP Basic), fetches the
provider's JWKS and checks the RS256 signature. Added here: the ID token's audience (our client id), issuer,
expiry and issue time are required and checked, the nonce always, the userinfo answer must be about the same
`sub`; then the account is chosen by portal/oidc/identity.py. Every refusal is an identity.Refusal, which the
callback view (portal/oidc/views.py) turns into a page; nothing is logged with a token or the secret."""

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import identity, provider
from .identity import NONCE, PROVIDER, TOKEN, UNAVAILABLE, Refusal

ALGORITHM = "RS256"
LEEWAY_SECONDS = 60


class SSOBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # Not the library's __init__: it reads endpoints from settings, and Django builds this backend for
        # every request of a session signed in through it (get_user). The endpoints are read in authenticate.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        """Only from the callback view (it passes the nonce and the PKCE verifier it kept in the session), and
        only with single sign-on configured: a password login with ?code=…&state=… in its URL is no sign-in."""
        if request is None or "nonce" not in kwargs or not provider.enabled():
            return None
        try:
            document = provider.metadata()
        except provider.ProviderUnavailable as exc:
            raise Refusal(UNAVAILABLE, f"discovery: {exc}") from exc
        self.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = document.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        # The `iss` the tokens carry: the discovery document's own spelling (checked equal to OIDC_ISSUER but
        # for a trailing slash, which some providers keep).
        self.expected_issuer = document["issuer"]
        self.id_token = None
        try:
            return super().authenticate(request, **kwargs)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            # 4xx: the provider refused the code (spent, expired, or the PKCE verifier does not fit it).
            reason = PROVIDER if 400 <= status < 500 else UNAVAILABLE
            raise Refusal(reason, f"provider answered {status}") from exc
        except requests.RequestException as exc:
            raise Refusal(UNAVAILABLE, type(exc).__name__) from exc

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, ValueError) as exc:
            raise Refusal(TOKEN, f"no matching key: {type(exc).__name__}") from exc

    def get_payload_data(self, token, key):
        try:
            if jwt.get_unverified_header(token).get("alg") != ALGORITHM:
                raise Refusal(TOKEN, f"algorithm is not {ALGORITHM}")
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=settings.OIDC_CLIENT_ID,
                issuer=self.expected_issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Refusal(TOKEN, type(exc).__name__) from exc

    def verify_token(self, token, **kwargs):
        if not token or not isinstance(token, str):
            raise Refusal(TOKEN, "no ID token in the token answer")
        payload = self.get_payload_data(token, self.retrieve_matching_jwk(token))
        if "nonce" in kwargs and (not kwargs["nonce"] or payload.get("nonce") != kwargs["nonce"]):
            raise Refusal(NONCE, "nonce differs from the one sent")
        return payload

    def store_tokens(self, access_token, id_token):
        """Kept on the backend and handed to the view with the user: the session may be flushed by the login
        (another account was signed in), so the view stores the ID token after it."""
        self.id_token = id_token

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {}
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            claims = self.get_userinfo(access_token, id_token, payload)
            if not isinstance(claims, dict) or str(claims.get("sub")) != str(payload.get("sub")):
                raise Refusal(TOKEN, "userinfo is about another subject")
        claims = {**claims, **payload}  # the signed ID token wins
        link_for = self.request.session.get(provider.SESSION_LINK_FOR)
        user = getattr(self.request, "user", None)
        try:
            if link_for and user is not None and user.is_authenticated and user.pk == link_for:
                user = identity.link_signed_in(user, provider.issuer(), claims)
            else:
                user = identity.resolve(provider.issuer(), claims)
        except identity.LinkNeeded as needed:
            needed.id_token = self.id_token
            raise
        user.oidc_id_token = self.id_token
        return user
