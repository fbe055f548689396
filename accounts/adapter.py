from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Signup is closed: TSB invites officials; nobody grants themselves access."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
