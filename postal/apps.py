from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    name = "postal"
    verbose_name = _("Bưu chính công ích")

    def ready(self):
        # postal adds its section (postal_tariffs) to the catalog import/export of portal.
        from dossiers import tracking as dossier_tracking
        from dossiers.pages import forms as dossier_forms

        # receivers connects to the dossiers' domain events; policy_quote gives the policy
        # endpoint and campaign previews the published tariff.
        from . import catalog_section, fees, policy_quote, receivers, tracking  # noqa: F401

        dossier_tracking.register_legs_provider(tracking.legs)
        dossier_forms.register_zone_provider(fees.zone_choices)
