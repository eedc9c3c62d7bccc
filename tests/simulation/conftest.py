import pytest
from django.db import connection


@pytest.fixture
def commits_without_waiting_for_the_disk():
    """Thousands of commits: a test database need not wait for each to reach the disk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
