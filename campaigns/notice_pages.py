"""POST /thong-bao/chon-tinh/: a visitor (or a citizen) picks the province whose campaign
notices the banner shows; kept in the session (an anonymous visitor's too), so it is picked
once. An empty choice forgets it. Back to the page it was posted from."""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.models import Province

from .context_processors import SESSION_KEY


@require_POST
def choose_province(request):
    value = request.POST.get("province", "")
    if value.isdigit() and Province.objects.filter(pk=int(value)).exists():
        request.session[SESSION_KEY] = int(value)
    else:  # "Mọi tỉnh": kept, so a citizen's default (their latest dossier's province) gives way
        request.session[SESSION_KEY] = 0
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    return redirect(target)
