"""The project's URLs. Each app keeps its own API module; they are wired here under /api/v1/."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("campaigns.api_urls")),
    path("api/v1/", include("portal.api_urls")),
    path("", include("dossiers.payments.urls")),  # online payment: API under api/v1/, pages /thanh-toan/
    path("api/v1/", include("dossiers.api.urls")),
    path("api/v1/", include("postal.api_urls")),  # postal-orders/: the post office's integration API
    path("api/v1/", include("postal.report_urls")),  # reports/postal/: the Finance confirmation list
    path("api/v1/", include("reports.api_urls")),  # reports/service-index/: the Decision 766 index
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view: Swagger UI's script is a URL of its own, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("campaigns.page_urls")),
    path("", include("dossiers.pages.urls")),
    path("", include("postal.page_urls")),  # /buu-chinh/: the clerk's pages, breach board, Finance list
    path("", include("reports.urls")),  # /thong-ke/: dashboards, public statistics, the 6-monthly report
    path("", include("portal.page_urls")),
]

# Under /api/ a URL that names nothing is a JSON 404 like every other API refusal; elsewhere the page.
handler404 = "portal.errors.not_found"
