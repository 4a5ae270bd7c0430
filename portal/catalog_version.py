"""The catalog's version in the shared cache (portal/versions.py): every write of a Province, Agency, OneStopDesk
or Procedure through the ORM gives a new one, now and again after commit, so that what portal/catalog_cache.py
cached under the old one is read by no process any more:

- `save()` and `delete()` (the admin, the catalog import, the province admin's pages, `loaddata`): post_save and
  post_delete, connected here by the models' labels;
- a queryset's `update()`, `bulk_create()` or `bulk_update()`, which send no signal (a shell, a procedure's form
  version in ProcedureForm.publish): `CatalogQuerySet`, the four models' manager;
- `migrate` (a data migration writes through historical models, which have neither): post_migrate
  (PortalConfig.ready).

Apart from the readers (catalog_cache.py) so that the models can use the queryset without importing them back."""

from django.db import models
from django.db.models.signals import post_delete, post_save

from .versions import SharedVersion

VERSION = SharedVersion("motcua:catalog:version")
CATALOG_MODELS = ("portal.Province", "portal.Agency", "portal.OneStopDesk", "portal.Procedure")


def invalidate(**kwargs):
    """A new version, now and after commit: every process reads the catalog rows from the database again."""
    VERSION.bump_with_commit()


for _label in CATALOG_MODELS:
    post_save.connect(invalidate, sender=_label, dispatch_uid=f"catalog-version-save-{_label}")
    post_delete.connect(invalidate, sender=_label, dispatch_uid=f"catalog-version-delete-{_label}")


class CatalogQuerySet(models.QuerySet):
    """The catalog models' queryset: the writes that send no signal give a new version too."""

    def update(self, **kwargs):
        count = super().update(**kwargs)
        invalidate()
        return count

    def bulk_create(self, *args, **kwargs):
        made = super().bulk_create(*args, **kwargs)
        invalidate()
        return made

    def bulk_update(self, *args, **kwargs):
        count = super().bulk_update(*args, **kwargs)
        invalidate()
        return count

    update.alters_data = bulk_create.alters_data = bulk_update.alters_data = True
