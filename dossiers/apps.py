from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ")

    def ready(self):
        # Connects what campaigns do to dossiers (clock stops, held results, notices, the
        # urgent-exception records) to the signals of campaigns and of dossiers/events.py.
        from . import campaign_rules  # noqa: F401
        from .payments.providers import register_configured

        register_configured()  # the payment gateways enabled in settings.PAYMENT_PROVIDERS

        from portal.signing.lookup import register_dossier_lookup

        register_dossier_lookup(_dossier_agency_id)  # a signed result's dossier is checked against its agency


def _dossier_agency_id(code):
    from .models import Dossier

    return Dossier.objects.filter(code=code).values_list("agency_id", flat=True).first()
