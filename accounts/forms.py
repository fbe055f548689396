"""Forms of the accounts app."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Official, User


class OfficialCreateForm(forms.ModelForm):
    """TSB's form to grant a person access for a Member State (the admin's add page).

    Collects who the person is and what they may do; the admin passes the cleaned data to
    services.official_create, which creates the account and sends the invitation.
    """

    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        initial="en",
        help_text=_("The language of the invitation and of later e-mails."),
    )

    class Meta:
        model = Official
        fields = ["member_state", "role", "official_title"]

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError(
                _("A user with this e-mail address already exists."), code="email_taken"
            )
        return email

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("Officials are created by services.official_create.")
