"""The dossier API under /api/v1/ (`views`: the viewsets, `serializers`, `urls`); the payment endpoints are
in `dossiers/payments/api.py`."""
