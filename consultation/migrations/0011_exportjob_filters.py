from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0010_large_export_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="query",
            field=models.TextField(
                blank=True,
                help_text=(
                    "The replies list's filters and search, as its address gives them (status, "
                    "channel, late, region, circular, demonstration data, search): the worker "
                    "exports the replies that list shows."
                ),
                verbose_name="filters",
            ),
        ),
        migrations.AlterField(
            model_name="exportjob",
            name="format",
            field=models.CharField(
                choices=[("xlsx", "XLSX"), ("csv", "CSV"), ("json", "JSON")],
                max_length=10,
                verbose_name="format",
            ),
        ),
    ]
