from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Cổng dịch vụ công")

    def ready(self):
        # Portal's own sections of the catalog import/export (postal adds postal_tariffs the same way).
        from . import catalog_sections  # noqa: F401
