"""Uploaded documents: PDF, JPEG or PNG, recognised by content (not by the name the
citizen gave), within the size limits of settings, stored under a random name."""

import io
import secrets

import filetype
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from .. import door
from ..active_content import MARKUP_FOUND, PDF_ACTIVE, find_active_content
from ..door import DossierError
from ..models import DossierDocument, Status
from . import store

ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def _human(size):
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def inspect_file(upload):
    """Return (content_type, extension) of an acceptable file, or raise DossierError naming
    the file and the reason."""
    name = getattr(upload, "name", "") or "tệp"
    size = upload.size
    if size == 0:
        raise DossierError(_("Tệp “%(name)s” rỗng.") % {"name": name}, "file")
    if size > settings.UPLOAD_MAX_FILE_BYTES:
        raise DossierError(
            _("Tệp “%(name)s” (%(size)s) vượt quá dung lượng cho phép %(limit)s.")
            % {"name": name, "size": _human(size), "limit": _human(settings.UPLOAD_MAX_FILE_BYTES)},
            "file",
        )
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else None
    if content_type not in ALLOWED:
        raise DossierError(
            _("Tệp “%(name)s” không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp).") % {"name": name}, "file"
        )
    upload.seek(0)
    if content_type == "application/pdf":
        upload.seek(max(0, size - 2048))
        tail = upload.read()
        if b"%%EOF" not in tail:
            raise DossierError(_("Tệp “%(name)s” là PDF hỏng hoặc không đầy đủ.") % {"name": name}, "file")
    else:
        _check_image(upload, name)
    _refuse_active_content(upload, name, content_type)
    upload.seek(0)
    return content_type, ALLOWED[content_type]


def _refuse_active_content(upload, name, content_type):
    """A PDF with JavaScript or other actions, or any file holding web-page markup, is refused
    (dossiers/active_content.py)."""
    upload.seek(0)
    found = find_active_content(upload.read(), content_type)
    if found == PDF_ACTIVE:
        raise DossierError(
            _(
                "Tệp “%(name)s” chứa nội dung tự chạy (JavaScript, lệnh tự động hoặc tệp đính kèm bên trong) "
                "nên không được nhận. Vui lòng in lại thành PDF thường hoặc tải lên bản quét."
            )
            % {"name": name},
            "file",
        )
    if found == MARKUP_FOUND:
        raise DossierError(
            _("Tệp “%(name)s” chứa mã trang web (HTML, script) nên không được nhận. Vui lòng tải lên bản quét.")
            % {"name": name},
            "file",
        )


def _check_image(upload, name):
    upload.seek(0)
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > settings.UPLOAD_MAX_IMAGE_PIXELS:
                raise DossierError(
                    _("Ảnh “%(name)s” quá lớn (%(w)s×%(h)s điểm ảnh).") % {"name": name, "w": width, "h": height},
                    "file",
                )
            image.verify()
    except DossierError:
        raise
    except Exception:
        raise DossierError(_("Ảnh “%(name)s” bị hỏng, không đọc được.") % {"name": name}, "file")


def display_name(name):
    """The citizen's file name as data only: its last path part (no "../", no drive or folder),
    without control characters, at most 255 characters. Never used to store the file."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[-255:] or "tep"


def _document_name(dossier, document_code):
    """The catalog's name of `document_code` among `dossier`'s procedure's documents ("" for other papers);
    a code the procedure does not ask for is a 400."""
    names = dict(dossier.procedure.documents.values_list("code", "name"))
    if document_code not in names and document_code != store.OTHER:
        raise DossierError(
            _("Mã giấy tờ “%(code)s” không thuộc thành phần hồ sơ của thủ tục.") % {"code": document_code},
            "document_code",
        )
    return names.get(document_code, "")


def _check_room(dossier, size, name, field="file"):
    used = dossier.documents.aggregate(total=Sum("size"))["total"] or 0
    if used + size > settings.UPLOAD_MAX_DOSSIER_BYTES:
        raise DossierError(
            _("Tổng dung lượng hồ sơ vượt quá %(limit)s; tệp “%(name)s” không được thêm.")
            % {"limit": _human(settings.UPLOAD_MAX_DOSSIER_BYTES), "name": name},
            field,
        )


def add_document(dossier, user, document_code, upload, kind=DossierDocument.Kind.SUBMISSION):
    """Attach one file to a draft (or to a dossier asked for a supplement). A rejected file
    changes nothing: what the draft already holds stays. The file goes into the owner's store too."""
    content_type, extension = inspect_file(upload)
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("upload", dossier, user)
        document_name = _document_name(dossier, document_code)
        _check_room(dossier, upload.size, upload.name)
        supplementing = dossier.status == Status.SUPPLEMENT_REQUESTED
        if supplementing:
            kind = DossierDocument.Kind.SUPPLEMENT
        document = DossierDocument(
            dossier=dossier,
            document_code=document_code,
            kind=kind,
            stored_token=secrets.token_hex(16),
            extension=extension,
            original_name=display_name(upload.name),
            content_type=content_type,
            size=upload.size,
            uploaded_by=user,
        )
        document.file.save(f"{document.stored_token}.{extension}", upload, save=False)
        document.stored = store.keep_upload(dossier, document, document_name, timezone.now())
        document.save()
        if supplementing:
            version = dossier.documents.filter(document_code=document_code).count()
            door.record(
                dossier,
                user,
                "supplement_upload",
                dossier.status,
                document.original_name,
                document_id=document.pk,
                document_code=document_code,
                version=version,
            )
    return document


def supplement_round_start(dossier):
    """When the open supplement round began (the latest request), or None outside a supplement."""
    if dossier.status != Status.SUPPLEMENT_REQUESTED:
        return None
    event = dossier.events.filter(action="request_supplement").order_by("-at", "-id").first()
    return event.at if event else None


def removable(dossier, document, round_start=None):
    """A draft's files may be removed until it is submitted; during a supplement only the files of
    this round (not yet sent with "Đã bổ sung"). A submitted document is never deleted: a
    supplement adds a new version beside it."""
    if dossier.status == Status.DRAFT:
        return document.kind != DossierDocument.Kind.RESULT
    if dossier.status != Status.SUPPLEMENT_REQUESTED or document.kind != DossierDocument.Kind.SUPPLEMENT:
        return False
    round_start = round_start or supplement_round_start(dossier)
    return round_start is not None and document.uploaded_at >= round_start


def with_versions(documents):
    """The documents (oldest first) with `version` (1, 2… per document code) and `latest` set, so
    pages show every version of a document and which one is current."""
    documents = list(documents)
    counts, last = {}, {}
    for document in documents:
        counts[document.document_code] = counts.get(document.document_code, 0) + 1
        document.version = counts[document.document_code]
        last[document.document_code] = document
    for document in documents:
        document.latest = last[document.document_code] is document
        document.versions = counts[document.document_code]
    return documents


def remove_document(dossier, user, document_id):
    """Remove a file that has not been submitted (see `removable`); during a supplement the
    removal is an event of the dossier, as the upload was."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("upload", dossier, user)
        document = dossier.documents.filter(pk=document_id).first()
        if document is None:
            raise DossierError(_("Không tìm thấy giấy tờ."), "document")
        if not removable(dossier, document):
            raise DossierError(
                _("Giấy tờ “%(name)s” đã nộp nên không xoá được; hãy tải lên bản mới để bổ sung.")
                % {"name": document.original_name},
                "document",
            )
        if dossier.status == Status.SUPPLEMENT_REQUESTED:
            door.record(
                dossier,
                user,
                "supplement_remove",
                dossier.status,
                document.original_name,
                document_id=document.pk,
                document_code=document.document_code,
            )
        store.detach(dossier, document)


def reuse_document(dossier, user, document_code, stored_id):
    """ "Dùng lại từ kho": attach a document of the owner's store to their draft (or to the supplement asked
    for) without uploading it again: a new row of the dossier naming the same stored file. The upload rules
    hold (the file is checked again by content and size, the dossier's total too); the reuse is an event of
    the dossier. Only the dossier's owner, from their own store: anything else is a 400 on `stored_document`."""
    with transaction.atomic():
        dossier = door.lock(dossier)
        door.check("upload", dossier, user)
        _document_name(dossier, document_code)
        if dossier.owner_id is None or dossier.owner_id != user.pk:
            raise DossierError(_("Không tìm thấy giấy tờ này trong kho của bạn."), "stored_document")
        entry = store.entry_for_reuse(user, stored_id)
        if dossier.documents.filter(stored=entry, document_code=document_code).exists():
            raise DossierError(
                _("Giấy tờ “%(name)s” đã có trong hồ sơ này.") % {"name": entry.original_name}, "stored_document"
            )
        _inspect_stored(entry)
        _check_room(dossier, entry.size, entry.original_name, "stored_document")
        supplementing = dossier.status == Status.SUPPLEMENT_REQUESTED
        name = entry.file.name
        document = DossierDocument(
            dossier=dossier,
            document_code=document_code,
            kind=DossierDocument.Kind.SUPPLEMENT if supplementing else DossierDocument.Kind.SUBMISSION,
            file=name,
            stored_token=name.rsplit("/", 1)[-1].split(".", 1)[0][:40],
            extension=name.rsplit(".", 1)[-1][:8],
            original_name=entry.original_name,
            content_type=entry.content_type,
            size=entry.size,
            uploaded_by=user,
            stored=entry,
        )
        document.save()
        door.record(
            dossier,
            user,
            "reuse_document",
            dossier.status,
            entry.original_name,
            document_id=document.pk,
            document_code=document_code,
            stored_document=entry.pk,
            from_dossier=entry.dossier.code if entry.dossier_id else "",
        )
    return document


def _inspect_stored(entry):
    """The upload checks (type by content, size, no active content) over a stored file, as if uploaded now:
    a file the rules of today would refuse is not attached. A file gone from the storage is a 400 too."""
    try:
        with entry.file.storage.open(entry.file.name, "rb") as handle:
            inspect_file(File(handle, name=entry.original_name))
    except OSError:
        raise DossierError(
            _("Không đọc được tệp “%(name)s” trong kho; vui lòng tải lên lại.") % {"name": entry.original_name},
            "stored_document",
        )
    except DossierError as error:
        raise DossierError(error.message, "stored_document")
