"""/api/v1/: campaigns and a desk's walk-in queue tickets. Included before portal's API so
that desks/<id>/tickets/ is ours (portal's desks router only has desks/ and desks/<id>/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")

urlpatterns = [
    path("desks/<int:pk>/tickets/", api.DeskTicketsView.as_view(), name="api-desk-tickets"),
    path("desks/<int:pk>/tickets/call-next/", api.CallNextView.as_view(), name="api-desk-tickets-call-next"),
    *router.urls,
]
