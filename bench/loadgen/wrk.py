"""Drive an HTTP endpoint with wrk at a fixed concurrency for a fixed time.

wrk is a closed loop: each of `concurrency` connections sends its next request as soon as the
previous answer arrives, so the throughput is what the server sustains at that concurrency.
wrk runs one thread by default: a thread sends thousands of requests a second, and the load
generator shares the machine's cores with the server it measures.
"""

import json
import resource
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "rotate.lua"

Request = tuple[str, str, dict[str, str], str]  # method, path, headers, body


def write_requests(path: Path, requests: Iterable[Request]) -> int:
    """Write requests in rotate.lua's format (one a line, tab-separated); return how many."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for method, target, headers, body in requests:
            fields = [method, target, *(f"{name}: {value}" for name, value in headers.items()), body]
            if any("\t" in f or "\n" in f for f in fields):
                raise ValueError("a request field holds a tab or a newline")
            out.write("\t".join(fields) + "\n")
            count += 1
    return count


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def run_wrk(url: str, requests_file: Path, *, concurrency: int, seconds: float, threads: int = 1) -> dict:
    """Run wrk and return what rotate.lua printed (latencies in microseconds)."""
    threads = max(1, min(threads, concurrency))
    command = [
        wrk_binary(),
        "-t",
        str(threads),
        "-c",
        str(concurrency),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "60s",
        "-s",
        str(SCRIPT),
        url,
        "--",
        str(requests_file),
        str(threads),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if finished.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    raw["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return raw


def measure_cpu(run, probes: dict) -> tuple[dict, dict]:
    """Call run() and return its result with the CPU seconds each probe's processes used meanwhile."""
    before = {name: probe() for name, probe in probes.items()}
    raw = run()
    return raw, {name: probe() - before[name] for name, probe in probes.items()}


def cpu_per_success(result: dict, raw: dict, used: dict, cores: int) -> None:
    """Add the CPU milliseconds each part spent per successful request, and the machine's share used."""
    used = {**used, "wrk": raw["cpu_s"]}
    succeeded = max(1, result["succeeded"])
    result["cpu_ms_per_success"] = {name: round(seconds * 1000 / succeeded, 1) for name, seconds in used.items()}
    result["cpu_share_of_machine"] = round(sum(used.values()) / (cores * result["seconds"]), 2)


def summarize(raw: dict, *, target: str, concurrency: int, success: set[int]) -> dict:
    """The result in the benchmarks' shape: throughput of successful requests, latency in ms,
    every other answer counted by status (and socket errors by kind)."""
    seconds = raw["duration_us"] / 1e6
    statuses = {int(k): v for k, v in raw["statuses"].items()}
    succeeded = sum(n for status, n in statuses.items() if status in success)
    errors = {str(status): n for status, n in sorted(statuses.items()) if status not in success}
    errors.update({f"socket_{kind}": n for kind, n in raw["socket_errors"].items() if n})
    latency = raw["latency_us"]
    return {
        "target": target,
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "requests": raw["requests"],
        "succeeded": succeeded,
        "throughput_per_s": round(succeeded / seconds, 1) if seconds else 0.0,
        "requests_per_s": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "latency_ms": {p: round(latency[p] / 1000, 1) for p in ("p50", "p95", "p99", "max")}
        | {"mean": round(latency["mean"] / 1000, 1)},
        "errors": errors,
        "error_samples": raw["samples"],
        # More requests sent than distinct ones prepared: the rotation started over.
        "requests_reused": raw["sent"] > raw["available"],
    }
