"""Kho dữ liệu, "Giấy tờ của tôi" (issue 16): what goes into a citizen's document store, what it offers a new
draft, and taking something out of it. The entries are `StoredDocument` rows (dossiers/models/store.py); the
files are the dossiers' own, shared and never copied.

- Every file uploaded to a citizen's dossier goes in (`keep_upload`, called by uploads.add_document), and every
  e-result a citizen's dossier is completed with (`keep_result`, called by the `complete` effect).
- A required document is offered what counts as it (StoredDocument.counts_as): a stored upload of the same
  document code, or an approved e-result of a procedure that produces that document (Procedure.result_document).
  A request form (tờ khai, đơn, giấy đề nghị: `is_request_form`) is the one request's own paper, and catalogs
  reuse its code ("TK", "DON") across procedures: it is offered only from a dossier of the same procedure.
- Reusing one attaches it to a draft (uploads.reuse_document, the upload door, with the upload rules).
- The citizen takes out what no open dossier uses (`remove_from_store`); a file is deleted only when nothing
  holds it any more (`release_file`): no dossier's document, no entry, no result."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import Conflict

from ..door import DossierError
from ..models import Dossier, DossierDocument, Outcome, Status, StoredDocument

OTHER = "OTHER"
# A dossier that no longer needs its files' entries: finished with a result, or never taken up.
CLOSED_STATUSES = (Status.COMPLETED, Status.RETURNED, Status.REFUSED, Status.WITHDRAWN)


class StillInUse(Conflict):
    """An entry an open dossier still uses cannot leave the store (HTTP 409)."""


# --- what goes in ------------------------------------------------------------------------------------


def keep_upload(dossier, document, name, now):
    """The store's entry for a file just uploaded to `dossier` (its owner's store), or None for a dossier
    without an owner (a walk-in dossier the desk entered). `name`: the catalog's name of the document."""
    if dossier.owner_id is None:
        return None
    return StoredDocument.objects.create(
        owner_id=dossier.owner_id,
        kind=document.kind,
        document_code=document.document_code,
        name=name,
        dossier=dossier,
        file=document.file.name,
        original_name=document.original_name,
        content_type=document.content_type,
        size=document.size,
        created_at=now,
    )


def keep_result(dossier, now):
    """The e-result `dossier` was completed with goes into its owner's store (shown once the citizen may have
    it: not while the result is held)."""
    if dossier.owner_id is None or not dossier.result_file:
        return None
    name = dossier.result_file.name
    extension = name.rsplit(".", 1)[-1].lower()
    return StoredDocument.objects.create(
        owner_id=dossier.owner_id,
        kind=StoredDocument.Kind.RESULT,
        name=dossier.procedure.name,
        dossier=dossier,
        file=name,
        original_name=f"ket-qua-{dossier.code}.{extension}",
        content_type={"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}.get(extension, ""),
        size=dossier.result_file.size,
        created_at=now,
    )


# --- what it offers ----------------------------------------------------------------------------------


def matching_q(codes):
    """The entries that count as one of `codes` (StoredDocument.counts_as, as a filter)."""
    codes = [code for code in codes if code and code != OTHER]
    uploads = Q(document_code__in=codes) & ~Q(kind=StoredDocument.Kind.RESULT)
    results = Q(
        kind=StoredDocument.Kind.RESULT,
        dossier__outcome=Outcome.APPROVED,
        dossier__procedure__result_document__in=codes,
    )
    return uploads | results


def store_of(user):
    """`user`'s store, newest first, with what `counts_as` and the pages read."""
    return StoredDocument.objects.in_store_of(user).select_related("dossier__procedure").order_by("-created_at", "-id")


REQUEST_FORM_PREFIXES = ("tờ khai", "đơn ", "giấy đề nghị", "văn bản đề nghị", "phiếu yêu cầu", "phiếu đề nghị")


def is_request_form(name):
    """A document filled in for one request (its tờ khai, đơn or giấy đề nghị), not a paper the citizen holds."""
    return " ".join((name or "").split()).casefold().startswith(REQUEST_FORM_PREFIXES)


def offers(dossier, user):
    """{document code: [entries]}: for each document `dossier`'s procedure asks for, what `user`'s store holds
    that counts as it, newest first, leaving out what the dossier already has; a request form only from a
    dossier of the same procedure. One query."""
    documents = {document.code: document.name for document in dossier.procedure.documents.all()}
    if not documents or dossier.owner_id != getattr(user, "pk", None):
        return {}
    entries = store_of(user).filter(matching_q(list(documents))).exclude(uses__dossier=dossier)
    found = {}
    for entry in entries:
        code = entry.counts_as
        foreign = entry.dossier is None or entry.dossier.procedure_id != dossier.procedure_id
        if entry.kind != StoredDocument.Kind.RESULT and foreign and is_request_form(documents.get(code)):
            continue
        found.setdefault(code, []).append(entry)
    return found


def entry_for_reuse(user, entry_id):
    """The entry `user` asks to reuse, locked against its removal meanwhile; a 400 on `stored_document` when it
    is not in their store (another citizen's, removed, or no such entry: the same answer)."""
    entry = None
    if entry_id is not None:
        entry = (
            store_of(user).select_for_update(of=("self",)).filter(pk=entry_id).first()
            if str(entry_id).isdigit() and len(str(entry_id)) <= 18  # an id the database can hold
            else None
        )
    if entry is None:
        raise DossierError(_("Không tìm thấy giấy tờ này trong kho của bạn."), "stored_document")
    return entry


# --- what uses it, and taking it out -------------------------------------------------------------------


def with_uses(entries):
    """`entries` with `dossiers` (the dossiers holding the file, oldest first) and `open_dossiers` (those of
    them still open) set: the store page and the API show them. One query."""
    entries = list(entries)
    uses = (
        DossierDocument.objects.filter(stored__in=entries)
        .select_related("dossier__procedure")
        .only("stored_id", "dossier__code", "dossier__status", "dossier__procedure__name", "dossier__created_at")
        .order_by("dossier__created_at", "dossier_id")
    )
    by_entry = {}
    for use in uses:
        dossiers = by_entry.setdefault(use.stored_id, [])
        if use.dossier not in dossiers:
            dossiers.append(use.dossier)
    for entry in entries:
        entry.dossiers = by_entry.get(entry.pk, [])
        entry.open_dossiers = [d for d in entry.dossiers if d.status not in CLOSED_STATUSES]
        entry.removable = not entry.open_dossiers
    return entries


def open_dossier_codes(entry):
    """The codes of the open dossiers (not completed, returned, refused or withdrawn: drafts included) whose
    documents are this entry's file."""
    return list(
        Dossier.objects.filter(documents__stored=entry)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("created_at", "id")
        .values_list("code", flat=True)
        .distinct()
    )


def remove_from_store(user, entry_id):
    """ "Xoá khỏi kho": refused (409) while an open dossier uses the file; else the entry leaves the store. The
    file itself is deleted only if no dossier holds it (a closed dossier keeps its record)."""
    with transaction.atomic():
        entry = store_of(user).select_for_update(of=("self",)).filter(pk=entry_id).first()
        if entry is None:
            raise DossierError(_("Không tìm thấy giấy tờ này trong kho của bạn."), "stored_document")
        codes = open_dossier_codes(entry)
        if codes:
            raise StillInUse(
                _("Giấy tờ “%(name)s” đang được dùng trong hồ sơ chưa giải quyết xong (%(codes)s) nên chưa xoá được.")
                % {"name": entry.original_name, "codes": ", ".join(codes)}
            )
        if entry.uses.exists() or entry.kind == StoredDocument.Kind.RESULT:
            entry.removed_at = timezone.now()
            entry.save(update_fields=["removed_at"])
        else:
            name = entry.file.name
            entry.delete()
            release_file(name)
    return entry


def detach(dossier, document):
    """A file removed from a draft (or from the supplement not sent yet): the row goes; its store entry goes too
    when this upload made it and no other dossier reused it (the file never left this draft); the file is
    deleted when nothing holds it any more. Call inside the upload door's transaction."""
    entry = None
    if document.stored_id is not None:
        entry = StoredDocument.objects.select_for_update().filter(pk=document.stored_id).first()
    name = document.file.name
    document.delete()
    if (
        entry is not None
        and entry.dossier_id == dossier.pk
        and entry.kind != StoredDocument.Kind.RESULT
        and not entry.uses.exists()
    ):
        entry.delete()
    release_file(name)


def release_file(name):
    """Delete the stored file `name` if nothing holds it: no dossier's document, no entry of a store (removed
    entries included: they keep a closed dossier's record), no dossier's result."""
    if not name:
        return
    held = (
        DossierDocument.objects.filter(file=name).exists()
        or StoredDocument.objects.filter(file=name).exists()
        or Dossier.objects.filter(result_file=name).exists()
    )
    if not held:
        storage = DossierDocument._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))
