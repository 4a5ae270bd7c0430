"""Single sign-on through an OpenID Connect provider (issue 17; api.md "Identity and signed results").

provider.py  the issuer's discovery document (shared cache) and the logout at the provider
backend.py   mozilla-django-oidc's backend: code + PKCE, RS256 ID token (signature, audience, issuer, nonce)
identity.py  which account a verified identity is: its link, its national ID number, a new citizen, or a link
             that waits for the account's password; staff accounts are never signed in this way
views.py     the start, the callback, the linking page, the account page and the refusal page
"""
