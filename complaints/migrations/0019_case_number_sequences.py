"""complaints_next_case_number(prefix, year): the year's next case number from a sequence per
prefix and year, created on its first call (complaints/case_numbers.py). PostgreSQL only."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION complaints_next_case_number(p_prefix text, p_year integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    seq text := quote_ident('complaints_case_number_' || p_prefix || '_' || p_year);
    issued bigint;  -- the CaseSequence row's last: the numbers issued without the sequence
    n bigint;
BEGIN
    SELECT MAX(last) INTO issued FROM complaints_casesequence WHERE prefix = p_prefix AND year = p_year;
    issued := COALESCE(issued, 0);
    IF to_regclass(seq) IS NULL THEN
        BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %s START WITH %s', seq, issued + 1);
        EXCEPTION WHEN unique_violation OR duplicate_table THEN
            NULL;  -- a parallel filing created it first
        END;
    END IF;
    n := nextval(seq);
    IF n <= issued THEN
        -- The row was raised after the sequence was made (a restore, a bulk load): skip past it.
        IF issued - n > 1000 THEN
            -- Far below: jump, one caller at a time. Parallel filings cannot take 1,000 numbers
            -- meanwhile, so the jump never moves the sequence back over a number handed out.
            PERFORM pg_advisory_lock(hashtext(seq));
            n := nextval(seq);
            IF issued - n > 1000 THEN
                PERFORM setval(seq, issued);
            END IF;
            PERFORM pg_advisory_unlock(hashtext(seq));
        END IF;
        WHILE n <= issued LOOP
            n := nextval(seq);
        END LOOP;
    END IF;
    RETURN n;
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
