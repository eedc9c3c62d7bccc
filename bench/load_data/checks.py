"""The checks a load must pass: foreign keys, the schema migrations made, the timelines' hash chains,
and the named accounts the timing scripts rely on."""

import random
import sys

from .database import LOADED, connect
from .reference import Ref

FOREIGN_KEYS_SQL = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
"""


def check_foreign_keys(url: str) -> int:
    """The check PostgreSQL makes when it validates a foreign key, for every key of the loaded tables."""
    conn = connect(url)
    broken = 0
    with conn.cursor() as cur:
        cur.execute(FOREIGN_KEYS_SQL, [list(LOADED)])
        for table, column, target, target_column in cur.fetchall():
            cur.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"
            )
            missing = cur.fetchone()[0]
            if missing:
                print(f"foreign key {table}.{column} -> {target}: {missing} rows point nowhere", file=sys.stderr)
            broken += missing
    conn.close()
    return broken


def schema_diff(before: dict, after: dict) -> dict:
    return {
        kind: {
            "missing": sorted(set(before[kind]) - set(after[kind])),
            "extra": sorted(set(after[kind]) - set(before[kind])),
            "changed": sorted(k for k in before[kind] if k in after[kind] and before[kind][k] != after[kind][k]),
        }
        for kind in before
    }


def check_named(ref: Ref) -> dict:
    """bench-city supervises the busiest city and bench-owner owns the merchant with most cases."""
    from django.db.models import Count

    from complaints.models import Complaint

    per_city = {
        cid: Complaint.objects.filter(council_path__startswith=ref.councils[cid - 1][1]).count() for cid in ref.cities
    }
    top_merchant = (
        Complaint.objects.exclude(merchant=None).values_list("merchant").annotate(n=Count("id")).order_by("-n").first()
    )
    return {
        "bench-city supervises the busiest city": max(per_city, key=per_city.get) == ref.wuhan,
        "bench-owner owns the merchant with most cases": bool(top_merchant) and top_merchant[0] == 1,
    }


def verify_sample(seed: int, n: int = 50) -> dict:
    """complaints.integrity.verify_cases over a few cases spread over the table."""
    from complaints.integrity import verify_cases
    from complaints.models import Complaint

    last = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    ids = sorted({rng.randint(1, last) for _ in range(n)}) if last else []
    problems = [(cid, [p.reason for p in found]) for cid, found in verify_cases(ids) if found]
    return {"cases": len(ids), "problems": problems[:10]}
