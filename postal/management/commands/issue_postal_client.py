"""Issue credentials to the post office's software for one province:

    python manage.py issue_postal_client --province 75 --name "Bưu điện Đồng Nai" [--webhook-url URL]

Prints the Bearer token and the webhook signing secret once; only the token's SHA-256 is
stored, so a lost token is replaced by issuing a new client (and deactivating the old one
in the admin)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from portal.models import Province
from postal.auth import hash_token, new_credentials
from postal.models import IntegrationClient


def issue(province, name, webhook_url=""):
    """A new active client; returns (client, token, secret)."""
    token, secret = new_credentials()
    client = IntegrationClient.objects.create(
        name=name, province=province, token_hash=hash_token(token), webhook_url=webhook_url, webhook_secret=secret
    )
    return client, token, secret


class Command(BaseCommand):
    help = "Cấp mã truy cập API bưu chính cho phần mềm của bưu điện một tỉnh (in ra một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="mã tỉnh, ví dụ 75")
        parser.add_argument("--name", required=True, help="tên, ví dụ “Bưu điện Đồng Nai”")
        parser.add_argument("--webhook-url", default="", help="địa chỉ nhận webhook (tuỳ chọn)")

    def handle(self, *args, province, name, webhook_url, **options):
        found = Province.objects.filter(code=province).first()
        if found is None:
            raise CommandError(f"Không có tỉnh mã {province}.")
        if webhook_url:
            try:
                URLValidator(schemes=["http", "https"])(webhook_url)
            except ValidationError:
                raise CommandError(f"Địa chỉ webhook không hợp lệ: {webhook_url}") from None
        client, token, secret = issue(found, name.strip(), webhook_url)
        self.stdout.write(f"Client #{client.pk}: {client.name} ({found.name})")
        self.stdout.write(f"Token (Authorization: Bearer …), shown once: {token}")
        if webhook_url:
            self.stdout.write(f"Webhook URL: {webhook_url}")
        self.stdout.write(f"Webhook secret (HMAC-SHA256, X-Motcua-Signature), shown once: {secret}")
