"""What a read replica costs on this machine: copying the cluster, the replica's replay delay
after a commit (what `statistics_reads(fresh=True)` waits for), and the router's choice per query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/replica_lag.py

It makes a streaming replica of DATABASE_URL's whole cluster as the integration test does
(tests/integration/test_read_replica.py: pg_basebackup -R, a free port, run as postgres when
root), commits PROBES single-row inserts on the primary one by one, and times how long after
each commit returns the replica has replayed it. Everything it creates (the replica, its slot, the probe table) is
removed at the end. Results: bench/results/read_replica.json and .md.
"""

import copy
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402

from complaints.models import Complaint  # noqa: E402
from mediation.db_router import REPLICA, statistics_reads  # noqa: E402
from tests.integration.test_read_replica import STANDBY_MINIMUMS, StreamingReplica, _show  # noqa: E402

PROBES = 200
ROUTING_CALLS = 20000
RESULTS = ROOT / "bench" / "results"


def replay_waits(replica_alias: str) -> list[float]:
    """Milliseconds from each commit on the primary until the replica has replayed it."""
    primary = connections["default"]
    waits = []
    with primary.cursor() as cursor:
        cursor.execute("CREATE TABLE replica_probe (id serial PRIMARY KEY, at timestamptz DEFAULT now())")
    try:
        for _ in range(PROBES):
            with primary.cursor() as cursor:
                cursor.execute("INSERT INTO replica_probe DEFAULT VALUES")
                cursor.execute("SELECT pg_current_wal_lsn()")
                [lsn] = cursor.fetchone()
            started = time.perf_counter()
            with connections[replica_alias].cursor() as cursor:
                while True:
                    cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.001)
            waits.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)
    finally:
        with primary.cursor() as cursor:
            cursor.execute("DROP TABLE replica_probe")
    return sorted(waits)


def routing_microseconds() -> dict[str, float]:
    def per_call() -> float:
        started = time.perf_counter()
        for _ in range(ROUTING_CALLS):
            Complaint.objects.all().db  # noqa: B018 - the router's choice is the cost measured
        return round((time.perf_counter() - started) / ROUTING_CALLS * 1e6, 2)

    outside = per_call()
    with statistics_reads():
        assert Complaint.objects.all().db == REPLICA
        inside = per_call()
    return {"outside statistics_reads": outside, "inside statistics_reads": inside}


def main() -> None:
    primary = connections["default"]
    with primary.cursor() as cursor:
        major = int(_show(cursor, "server_version_num")) // 10000
        minimums = {name: _show(cursor, name) for name in STANDBY_MINIMUMS}
        cursor.execute("SELECT sum(pg_database_size(datname)) FROM pg_database")
        cluster_mb = round(int(cursor.fetchone()[0]) / 1e6)
    replica = StreamingReplica(primary.settings_dict, major, minimums)
    summary = {"when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "cluster_mb": cluster_mb}
    summary["load_before"] = [round(x, 2) for x in os.getloadavg()]
    try:
        started = time.monotonic()
        reason = replica.create()
        if reason:
            sys.exit(f"could not copy the cluster: {reason}")
        summary["basebackup_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        replica.start()
        summary["start_s"] = round(time.monotonic() - started, 1)
        settings_dict = copy.deepcopy(primary.settings_dict)
        settings_dict.update(HOST="127.0.0.1", PORT=str(replica.port))
        connections.settings[REPLICA] = settings_dict
        waits = replay_waits(REPLICA)
        summary["replay_wait_ms"] = {
            "probes": len(waits),
            "median": round(statistics.median(waits), 2),
            "p95": round(waits[int(0.95 * len(waits)) - 1], 2),
            "max": round(waits[-1], 2),
        }
        summary["routing_us_per_queryset"] = routing_microseconds()
        connections[REPLICA].close()
    finally:
        with primary.cursor() as cursor:
            replica.destroy(cursor)
    summary["load_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "read_replica.json").write_text(json.dumps(summary, indent=2) + "\n")
    (RESULTS / "read_replica.md").write_text(_markdown(summary))
    print(json.dumps(summary, indent=2))


def _markdown(s: dict) -> str:
    wait = s["replay_wait_ms"]
    routing = s["routing_us_per_queryset"]
    return "\n".join(
        [
            "# A read replica on this machine",
            "",
            f"Generated by `bench/replica_lag.py` at {s['when']} (load average {s['load_before']} before,"
            f" {s['load_after']} after, 2 cores shared with other work).",
            "",
            "| figure | result |",
            "|---|---|",
            f"| copying the cluster ({s['cluster_mb']} MB) with pg_basebackup | {s['basebackup_s']} s |",
            f"| starting the replica | {s['start_s']} s |",
            f"| replay of a commit after it returned, {wait['probes']} probes: median / p95 / max | "
            f"{wait['median']} / {wait['p95']} / {wait['max']} ms |",
            f"| the router's choice per queryset, outside / inside statistics_reads | "
            f"{routing['outside statistics_reads']} / {routing['inside statistics_reads']} µs |",
            "",
        ]
    )


if __name__ == "__main__":
    main()
