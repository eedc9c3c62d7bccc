"""What the benchmarks share: the machine they ran on, the bench database, percentiles."""

import json
import math
import os
import platform
import subprocess
from pathlib import Path


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def describe_machine(connection) -> dict:
    """nproc, `free -g`, the CPU model, the PostgreSQL version and the load when the run began."""
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
    }


def machine_lines(machine: dict) -> list[str]:
    return [
        f"- CPUs (`nproc`): {machine['nproc']} ({machine['cpu_model']})",
        f"- Memory (`free -g`): {machine['memory_total_gb']} GiB total, {machine['memory_available_gb']} GiB available",
        f"- PostgreSQL: {machine['postgresql']}",
        f"- Python {machine['python']}; load average at the start {machine['load_average']}",
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
