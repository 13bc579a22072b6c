"""Factories and helpers for the API tests: integration tokens and authenticated clients."""

from rest_framework.test import APIClient

from api.models import TokenScope
from api.services import integration_token_create


def token_for(user, *, scope=TokenScope.READ_WRITE, name="Test integration"):
    """Issue a token acting as `user`; return (token, secret)."""
    return integration_token_create(name=name, user=user, scope=scope)


def client_for(user, *, scope=TokenScope.READ_WRITE, keyword="Bearer") -> APIClient:
    """An API client sending a fresh token for `user` in the Authorization header."""
    _, secret = token_for(user, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client
