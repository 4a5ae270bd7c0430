"""A real, local OpenID Connect provider for `make run` and the tests: "Cổng định danh điện tử (mô phỏng)".

A small Django project of its own (settings idp.settings, its own SQLite database and RSA key under
IDP_VAR_DIR), built on django-oauth-toolkit with OpenID Connect on: authorization code flow, PKCE required,
RS256 ID tokens, discovery, JWKS, userinfo and RP-initiated logout. Its demo citizens sign in with their
personal identification number (số định danh cá nhân) and carry it as the `national_id` claim.

Never part of motcua: none of motcua's apps import it, and it is not in portal's INSTALLED_APPS (the
import-linter contracts of pyproject.toml say so). Production connects to the real national SSO instead.
Run it with `python -m idp <command>` (idp/__main__.py), served by gunicorn idp.wsgi (Procfile)."""
