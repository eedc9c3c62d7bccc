"""Fault benchmark: Redis (broker and cache) killed in the middle of a run of filings.

For each size, on an emptied database: gunicorn (production settings), a plain
`celery -A mediation worker` and `celery beat` start on a Redis server of the benchmark's own;
complaints are filed through HTTP, each against a merchant of its own, by four clients; after a
tenth of them Redis is killed for --outage seconds and started again, empty. The run waits for
every filing SMS (beat's outbox sweep re-queues what the outage lost) and reports: filings
accepted, SMS lost, SMS doubled, and the seconds from Redis answering again to the last SMS.
The scenario is the one tests/faults/test_redis_outage.py runs at 300 filings.

    .venv/bin/python bench/fault_broker.py --filings 300,3000

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/mediation_bench_faults, which it
FLUSHES: the name must contain "bench"). Writes bench/results/fault_broker.json and .md.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench_faults")
# This process files through HTTP only; the stack's processes get their broker from the stack.
os.environ.pop("REDIS_URL", None)

from bench.machine import describe_machine, ensure_bench_database, machine_lines  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--filings", default="300,3000", help="run sizes, comma-separated (default 300,3000)")
    parser.add_argument("--outage", type=float, default=6.0, help="seconds Redis stays down (default 6)")
    parser.add_argument("--clients", type=int, default=4, help="filing clients at once (default 4)")
    parser.add_argument("--drain", type=float, default=300, help="seconds to wait for the last SMS (default 300)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="results directory")
    return parser.parse_args()


def make_world(size: int):
    """A council, `size` enrolled merchants with a notice phone each, one consumer with a token."""
    from rest_framework.authtoken.models import Token

    from accounts.models import Council, Role, User
    from merchants.models import Merchant, MerchantStatus

    council = Council.objects.create(name="Fault Bench Council", code="FLT", case_prefix="FB")
    merchants = Merchant.objects.bulk_create(
        Merchant(
            name=f"Fault Bench Shop {i:05d}",
            uscc=f"9142010{i:010d}X",
            region=council,
            status=MerchantStatus.ENROLLED,
            notice_phones=[f"139{i:08d}"],
        )
        for i in range(size)
    )
    consumer = User.objects.create(username="fault-consumer", role=Role.CONSUMER, phone="13700000001", password="!")
    return merchants, Token.objects.create(user=consumer).key


def run_once(size: int, args, workdir: Path) -> dict:
    from django.db import connection

    from tests.faults.broker_outage import file_through_outage, wait_for_filing_sms
    from tests.faults.stack import RedisServer, Stack

    ensure_bench_database(flush=True)
    merchants, token = make_world(size)
    database_url = os.environ["DATABASE_URL"]
    redis_server = RedisServer(workdir)
    redis_server.start()
    stack = Stack(workdir, database_url, redis_server.url)
    try:
        web = stack.web(COMPLAINTS_PER_DAY=str(size * 10), LOG_LEVEL="ERROR")
        worker = stack.worker()
        beat = stack.beat()
        for service in (web, worker, beat):
            service.start()
        started = time.monotonic()
        result = file_through_outage(
            url=web.url,
            token=token,
            merchants=merchants,
            redis_server=redis_server,
            outage_after=size // 10,
            outage_seconds=args.outage,
            clients=args.clients,
        )
        filing_seconds = time.monotonic() - started
        wait_for_filing_sms(result, worker, timeout=args.drain)
        connection.close()
    finally:
        stack.kill_all()
        redis_server.kill()
    back = result.seconds_to_last_sms
    return {
        "filings": size,
        "accepted": result.accepted,
        "refused": {str(s): sum(f.status == s for f in result.filings) for s in {f.status for f in result.filings}}
        if result.accepted < size
        else {},
        "filed_during_outage": result.during,
        "filing_seconds": round(filing_seconds, 1),
        "slowest_filing_seconds": round(result.slowest, 3),
        "sms_sent": len(result.texts),
        "sms_lost": len(result.lost),
        "sms_doubled": sum(n - 1 for n in result.doubled.values()),
        "misaddressed": len(result.misaddressed()),
        "all_sent_within_drain": result.drained,
        "seconds_from_broker_return_to_last_sms": None if back is None else round(back, 1),
        "seconds_from_broker_return_to_last_sms_of_earlier_filings": None
        if result.seconds_to_recover is None
        else round(result.seconds_to_recover, 1),
        "filing_ended_seconds_after_broker_return": round(filing_seconds - (result.outage.up_at - started), 1)
        if result.outage.up_at
        else None,
    }


def write_results(out: Path, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "fault_broker.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Fault benchmark: Redis killed during filings",
        "",
        f"Run {results['started']} (bench/fault_broker.py). gunicorn (production settings, 2 workers), a plain "
        "`celery -A mediation worker` (solo pool) and `celery beat` as separate processes on PostgreSQL and a Redis of "
        f"the run's own; {results['clients']} clients file through HTTP, each complaint against a merchant of its own; "
        f"after a tenth of the filings Redis is killed for {results['outage_seconds']:g} s and started again empty "
        "(every queued task lost). Lost: a filing with no SMS; doubled: SMS beyond one per filing; the last column is "
        "from Redis answering again to the last filing SMS leaving the worker (target: 30 s); filings go on after "
        "the return (the column before it), so the next column isolates the SMS of the filings made before the return, "
        "those the outage touched.",
        "",
        "| filings | accepted | during the outage | slowest filing s | SMS sent | lost | doubled "
        "| filing went on after the return, s | broker back → last SMS, s "
        "| broker back → last SMS of earlier filings, s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        lines.append(
            f"| {run['filings']} | {run['accepted']} | {run['filed_during_outage']} | {run['slowest_filing_seconds']} "
            f"| {run['sms_sent']} | {run['sms_lost']} | {run['sms_doubled']} "
            f"| {run['filing_ended_seconds_after_broker_return']} | {run['seconds_from_broker_return_to_last_sms']} "
            f"| {run['seconds_from_broker_return_to_last_sms_of_earlier_filings']} |"
        )
    lines += ["", "## Machine", "", *machine_lines(results["machine"]), ""]
    (out / "fault_broker.md").write_text("\n".join(lines))


def main() -> None:
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # no query log kept in memory
    ensure_bench_database(flush=True)
    results = {
        "benchmark": "Redis killed during filings",
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "outage_seconds": args.outage,
        "clients": args.clients,
        "machine": describe_machine(connection),
        "runs": [],
    }
    for size in (int(s) for s in args.filings.split(",") if s.strip()):
        with tempfile.TemporaryDirectory(prefix="fault-broker-") as workdir:
            run = run_once(size, args, Path(workdir))
        print(json.dumps(run), flush=True)
        results["runs"].append(run)
    write_results(Path(args.out), results)
    print((Path(args.out) / "fault_broker.md").read_text())


if __name__ == "__main__":
    main()
