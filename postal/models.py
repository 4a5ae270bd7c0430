"""Bưu chính công ích: the post's tariffs (orders and the subsidy ledger come with the postal issue)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Province


class PostalTariff(models.Model):
    """The post's published fee for one leg in one zone of a province, from a date on."""

    class Leg(models.TextChoices):
        PICKUP = "pickup", _("nhận hồ sơ tại nhà")
        RETURN = "return", _("chuyển trả kết quả")

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="postal_tariffs")
    leg = models.CharField(_("chặng"), max_length=8, choices=Leg.choices)
    zone = models.CharField(_("vùng"), max_length=40, default="default")
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
        return f"{self.province} {self.get_leg_display()} {self.zone}: {self.amount:,} đ"
