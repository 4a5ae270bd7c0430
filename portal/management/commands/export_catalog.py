"""python manage.py export_catalog [--province CODE] [-o FILE]: the catalog in the import
shape (docs/api.md, "Catalog import"), ordered by codes, staff without passwords."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.catalog_io import export_catalog


class Command(BaseCommand):
    help = "Xuất danh mục ra JSON (cùng định dạng với import_catalog; tài khoản không kèm mật khẩu)."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="chỉ xuất một tỉnh (mã tỉnh, ví dụ 75)")
        parser.add_argument("-o", "--output", help="ghi ra tệp thay vì stdout")

    def handle(self, *args, **options):
        try:
            data = export_catalog(options["province"])
        except LookupError as exc:
            raise CommandError(f"Không có tỉnh mã {options['province']!r} ({exc}).")
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Không ghi được {path}: {exc}")
            self.stderr.write(f"Đã xuất danh mục ra {path}.")
        else:
            self.stdout.write(text, ending="")
