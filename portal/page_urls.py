"""The public pages (included at "" by portal/urls.py). Paths are Vietnamese, names English."""

from django.urls import include, path

from . import document_templates, profile, views, views_password
from .phone import views as phone_views

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure_list"),
    path("thu-tuc/<int:pk>/", views.procedure_detail, name="procedure_detail"),
    path("thu-tuc/mau-don/<int:pk>/", document_templates.download, name="document_template"),
    path("dang-nhap/", views.PortalLoginView.as_view(), name="login"),
    path("dang-xuat/", views.PortalLogoutView.as_view(), name="logout"),
    path("dang-ky/", views.register, name="register"),
    path("tai-khoan/", profile.account, name="account"),
    path("tai-khoan/xac-nhan-so-dien-thoai/", phone_views.confirm, name="phone_confirm"),
    path("tai-khoan/xac-nhan-so-dien-thoai/gui-ma/", phone_views.send, name="phone_send"),
    path("quen-mat-khau/", views_password.PasswordResetView.as_view(), name="password_reset"),
    path("quen-mat-khau/da-gui/", views_password.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        views_password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("dat-lai-mat-khau/xong/", views_password.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("portal.oidc.urls")),  # single sign-on (định danh điện tử), 404 without OIDC_ISSUER
]
