"""`manage.py check --deploy`: production without SIGNING_KEY_PASSPHRASE cannot open the agencies' keys, so no
e-result could be signed and every completion with a result would be refused."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def signing_passphrase(app_configs=None, **kwargs):
    if settings.PRODUCTION and not settings.SIGNING_KEY_PASSPHRASE:
        return [
            checks.Warning(
                "SIGNING_KEY_PASSPHRASE is not set: the agencies' signing keys cannot be opened and no e-result "
                "can be signed.",
                hint="Set SIGNING_KEY_PASSPHRASE (the passphrase of the PKCS#12 files in SIGNING_DIR/agencies/).",
                id="motcua.W101",
            )
        ]
    return []
