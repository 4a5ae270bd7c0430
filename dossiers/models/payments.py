"""Thanh toán trực tuyến: one `Payment` per attempt to pay a dossier's fees and charges
(phí, lệ phí) through a provider, and one `PaymentCallback` per callback a provider sends.

Rows change only through `dossiers/payments/service.py`. A paid payment carries the number of the
e-receipt (biên lai điện tử); a refused dossier's paid payment is refunded, never deleted."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Chưa thanh toán")
        PENDING = "pending", _("Đang chờ thanh toán")
        PAID = "paid", _("Đã thanh toán")
        FAILED = "failed", _("Thanh toán lỗi")
        REFUNDED = "refunded", _("Đã hoàn tiền")

    # PROTECT: a money record outlives nothing it pays for by accident.
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("đơn vị thanh toán"), max_length=32)
    # Our order reference, sent to the provider and echoed back in its callbacks.
    reference = models.CharField(_("mã giao dịch"), max_length=64)
    # The provider's own transaction number, when its callback gives one.
    transaction_id = models.CharField(_("mã giao dịch của đơn vị thanh toán"), max_length=100, blank=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    redirect_url = models.CharField(max_length=1000, blank=True)
    return_url = models.CharField(max_length=1000, blank=True)
    paid_at = models.DateTimeField(_("thời điểm thanh toán"), null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    # Biên lai điện tử: BL-{yyyymmdd}-{nnnnnn}, issued in the transaction that records the payment.
    receipt_number = models.CharField(_("số biên lai"), max_length=32, null=True, blank=True, unique=True)
    refunded_at = models.DateTimeField(_("thời điểm hoàn tiền"), null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refund_reference = models.CharField(max_length=100, blank=True)
    refund_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="payment_reference_per_provider"),
            # Safety nets under the dossier row lock that services take.
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(status="pending"), name="one_pending_payment_per_dossier"
            ),
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(status="paid"), name="one_paid_payment_per_dossier"
            ),
        ]
        indexes = [models.Index(fields=["dossier", "-created_at"], name="payment_dossier")]
        verbose_name = _("giao dịch thanh toán")
        verbose_name_plural = _("giao dịch thanh toán")

    def __str__(self):
        return f"{self.provider}:{self.reference} {self.amount} ({self.status})"


class PaymentCallback(models.Model):
    """A callback received and what became of it: a verified one with its payload in full, a
    refused one with a bounded summary (size, SHA-256, first bytes; dossiers/payments/callbacks.py)."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Mới nhận")
        APPLIED = "applied", _("Đã ghi nhận")
        DUPLICATE = "duplicate", _("Trùng lặp, đã ghi nhận trước đó")
        IGNORED = "ignored", _("Bỏ qua: giao dịch đã kết thúc")
        CONFLICT = "conflict", _("Xung đột: hồ sơ đã được thanh toán bằng giao dịch khác")
        BAD_SIGNATURE = "bad_signature", _("Sai chữ ký")
        AMOUNT_MISMATCH = "amount_mismatch", _("Sai số tiền")
        UNKNOWN_PAYMENT = "unknown_payment", _("Không tìm thấy giao dịch")

    provider = models.CharField(max_length=32)
    received_at = models.DateTimeField(db_index=True)
    payload = models.JSONField(default=dict)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    reference = models.CharField(max_length=64, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks")
    # What the callback said (after verification).
    reported_status = models.CharField(max_length=10, blank=True)
    reported_amount = models.BigIntegerField(null=True, blank=True)
    signature_ok = models.BooleanField(default=False)
    processed = models.BooleanField(default=False)
    duplicate = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RECEIVED)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("phản hồi thanh toán")
        verbose_name_plural = _("phản hồi thanh toán")

    def __str__(self):
        return f"{self.provider}:{self.reference or '?'} {self.outcome}"
