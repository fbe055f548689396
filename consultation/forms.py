"""The Annex 2 reply form: its header, one block per draft, and TSB's offline record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import MemberState
from consultation.models import Attachment, DraftRecommendation, Reply, ReplyPosition

# --- a cheaper renderer for the reply form -----------------------------------------------------


def _text(value: Any) -> str:
    """A value as `{{ value|stringformat:'s' }}` shows it: str(), then escaped unless safe."""
    return str(conditional_escape(value if isinstance(value, SafeData) else str(value)))


def _attrs(attrs: dict[str, Any] | None) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html) in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in (attrs or {}).items()
        if value is not False
    )


def _input_start(widget: dict[str, Any]) -> str:
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"'


def _input(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    return (
        _input_start(widget)
        + (f' value="{_text(value)}"' if value is not None else "")
        + _attrs(widget["attrs"])
        + ">"
    )


def _input_option(context: dict[str, Any]) -> str:
    widget = context["widget"]
    if not widget.get("wrap_label"):
        return _input(widget)
    target = widget["attrs"].get("id")
    return (
        "<label" + (f' for="{conditional_escape(target)}"' if target else "") + ">"
        f"{_input(widget)} {conditional_escape(widget['label'])}</label>"
    )


def _textarea(context: dict[str, Any]) -> str:
    widget = context["widget"]
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


def _file_input(context: dict[str, Any]) -> str | None:
    widget = context["widget"]
    if widget["is_initial"]:
        return None  # a file already there: Django's own template
    return f"{_input_start(widget)}{_attrs(widget['attrs'])}>"


def _label(context: dict[str, Any]) -> str:
    if not context["use_tag"]:
        return str(conditional_escape(context["label"]))
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{conditional_escape(context['label'])}</{tag}>"


def _errors(context: dict[str, Any]) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    return (
        f'<ul class="{conditional_escape(context["error_class"])}"'
        + (f' id="{conditional_escape(field_id)}_error"' if field_id else "")
        + ">"
        + "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
        + "</ul>"
    )


_WIDGETS = "django/forms/widgets/"
_IN_PYTHON: dict[str, Any] = {
    **{
        f"{_WIDGETS}{name}.html": lambda context: _input(context["widget"])
        for name in ("input", "text", "email", "date", "hidden", "number", "file")
    },
    f"{_WIDGETS}radio_option.html": _input_option,
    f"{_WIDGETS}checkbox_option.html": _input_option,
    f"{_WIDGETS}input_option.html": _input_option,
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}clearable_file_input.html": _file_input,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
}


class ReplyFormRenderer(DjangoTemplates):
    """Django's form renderer, with the few small templates the reply form renders many times
    (inputs, radio options, text areas, labels, error lists) written in Python: the same HTML,
    character for character, without a template render for each of the 10 drafts' 3 boxes,
    3 texts and their labels (issue 14: three quarters of the form's time). Anything else
    (a file already attached, the checkboxes of the attachments to remove) is rendered by
    Django's own templates."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        build = _IN_PYTHON.get(template_name)
        if build is not None:
            html = build(context)
            if html is not None:
                return html
        return super().render(template_name, context, request)


REPLY_FORM_RENDERER = ReplyFormRenderer()


class ReplyHeaderForm(forms.ModelForm):
    """From: address, name, official title; fax; e-mail; date and place (Annex 2)."""

    default_renderer = REPLY_FORM_RENDERER

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
    default_renderer = REPLY_FORM_RENDERER

    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class PositionForm(forms.Form):
    """The boxes for one draft, its texts, and its attachments."""

    default_renderer = REPLY_FORM_RENDERER

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
        data = args[0] if args else kwargs.get("data")
        shared = data is None and not attachments
        if shared:
            # A form only shown (a GET, no files to remove): its fields are only read
            # (position_block), so the ten drafts' forms share them instead of each
            # deep-copying six fields and their widgets.
            self.base_fields = _SharedFields(self.base_fields)
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.attachments = attachments
        if not shared:
            self.fields["remove"].choices = [(str(a.pk), a.original_name) for a in attachments]


class _SharedFields(dict):
    """Fields that Form.__init__'s deepcopy hands over as they are (PositionForm)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _SharedFields:
        return self


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


# --- stage two (Resolution 1, 9.5, 9.6) ---------------------------------------------------------


class OutcomeForm(forms.Form):
    """TSB records what the meeting decided on a draft."""

    decision = forms.ChoiceField(label=_("What the meeting decided"))
    note = forms.CharField(
        label=_("Note (e.g. the report's paragraph)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from consultation.models import DraftOutcome

        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [("", "---------")] + [
            (value, label)
            for value, label in DraftOutcome.Decision.choices
            if value in DraftOutcome.MEETING_DECISIONS
        ]


class StatementForm(forms.Form):
    """What one Member State's delegation said at the meeting."""

    member_state = forms.ModelChoiceField(
        label=_("Member State"), queryset=MemberState.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("What it said"), required=False)
    text = forms.CharField(
        label=_("Text (reservation, or reasons of the opposition)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )

    def __init__(self, *args: Any, states: Any = None, **kwargs: Any) -> None:
        from consultation.models import OutcomeStatement

        super().__init__(*args, **kwargs)
        if states is not None:
            self.fields["member_state"].queryset = states
        self.fields["kind"].choices = [("", "---------"), *OutcomeStatement.Kind.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("member_state") and not data.get("kind"):
            self.add_error("kind", _("Choose what this Member State said."))
        if data.get("kind") and not data.get("member_state"):
            self.add_error("member_state", _("Choose the Member State."))
        return data


StatementFormSet = forms.formset_factory(StatementForm, extra=4, max_num=50)


class NoticeForm(forms.Form):
    """TSB generates the approval notice of a meeting: its circular number."""

    number = forms.IntegerField(label=_("Circular number"), min_value=1)
    study_period = forms.RegexField(
        label=_("Study period"),
        regex=r"^\d{4}-\d{4}$",
        error_messages={"invalid": _('Write the study period as "2017-2020".')},
    )


class OppositionForm(forms.Form):
    """A Member State's formal opposition, within the 4 weeks after the meeting."""

    text = forms.CharField(
        label=_("Reasons of the formal opposition"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
    )
    confirm = forms.BooleanField(
        label=_("I am authorized to send this formal opposition on behalf of my administration."),
    )


# --- the reply form's blocks, one per draft, in Python (issue 14) --------------------------------

_TEXTS = (
    ("comments", "authorize_comments"),
    ("reasons", "do_not_authorize"),
    ("possible_changes", "do_not_authorize"),
)


#: The marks after which BoundField.label_tag adds no suffix: translated by Django's own
#: catalogs (a name, not a literal, so that makemessages leaves it to them).
_LABEL_MARKS = ":?.!"


def _described(form: PositionForm, name: str, errors: Any) -> str:
    """The attributes Django's BoundField adds to a field with errors."""
    if not errors:
        return ""
    return f' aria-invalid="true" aria-describedby="id_{form.prefix}-{name}_error"'


def position_block(form: PositionForm) -> SafeString:
    """One draft's block of the reply form: its three boxes, three texts, attachments and
    upload, as Django's widgets render them (tests/consultation/test_position_block.py
    compares the two), written out directly: through the widgets, labels and error lists of
    six fields for each of 10 drafts this block was a third of the page's time. The
    attachments table, shown only when there are files, stays a template
    (consultation/includes/position_attachments.html)."""
    from django.template.loader import render_to_string

    from consultation.templatetags.portal import translated

    draft, prefix = form.draft, form.prefix
    bound = form.is_bound
    errors = form.errors if bound else {}

    def value(name: str) -> Any:
        if bound:
            return form.data.get(f"{prefix}-{name}")
        return form.initial.get(name)

    def field_class(name: str) -> str:
        return "field field-error" if errors.get(name) else "field"

    def error_list(name: str) -> str:
        return str(errors[name]) if errors.get(name) else ""

    marks = gettext(_LABEL_MARKS)

    def label(name: str) -> str:
        # BoundField.label_tag: the suffix unless the label ends with a punctuation mark.
        text = str(form.fields[name].label)
        if form.label_suffix and text and text[-1] not in marks:
            text += form.label_suffix
        return f'<label for="id_{prefix}-{name}">{conditional_escape(text)}</label>'

    title = translated(draft, "title")
    former = (
        " (" + conditional_escape(gettext("ex %(n)s") % {"n": draft.former_name}) + ")"
        if draft.former_name
        else ""
    )
    fallback = (
        ' <small class="fallback-note">'
        + conditional_escape(gettext("(not yet available in your language: shown in English)"))
        + "</small>"
        if title.fallback
        else ""
    )
    chosen = value("decision")
    invalid = ' aria-invalid="true"' if errors.get("decision") else ""
    radios = "".join(
        f'<div><input type="radio" name="{prefix}-decision" value="{conditional_escape(v)}"'
        f' id="id_{prefix}-decision_{i}"{invalid}{" checked" if str(v) == str(chosen) else ""}>'
        f' <label for="id_{prefix}-decision_{i}">{conditional_escape(text)}</label></div>'
        for i, (v, text) in enumerate(form.fields["decision"].choices)
    )
    texts = []
    for name, shown_for in _TEXTS:
        field_errors = errors.get(name)
        widget = form.fields[name].widget
        # Django's order: the widget's (cols, rows, dir, maxlength), the error's, the id.
        attrs = _attrs(widget.attrs) + _described(form, name, field_errors)
        text = value(name)
        texts.append(
            f'<div class="{field_class(name)}" data-show-for="{shown_for}">{label(name)}'
            f"{error_list(name)}"
            f'<textarea name="{prefix}-{name}"{attrs} id="id_{prefix}-{name}">\n'
            f"{conditional_escape(text) if text else ''}</textarea></div>"
        )
    upload_attrs = (
        _attrs(form.fields["upload"].widget.attrs)
        + _described(form, "upload", errors.get("upload"))
        + f' id="id_{prefix}-upload"'
    )
    attachments = (
        render_to_string("consultation/includes/position_attachments.html", {"form": form})
        if form.attachments
        else ""
    )
    non_field = str(form.non_field_errors()) if bound else ""
    tick = conditional_escape(gettext("Tick one box:"))
    # Every value below is escaped (conditional_escape) or HTML that Django built.
    return mark_safe(  # noqa: S308
        f'<fieldset class="position" id="draft-{draft.pk}" data-position>\n'
        f'    <legend><bdi dir="ltr">{conditional_escape(draft.number)}</bdi>{former}: '
        f'<span lang="{title.lang}" dir="{title.dir}">{conditional_escape(title.text)}</span>'
        f"{fallback}</legend>\n"
        f"    {non_field}\n"
        f'    <div class="{field_class("decision")}" role="radiogroup"'
        f' aria-labelledby="decision-label-{draft.pk}">\n'
        f'      <p id="decision-label-{draft.pk}"><strong>'
        f"{tick}</strong></p>\n"
        f"      {error_list('decision')}\n"
        f"      {radios}\n"
        "    </div>\n"
        f"    {texts[0]}\n"
        f"    {texts[1]}\n"
        f"    {texts[2]}\n"
        f"    {attachments}"
        f'<div class="{field_class("upload")}" data-show-for="authorize_comments do_not_authorize">'
        f"{label('upload')}{error_list('upload')}"
        f'<input type="file" name="{prefix}-upload"{upload_attrs}></div>\n'
        "  </fieldset>"
    )
