"""Online payment: the API under /api/v1/ and the pages under /thanh-toan/, in the "payments"
namespace. Included at "" by portal/urls.py, before the dossier API's router, so that
/api/v1/dossiers/<code>/pay/ and /receipt/ resolve here."""

from django.urls import path

from . import api as payment_api
from . import pages as payment_pages

app_name = "payments"

urlpatterns = [
    # API
    path("api/v1/dossiers/<str:code>/pay/", payment_api.PayView.as_view(), name="api-pay"),
    path("api/v1/dossiers/<str:code>/receipt/", payment_api.ReceiptView.as_view(), name="api-receipt"),
    path("api/v1/payments/callback/<str:provider>/", payment_api.CallbackView.as_view(), name="api-callback"),
    # Pages
    path("thanh-toan/ho-so/<str:code>/", payment_pages.pay, name="pay"),
    path("thanh-toan/bien-lai/<str:code>/", payment_pages.receipt, name="receipt"),
    path("thanh-toan/demo/<str:reference>/", payment_pages.demo_gateway, name="demo_gateway"),
]
