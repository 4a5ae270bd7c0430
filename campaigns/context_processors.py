"""`site_notices`: the notices of every campaign in force now, for the banner that
base.html renders on every page. Each is a dict with title, notice, hotline (and body,
level, url for templates/includes/notice.html). Read from the cached campaign list."""

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from .policy import _version

LIST_SECONDS = 600


def _campaigns():
    from .models import Campaign

    key = f"motcua:campaign-notices:{_version()}"
    rows = cache.get(key)
    if rows is None:
        rows = [
            {
                "id": c.pk,
                "province": c.province.name,
                "title": c.title,
                "legal_basis": c.legal_basis,
                "notice": (c.rules or {}).get("notice", ""),
                "hotline": (c.rules or {}).get("hotline", ""),
                "starts_at": c.starts_at,
                "ends_at": c.ends_at,
                "urgent": bool((c.rules or {}).get("walk_in_suspended") or (c.rules or {}).get("intake_channels")),
            }
            for c in Campaign.objects.exclude(status=Campaign.Status.DRAFT)
            .select_related("province")
            .order_by("starts_at", "pk")
            if (c.rules or {}).get("notice") or (c.rules or {}).get("hotline")
        ]
        cache.set(key, rows, LIST_SECONDS)
    return rows


def active_notices(at=None):
    at = at or timezone.now()
    notices = []
    for row in _campaigns():
        if row["starts_at"] <= at and (row["ends_at"] is None or at < row["ends_at"]):
            lines = [row["notice"]] if row["notice"] else []
            if row["hotline"]:
                lines.append(_("Đường dây nóng: %(hotline)s") % {"hotline": row["hotline"]})
            lines.append(_("Căn cứ: %(basis)s") % {"basis": row["legal_basis"]})
            notices.append(
                {
                    "title": f"{row['province']}: {row['title']}",
                    "body": "\n".join(lines),
                    "notice": row["notice"],
                    "hotline": row["hotline"],
                    "level": "urgent" if row["urgent"] else "info",
                    "url": "",
                }
            )
    return notices


def notices(request):
    try:
        return {"site_notices": active_notices()}
    except DatabaseError:  # a notice banner must never take a page down
        return {"site_notices": []}
