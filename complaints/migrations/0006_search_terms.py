# Text search that finds Chinese words (complaints/search.py): each complaint's n-grams, and on
# PostgreSQL a GIN index over them.

from django.db import migrations, models

INDEX = (
    "CREATE INDEX complaint_search_terms ON complaints_complaint "
    "USING gin (array_to_tsvector(string_to_array(search_terms, ' ')))"
)


def fill_terms(apps, schema_editor):
    from complaints.search import complaint_terms

    Complaint = apps.get_model("complaints", "Complaint")
    batch = []
    for complaint in Complaint.objects.only("pk", "case_number", "order_number", "title", "description").iterator(
        chunk_size=2000
    ):
        complaint.search_terms = complaint_terms(complaint)
        batch.append(complaint)
        if len(batch) == 2000:
            Complaint.objects.bulk_update(batch, ["search_terms"])
            batch = []
    Complaint.objects.bulk_update(batch, ["search_terms"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS complaint_search_terms")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0005_event_hash_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="search_terms",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_terms, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
