"""Writes for accounts: the emails that let a person sign in."""

import hashlib

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Notification
from notifications.services import notification_key, notification_queue


@transaction.atomic
def password_reset_email_queue(*, user, token: str) -> Notification:
    """Queue the email with a single-use link to set a new password; return its ledger row.

    One row per token (the token carries its timestamp), so two requests are two emails
    and a repeated call is one. The key holds a hash of the token, never the token, and
    the row is secret: its body is hidden in the admin and removed once sent.
    """
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token},
    )
    token_digest = hashlib.sha256(token.encode()).hexdigest()[:24]
    site_url = settings.SITE_URL.rstrip("/")
    return notification_queue(
        kind="password_reset",
        recipient=user.email,
        user=user,
        about=user,
        key=notification_key("password_reset", user, token_digest),
        contains_secret=True,
        context={
            "recipient_name": user.get_full_name(),
            "reset_url": site_url + path,
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24),
            "reset_again_url": site_url + reverse("accounts:password_reset"),
        },
    )
