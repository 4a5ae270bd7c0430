"""Claims: an officer takes a dossier for a while (a lease stored on the row, not a held
database lock), so two officers do not work the same dossier. The lease runs out by itself."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import door, workflow
from ..door import ClaimTaken, NotPermitted, actor_kind, no_permission


def claim(dossier, user, minutes=None):
    """Take (or renew) the lease for `minutes`; another officer's live lease wins (409)."""
    minutes = minutes or settings.DOSSIER_CLAIM_MINUTES
    now = timezone.now()
    with transaction.atomic():
        dossier = door.lock(dossier)
        if actor_kind(user, dossier) not in (workflow.OFFICER, workflow.HEAD):
            raise NotPermitted(no_permission())
        if dossier.claimed_by_other(user, now):
            raise ClaimTaken(dossier)
        dossier.claimed_by = user
        dossier.claim_expires_at = now + timedelta(minutes=minutes)
        dossier.save(update_fields=["claimed_by", "claim_expires_at", "updated_at"])
    return dossier


def release(dossier, user):
    with transaction.atomic():
        dossier = door.lock(dossier)
        if dossier.claimed_by_id == user.id:
            dossier.claimed_by = None
            dossier.claim_expires_at = None
            dossier.save(update_fields=["claimed_by", "claim_expires_at", "updated_at"])
    return dossier
