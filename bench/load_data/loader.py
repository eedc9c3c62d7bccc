"""run(): create, migrate, load and check a bench database; the figures go to bench/results/load.json."""

import datetime
import json
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

from .batches import STATE
from .checks import check_foreign_keys, check_named, schema_diff, verify_sample
from .clock import LOCAL, UTC, filing_times
from .copy_writer import load
from .database import LOADED, ROOT, connect, ensure_database, setup_django
from .indexes import rebuild, restore_after_stop, schema_snapshot
from .reference import Ref
from .stories import AC, AF, AM, IM, ST, UR

RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-password-315"


def run(
    url: str,
    *,
    complaints: int,
    seed: int = 315,
    consumers: int | None = None,
    merchants: int = 5000,
    workers: int | None = None,
    command: str = "",
    results: Path | None = RESULTS / "load.json",
) -> dict:
    """Create (when missing), migrate, empty and load the database at `url`; return the figures
    written to `results` (none written when it is None). `result["ok"]` is False when a check failed."""
    consumers = consumers or min(300_000, max(1000, complaints))
    workers = workers or os.cpu_count() or 2
    total_started = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(name, started):
        phases[name] = round(time.perf_counter() - started, 1)
        print(f"{name}: {phases[name]} s", file=sys.stderr)

    started = time.perf_counter()
    name = ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    restore_after_stop(url)
    call_command("migrate", verbosity=0)
    conn = connect(url)
    with conn.cursor() as cur:
        before = schema_snapshot(cur)
    conn.close()
    phase("database and migrations", started)

    started = time.perf_counter()
    from django.contrib.auth.hashers import make_password

    rng = random.Random(seed)
    ref = Ref(rng, consumers, merchants, make_password(PASSWORD))
    times = filing_times(rng, complaints)
    numbers, per_year = [], Counter()
    for t in times:
        year = datetime.datetime.fromtimestamp(t, LOCAL).year
        per_year[year] += 1
        numbers.append(f"HB{year}-{per_year[year]:06d}")
    habits = [rng.choice((0.99, 0.99, 0.97, 0.97, 0.93, 0.85)) for _ in ref.merchants]
    STATE.update(ref=ref, times=times, numbers=numbers, seed=seed, habits=habits)
    phase("reference data and filing plan", started)

    progress = _progress(complaints)
    load_phases: dict[str, float] = {}
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        stats = load(url, pool, ref, numbers, load_phases, progress)
    for key, value in load_phases.items():
        phases[key] = value
        print(f"{key}: {value} s", file=sys.stderr)

    started = time.perf_counter()
    index_timings = rebuild(url)
    phase("indexes and unique constraints", started)

    started = time.perf_counter()
    broken = check_foreign_keys(url)
    phase("foreign key checks", started)

    # The bulk load bypasses the transitions that keep the closed cases' totals: recount them.
    started = time.perf_counter()
    from django.db import connections

    from complaints.rollups import rebuild as rebuild_rollups

    connections.close_all()  # opened before the loading processes forked: start afresh
    rollup_rows = rebuild_rollups()
    phase("closed-case rollups", started)

    started = time.perf_counter()
    conn = connect(url, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        # The loaded gigabytes written out now, not while the first figures are measured.
        cur.execute("CHECKPOINT")
    os.sync()
    phase("vacuum analyze", started)

    started = time.perf_counter()
    with conn.cursor() as cur:
        after = schema_snapshot(cur)
        counts = {}
        for table in LOADED:
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT pg_database_size(current_database()), pg_size_pretty(pg_database_size(current_database()))")
        size, pretty = cur.fetchone()
    conn.close()
    checks = verify_sample(seed)
    checks["named_accounts"] = check_named(ref)
    phase("checks", started)
    same_schema = before == after
    if not same_schema:
        print(
            "the indexes or constraints differ from the migrated schema:", schema_diff(before, after), file=sys.stderr
        )
    total = round(time.perf_counter() - total_started, 1)
    closed = sum(v for k, v in stats.items() if k.startswith("outcome:") and k != "outcome:")
    result = {
        "generated_at": datetime.datetime.now(UTC).isoformat(timespec="seconds"),
        "database": name,
        "command": command,
        "complaints": complaints,
        "seed": seed,
        "workers": workers,
        "rows": counts,
        "rollup_rows": rollup_rows,
        "phases_seconds": phases,
        "total_seconds": total,
        "database_bytes": size,
        "database_size": pretty,
        "index_builds": sorted(index_timings, key=lambda t: -t["seconds"]),
        "schema_same_as_migrations": same_schema,
        "foreign_key_violations": broken,
        "open_by_status": {k: v for k, v in sorted(stats.items()) if k in (AM, AC, UR, IM, ST, AF)},
        "closed_share": round(closed / complaints, 4) if complaints else None,
        "outcomes": {k[8:]: v for k, v in sorted(stats.items()) if k.startswith("outcome:") and k != "outcome:"},
        "resolved_share_of_closed": round(stats.get("outcome:resolved", 0) / closed, 4) if closed else None,
        "text_shares": {k[5:]: round(v / complaints, 4) for k, v in stats.items() if k.startswith("text:")},
        "open_with_repeat_merchant": stats.get("open_with_repeat_merchant", 0),
        "accounts": {"password": PASSWORD, **{k: v for k, v in sorted(ref.named.items())}},
        "chain_check": checks,
    }
    result["ok"] = same_schema and not broken and not checks["problems"] and all(checks["named_accounts"].values())
    written = ""
    if results is not None:
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        written = f"; wrote {results}"
    print(
        f"loaded {complaints:,} complaints, {counts['complaints_complaintevent']:,} events in {total} s; "
        f"database {pretty}{written}",
        file=sys.stderr,
    )
    return result


def _progress(total: int):
    try:
        from tqdm import tqdm

        return tqdm(total=total, unit=" complaints", unit_scale=True, desc="complaints", file=sys.stderr)
    except ImportError:
        return _LineProgress(total)


class _LineProgress:
    """A one-line progress report on stderr, when tqdm is not installed."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.perf_counter()

    def update(self, n: int) -> None:
        self.done += n
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        print(f"\rcomplaints {self.done:,}/{self.total:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(file=sys.stderr)
