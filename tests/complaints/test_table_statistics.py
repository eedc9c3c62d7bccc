"""The complaints table's statistics are refreshed after a few thousand changed cases, not after a
tenth of the table (migration 0024): the planner must see a status fill up with new cases."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_autovacuum_analyses_the_complaints_table_after_a_few_thousand_changes():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no planner statistics to refresh")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'complaints_complaint'")
        [(options,)] = cursor.fetchall()
    settings = dict(option.split("=") for option in options or [])

    # At a province's 1,000,000 cases: analysed after 3,000 changes (PostgreSQL's default: 100,050).
    changes = float(settings["autovacuum_analyze_threshold"]) + float(settings["autovacuum_analyze_scale_factor"]) * 1e6
    assert changes == 3000
