"""Mẫu đơn, tờ khai (api.md ``documents[].template_url``): the blank form or sample a required document may carry.

Templates are public blank forms: they are stored under MEDIA by the SHA-256 of their bytes
(``document-templates/<digest>.<ext>``), so the same bytes imported twice, or by two procedures, are one file and
an import that changes nothing writes nothing; they are downloaded through `download` (one URL per required
document), which streams only a template, never a dossier's file, with a safe Content-Disposition.

What is accepted (checked by content, not by name): PDF, DOC (OLE2), DOCX and ODT (zip packages with their
main part), at most DOCUMENT_TEMPLATE_MAX_BYTES."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .models import RequiredDocument

FOLDER = "document-templates"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODT_MIMETYPE = CONTENT_TYPES["odt"].encode()


class TemplateError(ValueError):
    """The file is not an acceptable template; `kind` says why (too_big, empty, type), `values` fill the text."""

    def __init__(self, kind, **values):
        self.kind, self.values = kind, values
        super().__init__(kind)

    def english(self):
        return {
            "empty": "the file is empty",
            "too_big": f"the file has {self.values.get('size')} bytes, more than {self.values.get('limit')}",
            "type": "not a PDF, DOC, DOCX or ODT file (checked by its content)",
        }[self.kind]

    def vietnamese(self):
        if self.kind == "empty":
            return _("Tệp mẫu rỗng.")
        if self.kind == "too_big":
            return _("Tệp mẫu quá lớn (tối đa %(limit)s MB).") % {"limit": f"{self.values['limit'] / 1048576:g}"}
        return _("Tệp mẫu phải là PDF, DOC, DOCX hoặc ODT (kiểm tra theo nội dung tệp).")


def kind_of(data: bytes):
    """The template's kind (pdf, doc, docx, odt) from its bytes, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE2):
        return "doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = set(package.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "mimetype" in names and package.read("mimetype").strip() == ODT_MIMETYPE:
                    return "odt"
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
    return None


def check(data: bytes):
    """The kind of an acceptable template, else TemplateError."""
    limit = settings.DOCUMENT_TEMPLATE_MAX_BYTES
    if not data:
        raise TemplateError("empty")
    if len(data) > limit:
        raise TemplateError("too_big", size=len(data), limit=limit)
    kind = kind_of(data)
    if kind is None:
        raise TemplateError("type")
    return kind


def storage_name(data: bytes, kind: str):
    return f"{FOLDER}/{hashlib.sha256(data).hexdigest()}.{kind}"


def store(data: bytes, *, write=True):
    """The storage name of an acceptable template's bytes (checked: TemplateError), written once: the same bytes
    already stored are not written again. `write=False` (a dry run) names it without writing."""
    name = storage_name(data, check(data))
    if write and not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:  # a concurrent writer stored the same bytes first: keep one
            default_storage.delete(saved)
    return name


def download_name(document):
    """The file name offered to the citizen: the name it came with, else the document's code, with the stored
    extension (the type checked at upload, whatever the original name said)."""
    extension = PurePosixPath(document.template.name).suffix
    stem = PurePosixPath(document.template_name).stem if document.template_name else f"mau-{document.code}"
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '\\/"') or f"mau-{document.code}"
    return f"{stem[:120]}{extension}"


def export_path(document):
    """Where the catalog export puts a document's template, relative to the written file:
    ``document-templates/<digest>/<download name>``, so that importing the exported file reads the same bytes
    (the same stored file) and keeps the name it came with."""
    digest = PurePosixPath(document.template.name).stem
    return f"{FOLDER}/{digest}/{download_name(document)}"


def stored_name_of_export_path(path):
    """The storage name an `export_path` stands for (the digest and the extension), None for another path."""
    parts = PurePosixPath(path).parts
    if len(parts) != 3 or parts[0] != FOLDER:
        return None
    return f"{FOLDER}/{parts[1]}{PurePosixPath(parts[2]).suffix}"


@require_GET
def download(request, pk):
    """Tải mẫu: the template of one required document (public: a blank form). 404 when it has none, or when the
    stored file is gone."""
    document = get_object_or_404(RequiredDocument.objects.exclude(template=""), pk=pk)
    name = document.template.name
    if not name.startswith(f"{FOLDER}/") or not default_storage.exists(name):
        raise Http404(_("Không tìm thấy tệp mẫu."))
    extension = PurePosixPath(name).suffix.lstrip(".")
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=download_name(document),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    return response
