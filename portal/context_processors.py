from django.conf import settings


def site(request):
    # restored_form: a form sent after the session expired, back after the login (portal/expired_session.py).
    # SSO_ENABLED: the "Đăng nhập bằng định danh điện tử" button (portal/oidc/), shown only with OIDC_ISSUER set.
    return {
        "SITE_URL": settings.SITE_URL,
        "restored_form": getattr(request, "restored_form", None),
        "SSO_ENABLED": bool(settings.OIDC_ISSUER),
    }
