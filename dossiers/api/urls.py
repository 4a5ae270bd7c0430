from django.urls import path
from rest_framework.routers import SimpleRouter

from . import results
from . import views as api

router = SimpleRouter()
router.register("dossiers", api.DossierViewSet, basename="dossier")
router.register("exception-requests", api.ExceptionRequestViewSet, basename="exception-request")
router.register("me/documents", api.StoredDocumentViewSet, basename="stored-document")  # the citizen's store

urlpatterns = [
    path("tracking/<str:code>/", api.TrackingView.as_view(), name="api-tracking"),
    path("results/verify/", results.VerifyResultView.as_view(), name="api-verify-result"),
    *router.urls,
]
