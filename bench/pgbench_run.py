"""Run a pgbench script against a database and read its figures; never raises on pgbench's failure."""

import glob
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.machine import percentile


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return candidates[-1] if candidates else None


def connection_options(params: dict) -> tuple[list[str], dict]:
    """pgbench's -h/-p/-U and database name, and the environment with the password, from Django's parameters."""
    options = [
        "-h",
        str(params.get("host") or "127.0.0.1"),
        "-p",
        str(params.get("port") or 5432),
        "-U",
        str(params.get("user") or "postgres"),
        str(params.get("dbname") or params.get("database")),
    ]
    env = {"PGPASSWORD": str(params["password"])} if params.get("password") else {}
    return options, env


def run_once(script: str, params: dict, timeout: float = 60) -> tuple[bool, str]:
    """`pgbench -n -t 1 -f script`: whether one transaction ran without error, and pgbench's output."""
    binary = pgbench_binary()
    if not binary:
        return False, "pgbench is not installed"
    options, env = connection_options(params)
    with tempfile.TemporaryDirectory(prefix="pgbench-once-") as temporary:
        path = Path(temporary) / "script.sql"
        path.write_text(script)
        command = [binary, "-n", "-M", "simple", "-t", "1", "-f", str(path), *options]
        finished = subprocess.run(command, capture_output=True, text=True, env=_env(env), timeout=timeout)
    output = finished.stdout + finished.stderr
    failed = re.search(r"number of failed transactions: (\d+)", output)
    ok = finished.returncode == 0 and not (failed and int(failed.group(1))) and "aborted" not in output
    return ok, output


def run(script: str, params: dict, *, concurrency: int, jobs: int, seconds: float) -> dict:
    """The throughput and latency of `script` under load, or {"not_measured": reason}."""
    binary = pgbench_binary()
    if not binary:
        return {"not_measured": "pgbench is not installed (PostgreSQL's client package)"}
    options, env = connection_options(params)
    jobs = max(1, min(jobs, concurrency))
    with tempfile.TemporaryDirectory(prefix="pgbench-") as temporary:
        path, logdir = Path(temporary) / "script.sql", Path(temporary) / "log"
        path.write_text(script)
        logdir.mkdir()
        command = [binary, "-n", "-M", "simple", "-c", str(concurrency), "-j", str(jobs)]
        command += ["-T", str(max(1, round(seconds))), "-f", str(path), "-r", "--log"]
        command += [f"--log-prefix={logdir / 'tx'}", *options]
        try:
            finished = subprocess.run(command, capture_output=True, text=True, env=_env(env), timeout=seconds + 300)
        except subprocess.TimeoutExpired:
            return {"not_measured": f"pgbench did not finish within {seconds + 300:.0f} s"}
        latencies = _latencies(logdir)
    output = finished.stdout + finished.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    if not tps:
        tail = " / ".join(output.strip().splitlines()[-3:])
        return {"not_measured": f"pgbench failed (exit {finished.returncode}): {tail}"}
    failed = re.search(r"number of failed transactions: (\d+)", output)
    processed = re.search(r"number of transactions actually processed: (\d+)", output)
    statement_times = [
        (float(m.group(1)), m.group(2).strip()[:100]) for m in re.finditer(r"^\s+([\d.]+)\s+\d+\s+(.+)$", output, re.M)
    ]
    errors = {"failed": int(failed.group(1))} if failed and int(failed.group(1)) else {}
    if "aborted" in output:
        errors["aborted"] = 1
    result = {
        "concurrency": concurrency,
        "seconds": seconds,
        "requests": int(processed.group(1)) if processed else len(latencies),
        "throughput_per_s": round(float(tps.group(1)), 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 2),
            "p95": round(percentile(latencies, 95), 2),
            "p99": round(percentile(latencies, 99), 2),
            "max": round(latencies[-1], 2) if latencies else None,
            "mean": round(statistics.fmean(latencies), 2) if latencies else None,
        },
        "errors": errors,
        "slowest_statements_ms": sorted(statement_times, reverse=True)[:5],
        "pgbench": f"pgbench -n -M simple -c {concurrency} -j {jobs} -T {max(1, round(seconds))} -f SCRIPT -r --log",
    }
    if finished.returncode:
        result["pgbench_output_tail"] = output.strip().splitlines()[-3:]
    return result


def _latencies(logdir: Path) -> list[float]:
    found = []
    for log in logdir.glob("tx*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                found.append(int(fields[2]) / 1000)
    return sorted(found)


def _env(extra: dict) -> dict:
    import os

    return {**os.environ, **extra}
