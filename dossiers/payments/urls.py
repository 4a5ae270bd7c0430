"""Online payment: the API under /api/v1/ and the pages under /thanh-toan/, in the "payments"
namespace. Included at "" by portal/urls.py, before the dossier API's router, so that
/api/v1/dossiers/<code>/pay/ and /receipt/ resolve here."""

from django.urls import path

from . import api, pages

app_name = "payments"

urlpatterns = [
    # API
    path("api/v1/dossiers/<str:code>/pay/", api.PayView.as_view(), name="api-pay"),
    path("api/v1/dossiers/<str:code>/receipt/", api.ReceiptView.as_view(), name="api-receipt"),
    path("api/v1/payments/callback/<str:provider>/", api.CallbackView.as_view(), name="api-callback"),
    # Pages
    path("thanh-toan/ho-so/<str:code>/", pages.pay, name="pay"),
    path("thanh-toan/bien-lai/<str:code>/", pages.receipt, name="receipt"),
    path("thanh-toan/demo/<str:reference>/", pages.demo_gateway, name="demo_gateway"),
]
