from django.conf import settings
from django.db import models


class Citizen(models.Model):
    """A demo person of the provider: signs in with the personal identification number (the username)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen")
    national_id = models.CharField("số định danh cá nhân", max_length=12, unique=True)
    full_name = models.CharField("họ và tên", max_length=200)
    phone = models.CharField("số điện thoại", max_length=16, blank=True)

    def __str__(self):
        return f"{self.full_name} ({self.national_id})"
