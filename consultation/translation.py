"""Content held in the six languages (django-modeltranslation): the circular's subject and
text, its addressees and copy list, each draft's title, summary and notes, the meeting's place
and the study group's title. English is the fallback (settings.MODELTRANSLATION_*)."""

from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname

from consultation.models import Circular, CircularCopy, DraftRecommendation, Meeting, StudyGroup


def localized_fieldnames(field: str) -> list[str]:
    """The per-language columns of a field held in six languages (`field` may be a path:
    "member_state__name")."""
    return [build_localized_fieldname(field, language) for language in AVAILABLE_LANGUAGES]


@register(StudyGroup)
class StudyGroupTranslation(TranslationOptions):
    fields = ("title",)


@register(Meeting)
class MeetingTranslation(TranslationOptions):
    fields = ("place",)


@register(Circular)
class CircularTranslation(TranslationOptions):
    fields = ("subject", "body", "addressees", "legal_basis")


@register(CircularCopy)
class CircularCopyTranslation(TranslationOptions):
    fields = ("label",)


@register(DraftRecommendation)
class DraftRecommendationTranslation(TranslationOptions):
    fields = ("title", "summary", "a5_note", "ipr_note")
