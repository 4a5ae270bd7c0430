"""Kho dữ liệu (the citizen's document store, "Giấy tờ của tôi"): one `StoredDocument` per citizen and file,
for every document they uploaded to one of their dossiers and every e-result they received.

The entry points at the file the dossier keeps (never a copy): a dossier that reuses it gets a DossierDocument
row naming the same stored file, with `stored` pointing back at the entry. Removing an entry from the store
marks it (`removed_at`); the file stays while a dossier holds it, for the dossier's record. Rows change only
through `dossiers/services/store.py` and `dossiers/services/uploads.py`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import DossierDocument, Outcome


class StoredDocumentQuerySet(models.QuerySet):
    def in_store_of(self, user):
        """What `user`'s store shows: their entries not removed, without the e-result of a dossier whose result
        is held (a citizen may not download it yet). Anyone but a citizen has no store."""
        if user is None or not user.is_authenticated or not user.is_citizen:
            return self.none()
        held = Q(kind="result", dossier__status="result_held")
        return self.filter(owner=user, removed_at__isnull=True).exclude(held)


class StoredDocument(models.Model):
    Kind = DossierDocument.Kind  # submission and supplement (uploaded), result (an e-result received)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stored_documents")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The catalog's document code it was uploaded as (RequiredDocument.code, or "OTHER"); blank for an e-result,
    # whose kind is what its procedure produces (Procedure.result_document), read when matching.
    document_code = models.CharField(max_length=32, blank=True)
    # The document's name as the catalog had it then (RequiredDocument.name), or the procedure's for an e-result.
    name = models.CharField(max_length=400, blank=True)
    # The dossier it came from (null if that dossier is gone: the entry and its file stay in the store).
    dossier = models.ForeignKey(
        "Dossier", null=True, blank=True, on_delete=models.SET_NULL, related_name="stored_documents"
    )
    file = models.FileField(max_length=255)  # the dossier's stored file name, shared, never copied
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = StoredDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["owner", "document_code", "-created_at"],
                condition=Q(removed_at__isnull=True),
                name="stored_document_owner",
            )
        ]
        verbose_name = _("giấy tờ trong kho")
        verbose_name_plural = _("kho giấy tờ của công dân")

    def __str__(self):
        return f"{self.owner_id} {self.document_code or self.kind}: {self.original_name}"

    @property
    def label(self):
        """Its kind as the citizen reads it: the document's name, "Kết quả: <procedure>" for an e-result."""
        if self.kind == self.Kind.RESULT:
            return gettext("Kết quả: %(procedure)s") % {"procedure": self.name}
        return self.name or gettext("Giấy tờ khác")

    @property
    def counts_as(self):
        """The document code it stands for when a draft asks for documents: its own for an upload; for an e-result,
        the document its procedure produces (Procedure.result_document), if the result granted the request (a
        refusal letter is no certificate). Reads dossier.procedure: select it with the entry."""
        if self.kind != self.Kind.RESULT:
            return self.document_code
        if self.dossier is None or self.dossier.outcome != Outcome.APPROVED:
            return ""
        return self.dossier.procedure.result_document
