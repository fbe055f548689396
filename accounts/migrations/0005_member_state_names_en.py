from django.db import migrations
from django.db.models import F


def copy_names(apps, schema_editor):
    apps.get_model("accounts", "MemberState").objects.update(name_en=F("name"))


class Migration(migrations.Migration):
    """The English column of the names (django-modeltranslation) holds ITU's English name."""

    dependencies = [("accounts", "0004_member_state_names_and_language_from_browser")]

    operations = [migrations.RunPython(copy_names, migrations.RunPython.noop)]
