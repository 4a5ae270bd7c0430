"""/api/v1/: the catalog and accounts of the shared core."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("provinces", api.ProvinceViewSet, basename="province")
router.register("agencies", api.AgencyViewSet, basename="agency")
router.register("desks", api.DeskViewSet, basename="desk")
router.register("procedures", api.ProcedureViewSet, basename="procedure")
router.register("me", api.MeViewSet, basename="me")

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="api-register"),
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    *router.urls,
]
