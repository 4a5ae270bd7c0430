from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Cổng dịch vụ công")

    def ready(self):
        # Portal's own sections of the catalog import/export (postal adds postal_tariffs the same way).
        from . import catalog_sections

        catalog_sections.register()

        from .signing import checks  # noqa: F401  (the deploy check of the signing passphrase)

        # The database cache's table (the default cache without REDIS_URL) comes with `migrate`.
        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="portal-createcachetable")


def _create_cache_table(using="default", verbosity=1, **kwargs):
    """`manage.py createcachetable` for the database caches of CACHES (none with Redis); idempotent."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))
