"""/api/v1/postal-orders/: the post office's integration API (api.md "Postal")."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("postal-orders", api.PostalOrderViewSet, basename="postal-order")

urlpatterns = router.urls
