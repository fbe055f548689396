from django.db import migrations
from django.db.models import F

FIELDS = {
    "StudyGroup": ("title",),
    "Meeting": ("place",),
    "Circular": ("subject", "body", "addressees", "legal_basis"),
    "CircularCopy": ("label",),
    "DraftRecommendation": ("title", "summary", "a5_note", "ipr_note"),
}


def copy_to_english(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("consultation", model_name)
        model.objects.update(**{f"{field}_en": F(field) for field in fields})


class Migration(migrations.Migration):
    """Existing content is English: it goes into the English columns (django-modeltranslation)."""

    dependencies = [("consultation", "0007_content_in_six_languages")]

    operations = [migrations.RunPython(copy_to_english, migrations.RunPython.noop)]
