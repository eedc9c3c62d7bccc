"""complaints_case_number(root_id, year): the case number itself ("HB2026-000123"), the root
council's prefix with the year's next number from complaints_next_case_number (migration 0019),
so that a filing's INSERT takes its number and returns it, one round trip fewer than reading the
number first (complaints/case_numbers.py). PostgreSQL only. The field's class changes no column:
it returns the number from the INSERT."""

from django.db import migrations

import complaints.models

CREATE = """
CREATE OR REPLACE FUNCTION complaints_case_number(p_root integer, p_year integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    prefix text;
    n bigint;
BEGIN
    SELECT case_prefix INTO STRICT prefix FROM accounts_council WHERE id = p_root;
    n := complaints_next_case_number(prefix, p_year);
    -- As format_case_number: at least six digits, more when the year passes 999,999.
    RETURN prefix || p_year || '-' || lpad(n::text, greatest(6, length(n::text)), '0');
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS complaints_case_number(integer, integer);"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0024_complaint_statistics_kept_fresh")]

    operations = [
        migrations.AlterField(
            model_name="complaint",
            name="case_number",
            field=complaints.models.CaseNumberField(max_length=20, unique=True, verbose_name="case number"),
        ),
        migrations.RunPython(create_function, drop_function),
    ]
