"""The database's own limit for filings: pgbench running the SQL one API filing runs, and beside it
the same inserts sharing no row with any other filing (the ceiling with no lock in common).

    .venv/bin/python bench/db_limit.py --seconds 30 --concurrency 8 --out bench/results/parts/pgbench.json

1. Capture: files complaints through POST /api/v1/complaints/ in this process (Django's test
   client, the whole middleware stack, production settings, the send task not queued), the last
   of them recorded statement by statement with its parameters and BEGIN/COMMIT. The earlier
   ones (the profile, or one warm-up filing) make the capture an ordinary filing, not the year's
   first.
2. Scripts (bench/replay.py): every statement kept as the application sent it, its parameters
   rendered by the driver; the values a filing must not share (consumer, merchant, the ids its
   inserts return, the case number, hashes) become pgbench variables. A statement that cannot be
   rendered is left out and listed with the reason ("unreplayable").
   - replay: the filing statement for statement, locks and all;
   - no shared row: only the inserts inside the transaction (complaint, event, notices).
3. Run: `pgbench -n -M simple -c C -j 2 -T S --log` for each script, against the same database.
4. Profile: times --profile-filings filings through the test client, split into time waiting on
   the database and time in Python.

The rows pgbench adds are deleted afterwards. Needs `bench/filing_load.py --prepare` first.
DATABASE_URL's name must contain "bench". Whatever fails, the output is written: a figure that
could not be measured is {"not_measured": reason}.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pgbench_run, replay  # noqa: E402
from bench.machine import percentile, report_result  # noqa: E402


def production_environment() -> None:
    """Production settings for the capture (no DEBUG-only behaviour); nothing is sent anywhere."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench")
    os.environ.update(DEBUG="false", SECURE_SSL_REDIRECT="0", ALLOWED_HOSTS="127.0.0.1,localhost")
    os.environ.setdefault("SECRET_KEY", "db-limit-bench-secret-key-not-for-production-use-0123456789")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")


TWINS = 3  # filings captured besides the one replayed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2, help="pgbench threads (-j)")
    parser.add_argument("--profile-filings", type=int, default=50, help="filings timed for the profile (0: none)")
    parser.add_argument("--script-out", help="also save the generated scripts here (NAME.sql, NAME-no-shared-row.sql)")
    parser.add_argument("--keep-rows", action="store_true", help="keep the rows pgbench inserted")
    parser.add_argument("--out", help="write the result here (JSON)")
    return parser.parse_args()


# --- capture ---------------------------------------------------------------------------------


class RefusedFiling(Exception):
    pass


def post_filing(client, request) -> int:
    _method, path, headers, body = request
    answer = client.post(
        path,
        data=body.encode(),
        content_type="application/json",
        HTTP_AUTHORIZATION=headers["Authorization"],
        HTTP_HOST="127.0.0.1",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    if answer.status_code != 201:
        raise RefusedFiling(f"the filing was refused ({answer.status_code}): {answer.content[:300]!r}")
    return answer.json()["id"]


def capture(request) -> tuple[list, dict]:
    """File once; the statements in order (BEGIN/COMMIT among them) and the filing's identities."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from complaints.models import Complaint

    recorder = replay.Recorder()
    # The send task is not queued: the capture is the web request's work only.
    with mock.patch("notifications.services.enqueue"), CaptureQueriesContext(connection) as logged:
        with connection.execute_wrapper(recorder):
            complaint_id = post_filing(Client(), request)
    # The wrapper does not see BEGIN/COMMIT (psycopg2 sends them itself); the query log does.
    executed, ordered = iter(recorder.statements), []
    for query in logged.captured_queries:
        if query["sql"] in ("BEGIN", "COMMIT"):
            ordered.append(replay.Statement(query["sql"]))
        else:
            ordered.append(next(executed, None) or replay.Statement(query["sql"]))
    ordered += list(executed)
    complaint = Complaint.objects.get(pk=complaint_id)
    who = {
        "consumer": complaint.consumer_id,
        "merchant": complaint.merchant_id,
        "complaint": complaint.pk,
        "case_number": complaint.case_number,
    }
    return ordered, who


def build_scripts(ordered: list, who: dict, consumers: tuple, merchants: tuple, twin: tuple | None = None) -> tuple:
    """The replay and the no-shared-row scripts; `twin` (statements, identities) is another filing's
    capture, which tells an id from a constant that happens to equal it."""
    from django.db import connection

    with connection.cursor() as wrapper:
        done, refused, notes = replay.replayable(ordered, wrapper.cursor, who, twin)
    replayed = replay.replay_script(done, refused, consumers, merchants)
    replayed.notes += notes
    return replayed, replay.no_shared_row_script(done, consumers, merchants)


def contiguous_run(ids: list[int]) -> tuple[int, int]:
    """The longest run of consecutive ids (pgbench picks uniformly in a range)."""
    ids = sorted(ids)
    best = (ids[0], ids[0])
    start = ids[0]
    for previous, current in zip(ids, ids[1:], strict=False):
        if current != previous + 1:
            start = current
        if current - start > best[1] - best[0]:
            best = (start, current)
    return best


# --- profile ---------------------------------------------------------------------------------


def profile(requests: list) -> tuple[dict, list[int]]:
    """Median and p95 of a filing's time in the test client, its share waiting on the database;
    and the ids filed."""
    from django.db import connection
    from django.test import Client

    client = Client()
    totals, db_times, counts, ids = [], [], [], []
    with mock.patch("notifications.services.enqueue"):
        for request in requests:
            recorder = replay.Recorder(keep_rows=False)
            started = time.perf_counter()
            with connection.execute_wrapper(recorder):
                ids.append(post_filing(client, request))
            totals.append((time.perf_counter() - started) * 1000)
            db_times.append(recorder.db_seconds * 1000)
            counts.append(len(recorder.statements))
    pythons = sorted(t - d for t, d in zip(totals, db_times, strict=True))
    figures = {
        "filings": len(totals),
        "statements_per_filing": statistics.median(counts),
        "request_ms_median": round(statistics.median(totals), 2),
        "request_ms_p95": round(percentile(sorted(totals), 95), 2),
        "db_ms_median": round(statistics.median(db_times), 2),
        "python_ms_median": round(statistics.median(pythons), 2),
        "note": "one process, one filing at a time, through Django's test client (no HTTP server); "
        "db = time inside cursor.execute (round trips included), python = the rest",
    }
    return figures, ids


# --- clean up --------------------------------------------------------------------------------


def delete_rows_since(first_id: int, consumers: tuple[int, int]) -> int:
    """Remove the complaints of the pool filed from `first_id` on, with the rows pointing at them."""
    from django.db import connection, transaction

    where = "id >= %s AND consumer_id BETWEEN %s AND %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM complaints_complaint WHERE {where}", [first_id, *consumers])
        count = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND c.confrelid = 'complaints_complaint'::regclass"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'DELETE FROM {table} WHERE "{column}" IN (SELECT id FROM complaints_complaint WHERE {where})',
                [first_id, *consumers],
            )
        cursor.execute(f"DELETE FROM complaints_complaint WHERE {where}", [first_id, *consumers])
    return count


# --- run -------------------------------------------------------------------------------------


def measure(script: replay.Script, args: argparse.Namespace) -> dict:
    from django.db import connection

    params = connection.get_connection_params()
    connection.close()
    result = pgbench_run.run(script.text(), params, concurrency=args.concurrency, jobs=args.jobs, seconds=args.seconds)
    result["statements"] = replay.counts(script)
    if script.notes:
        result["notes"] = script.notes
    return result


def pools() -> tuple[tuple, tuple, list]:
    from accounts.models import User
    from bench.filing_load import CONSUMER_PREFIX, enrolled_merchants

    merchants = enrolled_merchants(200)
    if not merchants:
        raise RefusedFiling("no enrolled merchant with notice phones: run bench/filing_load.py --prepare first")
    consumer_ids = list(
        User.objects.filter(username__startswith=CONSUMER_PREFIX, auth_token__isnull=False).values_list("pk", flat=True)
    )
    if not consumer_ids:
        raise RefusedFiling("no bench consumer with a token: run bench/filing_load.py --prepare first")
    return contiguous_run(consumer_ids), contiguous_run(merchants), merchants


def measure_all(args: argparse.Namespace) -> dict:
    from django.db.models import Max

    from bench.filing_load import filing_requests, filing_slots
    from complaints.models import Complaint

    consumers, merchant_range, merchants = pools()
    # The capture comes last: a profile (or one warm-up) filing before it, so it is not the year's first.
    before = max(1, args.profile_filings)
    requests = list(filing_requests(filing_slots(before + TWINS + 1), merchants, int(time.time())))
    first_id = (Complaint.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    result = {}
    try:
        filing_profile, _ids = profile(requests[:before])
        result["filing_profile"] = filing_profile if args.profile_filings else {}
        # Other consumers at other merchants; the first that ran the same statements is the twin
        # (a merchant with another number of notice phones runs other statements).
        twins = [capture(request) for request in requests[-1 - TWINS : -1]]
        ordered, who = capture(requests[-1])
        twin = next((t for t in twins if replay.aligned(ordered, t[0])), twins[0])
        replayed, no_shared = build_scripts(ordered, who, consumers, merchant_range, twin)
        if args.script_out:
            Path(args.script_out).write_text(replayed.text())
            Path(args.script_out).with_suffix(".no-shared-row.sql").write_text(no_shared.text())
        result["unreplayable"] = replayed.unreplayable
        result["script_notes"] = replayed.notes
        result["replay"] = measure(replayed, args)
        result["no_shared_row"] = measure(no_shared, args)
    finally:
        # pgbench's rows, and the profile's and the capture's filings, whose notices were never queued.
        try:
            result["rows_deleted_after"] = 0 if args.keep_rows else delete_rows_since(first_id, consumers)
        except Exception as exc:  # noqa: BLE001 - the figures stand; the rows left are reported
            result["cleanup_error"] = f"{exc.__class__.__name__}: {exc}"
    result["pools"] = {"consumers": consumers, "merchants": merchant_range}
    return result


def main() -> None:
    args = parse_args()
    production_environment()
    if "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
        raise SystemExit("DATABASE_URL must name a database whose name contains 'bench'")
    import django

    django.setup()
    result = {
        "target": "pgbench",
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    try:
        result.update(measure_all(args))
    except Exception as exc:  # noqa: BLE001 - the report says why there is no figure
        result["not_measured"] = f"{exc.__class__.__name__}: {exc}"
    replayed = result.get("replay") or {}
    # The replay's figures at the top, where the report and earlier results read them.
    for key in ("requests", "throughput_per_s", "latency_ms", "errors", "statements", "slowest_statements_ms"):
        if key in replayed:
            result[key] = replayed[key]
    if replayed.get("not_measured") and "not_measured" not in result:
        result["not_measured"] = replayed["not_measured"]
    report_result(result, args.out)


if __name__ == "__main__":
    main()
