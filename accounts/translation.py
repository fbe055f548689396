"""Member State names in the six languages (django-modeltranslation): ITU's English short
name, and the other five from CLDR with ITU's own usage where it differs
(accounts/data/member_state_names.csv, loaded by `manage.py load_member_states`)."""

from modeltranslation.translator import TranslationOptions, register

from accounts.models import MemberState


@register(MemberState)
class MemberStateTranslation(TranslationOptions):
    fields = ("name",)
