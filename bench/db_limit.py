"""The database's own limit for filings: pgbench running the SQL one API filing runs.

    .venv/bin/python bench/db_limit.py --seconds 30 --concurrency 8 --out bench/results/parts/db_limit.json

1. Capture: files one complaint through POST /api/v1/complaints/ in this process (Django's test
   client, the whole middleware stack, production settings, the send task not queued) and
   records every statement with its parameters, with the transaction's BEGIN and COMMIT.
2. Script: turns the statements into a pgbench script, in the same order and the same
   transactions (the token lookup and the answer's reads run outside it, as in the app). The
   values that must differ per filing become pgbench variables: a random consumer and merchant
   of the load's pools, the complaint, event and notice ids from `INSERT ... RETURNING \\gset`,
   the next case number from the locked sequence row. Everything else stays the literal the app
   sent (texts, timestamps, hashes). Because the script is generated from the app at every run,
   it follows the app's statements; the result counts them (INSERT/UPDATE in the transaction).
3. Run: `pgbench -n -M simple -c C -j 2 -T S --log` (Django sends simple queries too) against
   the same database, so the same tables, indexes and locks; TPS from pgbench, latency
   percentiles from its per-transaction log.
4. Profile: times 50 more filings through the test client, split into time waiting on the
   database and time in Python.

The rows pgbench adds (complaints, timeline events, notices) are deleted afterwards, so the
outbox never holds thousands of unsent notices. Needs `bench/filing_load.py --prepare` first
(consumers with tokens, enrolled merchants). DATABASE_URL as for filing_load.py (the name must
contain "bench"). Output: {"target": "pgbench", "concurrency", "seconds", "requests",
"throughput_per_s", "latency_ms": {...}, "errors": {...}, "statements": {...}, "filing_profile": {...}}.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench")
# Production settings for the capture (no DEBUG-only behaviour); nothing is sent anywhere.
os.environ.update(DEBUG="false", SECURE_SSL_REDIRECT="0", ALLOWED_HOSTS="127.0.0.1,localhost")
os.environ.setdefault("SECRET_KEY", "db-limit-bench-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from bench.machine import percentile, report_result  # noqa: E402

PLACEHOLDER = re.compile(r"%%|%s")
COLUMN_BEFORE = re.compile(r'(?:"(\w+)"\.)?"(\w+)"\s*(?:=|>=|<=|>|<|IN\s*\((?:\s*%s\s*,)*)\s*$')
INSERT = re.compile(r'^INSERT INTO "(\w+)" \(([^)]*)\) VALUES \(')
MAIN_TABLE = re.compile(r'^(?:UPDATE|INSERT INTO|DELETE FROM) "(\w+)"|FROM "(\w+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2, help="pgbench threads (-j)")
    parser.add_argument("--profile-filings", type=int, default=50, help="filings timed for the profile (0: none)")
    parser.add_argument("--script-out", help="also save the generated pgbench script here")
    parser.add_argument("--keep-rows", action="store_true", help="keep the rows pgbench inserted")
    parser.add_argument("--out", help="write the result here (JSON)")
    return parser.parse_args()


# --- capture ---------------------------------------------------------------------------------


class Recorder:
    """Every statement with its parameters (execute wrapper), and BEGIN/COMMIT in order."""

    def __init__(self):
        self.statements: list[tuple[str, tuple | None]] = []
        self.db_seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.db_seconds += time.perf_counter() - started


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
        raise SystemExit(f"the filing was refused ({answer.status_code}): {answer.content[:500]!r}")
    return answer.json()["id"]


def capture(request) -> tuple[list, dict]:
    """File once; return the statements in order ("BEGIN"/"COMMIT" markers among them) and the
    filing's identities (consumer, merchant, complaint, event, case number, token)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from complaints.models import Complaint

    recorder = Recorder()
    # The send task is not queued: the capture is the web request's work only.
    with mock.patch("notifications.services.enqueue"), CaptureQueriesContext(connection) as logged:
        with connection.execute_wrapper(recorder):
            complaint_id = post_filing(Client(), request)
    executed = iter(recorder.statements)
    ordered = []
    for query in logged.captured_queries:
        if query["sql"] in ("BEGIN", "COMMIT"):
            ordered.append((query["sql"], None))
        else:
            ordered.append(next(executed))
    if next(executed, None) is not None:
        raise SystemExit("the statements logged and the statements executed do not line up")
    complaint = Complaint.objects.get(pk=complaint_id)
    event = complaint.events.get()
    token = request[2]["Authorization"].split()[1]
    who = {
        "consumer": complaint.consumer_id,
        "merchant": complaint.merchant_id,
        "complaint": complaint.pk,
        "event": event.pk,
        "case_number": complaint.case_number,
        "token": token,
    }
    return ordered, who


# --- the pgbench script ----------------------------------------------------------------------


def literal(cursor, value) -> str:
    return cursor.mogrify("%s", (value,)).decode()


def columns_of(sql: str) -> list[tuple[str, str]]:
    """(table, column) for each placeholder of a statement, ("", "") where there is none."""
    found = []
    main = MAIN_TABLE.search(sql)
    main_table = (main.group(1) or main.group(2)) if main else ""
    insert = INSERT.match(sql)
    insert_columns = [c.strip().strip('"') for c in insert.group(2).split(",")] if insert else []
    for n, match in enumerate(m for m in PLACEHOLDER.finditer(sql) if m.group() == "%s"):
        if insert and n < len(insert_columns):
            found.append((insert.group(1), insert_columns[n]))
            continue
        before = COLUMN_BEFORE.search(sql[: match.start()])
        found.append((before.group(1) or main_table, before.group(2)) if before else ("", ""))
    return found


def variable_for(table: str, column: str, value, who: dict, prefix: str) -> str | None:
    """The pgbench expression that replaces one parameter, or None to keep the literal."""
    if column == "key" and table == "authtoken_token" and value == who["token"]:
        return '(SELECT "key" FROM "authtoken_token" WHERE "user_id" = :consumer)'
    if column in ("consumer_id", "actor_id", "uploaded_by_id") and value == who["consumer"]:
        return ":consumer"
    if (column == "merchant_id" or (table, column) == ("merchants_merchant", "id")) and value == who["merchant"]:
        return ":merchant"
    if (column == "complaint_id" or (table, column) == ("complaints_complaint", "id")) and value == who["complaint"]:
        return ":c_id"
    if (table, column) == ("complaints_casesequence", "last"):
        return "(:s_last + 1)"
    if column == "case_number" and value == who["case_number"]:
        return f"'{prefix}' || lpad((:s_last + 1)::text, 6, '0')"
    if isinstance(value, str) and value.startswith(f"ev{who['event']}:"):
        rest = value[len(f"ev{who['event']}") :].replace("'", "''")
        return f"'ev' || :e_id || '{rest}'"
    return None


def pgbench_script(ordered: list, who: dict, consumers: tuple[int, int], merchants: tuple[int, int]) -> tuple:
    """The script's text and what it holds, counted by kind of statement."""
    from django.db import connection

    prefix = who["case_number"].rsplit("-", 1)[0] + "-"
    lines = [
        "-- One API filing (POST /api/v1/complaints/), generated by bench/db_limit.py from the",
        "-- statements the application ran; regenerated at every run.",
        f"\\set consumer random({consumers[0]}, {consumers[1]})",
        f"\\set merchant random({merchants[0]}, {merchants[1]})",
    ]
    counts = {"statements": 0, "in_transaction": 0, "select": 0, "insert": 0, "update": 0, "other": 0}
    kept_literals = 0
    in_transaction = False
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for sql, params in ordered:
            if sql in ("BEGIN", "COMMIT"):
                lines.append(f"{sql};")
                in_transaction = sql == "BEGIN"
                continue
            values = list(params or ())
            targets = columns_of(sql) if params is not None else []
            pieces, rendered, n = PLACEHOLDER.split(sql), [], 0
            for match_text in PLACEHOLDER.findall(sql) if params is not None else []:
                if match_text == "%%":
                    rendered.append("%")
                    continue
                table, column = targets[n]
                expression = variable_for(table, column, values[n], who, prefix)
                if expression is None:
                    expression = literal(cursor, values[n])
                    kept_literals += 1
                rendered.append(expression)
                n += 1
            text = sql
            if params is not None:
                text = pieces[0] + "".join(r + p for r, p in zip(rendered, pieces[1:], strict=True))
            ending = ";"
            if text.startswith('SELECT "complaints_casesequence"') and text.endswith("FOR UPDATE"):
                ending = " \\gset s_"
            elif text.startswith("INSERT INTO") and " RETURNING " in text:
                table = INSERT.match(text).group(1)
                ending = {"complaints_complaint": " \\gset c_", "complaints_complaintevent": " \\gset e_"}.get(
                    table, ";"
                )
            lines.append(text + ending)
            verb = text.split(None, 1)[0].lower()
            counts["statements"] += 1
            counts["in_transaction"] += in_transaction
            counts[verb if verb in counts else "other"] += 1
    counts["literals_kept"] = kept_literals
    return "\n".join(lines) + "\n", counts


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


def profile(requests: list) -> dict:
    """Median and p95 of a filing's time in the test client, and its share waiting on the database."""
    from django.db import connection
    from django.test import Client

    client = Client()
    totals, db_times, counts = [], [], []
    with mock.patch("notifications.services.enqueue"):
        for request in requests:
            recorder = Recorder()
            started = time.perf_counter()
            with connection.execute_wrapper(recorder):
                post_filing(client, request)
            totals.append((time.perf_counter() - started) * 1000)
            db_times.append(recorder.db_seconds * 1000)
            counts.append(len(recorder.statements))
    pythons = sorted(t - d for t, d in zip(totals, db_times, strict=True))
    return {
        "filings": len(totals),
        "statements_per_filing": statistics.median(counts),
        "request_ms_median": round(statistics.median(totals), 2),
        "request_ms_p95": round(percentile(sorted(totals), 95), 2),
        "db_ms_median": round(statistics.median(db_times), 2),
        "python_ms_median": round(statistics.median(pythons), 2),
        "note": "one process, one filing at a time, through Django's test client (no HTTP server); "
        "db = time inside cursor.execute (round trips included), python = the rest",
    }


# --- run -------------------------------------------------------------------------------------


def run_pgbench(script: str, args: argparse.Namespace) -> dict:
    from django.db import connection

    params = connection.get_connection_params()
    connection.close()
    with tempfile.TemporaryDirectory(prefix="db-limit-") as temporary:
        script_path, logdir = Path(temporary) / "filing.sql", Path(temporary) / "log"
        script_path.write_text(script)
        logdir.mkdir()
        return _pgbench(script_path, params, args, logdir)


def _pgbench(script: Path, params: dict, args: argparse.Namespace, logdir: Path) -> dict:
    command = [
        "pgbench",
        "-n",
        "-M",
        "simple",
        "-c",
        str(args.concurrency),
        "-j",
        str(max(1, min(args.jobs, args.concurrency))),
        "-T",
        str(max(1, round(args.seconds))),
        "-f",
        str(script),
        "-r",
        "--log",
        f"--log-prefix={logdir / 'tx'}",
        "-h",
        str(params.get("host") or "127.0.0.1"),
        "-p",
        str(params.get("port") or 5432),
        "-U",
        str(params.get("user") or "postgres"),
        str(params["dbname"]),
    ]
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=args.seconds + 300)
    output = finished.stdout + finished.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    if not tps:
        raise SystemExit(f"pgbench failed ({finished.returncode}):\n{output}")
    latencies = []
    for log in logdir.glob("tx*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1000)
    latencies.sort()
    failed = re.search(r"number of failed transactions: (\d+)", output)
    processed = re.search(r"number of transactions actually processed: (\d+)", output)
    statement_times = [
        (float(m.group(1)), m.group(2).strip()[:100]) for m in re.finditer(r"^\s+([\d.]+)\s+\d+\s+(.+)$", output, re.M)
    ]
    return {
        "tps": float(tps.group(1)),
        "transactions": int(processed.group(1)) if processed else len(latencies),
        "failed": int(failed.group(1)) if failed else 0,
        "aborted": "aborted" in output,
        "latencies": latencies,
        "slowest_statements_ms": sorted(statement_times, reverse=True)[:5],
        "output_tail": output.strip().splitlines()[-3:] if finished.returncode else [],
    }


def delete_rows_since(complaint_id: int, consumers: tuple[int, int]) -> int:
    """Remove what pgbench inserted: complaints of the pool filed after the capture, with their rows."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        where = "id > %s AND consumer_id BETWEEN %s AND %s"
        cursor.execute(f"SELECT count(*) FROM complaints_complaint WHERE {where}", [complaint_id, *consumers])
        count = cursor.fetchone()[0]
        for table in ("notifications_notification", "complaints_complaintevent"):
            cursor.execute(
                f"DELETE FROM {table} WHERE complaint_id IN (SELECT id FROM complaints_complaint WHERE {where})",
                [complaint_id, *consumers],
            )
        cursor.execute(f"DELETE FROM complaints_complaint WHERE {where}", [complaint_id, *consumers])
    return count


def main() -> None:
    args = parse_args()
    if "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
        raise SystemExit("DATABASE_URL must name a database whose name contains 'bench'")
    import django

    django.setup()
    from accounts.models import User
    from bench.filing_load import CONSUMER_PREFIX, enrolled_merchants, filing_requests, filing_slots

    load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())
    merchants = enrolled_merchants(200)
    if not merchants:
        raise SystemExit("no enrolled merchant with notice phones: run bench/filing_load.py --prepare first")
    tokens = filing_slots(1 + args.profile_filings)
    offset = int(time.time())
    requests = list(filing_requests(tokens, merchants, offset))
    consumer_ids = list(
        User.objects.filter(username__startswith=CONSUMER_PREFIX, auth_token__isnull=False).values_list("pk", flat=True)
    )
    consumers, merchant_range = contiguous_run(consumer_ids), contiguous_run(merchants)
    ordered, who = capture(requests[0])
    try:
        # Before pgbench, whose filings use up the consumers' allowances.
        filing_profile = profile(requests[1:]) if args.profile_filings else {}
        script, counts = pgbench_script(ordered, who, consumers, merchant_range)
        if args.script_out:
            Path(args.script_out).write_text(script)
        ran = run_pgbench(script, args)
    finally:
        # pgbench's rows, and the capture's and the profile's filings, whose notices were never queued.
        deleted = 0 if args.keep_rows else delete_rows_since(who["complaint"] - 1, consumers)
    latencies = ran["latencies"]
    errors = {"failed": ran["failed"]} if ran["failed"] else {}
    if ran["aborted"]:
        errors["aborted"] = 1
    result = {
        "target": "pgbench",
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "requests": ran["transactions"],
        "throughput_per_s": round(ran["tps"], 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 2),
            "p95": round(percentile(latencies, 95), 2),
            "p99": round(percentile(latencies, 99), 2),
            "max": round(latencies[-1], 2) if latencies else None,
            "mean": round(statistics.fmean(latencies), 2) if latencies else None,
        },
        "errors": errors,
        "statements": counts,
        "slowest_statements_ms": ran["slowest_statements_ms"],
        "pgbench": f"pgbench -n -M simple -c {args.concurrency} -j {min(args.jobs, args.concurrency)} "
        f"-T {round(args.seconds)} -f filing.sql -r --log",
        "pools": {"consumers": consumers, "merchants": merchant_range},
        "rows_deleted_after": deleted,
        "filing_profile": filing_profile,
        "load_average_at_start": load_average,
    }
    if ran["output_tail"]:
        result["pgbench_output_tail"] = ran["output_tail"]
    report_result(result, args.out)


if __name__ == "__main__":
    main()
