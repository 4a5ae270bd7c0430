"""/api/v1/reports/postal/: the Finance confirmation list (included by portal/urls.py under api/v1/)."""

from django.urls import path

from .report_api import PostalReportView

urlpatterns = [
    path("reports/postal/", PostalReportView.as_view(), name="api-reports-postal"),
]
