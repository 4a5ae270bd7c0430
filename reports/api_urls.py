from django.urls import path

from . import api

urlpatterns = [
    path("reports/service-index/", api.ServiceIndexView.as_view(), name="api-service-index"),
]
