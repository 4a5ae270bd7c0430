"""Bưu chính công ích: tariffs, orders (pickup and return legs), their events and SLA alerts,
the subsidy ledger, and the post office's integration (clients, idempotency, webhooks)."""

from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.formatting import format_vnd
from portal.models import Province


class PostalTariff(models.Model):
    """The post's published fee for one leg in one zone of a province, from a date on."""

    class Leg(models.TextChoices):
        PICKUP = "pickup", _("nhận hồ sơ tại nhà")
        RETURN = "return", _("chuyển trả kết quả")

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="postal_tariffs")
    leg = models.CharField(_("chặng"), max_length=8, choices=Leg.choices)
    zone = models.CharField(_("vùng"), max_length=40, default="default")
    # What people read for the zone ("Nội thành"): the key ("noi_thanh") is for files and the API.
    zone_label = models.CharField(_("tên vùng"), max_length=80, blank=True)
    amount = models.PositiveIntegerField(_("cước (đồng)"))
    valid_from = models.DateField(_("áp dụng từ"))

    class Meta:
        ordering = ["province", "leg", "zone", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "leg", "zone", "valid_from"], name="one_tariff_per_leg_zone_date"
            )
        ]
        verbose_name = _("cước bưu chính")
        verbose_name_plural = _("cước bưu chính")

    def __str__(self):
        return f"{self.province} {self.get_leg_display()} {self.zone}: {format_vnd(self.amount)}"


class PostalOrder(models.Model):
    """Một chuyến bưu chính công ích: `pickup` carries the paper dossier from the citizen's
    address to the desk; `return` carries the result from the desk to the citizen. Every
    change goes through postal/services.py and leaves a PostalOrderEvent."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", _("nhận hồ sơ tại nhà")
        RETURN = "return", _("chuyển trả kết quả")

    class Status(models.TextChoices):
        # Read as status pills ("Mới tạo", like "Mới đăng ký"): capitalised over the catalogue's msgids.
        CREATED = "created", capfirst(_("mới tạo"))
        ASSIGNED = "assigned", capfirst(_("đã phân công"))
        PICKED_UP = "picked_up", capfirst(_("đã nhận hàng"))
        DELIVERED = "delivered", capfirst(_("đã phát"))
        FAILED = "failed", capfirst(_("phát/nhận không thành công"))
        CANCELLED = "cancelled", capfirst(_("đã huỷ"))

    class SlaClock(models.TextChoices):
        WORKING = "working", _("giờ làm việc")
        CLOCK = "clock", _("giờ đồng hồ")

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="postal_orders")
    # Denormalised so a clerk's province scope and the Finance report's agency totals are one filter.
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="postal_orders")
    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="postal_orders")
    desk = models.ForeignKey("portal.OneStopDesk", on_delete=models.PROTECT, related_name="postal_orders")
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.CREATED)
    tracking_code = models.CharField(_("mã vận đơn"), max_length=32, unique=True)

    recipient_name = models.CharField(_("người gửi/nhận"), max_length=200)
    recipient_phone = models.CharField(_("điện thoại"), max_length=16)
    address = models.CharField(_("địa chỉ"), max_length=300)
    zone = models.CharField(_("vùng cước"), max_length=40, default="default")

    # Money, in đồng, snapshotted when the order is created: the tariff, the part a campaign
    # waived (paid by `subsidy_budget`), and what the citizen pays (fee - fee_waived).
    fee = models.PositiveIntegerField(_("cước"), default=0)
    fee_waived = models.PositiveIntegerField(_("cước được miễn/giảm"), default=0)
    waived_percent = models.PositiveSmallIntegerField(default=0)
    subsidy_budget = models.CharField(_("nguồn kinh phí hỗ trợ"), max_length=200, blank=True)
    campaign_ids = models.JSONField(default=list, blank=True)

    # The SLA: counted from `triggered_at` (acceptance for pickups, result-ready for returns).
    triggered_at = models.DateTimeField(_("thời điểm phát sinh"))
    sla_hours = models.DecimalField(max_digits=6, decimal_places=2)
    sla_clock = models.CharField(max_length=8, choices=SlaClock.choices, default=SlaClock.WORKING)
    due_at = models.DateTimeField(_("hạn"))
    # While the SLA timer runs this equals due_at; null once met, breached or cancelled.
    # The breach sweep reads only this (partial index), so pending-and-not-due costs nothing.
    sla_timer_at = models.DateTimeField(null=True, blank=True, editable=False)
    breached_at = models.DateTimeField(_("quá hạn lúc"), null=True, blank=True)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="postal_orders"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(_("lý do"), max_length=300, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    picked_up_at = models.DateTimeField(_("nhận hàng lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("phát lúc"), null=True, blank=True)
    # Recorded on delivery: who signed for it and what the clerk collected (in đồng; None = not said).
    received_by = models.CharField(_("người nhận"), max_length=200, blank=True)
    fee_collected = models.PositiveIntegerField(_("cước đã thu (đồng)"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Biên bản giao nhận: the desk records receiving a picked-up dossier from the post.
    handed_over_at = models.DateTimeField(_("bàn giao lúc"), null=True, blank=True)
    handed_over_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handover_note = models.CharField(_("ghi chú bàn giao"), max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    # The integration cursor: `changed_since` reads (updated_at, id).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # One live order per dossier and leg; a delivered or cancelled one may be followed by another.
            models.UniqueConstraint(
                fields=["dossier", "kind"],
                condition=~models.Q(status__in=["delivered", "cancelled"]),
                name="one_open_postal_order_per_leg",
            ),
            models.CheckConstraint(condition=models.Q(fee_waived__lte=models.F("fee")), name="waiver_within_fee"),
        ]
        indexes = [
            models.Index(
                fields=["sla_timer_at"], name="postal_sla_timer", condition=models.Q(sla_timer_at__isnull=False)
            ),
            models.Index(fields=["province", "status", "due_at"], name="postal_province_queue"),
            models.Index(fields=["province", "updated_at", "id"], name="postal_changed_since"),
        ]
        verbose_name = _("đơn bưu chính")
        verbose_name_plural = _("đơn bưu chính")

    def __str__(self):
        return f"{self.tracking_code} ({self.get_kind_display()})"

    @property
    def fee_charged(self):
        return self.fee - self.fee_waived

    @property
    def breached(self):
        return self.breached_at is not None


class PostalOrderEvent(models.Model):
    """The audit trail of an order: who (a user or an integration client), when, from, to."""

    order = models.ForeignKey(PostalOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    client = models.ForeignKey("postal.IntegrationClient", null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.order_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class PostalAlert(models.Model):
    """A breach recorded once per order (the unique constraint makes the sweep idempotent)."""

    class Kind(models.TextChoices):
        BREACH = "breach", _("quá hạn SLA")

    order = models.ForeignKey(PostalOrder, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BREACH)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_postal_alert_per_kind")]

    def __str__(self):
        return f"{self.order_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class SubsidyEntry(models.Model):
    """Sổ theo dõi kinh phí hỗ trợ: the part of a postal fee a campaign waived, which the
    province owes the post (paid from `budget`)."""

    order = models.OneToOneField(PostalOrder, on_delete=models.PROTECT, related_name="subsidy")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField(_("số tiền hỗ trợ (đồng)"))
    percent = models.PositiveSmallIntegerField()
    budget = models.CharField(_("nguồn kinh phí"), max_length=200, blank=True)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("khoản hỗ trợ cước")
        verbose_name_plural = _("sổ hỗ trợ cước bưu chính")

    def __str__(self):
        return f"{self.order_id}: {format_vnd(self.amount)}"


class IntegrationClient(models.Model):
    """The post office's own software: a token scoped to one province, and where to send webhooks.
    Only the SHA-256 of the token is stored; the token is shown once when issued."""

    name = models.CharField(max_length=120)
    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="postal_clients")
    token_hash = models.CharField(max_length=64, unique=True)
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phần mềm bưu điện")
        verbose_name_plural = _("phần mềm bưu điện")

    def __str__(self):
        return f"{self.name} ({self.province})"


class IdempotencyRecord(models.Model):
    """The first answer to a call with an Idempotency-Key, replayed for a retry of the same call."""

    caller = models.CharField(max_length=40)  # "client:<id>" or "user:<id>"
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="one_answer_per_idempotency_key")]

    def __str__(self):
        return f"{self.caller} {self.key}"


class WebhookDelivery(models.Model):
    """An outbound webhook, stored before it is sent so a receiver that is down loses nothing:
    retried with backoff until delivered."""

    class State(models.TextChoices):
        PENDING = "pending", _("chờ gửi")
        DELIVERED = "delivered", _("đã gửi")
        # The client was revoked (deactivated) before it was sent: never sent (postal/webhooks.py).
        CANCELLED = "cancelled", _("đã huỷ")

    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="deliveries")
    order = models.ForeignKey(PostalOrder, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=20)  # order.created | order.changed
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["next_attempt_at"], name="webhook_due", condition=models.Q(state="pending"))]

    def __str__(self):
        return f"{self.event} #{self.pk} → {self.client_id} ({self.state})"
