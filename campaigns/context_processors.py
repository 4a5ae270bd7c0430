"""`site_notices`: the notices of the campaigns in force now that apply to the page, for the
banner base.html renders under the header. Each is a dict with title, notice, hotline (and
body, level, url for templates/includes/notice.html). Read from the cached campaign list.

Which apply (`notices_for`):
- a page about one procedure (the view sets `request.notice_procedure`, and `request.notice_desk`
  for a dossier's desk): the campaigns in force and in scope for that procedure (and desk), one
  line each when the page shows them in full itself (`request.notice_compact`), with no picker;
- a page about one province (`request.notice_province_id`, e.g. "Hồ sơ của tôi": the province of
  the citizen's latest dossier, unless the citizen picked another): that province's;
- staff (officer, head, clerk, province admin): their own province's, an officer's limited to
  the campaigns that cover their desk;
- anyone else: the province they picked once (`choose_province` keeps it in the session), a
  signed-in citizen who has not picked one that of their latest dossier (`default_province`); a
  visitor who has not picked one sees every province's notice collapsed to one line, with the
  picker.
`site_notices_compact` asks the banner for one line a notice (a <details> opens it); on a
phone the banner is always one line a notice (CSS)."""

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from .policy import campaigns_for, current_version, desk_campaigns

LIST_SECONDS = 600
SESSION_KEY = "motcua:notice-province"


def _campaigns():
    from .models import Campaign

    key = f"motcua:campaign-notices:{current_version()}"
    rows = cache.get(key)
    if rows is None:
        rows = [
            {
                "id": c.pk,
                "province_id": c.province_id,
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
    """Every notice in force at `at` (default now), of every province."""
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
                    "id": row["id"],
                    "province_id": row["province_id"],
                    "province": row["province"],
                    "title": f"{row['province']}: {row['title']}",
                    "body": "\n".join(lines),
                    "notice": row["notice"],
                    "hotline": row["hotline"],
                    "level": "urgent" if row["urgent"] else "info",
                    "url": "",
                }
            )
    return notices


def chosen_province(request):
    """The province a visitor or citizen picked for the notices, 0 for "Mọi tỉnh", or None."""
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def default_province(request):
    """The province of the notices for a signed-in citizen who picked none: the one
    `request.notice_default_province` gives (the latest dossier's, set by dossiers' middleware)."""
    if not hasattr(request, "_notice_default_province"):
        default = getattr(request, "notice_default_province", None)
        request._notice_default_province = default() if callable(default) else default
    return request._notice_default_province


def notices_for(request, notices):
    """(the notices that apply to the page, whether the banner shows them one line each)."""
    procedure = getattr(request, "notice_procedure", None)
    if procedure is not None:
        ids = {c.id for c in campaigns_for(procedure, getattr(request, "notice_desk", None))}
        # A page that shows the procedure's campaigns in full itself wants the banner on one line.
        return [n for n in notices if n["id"] in ids], bool(getattr(request, "notice_compact", False))
    page_province = getattr(request, "notice_province_id", None)
    if page_province is not None:
        return [n for n in notices if n["province_id"] == page_province], False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.is_citizen and user.province_id:
        if user.desk_id:
            ids = {c.id for c in desk_campaigns(user.desk)}
            return [n for n in notices if n["id"] in ids], False
        return [n for n in notices if n["province_id"] == user.province_id], False
    province = chosen_province(request)
    if province is None:
        province = default_province(request)
    if province:  # 0: "Mọi tỉnh" picked
        return [n for n in notices if n["province_id"] == province], False
    return notices, True


def _provinces(notices):
    return sorted({(n["province_id"], n["province"]) for n in notices}, key=lambda item: item[1])


def _picked_or_default(request):
    for province in (chosen_province(request), getattr(request, "notice_province_id", None)):
        if province is not None:
            return province
    return default_province(request)


def notices(request):
    try:
        every = active_notices()
        shown, compact = notices_for(request, every)
    except DatabaseError:  # a notice banner must never take a page down
        return {"site_notices": []}
    user = getattr(request, "user", None)
    staff = user is not None and user.is_authenticated and not user.is_citizen and bool(user.province_id)
    return {
        "site_notices": shown,
        "site_notices_compact": compact,
        # The picker, for whoever has no province of their own: the provinces with a notice now.
        "notice_provinces": [] if staff or hasattr(request, "notice_procedure") else _provinces(every),
        "notice_province": _picked_or_default(request),
    }
