"""Filing throughput through the API: POST /api/v1/complaints/ at a fixed concurrency for a fixed time.

Interface (the orchestrator, bench/run.sh, calls the first two):

    .venv/bin/python bench/filing_load.py --prepare [--consumers 3000] [--merchants 200]
        Migrates DATABASE_URL (never flushes it) and adds what the load needs when missing:
        consumers "filing-bench-NNNNN" with API tokens, and, when the database has no enrolled
        merchant with notice phones (bench/load_data/ loads thousands), a council tree with
        enrolled merchants. Safe to run again.

    .venv/bin/python bench/filing_load.py --url http://127.0.0.1:8100 --seconds 30 --concurrency 8 \
        --out bench/results/parts/filings.json
        Drives a server that is already running on DATABASE_URL (the same database: the tokens
        and merchants are read from it) with its Celery worker. Requests carry "Host: 127.0.0.1"
        over plain HTTP, so the server runs with DEBUG=false, SECRET_KEY, SECURE_SSL_REDIRECT=0
        and 127.0.0.1 in ALLOWED_HOSTS (production_env() below is what --serve uses). The
        "gunicorn" settings reported are those gunicorn.conf.py gives in this environment.

    .venv/bin/python bench/filing_load.py --serve [--port 8201] [--workers N --threads T] ...
        Starts gunicorn (gunicorn.conf.py; --workers/--threads override it) and a Celery worker
        (`celery -A mediation worker -Q celery,notices`, SMS through bench.timing_backend) on
        DATABASE_URL and REDIS_URL with production settings (DEBUG off), runs the load, stops both.

Options: --seconds (30), --concurrency (8), --warmup seconds not reported (3), --wrk-threads (1),
--max-rate (250 filings/s: how many distinct filings to prepare per second of load), --out FILE.
DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/mediation_bench (its name must
contain "bench"), REDIS_URL to redis://127.0.0.1:6379/14 (used by --serve only).

Each request is a real, valid filing: a consumer's token, an enrolled merchant, a category, a
channel and a Chinese title and description (bench/loadgen/texts.py). A consumer may file
COMPLAINTS_PER_DAY (10) complaints in 24 hours, so the requests rotate through the consumers
(each consumer's filings are spread over the whole run) and consumers are added when the ones
there cannot file enough for the run. wrk (bench/loadgen/rotate.lua) sends them.

Output (JSON, also printed): {"target": "ours", "concurrency", "seconds", "requests", "succeeded",
"throughput_per_s" (201 answers per second), "requests_per_s", "latency_ms": {"p50", "p95",
"p99", "max", "mean"}, "errors": {status: count}, "error_samples", "gunicorn": {...settings},
"notices" (the filings' SMS outbox rows by status), "cpu_ms_per_success" (CPU per filing of
"web" and "worker": gunicorn and the Celery worker, started by --serve or named by --cpu-pid
NAME=PID|PIDFILE, each with its children; "postgres": the backends of this database; "wrk"),
"cpu_share_of_machine", "memory" (--serve: peak RSS of the master and the largest worker),
"load_average_at_start"}.
"""

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench")

from bench.loadgen.cpu import BackendCpu, process_probe  # noqa: E402
from bench.loadgen.server import Gunicorn, gunicorn_settings, tree_cpu_seconds  # noqa: E402
from bench.loadgen.texts import complaint_text  # noqa: E402
from bench.loadgen.wrk import cpu_per_success, measure_cpu, run_wrk, summarize, write_requests  # noqa: E402
from bench.machine import report_result  # noqa: E402

CONSUMER_PREFIX = "filing-bench-"
BENCH_COUNCIL_CODE = "FILING-BENCH"
CATEGORIES = ["quality", "after_sales", "false_advertising", "price", "delivery", "contract", "other"]
CHANNELS = ["ecommerce", "livestream", "social", "food_delivery", "offline"]
DEMANDS = ["refund", "return", "exchange", "repair", "compensation", "apology"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--prepare", action="store_true", help="add consumers with tokens and merchants")
    mode.add_argument("--url", help="drive a server that is already running")
    mode.add_argument("--serve", action="store_true", help="start gunicorn and a Celery worker, then drive them")
    parser.add_argument("--consumers", type=int, default=3000, help="consumers --prepare makes sure exist")
    parser.add_argument("--merchants", type=int, default=200, help="merchants the filings rotate through")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before the measured run")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--max-rate", type=float, default=250, help="distinct filings prepared per second of load")
    parser.add_argument("--port", type=int, default=8201, help="--serve: the port gunicorn listens on")
    parser.add_argument("--workers", type=int, help="--serve: gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="--serve: threads per worker (default: gunicorn.conf.py)")
    parser.add_argument("--no-preload", action="store_true", help="--serve: load the app in each gunicorn worker")
    parser.add_argument("--app", default="mediation.wsgi", help="--serve: the WSGI module gunicorn serves")
    parser.add_argument(
        "--cpu-pid",
        action="append",
        default=[],
        metavar="NAME=PID|PIDFILE",
        help="count the CPU of this process and its children as NAME (web, worker); repeat for each",
    )
    parser.add_argument("--out", help="write the result here (JSON)")
    return parser.parse_args()


def cpu_pid_probes(specs: list[str]) -> dict:
    """--cpu-pid web=var/bench-run/gunicorn.pid ... as measure_cpu's probes."""
    probes = {}
    for spec in specs:
        name, _, where = spec.partition("=")
        if not name or not where:
            raise SystemExit(f"--cpu-pid takes NAME=PID or NAME=PIDFILE, not {spec!r}")
        probes[name] = process_probe(where)
    return probes


def setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log kept in memory


# --- the data the load needs ----------------------------------------------------------------


def enrolled_merchants(limit: int) -> list[int]:
    """Enrolled merchants with at least one notice phone (each filing then writes its SMS notice)."""
    from merchants.models import Merchant, MerchantStatus

    return list(
        Merchant.objects.filter(status=MerchantStatus.ENROLLED)
        .exclude(notice_phones=[])
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def create_bench_merchants(count: int) -> None:
    """A province council with two cities and `count` enrolled merchants spread over them."""
    from django.utils import timezone

    from accounts.models import Council
    from merchants.models import Merchant, MerchantStatus

    province, _ = Council.objects.get_or_create(
        code=BENCH_COUNCIL_CODE, defaults={"name": "压测省消费者委员会", "case_prefix": "YC"}
    )
    cities = []
    for k, name in enumerate(["压测甲市消费者委员会", "压测乙市消费者委员会"]):
        city, _ = Council.objects.get_or_create(
            code=f"{BENCH_COUNCIL_CODE}-{k}", defaults={"name": name, "parent": province, "case_prefix": "YC"}
        )
        cities.append(city)
    now = timezone.now()
    Merchant.objects.bulk_create(
        [
            Merchant(
                name=f"压测商户{i:04d}有限公司",
                uscc=f"91420100FB{i:08d}",
                region=cities[i % len(cities)],
                status=MerchantStatus.ENROLLED,
                enrolled_at=now,
                notice_phones=[f"1390000{i:04d}"],
            )
            for i in range(count)
        ],
        ignore_conflicts=True,
    )


def ensure_consumers(count: int) -> int:
    """Consumers filing-bench-00000 ... with API tokens; returns how many were added."""
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, User

    existing = set(User.objects.filter(username__startswith=CONSUMER_PREFIX).values_list("username", flat=True))
    wanted = [f"{CONSUMER_PREFIX}{i:05d}" for i in range(count)]
    missing = [name for name in wanted if name not in existing]
    for start in range(0, len(missing), 2000):
        User.objects.bulk_create(
            [
                User(
                    username=name,
                    role=Role.CONSUMER,
                    name=f"压测用户{name[-5:]}",
                    phone=f"1990{name[-5:]}00",
                    password="!",  # no password: the load logs in with its token
                )
                for name in missing[start : start + 2000]
            ],
            ignore_conflicts=True,
        )
    without_token = User.objects.filter(username__startswith=CONSUMER_PREFIX, auth_token__isnull=True)
    Token.objects.bulk_create([Token(user=user, key=Token.generate_key()) for user in without_token])
    return len(missing)


def prepare(consumers: int, merchants: int) -> dict:
    from bench.machine import ensure_bench_database

    ensure_bench_database(flush=False)
    if not enrolled_merchants(1):
        create_bench_merchants(max(merchants, 1))
    added = ensure_consumers(consumers)
    return {"consumers_added": added, "merchants": len(enrolled_merchants(merchants))}


def filing_slots(needed: int) -> list[str]:
    """Tokens in filing order, each consumer at most as often as its 24-hour allowance leaves.

    Round r holds every consumer with more than r filings left, so a consumer's filings are a
    whole round apart. Consumers are added when the ones there do not give `needed` slots.
    """
    from django.conf import settings
    from django.db.models import Count, Q
    from django.utils import timezone

    from accounts.models import User

    limit = settings.COMPLAINTS_PER_DAY
    while True:
        since = timezone.now() - timedelta(days=1)
        consumers = list(
            User.objects.filter(username__startswith=CONSUMER_PREFIX, auth_token__isnull=False)
            .annotate(recent=Count("complaints", filter=Q(complaints__filed_at__gt=since)))
            .order_by("pk")
            .values_list("auth_token__key", "recent")
        )
        slots = [key for r in range(limit) for key, recent in consumers if limit - recent > r]
        if len(slots) >= needed:
            return slots[:needed]
        more = (needed - len(slots)) // limit + 1
        print(f"adding {more} consumers: {len(slots)} filings left in the 24-hour allowance, {needed} needed")
        ensure_consumers(len(consumers) + more)


def filing_requests(tokens: list[str], merchants: list[int], first: int):
    """One POST /api/v1/complaints/ per token: a real filing with Chinese text."""
    today = date.today()
    for i, token in enumerate(tokens):
        n = first + i
        pick = random.Random(n)
        text = complaint_text(n)
        body = {
            "merchant": merchants[n % len(merchants)],
            "category": pick.choice(CATEGORIES),
            "channel": pick.choice(CHANNELS),
            "platform": text["platform"],
            "order_number": text["order_number"],
            "purchase_date": (today - timedelta(days=pick.randint(1, 60))).isoformat(),
            "amount": text["amount"],
            "demands": pick.sample(DEMANDS, pick.randint(1, 2)),
            "title": text["title"],
            "description": text["description"],
            "share_contact": pick.random() < 0.5,
        }
        headers = {
            "Host": "127.0.0.1",
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "zh-hans",
        }
        yield "POST", "/api/v1/complaints/", headers, json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# --- the run ---------------------------------------------------------------------------------


def notices_since(started) -> dict:
    """The filings' SMS notices (outbox rows) by status: sent ones left the Celery worker."""
    from django.db.models import Count

    from notifications.models import Notification

    rows = (
        Notification.objects.filter(complaint__filed_at__gte=started, event="filed", channel="sms")
        .values("status")
        .annotate(n=Count("id"))
    )
    return {row["status"]: row["n"] for row in rows}


def drive(url: str, args: argparse.Namespace, workdir: Path, cpu_probes: dict | None = None) -> dict:
    """Warm up, then run the measured load; `cpu_probes` name processes whose CPU time is counted."""
    from django.db import connection
    from django.utils import timezone

    merchants = enrolled_merchants(args.merchants)
    if not merchants:
        raise SystemExit("no enrolled merchant with notice phones: run --prepare first")
    warm = max(1, int(args.warmup * args.max_rate)) if args.warmup > 0 else 0
    main = int(args.seconds * args.max_rate) + 1
    tokens = filing_slots(warm + main)
    offset = int(time.time())  # texts differ from run to run
    warm_file, main_file = workdir / "warmup.tsv", workdir / "filings.tsv"
    if warm:
        write_requests(warm_file, filing_requests(tokens[:warm], merchants, offset))
    write_requests(main_file, filing_requests(tokens[warm:], merchants, offset + warm))
    connection.close()
    target = url.rstrip("/") + "/api/v1/complaints/"
    if warm:
        run_wrk(target, warm_file, concurrency=args.concurrency, seconds=args.warmup, threads=args.wrk_threads)
    started = timezone.now()
    # The database's backends (the server's and the worker's), found by their process title.
    with BackendCpu(connection.settings_dict["NAME"]) as backends:
        raw, used = measure_cpu(
            lambda: run_wrk(
                target, main_file, concurrency=args.concurrency, seconds=args.seconds, threads=args.wrk_threads
            ),
            {**(cpu_probes or {}), "postgres": backends.seconds},
        )
    result = summarize(raw, target="ours", concurrency=args.concurrency, success={201})
    cpu_per_success(result, raw, used, os.cpu_count() or 1)
    result["merchants"] = len(merchants)
    # Give the worker a moment to send the last notices, then count them.
    deadline = time.monotonic() + 30
    while True:
        notices = notices_since(started)
        if not notices.get("pending") and not notices.get("sending") or time.monotonic() > deadline:
            break
        time.sleep(1)
    result["notices"] = {"filed_sms_by_status": notices}
    connection.close()
    return result


class CeleryWorker:
    """`celery -A mediation worker -Q celery,notices` sending SMS through bench.timing_backend."""

    def __init__(self, env: dict, workdir: Path):
        self.env = {**env, "SMS_BACKEND": "bench.timing_backend.SmsBackend", "BENCH_SMS_LOG": str(workdir / "sms.log")}
        self.log_path = workdir / "celery.log"
        self.process = None

    def start(self) -> None:
        import subprocess

        command = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "mediation", "worker", "-Q", "celery,notices"]
        command += ["-l", "warning", "-n", "filing-bench@%h", "--without-heartbeat", "--without-gossip"]
        command += ["--without-mingle"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        time.sleep(3)
        if self.process.poll() is not None:
            raise SystemExit(f"the Celery worker did not start:\n{self.log_path.read_text(errors='replace')}")

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid) if self.process else 0.0

    def stop(self) -> None:
        import subprocess

        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def production_env(args: argparse.Namespace) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "filing-bench-secret-key-not-for-production-use-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "off",
    }
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    if args.no_preload:
        env["GUNICORN_PRELOAD"] = "0"
    return env


def serve_and_drive(args: argparse.Namespace, workdir: Path) -> dict:
    import redis

    env = production_env(args)
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # a queue of the benchmark's own
    worker = CeleryWorker(env, workdir)
    server = Gunicorn(
        gunicorn=ROOT / ".venv" / "bin" / "gunicorn",
        app=args.app,
        cwd=ROOT,
        env=env,
        port=args.port,
        log_path=workdir / "gunicorn.log",
    )
    worker.start()
    try:
        server.start("/healthz")
        try:
            probes = {"web": server.cpu_seconds, "worker": worker.cpu_seconds}
            result = drive(server.url, args, workdir, probes)
            result["memory"] = server.memory_mb()
        finally:
            server.stop()
    finally:
        worker.stop()
    result["gunicorn"] = server.settings
    sms_log = workdir / "sms.log"
    result["notices"]["sms_sent_by_worker"] = len(sms_log.read_text().splitlines()) if sms_log.exists() else 0
    errors = [ln for ln in (workdir / "gunicorn.log").read_text(errors="replace").splitlines() if "Traceback" in ln]
    result["server_tracebacks"] = len(errors)
    return result


def main() -> None:
    args = parse_args()
    if not re.search("bench", os.environ["DATABASE_URL"].rsplit("/", 1)[-1]):
        raise SystemExit("DATABASE_URL must name a database whose name contains 'bench'")
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    setup_django()
    if args.prepare:
        print(json.dumps(prepare(args.consumers, args.merchants)))
        return
    with tempfile.TemporaryDirectory(prefix="filing-load-") as temporary:
        workdir = Path(temporary)
        if args.serve:
            result = serve_and_drive(args, workdir)
        else:
            result = drive(args.url, args, workdir, cpu_pid_probes(args.cpu_pid))
            result["gunicorn"] = gunicorn_settings()
    result["load_average_at_start"] = load_average
    report_result(result, args.out)


if __name__ == "__main__":
    main()
