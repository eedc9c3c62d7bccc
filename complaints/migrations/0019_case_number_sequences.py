"""complaints_next_case_number(prefix, year): the year's next case number from a sequence per
prefix and year, created on its first call (complaints/case_numbers.py). PostgreSQL only."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION complaints_next_case_number(p_prefix text, p_year integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    seq text := 'complaints_case_number_' || p_prefix || '_' || p_year;
    first_number bigint;
BEGIN
    IF to_regclass(quote_ident(seq)) IS NULL THEN
        -- Continue after the numbers the CaseSequence row issued before sequences existed.
        SELECT COALESCE(MAX(last), 0) + 1 INTO first_number
          FROM complaints_casesequence WHERE prefix = p_prefix AND year = p_year;
        BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s', seq, first_number);
        EXCEPTION WHEN unique_violation OR duplicate_table THEN
            NULL;  -- a parallel filing created it first
        END;
    END IF;
    RETURN nextval(quote_ident(seq));
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS complaints_next_case_number(text, integer);"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0018_event_kinds")]

    operations = [migrations.RunPython(create_function, drop_function)]
