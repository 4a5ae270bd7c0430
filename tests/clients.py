"""A DRF test client, signed in as `user` (token-free: force_authenticate) or anonymous."""

from rest_framework.test import APIClient


def api_client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
