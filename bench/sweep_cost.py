"""What one outbox sweep costs with 1,000,000 notices in the table.

The sweep (notifications.tasks.sweep_outbox) runs every OUTBOX_SWEEP_SECONDS (5 s), so its cost
must not grow with the notices ever sent. This loads --notices rows (default 1,000,000) straight
into the notification table with generate_series: nearly all sent, and --pending pending (half of
them waiting for their task, half left behind by an outage), 100 held by live workers, 100 by dead
ones and 5,000 failed. Then it measures, --runs times each:

- a quiet sweep: nothing due (the pending rows are all fresh), what it costs every 5 s;
- a sweep after an outage: --pending rows due, each re-queued to Redis (REDIS_URL) and marked.

and prints each query's plan (EXPLAIN ANALYZE), to show that it reads the partial indexes.

    .venv/bin/python bench/sweep_cost.py --notices 1000000

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/mediation_bench_sweep, which it
FLUSHES: the name must contain "bench") and REDIS_URL (default redis://127.0.0.1:6379/14, which it
flushes). Writes bench/results/sweep_cost.json and .md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench_sweep")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from bench.machine import describe_machine, ensure_bench_database, machine_lines, report_result  # noqa: E402

LOAD = """
INSERT INTO notifications_notification (
    idempotency_key, event, channel, address, subject, body, params, link, status, attempts, last_error,
    provider_message_id, created_at, sent_at, next_attempt_at, claimed_at, delivery_status, delivery_error
)
SELECT 'bench:' || i, 'filed', 'sms', '139' || lpad((i %% 100000000)::text, 8, '0'), '',
       '[315] A consumer filed complaint HB2026-' || lpad(i::text, 6, '0') || ' against you.', '{}', '',
       'sent', 1, '', 'm' || i, now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval,
       now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval, 'delivered', ''
FROM generate_series(1, %s) AS i
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=1_000_000, help="rows in the table (default 1,000,000)")
    parser.add_argument("--pending", type=int, default=1000, help="pending rows (default 1,000: one sweep's batch)")
    parser.add_argument("--runs", type=int, default=20, help="sweeps measured of each kind (default 20)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "sweep_cost.json"), help="JSON result")
    return parser.parse_args()


def load(count: int, pending: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(LOAD, [count])
        # Some of the rows become the sweep's business: pending, held by workers, failed.
        cursor.execute(
            "UPDATE notifications_notification SET status = 'pending', sent_at = NULL, next_attempt_at = now() "
            "WHERE id IN (SELECT id FROM notifications_notification ORDER BY id DESC LIMIT %s)",
            [pending],
        )
        cursor.execute(
            "UPDATE notifications_notification SET status = 'sending', sent_at = NULL, claimed_at = now() "
            "WHERE id IN (SELECT id FROM notifications_notification WHERE status = 'sent' ORDER BY id DESC LIMIT 100)"
        )
        cursor.execute(
            "UPDATE notifications_notification SET status = 'sending', sent_at = NULL, "
            "claimed_at = now() - interval '1 hour' WHERE id IN (SELECT id FROM notifications_notification "
            "WHERE status = 'sent' ORDER BY id DESC LIMIT 100)"
        )
        cursor.execute(
            "UPDATE notifications_notification SET status = 'failed', sent_at = NULL, last_error = 'gateway down' "
            "WHERE id IN (SELECT id FROM notifications_notification WHERE status = 'sent' ORDER BY id DESC LIMIT 5000)"
        )
        cursor.execute("VACUUM ANALYZE notifications_notification")


def plans() -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of the sweep's queries, as Django builds them."""
    from django.db import connection
    from django.utils import timezone

    from notifications.models import NoticeStatus, Notification
    from notifications.tasks import SWEEP_BATCH, stale_pending, stale_sending

    now = timezone.now()
    queries = {
        "take back rows of dead workers": Notification.objects.filter(
            status=NoticeStatus.SENDING, claimed_at__lt=now - stale_sending()
        ).values("pk"),
        "pending rows due": Notification.objects.filter(
            status=NoticeStatus.PENDING, next_attempt_at__lte=now - stale_pending()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH],
    }
    found = {}
    with connection.cursor() as cursor:
        for name, queryset in queries.items():
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            found[name] = [row[0] for row in cursor.fetchall()]
    return found


def timed(function, runs: int) -> dict:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "max_ms": round(seconds[-1] * 1000, 2),
    }


def main() -> None:
    args = parse_args()
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from notifications.models import NoticeStatus, Notification
    from notifications.tasks import stale_pending, sweep_outbox

    settings.DEBUG = False
    ensure_bench_database(flush=True)
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.flushdb()
    machine = describe_machine(connection)
    started = time.perf_counter()
    load(args.notices, args.pending)
    load_seconds = time.perf_counter() - started

    quiet = timed(sweep_outbox, args.runs)
    quiet_plans = plans()
    pending = Notification.objects.filter(status=NoticeStatus.PENDING)

    def after_outage() -> None:
        pending.update(next_attempt_at=timezone.now() - stale_pending())
        assert sweep_outbox() == args.pending
        broker.flushdb()

    def make_due() -> None:  # what after_outage pays before the sweep, measured apart
        pending.update(next_attempt_at=timezone.now() - stale_pending())

    outage = timed(after_outage, args.runs)
    update_only = timed(make_due, args.runs)
    outage["sweep_only_median_ms"] = round(outage["median_ms"] - update_only["median_ms"], 2)
    due_plans = plans()
    result = {
        "benchmark": "outbox sweep cost",
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "notices": Notification.objects.count(),
        "pending": args.pending,
        "load_seconds": round(load_seconds, 1),
        "quiet_sweep": quiet,
        "sweep_requeueing_pending": outage,
        "plans_quiet": quiet_plans,
        "plans_due": due_plans,
        "machine": machine,
    }
    report_result(result, args.out)
    write_markdown(Path(args.out).with_suffix(".md"), result)


def write_markdown(path: Path, result: dict) -> None:
    lines = [
        "# Outbox sweep cost",
        "",
        f"Run {result['started']} (bench/sweep_cost.py): {result['notices']:,} notices in the table, "
        f"{result['pending']:,} pending, 200 held by workers (100 of them dead), 5,000 failed. The sweep runs every "
        "5 s; its queries read partial indexes of unsent notices only.",
        "",
        "| sweep | runs | median ms | max ms |",
        "|---|---:|---:|---:|",
        f"| nothing due (every 5 s in steady state) | {result['quiet_sweep']['runs']} "
        f"| {result['quiet_sweep']['median_ms']} | {result['quiet_sweep']['max_ms']} |",
        f"| {result['pending']:,} due, each re-queued to Redis and marked "
        f"| {result['sweep_requeueing_pending']['runs']} "
        f"| {result['sweep_requeueing_pending']['sweep_only_median_ms']} | - |",
        "",
        "## Plans (nothing due)",
        "",
    ]
    for name, plan in result["plans_quiet"].items():
        lines += [f"{name}:", "", "```", *plan, "```", ""]
    lines += ["## Plans (after an outage)", ""]
    for name, plan in result["plans_due"].items():
        lines += [f"{name}:", "", "```", *plan, "```", ""]
    lines += ["## Machine", "", *machine_lines(result["machine"]), ""]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
