"""The public pages (included at "" by portal/urls.py). Paths are Vietnamese, names English."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure_list"),
    path("thu-tuc/<int:pk>/", views.procedure_detail, name="procedure_detail"),
    path("dang-nhap/", views.PortalLoginView.as_view(), name="login"),
    path("dang-xuat/", views.PortalLogoutView.as_view(), name="logout"),
    path("dang-ky/", views.register, name="register"),
    path("healthz", views.healthz, name="healthz"),
]
