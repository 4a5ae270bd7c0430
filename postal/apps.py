from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    name = "postal"
    verbose_name = _("Bưu chính công ích")

    def ready(self):
        # postal adds its section (postal_tariffs) to the catalog import/export of portal.
        from . import catalog_section  # noqa: F401
