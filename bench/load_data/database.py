"""The bench database: the tables the loader fills, connections, creating it, setting up Django."""

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]


# Tables the loader fills, emptied first; and the big ones whose indexes are rebuilt after COPY.
LOADED = (
    "accounts_council",
    "accounts_user",
    "merchants_merchant",
    "merchants_enrolmentapplicant",
    "merchants_merchantdecision",
    "complaints_casesequence",
    "complaints_complaint",
    "complaints_complaintevent",
    "merchants_overduemark",
    "notifications_notification",
)
REBUILT = ("accounts_user", "complaints_complaint", "complaints_complaintevent")
DDL_TABLE = "bench_load_pending_ddl"


def connect(url: str, *, autocommit: bool = False):
    import psycopg2

    conn = psycopg2.connect(url, options="-c synchronous_commit=off")
    conn.autocommit = autocommit
    return conn


def ensure_database(url: str) -> str:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to load benchmark data into {name!r}: its name must contain 'bench'.")
    conn = psycopg2.connect(parsed._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
