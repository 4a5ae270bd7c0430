"""/api/v1/: campaigns, a procedure's effective policy and a desk's walk-in queue tickets.
Included before portal's API so that desks/<id>/tickets/ and procedures/<code>/policy/ are
ours (portal's routers only have desks/, desks/<id>/, procedures/ and procedures/<code>/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")

urlpatterns = [
    path("procedures/<str:code>/policy/", api.ProcedurePolicyView.as_view(), name="api-procedure-policy"),
    path("desks/<int:pk>/tickets/", api.DeskTicketsView.as_view(), name="api-desk-tickets"),
    path("desks/<int:pk>/tickets/call-next/", api.CallNextView.as_view(), name="api-desk-tickets-call-next"),
    *router.urls,
]
