"""The province of a signed-in citizen's notices when they have not picked one: that of their
latest dossier, as "Hồ sơ của tôi" shows (issue 11). campaigns.context_processors reads
`request.notice_default_province` (a callable, so the query runs only on a page that shows the
banner); campaigns cannot ask dossiers itself (the arrows point postal → dossiers → campaigns)."""

from .access import visible_dossiers


def latest_dossier_province(user):
    """The province id of the citizen's most recently created dossier, or None."""
    return visible_dossiers(user).order_by("-created_at", "-id").values_list("province_id", flat=True).first()


class CitizenNoticeProvinceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_citizen:
            request.notice_default_province = lambda: latest_dossier_province(user)
        return self.get_response(request)
