from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Đợt áp dụng biện pháp")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal.views import channels_providers

        from .models import Campaign
        from .policy import campaign_changed
        from .procedure_page import channels_of

        # Every campaign save or delete invalidates the policy's index (here, so models need not import policy).
        post_save.connect(campaign_changed, sender=Campaign, dispatch_uid="campaigns.policy.saved")
        post_delete.connect(campaign_changed, sender=Campaign, dispatch_uid="campaigns.policy.deleted")

        channels_providers.register("campaigns", channels_of)  # the public procedure page follows the campaigns
