from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    name = "postal"
    verbose_name = _("Bưu chính công ích")

    def ready(self):
        from campaigns.policy import postal_fee_quoters
        from dossiers.plugins import legs_providers, zone_providers

        # receivers connects to the dossiers' domain events; catalog_cache to the tariffs' and clients' saves.
        from . import catalog_cache, catalog_section, fees, policy_quote, receivers, tracking  # noqa: F401

        catalog_section.register()  # postal_tariffs in portal's catalog import/export
        postal_fee_quoters.register("postal", policy_quote.quote)  # the tariff in the policy endpoint, previews
        legs_providers.register("postal", tracking.legs)  # the postal legs on tracking and dossier pages
        zone_providers.register("postal", fees.zone_choices)  # the tariff zones of an address
