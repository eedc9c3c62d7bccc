# The text index of the queue's head, the cases of a safety complaint's priority or more
# (complaints/search.py, HEAD_PRIORITY): a word that is common elsewhere and rare among them is
# found there without reading every head case.

from django.db import migrations


def create(apps, schema_editor):
    # On SQLite search runs without an index: nothing to create.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS complaint_search_terms_head ON complaints_complaint "
            "USING gin (search_terms) WHERE priority >= 40"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS complaint_search_terms_head")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0022_foreign_keys_served_by_composite_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
