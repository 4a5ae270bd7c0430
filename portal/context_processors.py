from django.conf import settings


def site(request):
    # restored_form: a form sent after the session expired, back after the login (portal/expired_session.py).
    return {"SITE_URL": settings.SITE_URL, "restored_form": getattr(request, "restored_form", None)}
