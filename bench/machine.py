"""What the benchmarks share: the machine they ran on, the bench database, percentiles."""

import json
import math
import os
import platform
import subprocess
import time
from pathlib import Path


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


# A fixed piece of pure-Python work, timed when a run begins (speed_probe_seconds).
SPEED_PROBE_SQUARES = 3_000_000
SPEED_PROBE_ROUNDS = 3


def speed_probe_seconds() -> float:
    """The best of SPEED_PROBE_ROUNDS timings of a fixed pure-Python loop (the sum of the first
    SPEED_PROBE_SQUARES squares), on the wall clock. Hosts that report the same CPU model do not
    run it at the same speed: on a shared host a loop over ten million squares took 0.83 to 1.29 s
    from one minute to the next, and a whole run (the peer's code unchanged) went half as fast as
    the day before.
    The load average does not show it; this figure lets runs of different days be compared."""
    best = math.inf
    for _ in range(SPEED_PROBE_ROUNDS):
        started = time.perf_counter()
        sum(i * i for i in range(SPEED_PROBE_SQUARES))
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def describe_machine(connection) -> dict:
    """nproc, `free -g`, the CPU model, the PostgreSQL version, the load when the run began and
    how fast the host ran a fixed loop then (speed_probe_seconds)."""
    free = _run(["free", "-g"])
    memory = next((line.split() for line in free.splitlines() if line.startswith("Mem:")), [])
    cpu_model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu_model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgresql = cursor.fetchone()[0]
    return {
        "nproc": _run(["nproc"]).strip() or str(os.cpu_count()),
        "cpu_model": cpu_model,
        "free_g": free,
        "memory_total_gb": memory[1] if len(memory) > 1 else "?",
        "memory_available_gb": memory[-1] if memory else "?",
        "postgresql": postgresql,
        "python": platform.python_version(),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "speed_probe_seconds": speed_probe_seconds(),
    }


def machine_lines(machine: dict) -> list[str]:
    return [
        f"- CPUs (`nproc`): {machine['nproc']} ({machine['cpu_model']})",
        f"- Memory (`free -g`): {machine['memory_total_gb']} GiB total, {machine['memory_available_gb']} GiB available",
        f"- PostgreSQL: {machine['postgresql']}",
        f"- Python {machine['python']}; load average at the start {machine['load_average']}",
        *(
            [
                f"- Speed at the start: {machine['speed_probe_seconds']:.3f} s for a fixed Python loop "
                f"(the sum of {SPEED_PROBE_SQUARES:,} squares, best of {SPEED_PROBE_ROUNDS}; less is faster)"
            ]
            if "speed_probe_seconds" in machine
            else []
        ),
        "",
        "```",
        machine["free_g"].rstrip(),
        "```",
    ]


def ensure_bench_database(*, flush: bool) -> None:
    """Migrate the bench database (PostgreSQL creates it first when missing) and empty it.

    Refuses any database whose name does not contain "bench": a benchmark flushes it.
    """
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql":
        raise SystemExit(f"the benchmarks run on PostgreSQL; DATABASE_URL names a {connection.vendor} database")
    if "bench" not in str(name):
        raise SystemExit(f"refusing to flush database {name!r}: the benchmark's database name must contain 'bench'")
    _create_if_missing(connection, name)
    call_command("migrate", interactive=False, verbosity=0)
    if flush:
        call_command("flush", interactive=False, verbosity=0)


def _create_if_missing(connection, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()


def percentile(sorted_values: list[float], p: float) -> float:
    """The p-th percentile by the nearest-rank method (a value that was measured)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def report_result(result: dict, out: str | None) -> None:
    """Print a benchmark's result as JSON and, with --out, write it there too."""
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
