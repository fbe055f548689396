"""The reply form's per-draft block, written out in Python (consultation.forms.position_block,
issue 14), is the HTML Django's own widgets, labels and error lists render from the block's
template: compared character for character, unbound and bound, with errors, in six
languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template
from django.utils import translation

from consultation.forms import PositionForm, position_block
from consultation.models import DraftRecommendation

# The block as reply_form.html held it before issue 14, rendered by Django's stock renderer.
REFERENCE = Template(
    (Path(__file__).parent / "position_block_reference.html").read_text().rstrip("\n")
)


def draft(**extra: object) -> DraftRecommendation:
    return DraftRecommendation(
        pk=7,
        order=1,
        number="ITU-T Q.5050 <draft>",
        title_en="Signalling & <b>control</b>",
        **extra,
    )


def forms_to_compare() -> list[PositionForm]:
    made = []
    for decision in ("", "authorize", "authorize_comments", "do_not_authorize"):
        made.append(
            PositionForm(
                prefix="d7",
                initial={"decision": decision, "comments": 'a < b & "c"\nline two'}
                if decision
                else {},
                draft=draft(),
                attachments=[],
            )
        )
    with_errors = PositionForm(
        {"d7-decision": "do_not_authorize", "d7-reasons": "", "d7-comments": "<script>"},
        {},
        prefix="d7",
        draft=draft(former_name="Q.old"),
        attachments=[],
    )
    with_errors.is_valid()
    with_errors.add_error("reasons", "Give the reasons.")
    with_errors.add_error("decision", "Tick one box.")
    with_errors.add_error("upload", "Not a PDF.")
    with_errors.add_error(None, "Something about the whole draft.")
    made.append(with_errors)
    invalid_choice = PositionForm(
        {"d7-decision": "maybe"}, prefix="d7", draft=draft(), attachments=[]
    )
    invalid_choice.is_valid()
    made.append(invalid_choice)
    return made


@pytest.mark.parametrize("language", ["en", "ar", "zh-hans", "fr", "ru", "es"])
def test_the_block_is_what_django_renders(language: str) -> None:
    with translation.override(language):
        for index, form in enumerate(forms_to_compare()):
            ours = position_block(form)
            form.renderer = DjangoTemplates()
            expected = REFERENCE.render(Context({"form": form}))
            assert ours == expected, (language, index)


def test_the_block_escapes_what_officials_typed() -> None:
    html = position_block(forms_to_compare()[4])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;control&lt;/b&gt;" in html
    assert 'aria-invalid="true" aria-describedby="id_d7-reasons_error"' in html


def test_shown_forms_share_their_fields_and_a_form_with_files_has_its_own() -> None:
    """Forms only shown share the class's fields (no deep copy: issue 14); a bound form, or
    one with files to remove, gets its own copy, so nothing leaks between drafts."""
    from consultation.models import Attachment

    shown = [
        PositionForm(None, None, prefix=f"d{i}", draft=draft(), attachments=[]) for i in (1, 2)
    ]
    base = PositionForm.base_fields
    assert all(shown[0].fields[n] is shown[1].fields[n] is base[n] for n in base)
    files = PositionForm(
        None,
        None,
        prefix="d3",
        draft=draft(),
        attachments=[Attachment(pk=5, original_name="reasons.pdf")],
    )
    assert files.fields["remove"] is not base["remove"]
    assert files.fields["remove"].choices == [("5", "reasons.pdf")]
    assert list(base["remove"].choices) == []
    bound = PositionForm({"d4-decision": "authorize"}, prefix="d4", draft=draft(), attachments=[])
    assert bound.fields["comments"] is not base["comments"]
