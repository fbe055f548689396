"""Views of the accounts app: accepting an invitation, choosing the language."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import selectors, services
from accounts.http import client_ip


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def invitation_accept(request: HttpRequest, uidb36: str, key: str) -> HttpResponse:
    """Set a password from an invitation link, verify the address, and log the invitee in.

    A garbled, expired or already used link shows an explanation (HTTP 200), never an error.
    The login goes through allauth's login flow, so its stages apply: an official who already
    has an authenticator app (a re-invitation) is asked for a code, and signatories without
    one are then sent to set it up by AccountSecurityMiddleware.
    """
    invitee = selectors.invitation_user(uidb36=uidb36, key=key)
    if invitee is None:
        return _invalid(request)
    form = SetPasswordForm(invitee, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                user=invitee,
                token=key,
                password=form.cleaned_data["new_password1"],
                ip_address=client_ip(request),
            )
        except services.InvitationError:
            return _invalid(request)
        if request.user.is_authenticated and request.user.pk != user.pk:
            logout(request)
        # Recorded like allauth's own password-reset login ("password_reset"): the step shows
        # in the session's authentication records, and counts as a fresh authentication.
        record_authentication(request, user, method="invitation", email=user.email)
        return perform_login(request, user, email=user.email)
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitee": invitee})


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/invitation_invalid.html", {"login_url": reverse("account_login")}
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie for this browser), plus the profile of a logged-in
    user, so the choice holds on every device and for their e-mails."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response
