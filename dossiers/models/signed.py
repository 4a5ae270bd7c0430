"""Kết quả điện tử đã ký số: the facts of a dossier's signed e-result (the file itself is Dossier.result_file),
so the pages can say "Đã ký số bởi … lúc …" without opening the PDF. Written by dossiers/services/results.py
when the dossier is completed; the verification (portal/signing) reads the file, never this row."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import SigningCertificate


class SignedResult(models.Model):
    dossier = models.OneToOneField("Dossier", on_delete=models.CASCADE, related_name="signed_result")
    sha256 = models.CharField(_("mã băm SHA-256 của tệp đã ký"), max_length=64)
    certificate = models.ForeignKey(
        SigningCertificate, on_delete=models.PROTECT, related_name="signed_results", verbose_name=_("chứng thư số")
    )
    signer = models.CharField(_("người ký"), max_length=200)
    signed_at = models.DateTimeField(_("ký lúc"))
    # The upload was an image (a scanned result) the signing wrapped in a one-page PDF.
    wrapped = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("kết quả đã ký số")
        verbose_name_plural = _("kết quả đã ký số")

    def __str__(self):
        return f"{self.dossier_id} {self.signed_at:%Y-%m-%d %H:%M}"
