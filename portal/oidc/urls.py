"""Single sign-on's pages (included at "" by portal/page_urls.py); every one answers 404 without OIDC_ISSUER."""

from django.urls import path

from . import views

app_name = "oidc"

urlpatterns = [
    path("dang-nhap/dinh-danh/", views.StartView.as_view(), name="start"),
    path("dang-nhap/dinh-danh/callback/", views.CallbackView.as_view(), name="callback"),
    path("dang-nhap/dinh-danh/lien-ket/", views.link, name="link"),
    path("tai-khoan/dinh-danh-dien-tu/", views.account, name="account"),
    path("tai-khoan/dinh-danh-dien-tu/lien-ket/", views.start_link, name="start_link"),
]
