"""The set-password link of an invitation.

Built on Django's PasswordResetTokenGenerator, as allauth's password reset is, with its own
salt (an invitation token is never a valid password-reset token, nor the reverse) and its own
lifetime, settings.INVITATION_TIMEOUT_SECONDS. The token hashes the user's password hash and
last login, so setting the password (or logging in) invalidates every earlier link.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.InvitationTokenGenerator"

    def check_token(self, user: Any, token: Any) -> bool:
        """True if `token` was made for `user`'s current state and has not expired.

        The same checks as Django's, with INVITATION_TIMEOUT_SECONDS instead of
        PASSWORD_RESET_TIMEOUT. Never raises on a malformed token.
        """
        if not (user and isinstance(token, str) and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.INVITATION_TIMEOUT_SECONDS


invitation_token_generator = InvitationTokenGenerator()
