"""Integration tokens, sent as `Authorization: Bearer <secret>` (or `Token <secret>`)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import IntegrationToken
from api.services import token_secret_hash

KEYWORDS = (b"bearer", b"token")
MAX_SECRET_LENGTH = 200
# Record "last used" at most this often, so reads do not each write a row.
LAST_USED_PRECISION = timedelta(minutes=1)


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    """Find the token by the hash of the secret; revoked tokens and inactive users get 401."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”, with no spaces in it.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        if len(secret) > MAX_SECRET_LENGTH or "\x00" in secret:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        token = (
            IntegrationToken.objects.select_related("user")
            .filter(secret_hash=token_secret_hash(secret))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("The token has been revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token’s user is no longer active."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.IntegrationTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An integration token issued by a programme manager in the admin. Send it as "
                "`Authorization: Bearer <token>` (or `Authorization: Token <token>`). "
                "The token acts as its user and sees exactly what that person may."
            ),
        }
