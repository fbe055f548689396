"""The Annex 2 reply form: its header, one block per draft, and TSB's offline record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberState
from consultation.models import Attachment, DraftRecommendation, Reply, ReplyPosition


class ReplyHeaderForm(forms.ModelForm):
    """From: address, name, official title; fax; e-mail; date and place (Annex 2)."""

    class Meta:
        model = Reply
        fields = [
            "from_name",
            "from_title",
            "from_address",
            "from_fax",
            "from_email",
            "place",
            "signed_on",
        ]
        # Fax numbers and e-mail addresses read left to right in every language; what an
        # official types takes the direction of its own script (dir="auto").
        widgets = {
            "from_name": forms.TextInput(attrs={"dir": "auto"}),
            "from_title": forms.TextInput(attrs={"dir": "auto"}),
            "from_address": forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
            "from_fax": forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}),
            "from_email": forms.EmailInput(attrs={"dir": "ltr"}),
            "place": forms.TextInput(attrs={"dir": "auto"}),
            "signed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class RevisionForm(forms.Form):
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class PositionForm(forms.Form):
    """The boxes for one draft, its texts, and its attachments."""

    decision = forms.ChoiceField(
        label=_("Position"),
        choices=ReplyPosition.Decision.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    comments = forms.CharField(
        label=_("Comments and proposed changes"),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        required=False,
        max_length=100_000,
    )
    reasons = forms.CharField(
        label=_("Reasons for not authorizing"),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        required=False,
        max_length=100_000,
    )
    possible_changes = forms.CharField(
        label=_("Summary of possible changes that would let the work progress"),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        required=False,
        max_length=100_000,
    )
    upload = forms.FileField(
        label=_("Attach a file (PDF, DOCX, ODT, DOC or TXT; 20 MB at most)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt,.doc,.txt"}),
    )
    remove = forms.MultipleChoiceField(
        label=_("Remove attachments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, draft: DraftRecommendation, attachments: list[Attachment], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.attachments = attachments
        self.fields["remove"].choices = [(str(a.pk), a.original_name) for a in attachments]


class OfflineReplyForm(forms.Form):
    """TSB records a reply that came by e-mail, fax or letter."""

    member_state = forms.ModelChoiceField(
        label=_("Member State"), queryset=MemberState.objects.order_by("name")
    )
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[c for c in Reply.Channel.choices if c[0] != Reply.Channel.PORTAL],
    )
    received_at = forms.DateTimeField(
        label=_("Received at (UTC)"),
        help_text=_("The time the e-mail, fax or letter reached TSB, in UTC."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
        input_formats=[
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ],
    )
    scan = forms.FileField(
        label=_("Scanned original"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt,.doc,.txt"}),
    )
