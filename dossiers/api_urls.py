from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("dossiers", api.DossierViewSet, basename="dossier")

urlpatterns = [
    path("tracking/<str:code>/", api.TrackingView.as_view(), name="api-tracking"),
    *router.urls,
]
