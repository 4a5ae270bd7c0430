"""Create the demo signing CA and a certificate for each agency that has none (settings.SIGNING_DIR), and register
the existing certificates' public facts. Idempotent: existing files are kept. `load_demo` runs the same set-up.

In production the agencies' PKCS#12 files come from the real CA and are copied into SIGNING_DIR/agencies/ (with
SIGNING_CA_CERT naming its root); this command then only registers them (it never makes a CA beside a real root)."""

from django.core.management.base import BaseCommand, CommandError

from portal.models import Agency
from portal.signing import SigningUnavailable, ensure_agency_certificates


class Command(BaseCommand):
    help = "Tạo CA mẫu và chứng thư số cho các cơ quan chưa có (giữ nguyên tệp đã có)."

    def add_arguments(self, parser):
        parser.add_argument("--agency", action="append", default=[], help="chỉ các cơ quan có mã này")

    def handle(self, *args, agency, **options):
        agencies = Agency.objects.select_related("province")
        if agency:
            agencies = agencies.filter(code__in=agency)
        try:
            created = ensure_agency_certificates(agencies)
        except (SigningUnavailable, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Chữ ký số: {created} chứng thư số mới, {agencies.count()} cơ quan.")
