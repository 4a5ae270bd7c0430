"""The postal pages (included at "" by portal/urls.py, before portal's pages). Paths are
Vietnamese, names English, in the "postal" namespace."""

from django.urls import path

from . import views

app_name = "postal"

urlpatterns = [
    path("buu-chinh/", views.queue, name="queue"),
    path("buu-chinh/qua-han/", views.breaches, name="breaches"),
    path("buu-chinh/ban-giao/", views.handovers, name="handovers"),
    path("buu-chinh/bao-cao/", views.report, name="report"),
    path("buu-chinh/don/<int:pk>/", views.detail, name="detail"),
    path("buu-chinh/don/<int:pk>/thao-tac/<str:action>/", views.act, name="action"),
    path("buu-chinh/don/<int:pk>/in/<str:slug>/", views.printable, name="print"),
]
