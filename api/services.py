"""Writes to the API's own records: issuing and revoking tokens, auditing write calls."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import may_act_as
from accounts.services import access_change_notify, person_label
from api.models import ApiWrite, IntegrationToken, TokenScope
from core.audit import audited

SECRET_PREFIX = "psm_"


def token_secret_hash(secret: str) -> str:
    """The stored form of a token secret (SHA-256: the secret is random, so no salt needed)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


TOKEN_ISSUE_REFUSED = (
    "You may issue a token only for yourself or for someone whose every permission you "
    "already hold."
)


@audited
def integration_token_issue_allowed(*, issuer, user) -> bool:
    """May `issuer` issue a token acting as `user`? For themselves, or for someone whose
    every right they already hold (a superuser for anyone): a token never adds rights."""
    return may_act_as(actor=issuer, user=user)


@audited
@transaction.atomic
def integration_token_create(
    *, name: str, user, scope: str = TokenScope.READ, created_by=None
) -> tuple[IntegrationToken, str]:
    """Issue a token acting as `user`; return it and its secret (shown once, never stored).

    A person issuing (`created_by`) must be allowed to act as `user`
    (integration_token_issue_allowed), or PermissionDenied; None is the system (a command,
    a test). The token row records who issued it for whom, and the other directors and
    superusers are emailed through the notification ledger.
    """
    if created_by is not None and not integration_token_issue_allowed(issuer=created_by, user=user):
        raise PermissionDenied(TOKEN_ISSUE_REFUSED)
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
    access_change_notify(
        actor=token.created_by,
        about=token,
        record=token,
        subject_label=person_label(user),
        changes=[
            f"API token “{token.name}” ({token.get_scope_display().lower()}) issued to act as them"
        ],
        link_path=reverse("admin:api_integrationtoken_change", args=[token.pk]),
    )
    return token, secret


@audited
@transaction.atomic
def integration_token_revoke(*, token: IntegrationToken, user=None) -> IntegrationToken:
    """Revoke a token at once (idempotent); its calls then answer 401."""
    token = IntegrationToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@audited
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
