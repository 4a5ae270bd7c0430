from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Đợt áp dụng biện pháp")

    def ready(self):
        from portal.views import register_channels_provider

        from .procedure_page import channels_of

        register_channels_provider(channels_of)  # the public procedure page follows the campaigns
