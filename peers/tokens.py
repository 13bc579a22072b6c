"""Single-use, expiring tokens for a peer's first sign-in (the account invitation).

Built on Django's PasswordResetTokenGenerator: the token hashes the user's current
password and last sign-in, so it stops working as soon as a password is set (single
use). A separate salt means a password-reset link cannot be used as an invitation link
or the other way round; the invitation lives settings.INVITATION_TOKEN_MAX_AGE.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class PeerInvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "peers.tokens.PeerInvitationTokenGenerator"

    def check_token(self, user, token):
        """Return True for a token made for this user, still unused and not older than the limit."""
        if not (user and token):
            return False
        try:
            timestamp_b36, _hash = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            expected = self._make_token_with_timestamp(user, timestamp, secret)
            if constant_time_compare(expected, token):
                break
        else:
            return False
        max_age = settings.INVITATION_TOKEN_MAX_AGE.total_seconds()
        return (self._num_seconds(self._now()) - timestamp) <= max_age


peer_invitation_token_generator = PeerInvitationTokenGenerator()
