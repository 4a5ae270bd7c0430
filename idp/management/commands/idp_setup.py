"""`python -m idp idp_setup --redirect-uri URL --post-logout-uri URL [--env-file FILE]`: migrate, create the demo
citizens (idempotent), register motcua as a confidential client (authorization code, RS256, PKCE required by
the provider) with a fresh client secret, and print the demo accounts.

The secret is never printed: with --env-file it is written there (mode 0600) with OIDC_ISSUER and
OIDC_CLIENT_ID, for `make serve` to hand to the portal; --client-secret sets it instead (the tests)."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from oauth2_provider.models import get_application_model

from ...demo import CITIZENS, DEMO_PASSWORD
from ...models import Citizen


class Command(BaseCommand):
    help = "Prepare the local OpenID Connect provider: database, demo citizens, the motcua client."

    def add_arguments(self, parser):
        parser.add_argument("--redirect-uri", action="append", required=True, help="motcua's callback URL")
        parser.add_argument("--post-logout-uri", action="append", default=[], help="where logout returns")
        parser.add_argument("--client-id", default="motcua")
        parser.add_argument("--client-secret", default="", help="default: a new random secret")
        parser.add_argument("--env-file", default="", help="write OIDC_ISSUER/CLIENT_ID/CLIENT_SECRET here")

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        secret = options["client_secret"] or secrets.token_urlsafe(32)
        with transaction.atomic():
            self.citizens()
            self.client(options, secret)
        if options["env_file"]:
            self.write_env(Path(options["env_file"]), options["client_id"], secret)
        self.stdout.write(f"Tài khoản định danh điện tử mẫu ({settings.ISSUER}, mật khẩu: {DEMO_PASSWORD}):")
        for person in CITIZENS:
            self.stdout.write(f"  {'dinh-danh':<15} {person['national_id']}  {person['full_name']}")

    def citizens(self):
        User = get_user_model()
        for person in CITIZENS:
            user, created = User.objects.get_or_create(username=person["national_id"])
            if created:
                user.email = person["email"]
                user.set_password(DEMO_PASSWORD)
                user.save()
            Citizen.objects.update_or_create(
                user=user,
                defaults={
                    "national_id": person["national_id"],
                    "full_name": person["full_name"],
                    "phone": person["phone"],
                },
            )

    def client(self, options, secret):
        Application = get_application_model()
        application = Application.objects.filter(client_id=options["client_id"]).first() or Application(
            client_id=options["client_id"]
        )
        application.name = "motcua"
        application.client_type = Application.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        application.algorithm = Application.RS256_ALGORITHM
        application.skip_authorization = True  # a first-party public service: no consent screen each time
        application.redirect_uris = " ".join(options["redirect_uri"])
        application.post_logout_redirect_uris = " ".join(options["post_logout_uri"])
        application.client_secret = secret  # hashed on save
        application.hash_client_secret = True
        application.save()

    def write_env(self, path, client_id, secret):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"OIDC_ISSUER={settings.ISSUER}\nOIDC_CLIENT_ID={client_id}\nOIDC_CLIENT_SECRET={secret}\n")
        os.replace(temporary, path)
