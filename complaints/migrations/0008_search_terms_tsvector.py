# The search terms as a tsvector column on PostgreSQL, indexed directly (complaints/search.py):
# each row's check no longer converts text to a tsvector.

from django.db import migrations

import complaints.search


def to_tsvector_column(apps, schema_editor):
    # On SQLite the column stays text: the field's type there is unchanged.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS complaint_search_terms")
        schema_editor.execute(
            "ALTER TABLE complaints_complaint ALTER COLUMN search_terms DROP DEFAULT, "
            "ALTER COLUMN search_terms TYPE tsvector USING search_terms::tsvector"
        )
        schema_editor.execute("CREATE INDEX complaint_search_terms ON complaints_complaint USING gin (search_terms)")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_open_priority_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="search_terms",
                    field=complaints.search.TermsField(blank=True, default="", editable=False),
                ),
            ],
            database_operations=[migrations.RunPython(to_tsvector_column, migrations.RunPython.noop)],
        ),
    ]
