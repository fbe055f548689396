"""The database refuses a position whose draft is not in its reply's circular.

Django cannot declare a constraint spanning two tables, so a trigger does it, on PostgreSQL
and on SQLite. A reply or a draft that has positions cannot move to another circular either.
"""

from django.db import migrations

from consultation.migrations._triggers import forward, reverse

class Migration(migrations.Migration):
    dependencies = [("consultation", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
