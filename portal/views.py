"""The public pages: home, the procedure catalog, registration and login, /healthz."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Min, Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import fees
from .accounts import landing_url
from .expired_session import pending as pending_expired_form
from .forms import CitizenRegistrationForm, LoginForm, ProcedureSearchForm, vi_sort_key
from .models import Procedure, Province
from .oidc.provider import logout_url
from .phone import views as phone_views
from .registry import Registry
from .tasks import HEARTBEAT_KEY

PAGE_SIZE = 25
POPULAR_LIMIT = 8
POPULAR_CACHE_SECONDS = 600
POPULAR_WINDOW_DAYS = 365


def _active_procedures():
    # A total order (pk last) keeps pagination stable.
    return (
        Procedure.objects.filter(active=True)
        .select_related("agency", "province")
        .order_by("province__name", "code", "pk")
    )


def popular_procedures(limit=POPULAR_LIMIT):
    """The most used procedures, one per procedure code (codes repeat across provinces):
    by dossiers submitted in the last year when the dossiers app gives Procedure a
    `dossiers` relation (portal does not import dossiers: arrows point down, so the
    relation is found by name), otherwise the fully online ones first. Each procedure
    returned carries `province_count`, the provinces whose catalog has its code.
    The choice is cached for a few minutes."""
    key = "portal:popular-procedures"
    rows = cache.get(key)
    if rows is None:
        by_code = Procedure.objects.filter(active=True).values("code")
        ranking = {"top_level": Max("level"), "first": Min("pk"), "provinces": Count("province", distinct=True)}
        reverse = {field.name for field in Procedure._meta.get_fields() if field.auto_created and field.is_relation}
        if "dossiers" in reverse:
            since = timezone.now() - timedelta(days=POPULAR_WINDOW_DAYS)
            ranking["uses"] = Count("dossiers", filter=Q(dossiers__submitted_at__gte=since))
            order = ("-uses", "-top_level", "code")
        else:
            order = ("-top_level", "code")
        rows = [(row["first"], row["provinces"]) for row in by_code.annotate(**ranking).order_by(*order)[:limit]]
        cache.set(key, rows, POPULAR_CACHE_SECONDS)
    by_id = _active_procedures().in_bulk([pk for pk, _count in rows])
    popular = []
    for pk, provinces in rows:
        if pk in by_id:
            by_id[pk].province_count = provinces
            popular.append(by_id[pk])
    return popular


def home(request):
    provinces = sorted(
        Province.objects.annotate(procedure_count=Count("procedures", filter=Q(procedures__active=True))).filter(
            procedure_count__gt=0
        ),
        key=lambda province: vi_sort_key(province.name),
    )
    active = Procedure.objects.filter(active=True)
    counts = active.aggregate(
        total=Count("pk"),
        online=Count("pk", filter=Q(level__gte=3, in_person_only=False)),
        postal=Count("pk", filter=Q(postal_intake=True) | Q(postal_return=True)),
    )
    context = {
        "provinces": provinces,
        "counts": counts,
        "popular": popular_procedures(),
    }
    return render(request, "portal/home.html", context)


def procedure_list(request):
    form = ProcedureSearchForm(request.GET or None)
    procedures = form.filter(_active_procedures()) if form.is_bound else _active_procedures()
    page = Paginator(procedures, PAGE_SIZE).get_page(request.GET.get("page"))
    province = form.cleaned_data.get("province") if form.is_bound else None
    page_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    context = {"form": form, "page": page, "page_range": page_range, "province": province}
    return render(request, "portal/procedure_list.html", context)


def catalog_channels(procedure):
    """How a dossier of this procedure can be submitted and its result received, by the catalog
    alone. Online intake needs level ≥ 3; a procedure that must be done in person takes no
    online or postal intake whatever its flags say."""
    in_person = procedure.in_person_only
    intake = [
        {"key": "online", "label": _("Nộp trực tuyến trên Cổng"), "available": procedure.level >= 3 and not in_person},
        {
            "key": "postal",
            "label": _("Gửi hồ sơ qua bưu chính công ích"),
            "available": procedure.postal_intake and not in_person,
        },
        {"key": "desk", "label": _("Nộp trực tiếp tại Bộ phận Một cửa"), "available": True},
    ]
    result = [
        {"key": "desk", "label": _("Nhận trực tiếp tại Bộ phận Một cửa"), "available": True},
        {"key": "postal", "label": _("Nhận qua bưu chính công ích tại địa chỉ"), "available": procedure.postal_return},
        {"key": "online", "label": _("Nhận bản điện tử trên Cổng"), "available": procedure.level >= 4},
    ]
    online = procedure.active and intake[0]["available"]
    return {"intake": intake, "result": result, "postal_fees": [], "online_open": online, "in_campaign": False}


channels_providers = Registry("procedure channels provider")
"""Entries `provider(procedure) -> dict` shaped as `catalog_channels`: the campaigns app registers the
effective policy here (portal never imports campaigns)."""


def procedure_channels(procedure):
    """The channels the public page shows: the registered provider's (the effective policy now),
    else the catalog's."""
    for provider in channels_providers:
        return provider(procedure)
    return catalog_channels(procedure)


def procedure_detail(request, pk):
    """The public page of a procedure. Its channels, postal fees and the submit button follow the
    effective policy now (`procedure_channels`)."""
    procedure = get_object_or_404(Procedure.objects.select_related("agency", "province"), pk=pk)
    # The banner: this procedure's campaigns only, one line each (the page shows them in full).
    request.notice_procedure, request.notice_compact = procedure, True
    documents = list(procedure.documents.all())
    names = {document.code: document.name for document in documents}
    context = {
        "procedure": procedure,
        "documents": documents,
        "channels": procedure_channels(procedure),
        # Every applicant group's fee (api.md "fees"), with the name of the document proving it.
        "fee_groups": [
            {"label": group.label, "amount": group.amount, "proof": names.get(group.proof_document, "")}
            for group in fees.groups_of(procedure)
        ],
    }
    return render(request, "portal/procedure_detail.html", context)


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = CitizenRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user is not None:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Đăng ký thành công. Chào mừng %(name)s!") % {"name": user.full_name})
            # Next: confirm the phone with the code just sent (the page lets the citizen go on without it).
            phone_views.send_code(request, user)
            return redirect(phone_views.confirm_url(_safe_next(request)))
    return render(request, "registration/register.html", {"form": form, "next": _safe_next(request) or ""})


class PortalLoginView(LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """No `next`: each role lands on its own work (portal/accounts.py)."""
        return landing_url(self.request.user)

    def get_context_data(self, **kwargs):
        """A form sent after the session expired (portal/expired_session.py): the page says so, and
        whether what was typed comes back after this login."""
        context = super().get_context_data(**kwargs)
        context["expired_form"] = pending_expired_form(self.request, self.get_redirect_url())
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Đăng nhập thành công."))
        return response


class PortalLogoutView(LogoutView):
    def post(self, request, *args, **kwargs):
        # A session signed in through single sign-on ends at the provider too (portal/oidc/provider.py), which
        # sends the browser back to the home page.
        at_provider = logout_url(request)
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Bạn đã đăng xuất."))
        return HttpResponseRedirect(at_provider) if at_provider else response


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a form posted with an expired session or a stale security
    token (a form left open across a logout and a new login, in another tab). Says in plain
    Vietnamese that nothing was saved and why, and offers to go back to the form (the browser's
    back keeps what was typed) or to open it again; it re-posts nothing. `reason` is Django's
    English diagnostic: logged by Django, never shown."""
    back = request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = ""
    context = {"back_url": back, "signed_in": request.user.is_authenticated}
    return render(request, "403_csrf.html", context, status=403)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _cache_ok():
    try:
        cache.set("motcua:healthz", "ok", 30)
        return cache.get("motcua:healthz") == "ok"
    except Exception:  # any cache backend error means "cache down"
        return False


@never_cache
@require_GET
def healthz(request):
    """Liveness for the load balancer: 503 when the database is unreachable.
    A cache failure alone reports "degraded" with 200 (the site still serves)."""
    database = _database_ok()
    cache_up = _cache_ok()
    heartbeat = None
    if cache_up:
        try:
            heartbeat = cache.get(HEARTBEAT_KEY)
        except Exception:
            heartbeat = None
    if not database:
        status = "error"
    elif not cache_up:
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "database": database, "cache": cache_up, "worker_heartbeat": heartbeat}
    return JsonResponse(body, status=200 if database else 503)
