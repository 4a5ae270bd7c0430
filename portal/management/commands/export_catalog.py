"""python manage.py export_catalog [--province CODE] [-o FILE]: the catalog in the import
shape (docs/api.md, "Catalog import"), ordered by codes, staff without passwords. With -o, the
documents' templates are copied beside the file, at the paths its records name (so that the
folder imports as it is); on stdout the paths are listed without the files."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import document_templates
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
                copied = copy_templates(data, path.resolve().parent)
            except OSError as exc:
                raise CommandError(f"Không ghi được {path}: {exc}")
            self.stderr.write(f"Đã xuất danh mục ra {path} ({copied} tệp mẫu đơn).")
        else:
            self.stdout.write(text, ending="")


def copy_templates(data, folder):
    """Copy every document template the records name from storage to `folder`; returns how many."""
    from django.core.files.storage import default_storage

    copied = 0
    for procedure in data.get("procedures", []):
        for document in procedure.get("documents", []):
            relative = document.get("template")
            stored = document_templates.stored_name_of_export_path(relative) if relative else None
            if stored is None or not default_storage.exists(stored):
                continue
            target = folder / relative
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                with default_storage.open(stored, "rb") as source:
                    target.write_bytes(source.read())
            copied += 1
    return copied
