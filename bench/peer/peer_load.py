"""Ticket creation throughput of the peer, django-helpdesk 2.6, with the filing load's generator.

    .venv/bin/python bench/peer/peer_load.py --serve --seconds 30 --concurrency 8 --out bench/results/parts/peer.json
    .venv/bin/python bench/peer/peer_load.py --url http://127.0.0.1:8202 ...   # a peer already running

Runs bench/peer/setup.sh first (idempotent: its own virtual env var/peer-venv, its database
PEER_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mediation_bench_peer, a public
queue and a staff user). With --serve it starts the peer under gunicorn with the repository's
gunicorn.conf.py (the settings the platform runs with; --workers/--threads override both alike)
on --port (8202), drives it, and stops it.

Routes (--route):
- form (default): the public form POST /tickets/submit/, as an anonymous visitor with a CSRF
  cookie and token, the way the public files a ticket; success is the 302 to the ticket's page.
- api: POST /api/tickets/ (django-helpdesk's DRF API, staff only) with the staff user's token;
  success is 201.

Every request carries a different Chinese title and description (the same texts as the
platform's filings, bench/loadgen/texts.py) and a different submitter address. The ticket is
created in the request together with its first follow-up, and the submitter is mailed from the
request (locmem backend: rendered, never sent; see peerdesk/settings.py). wrk drives it at a
fixed concurrency for a fixed time (bench/loadgen). Output as bench/filing_load.py's, with
"target": "peer".
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen.server import Gunicorn, gunicorn_settings, tree_cpu_seconds  # noqa: E402
from bench.loadgen.texts import complaint_text  # noqa: E402
from bench.loadgen.wrk import cpu_per_success, measure_cpu, run_wrk, summarize, write_requests  # noqa: E402
from bench.machine import report_result  # noqa: E402

PEER_VENV = ROOT / "var" / "peer-venv"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--url", help="drive a peer that is already running")
    mode.add_argument("--serve", action="store_true", help="start the peer under gunicorn, then drive it")
    parser.add_argument("--route", choices=["form", "api"], default="form")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--max-rate", type=float, default=250, help="distinct tickets prepared per second of load")
    parser.add_argument("--port", type=int, default=8202)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--out")
    return parser.parse_args()


def peer_env() -> dict:
    env = dict(os.environ)
    env.setdefault("PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench_peer")
    env.setdefault("PEER_REDIS_URL", "redis://127.0.0.1:6379/12")
    return env


def setup(env: dict) -> dict:
    finished = subprocess.run(["bash", str(HERE / "setup.sh")], capture_output=True, text=True, env=env)
    if finished.returncode != 0:
        raise SystemExit(f"bench/peer/setup.sh failed:\n{finished.stdout}\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def ticket_text(n: int) -> tuple[str, str]:
    text = complaint_text(n)
    details = f"购买平台：{text['platform']}；订单号：{text['order_number']}；金额：{text['amount']}元。"
    body = f"{text['description']}\n{details}"
    return text["title"], body


def form_requests(count: int, first: int):
    """The public form, as an anonymous visitor: Django accepts the CSRF secret itself as the token."""
    csrf = secrets.token_hex(16)  # 32 characters, as Django's CSRF cookie
    headers = {
        "Host": "127.0.0.1",
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf}",
        "Accept-Language": "zh-hans",
    }
    for n in range(first, first + count):
        title, body = ticket_text(n)
        fields = {
            "csrfmiddlewaretoken": csrf,
            "title": title,
            "body": body,
            "submitter_email": f"consumer{n}@example.cn",
        }
        yield "POST", "/tickets/submit/", headers, urlencode(fields)


def api_requests(count: int, first: int, queue: int, token: str):
    headers = {
        "Host": "127.0.0.1",
        "Authorization": f"Token {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": "zh-hans",
    }
    for n in range(first, first + count):
        title, body = ticket_text(n)
        fields = {"queue": queue, "title": title, "description": body, "submitter_email": f"consumer{n}@example.cn"}
        fields["priority"] = 3
        yield "POST", "/api/tickets/", headers, json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def tickets_since(env: dict, since: float) -> int:
    import psycopg2

    with psycopg2.connect(env["PEER_DATABASE_URL"]) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM helpdesk_ticket WHERE created >= to_timestamp(%s)", [since])
        count = cursor.fetchone()[0]
    connection.close()
    return count


def postgres_cpu_seconds(env: dict) -> float:
    """CPU time of the PostgreSQL backends connected to the peer's database now (a local server only)."""
    import psycopg2

    with psycopg2.connect(env["PEER_DATABASE_URL"]) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return sum(tree_cpu_seconds(pid) for pid in pids)


def drive(url: str, args: argparse.Namespace, peer: dict, env: dict, workdir: Path, cpu_probes=None) -> dict:
    warm = max(1, int(args.warmup * args.max_rate)) if args.warmup > 0 else 0
    main = int(args.seconds * args.max_rate) + 1
    first = int(time.time()) * 1000
    path = "/tickets/submit/" if args.route == "form" else "/api/tickets/"

    def requests(count: int, start: int):
        if args.route == "form":
            return form_requests(count, start)
        return api_requests(count, start, peer["queue"], peer["token"])

    warm_file, main_file = workdir / "warmup.tsv", workdir / "tickets.tsv"
    write_requests(main_file, requests(main, first + warm))
    target = url.rstrip("/") + path
    if warm:
        write_requests(warm_file, requests(warm, first))
        run_wrk(target, warm_file, concurrency=args.concurrency, seconds=args.warmup, threads=args.wrk_threads)
    started = time.time()
    raw, used = measure_cpu(
        lambda: run_wrk(
            target, main_file, concurrency=args.concurrency, seconds=args.seconds, threads=args.wrk_threads
        ),
        {**(cpu_probes or {}), "postgres": lambda: postgres_cpu_seconds(env)},
    )
    result = summarize(raw, target="peer", concurrency=args.concurrency, success={302 if args.route == "form" else 201})
    cpu_per_success(result, raw, used, os.cpu_count() or 1)
    result["route"] = f"POST {path}"
    # A check that the answers were tickets (it also counts warm-up requests still in flight).
    result["tickets_created"] = tickets_since(env, started)
    result["email"] = "the submitter is mailed from the request: rendered, handed to Django's locmem backend"
    return result


def main() -> None:
    args = parse_args()
    env = peer_env()
    if "bench" not in env["PEER_DATABASE_URL"].rsplit("/", 1)[-1]:
        raise SystemExit("PEER_DATABASE_URL must name a database whose name contains 'bench'")
    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    peer = setup(env)
    with tempfile.TemporaryDirectory(prefix="peer-load-") as temporary:
        workdir = Path(temporary)
        if args.serve:
            if args.workers:
                env["GUNICORN_WORKERS"] = str(args.workers)
            if args.threads:
                env["GUNICORN_THREADS"] = str(args.threads)
            server = Gunicorn(
                gunicorn=PEER_VENV / "bin" / "gunicorn",
                app="peerdesk.wsgi",
                cwd=HERE,
                env=env,
                port=args.port,
                log_path=workdir / "gunicorn.log",
            )
            server.start("/tickets/submit/")
            try:
                result = drive(server.url, args, peer, env, workdir, {"gunicorn": server.cpu_seconds})
                result["memory"] = server.memory_mb()
            finally:
                server.stop()
            result["gunicorn"] = server.settings
            log = (workdir / "gunicorn.log").read_text(errors="replace")
            result["server_tracebacks"] = log.count("Traceback")
        else:
            result = drive(args.url, args, peer, env, workdir)
            result["gunicorn"] = gunicorn_settings(env)
    result["load_average_at_start"] = load_average
    report_result(result, args.out)


if __name__ == "__main__":
    main()
