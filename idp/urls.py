from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.CitizenLoginView.as_view(), name="login"),
    path("dang-xuat/", views.sign_out, name="logout"),
    # django-oauth-toolkit: authorize, token, userinfo, .well-known/openid-configuration, jwks, logout.
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
