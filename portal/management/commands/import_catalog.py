"""python manage.py import_catalog FILE.json [--dry-run]: load (and update, idempotently by
code) the catalog in the shape of docs/api.md ("Catalog import"). See portal/catalog_io.py.

Staff passwords are set only when an account is created; a new account listed without a
password (as export_catalog writes them) gets an unusable password until reset. On any
error nothing is written: each error is printed on stderr and the command exits with 1."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.catalog_io import load_catalog_file


class Command(BaseCommand):
    help = (
        "Nhập danh mục (tỉnh, cơ quan, bộ phận một cửa, thủ tục, cước bưu chính, tài khoản cán bộ) "
        "từ tệp JSON; chạy lại không đổi gì. --dry-run: chỉ kiểm tra và đếm, không ghi."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp JSON theo định dạng docs/api.md (Catalog import)")
        parser.add_argument(
            "--dry-run", action="store_true", help="kiểm tra và đếm tạo mới / cập nhật / không đổi, không ghi gì"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path} (file not found).")
        result = load_catalog_file(path, dry_run=options["dry_run"], raise_on_error=False)
        if result.errors:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(result.errors)} lỗi trong {path}: không ghi gì vào cơ sở dữ liệu.")
        if result.dry_run:
            self.stdout.write("Chạy thử (--dry-run): tệp hợp lệ, không ghi gì vào cơ sở dữ liệu.")
        for line in result.lines():
            self.stdout.write(line)
        if not result.dry_run:
            self.stdout.write(self.style.SUCCESS(f"Đã nhập danh mục từ {path}."))
