"""Filing-to-SMS latency: from a filing's commit to its SMS leaving the Celery worker.

Files complaints against an enrolled merchant at a steady rate through
`filing.file_complaint` (in filer threads of this process), while a real Celery worker
(`celery -A mediation worker -Q celery,notices`) on PostgreSQL and Redis sends the notices
through bench/timing_backend.py, which logs when each SMS leaves. The commit time is taken
by an on-commit callback registered before the filing's own, so it is the moment right
after the transaction commits, before the task is published.

    .venv/bin/python bench/notice_latency.py --rates 20,50 --seconds 30

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/mediation_bench, which it
FLUSHES: the database name must contain "bench") and REDIS_URL (default
redis://127.0.0.1:6379/14, which it flushes). Writes bench/results/notice_latency.json and .md.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from bench.machine import describe_machine, ensure_bench_database, machine_lines, percentile  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="20,50", help="filings per second, comma-separated (default 20,50)")
    parser.add_argument("--seconds", type=float, default=30, help="how long each rate is held (default 30)")
    parser.add_argument("--concurrency", type=int, default=0, help="worker processes (default: nproc)")
    parser.add_argument("--filers", type=int, default=2, help="filing threads (default 2)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="results directory")
    parser.add_argument("--workdir", help="keep the worker's log and the SMS log here (default: a temporary directory)")
    return parser.parse_args()


class Worker:
    """A Celery worker process sending through the timing backend."""

    def __init__(self, workdir: Path, concurrency: int):
        self.sms_log = workdir / "sms.log"
        self.log_path = workdir / "worker.log"
        self.concurrency = concurrency
        self.process = None

    def start(self) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SMS_BACKEND": "bench.timing_backend.SmsBackend",
            "BENCH_SMS_LOG": str(self.sms_log),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "mediation",
            "worker",
            "-Q",
            "celery,notices",
            "-c",
            str(self.concurrency),
            "-l",
            "info",
            "-n",
            "bench-latency@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + 60
        while not re.search(r"@\S+ ready\.", self.log_path.read_text(errors="replace")):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the Celery worker did not start:\n{self.log_path.read_text(errors='replace')}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def sent(self) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        if self.sms_log.exists():
            for line in self.sms_log.read_text().splitlines():
                case_number, _, at = line.partition(" ")
                found.setdefault(case_number, []).append(float(at))
        return found


class World:
    def __init__(self):
        from accounts.models import Council, Role, User
        from merchants.models import Merchant, MerchantStatus

        self.council = Council.objects.create(name="Latency Bench Council", code="LAT", case_prefix="LB")
        self.merchant = Merchant.objects.create(
            name="Latency Bench Shop",
            uscc="91420100LATENCY00X",
            region=self.council,
            status=MerchantStatus.ENROLLED,
            notice_phones=["13900009999"],
        )
        User.objects.create(
            username="lat-owner", role=Role.MERCHANT_OWNER, merchant=self.merchant, phone="13600009999", password="!"
        )
        User.objects.bulk_create(
            User(username=f"lat-consumer-{i}", role=Role.CONSUMER, phone=f"137{i:08d}", password="!")
            for i in range(200)
        )
        self.consumers = list(User.objects.filter(role=Role.CONSUMER).order_by("pk"))


def file_one(world: World, n: int) -> tuple[str, float]:
    """File a complaint; return its case number and the moment its transaction committed."""
    from django.db import transaction

    from complaints import filing

    committed: list[float] = []
    with transaction.atomic():
        # Registered before the filing's own callback (which publishes the send task), so it runs first.
        transaction.on_commit(lambda: committed.append(time.time()))
        complaint = filing.file_complaint(
            consumer=world.consumers[n % len(world.consumers)],
            merchant=world.merchant,
            category="quality",
            channel="ecommerce",
            title=f"Latency bench {n}",
            description="The screen was cracked when I opened the box.",
            amount=Decimal("299.00"),
            demands=["refund"],
        )
    return complaint.case_number, committed[0]


def file_at_rate(world: World, rate: float, seconds: float, filers: int, offset: int) -> dict:
    """File rate*seconds complaints, filing n at start + n/rate, spread over `filers` threads."""
    from django.db import connection

    total = int(rate * seconds)
    commits: dict[str, float] = {}
    lags: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.time() + 0.5

    def filer(k: int) -> None:
        try:
            for n in range(k, total, filers):
                due = start + n / rate
                pause = due - time.time()
                if pause > 0:
                    time.sleep(pause)
                case_number, committed = file_one(world, offset + n)
                with lock:
                    commits[case_number] = committed
                    lags.append(max(0.0, time.time() - due))
        except Exception as exc:  # noqa: BLE001 - reported in the results, never hidden
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=filer, args=(k,)) for k in range(filers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - start
    return {"commits": commits, "elapsed": elapsed, "lags": lags, "errors": errors}


def measure(worker: Worker, world: World, rate: float, seconds: float, filers: int, offset: int) -> dict:
    filed = file_at_rate(world, rate, seconds, filers, offset)
    commits = filed["commits"]
    deadline = time.time() + 120
    while True:
        sent = worker.sent()
        missing = [c for c in commits if c not in sent]
        if not missing or time.time() > deadline:
            break
        time.sleep(0.5)
    latencies = sorted((sent[c][0] - commits[c]) * 1000 for c in commits if c in sent)
    doubled = sum(1 for c in commits if len(sent.get(c, [])) > 1)
    result = {
        "rate_per_second": rate,
        "seconds": seconds,
        "filed": len(commits),
        "achieved_rate_per_second": round(len(commits) / filed["elapsed"], 2) if filed["elapsed"] else None,
        "max_filing_lag_ms": round(max(filed["lags"], default=0) * 1000, 1),
        "sms_sent": len(latencies),
        "sms_missing": len(missing),
        "sms_doubled": doubled,
        "filing_errors": filed["errors"][:5],
    }
    if latencies:
        result["latency_ms"] = {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(latencies[-1], 1),
            "mean": round(statistics.fmean(latencies), 1),
            "min": round(latencies[0], 1),
        }
    return result


def write_results(out: Path, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "notice_latency.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    machine = results["machine"]
    lines = [
        "# Filing-to-SMS latency",
        "",
        "Time from a filing's commit to its SMS leaving the Celery worker (bench/notice_latency.py), "
        f"at a steady filing rate held {results['seconds']:g} s per rate.",
        "",
        f"Run {results['started']}; worker `celery -A mediation worker -Q celery,notices -c {results['concurrency']}` "
        f"(prefork) on PostgreSQL and Redis; {results['filers']} filing threads in the benchmark's own process call "
        "`filing.file_complaint`; the SMS backend (bench/timing_backend.py) records when each text leaves. "
        "Missing: no SMS within 2 minutes; doubled: more than one SMS for a filing.",
        "",
        "| filings/s | filed | achieved/s | SMS sent | missing | doubled | p50 ms | p95 ms | p99 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        lat = run.get("latency_ms", {})
        lines.append(
            f"| {run['rate_per_second']:g} | {run['filed']} | {run['achieved_rate_per_second']} | {run['sms_sent']} "
            f"| {run['sms_missing']} | {run['sms_doubled']} | {lat.get('p50', '-')} | {lat.get('p95', '-')} "
            f"| {lat.get('p99', '-')} | {lat.get('max', '-')} |"
        )
    lines += ["", "## Machine", "", *machine_lines(machine), ""]
    (out / "notice_latency.md").write_text("\n".join(lines))


def main() -> None:
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log kept in memory
    import redis

    ensure_bench_database(flush=True)
    redis_url = os.environ["REDIS_URL"]
    redis.Redis.from_url(redis_url).flushdb()
    from django.db import connection

    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    concurrency = args.concurrency or os.cpu_count() or 2
    machine = describe_machine(connection)
    world = World()
    connection.close()
    results = {
        "benchmark": "filing-to-SMS latency",
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "seconds": args.seconds,
        "concurrency": concurrency,
        "filers": args.filers,
        "database": connection.settings_dict["NAME"],
        "broker": redis_url,
        "runs": [],
        "machine": machine,
    }
    with tempfile.TemporaryDirectory(prefix="notice-latency-") as temporary:
        workdir = Path(args.workdir or temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        worker = Worker(workdir, concurrency)
        worker.start()
        try:
            measure(worker, world, rate=10, seconds=2, filers=args.filers, offset=0)  # warm-up, not reported
            offset = 100
            for rate in rates:
                run = measure(worker, world, rate, args.seconds, args.filers, offset)
                offset += int(rate * args.seconds) + 1
                results["runs"].append(run)
                print(json.dumps(run), flush=True)
        finally:
            worker.stop()
    write_results(Path(args.out), results)
    print(f"wrote {Path(args.out) / 'notice_latency.json'} and .md")


if __name__ == "__main__":
    main()
