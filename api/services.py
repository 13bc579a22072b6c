"""Writes to the API's own records: issuing and revoking tokens, auditing write calls."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiWrite, IntegrationToken, TokenScope

SECRET_PREFIX = "psm_"


def token_secret_hash(secret: str) -> str:
    """The stored form of a token secret (SHA-256: the secret is random, so no salt needed)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def integration_token_create(
    *, name: str, user, scope: str = TokenScope.READ, created_by=None
) -> tuple[IntegrationToken, str]:
    """Issue a token acting as `user`; return it and its secret (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter what the token is for."})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": "Select read only or read and write."})
    if not user.is_active:
        raise ValidationError({"user": "Select an active user for the token to act as."})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = IntegrationToken.objects.create(
        name=name,
        user=user,
        scope=scope,
        prefix=secret[:12],
        secret_hash=token_secret_hash(secret),
        created_by=created_by if created_by and created_by.is_authenticated else None,
    )
    return token, secret


@transaction.atomic
def integration_token_revoke(*, token: IntegrationToken, user=None) -> IntegrationToken:
    """Revoke a token at once (idempotent); its calls then answer 401."""
    token = IntegrationToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_write_record(*, token, user, method: str, path: str, status_code: int) -> ApiWrite:
    """Record one write call (the path is stored percent-encoded: no NUL reaches the database)."""
    return ApiWrite.objects.create(
        token=token,
        user=user if user is not None and user.is_authenticated else None,
        method=method[:10],
        path=path.replace("\x00", "%00")[:500],
        status_code=status_code,
        at=timezone.now(),
    )
