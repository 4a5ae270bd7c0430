"""Helpers for tests of campaigns (and of the apps that read them): campaigns made through
the services, so they are validated and audited like real ones.

    make_campaign(province, rules={...})                       a draft, all procedures
    make_campaign(province, status="active", starts_at=..., ends_at=..., scope={...})
"""

from datetime import timedelta

from django.utils import timezone

from portal.calendar import VN_TZ, vn  # noqa: F401  (vn: the tests import it from here too)

from . import services


def make_campaign(
    province,
    *,
    rules=None,
    scope=None,
    starts_at=None,
    ends_at=None,
    status="draft",
    title="Đợt thử nghiệm",
    legal_basis="Công văn số 1/UBND-KSTT ngày 01/01/2020",
    user=None,
):
    """A campaign through the services. `status="active"` (or "scheduled") activates it at the
    current (possibly time-travelled) moment; the window decides which status it gets."""
    starts_at = starts_at or timezone.now() - timedelta(days=1)
    campaign = services.create_campaign(
        user,
        province,
        title=title,
        legal_basis=legal_basis,
        starts_at=starts_at,
        ends_at=ends_at,
        scope=scope,
        rules=rules or {},
    )
    if status != "draft":
        campaign = services.activate(campaign, user)
    campaign.refresh_from_db()
    return campaign
