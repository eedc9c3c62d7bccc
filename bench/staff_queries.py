"""Are the staff dashboard's and queue's queries index-backed at 100,000 complaints?

Loads 100,000 complaints with bench/load_data/ (the Hubei council tree, 5,000 merchants, every
case played through the state machine, loaded by COPY) into a PostgreSQL database of its own,
then, for the supervisors of a district, a city and the province (bench-district, bench-city,
bench-province), captures the exact SQL that
the dashboard (supervision.dashboard), the queue (supervision.forms.StaffQueueFilter over
supervision.selectors.staff_queue, paginated like the page) and the export run, and records
`EXPLAIN (ANALYZE, BUFFERS)` of each: whether an index serves the complaints table, whether
it is read whole (Seq Scan), and the time. It also times a whole CSV and XLSX export of the
province (100,000 rows) and the growth of the process's peak memory while they run.

    .venv/bin/python bench/staff_queries.py                 # load once, then measure
    .venv/bin/python bench/staff_queries.py --reload        # load the data again
    STAFF_BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/staff_queries.py

Results: bench/results/staff_queries.json and bench/results/staff_queries.md.
The database defaults to postgres://postgres@127.0.0.1:5432/mediation_staff_bench; it is
created when missing, and only a database whose name ends in "_bench" is ever loaded.
"""

import argparse
import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mediation_staff_bench"
SEED = 315


def _ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.endswith("_bench"):
        sys.exit(f"Refusing to load benchmark data into {name!r}: its name must end in '_bench'.")
    maintenance = parsed._replace(path="/postgres").geturl()
    conn = psycopg2.connect(maintenance)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- the data ----------------------------------------------------------------------------


def _load(url: str, rows: int) -> None:
    from bench.load_data import run

    result = run(url, complaints=rows, seed=SEED, command="bench/staff_queries.py", results=None)
    if not result["ok"]:
        sys.exit("the load's checks failed: see the messages above")


# --- measuring ---------------------------------------------------------------------------


def _walk(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def _explain(sql: str) -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        (result,) = cur.fetchone()
    top = result[0] if isinstance(result, list) else json.loads(result)[0]
    nodes = list(_walk(top["Plan"]))
    on_complaints = [n for n in nodes if n.get("Relation Name") == "complaints_complaint" or "Index Name" in n]
    indexes = sorted({n["Index Name"] for n in nodes if "Index Name" in n and "complaint" in n["Index Name"]})
    seq = any(n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "complaints_complaint" for n in nodes)
    return {
        "touches_complaints": bool(on_complaints),
        "index_used": bool(indexes),
        "indexes": indexes,
        "seq_scan_on_complaints": seq,
        "node_types": sorted({n["Node Type"] for n in nodes}),
        "execution_ms": round(top["Execution Time"], 2),
        "planning_ms": round(top["Planning Time"], 2),
    }


def _label(sql: str) -> str:
    s = sql.lower()
    if "limit" not in s and '"accounts_council"."name"' in s and "merchant_name" in s:
        return "export query (every row)"
    if "django_datetime_trunc" in s or "date_trunc" in s:
        return "weekly trend (" + ("closed" if '"closed_at" >=' in s else "filed") + ")"
    if "coalesce" in s and "group by" in s:
        return (
            "top merchants (" + ("overdue" if 'having count("complaints_complaint"."id") filter' in s else "open") + ")"
        )
    if "count(" in s and "filter (where" in s:
        return "dashboard aggregate"
    if s.startswith("select count(*)"):
        return "queue count"
    if 'from "complaints_complaint"' in s and "limit" in s and "order by" in s:
        return "list page"
    if "accounts_council" in s:
        return "councils"
    return "other"


def _capture(fn) -> tuple[list[str], float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    elapsed = (time.perf_counter() - started) * 1000
    return [q["sql"] for q in ctx.captured_queries], elapsed


def _scenarios():
    import datetime as dt

    from django.test import RequestFactory
    from django.utils import timezone

    from accounts.models import User
    from supervision import dashboard
    from supervision.forms import StaffQueueFilter
    from supervision.selectors import staff_queue

    factory = RequestFactory()
    today = timezone.localdate()
    month_ago = today - dt.timedelta(days=30)
    staff = {who: User.objects.get(username=f"bench-{who}") for who in ("province", "city", "district")}

    def dash(user, **filters):
        def run():
            scope = dashboard.scope_for(user, **filters)
            dashboard.staff_dashboard(scope)
            list(dashboard.overdue_cases(scope, timezone.now()))

        return run

    def queue(user, params):
        def run():
            request = factory.get("/council/", params)
            request.user = user
            filterset = StaffQueueFilter(params or None, queryset=staff_queue(user), request=request)
            from django.core.paginator import Paginator

            page = Paginator(filterset.qs, 25).get_page(1)
            list(page)

        return run

    def export_head(user, params):
        def run():
            from supervision import exports

            request = factory.get("/council/export.csv", params)
            request.user = user
            qs = StaffQueueFilter(params or None, queryset=staff_queue(user), request=request).qs
            lines = exports.csv_lines(qs, exports.Labels.current(), timezone.now())
            for _i, _line in zip(range(50), lines, strict=False):
                pass

        return run

    for who in ("district", "city", "province"):
        user = staff[who]
        yield who, "dashboard, all time", dash(user)
        yield who, "dashboard, last 30 days", dash(user, filed_after=month_ago, filed_before=today)
        yield who, "queue, default order", queue(user, {})
        yield who, "queue, open and overdue", queue(user, {"open": "on", "overdue": "true"})
        yield who, "queue, priority >= 40, last 30 days", queue(user, {"priority": "40", "filed_after": str(month_ago)})
        yield who, "queue, search by case number", queue(user, {"q": "HB2025-000042"})
        yield who, "queue, search by text", queue(user, {"q": "质量问题"})
        yield who, "export", export_head(user, {})
    city = staff["city"]
    yield "city", "dashboard, region = a district", dash(city, region=staff["district"].council)
    yield "city", "queue, region = a district", queue(city, {"region": str(staff["district"].council.pk)})


def _time_exports() -> list[dict]:
    from django.utils import timezone

    from accounts.models import User
    from supervision import exports
    from supervision.selectors import staff_queue

    user = User.objects.get(username="bench-province")
    results = []
    for kind in ("csv", "xlsx"):
        cases = staff_queue(user)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        if kind == "csv":
            lines = exports.csv_lines(cases, exports.Labels.current(), timezone.now())
            size = sum(len(line.encode()) for line in lines)
        else:
            path = RESULTS / "_export.xlsx"
            with path.open("wb") as handle:
                exports.write_xlsx(cases, handle, exports.Labels.current(), timezone.now())
            size = path.stat().st_size
            path.unlink()
        results.append(
            {
                "format": kind,
                "rows": cases.count(),
                "seconds": round(time.perf_counter() - started, 1),
                "bytes": size,
                "peak_rss_growth_mb": round(
                    (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1
                ),
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reload", action="store_true", help="load the data again even if present")
    parser.add_argument("--no-export-timing", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("STAFF_BENCH_DATABASE_URL", DEFAULT_URL)
    _ensure_database(url)
    _setup(url)

    from django.db import connection

    from accounts.models import Council
    from complaints.models import Complaint
    from merchants.models import Merchant

    if args.reload or Complaint.objects.count() != args.rows:
        started = time.perf_counter()
        _load(url, args.rows)
        print(f"loaded {args.rows} complaints in {time.perf_counter() - started:.0f} s")

    RESULTS.mkdir(parents=True, exist_ok=True)
    queries = []
    for who, scenario, fn in _scenarios():
        fn()  # warm the cache, as a page served twice would be
        sqls, elapsed = _capture(fn)
        for sql in sqls:
            if "complaints_complaint" not in sql:
                continue
            plan = _explain(sql)
            queries.append({"supervisor": who, "scenario": scenario, "query": _label(sql), **plan, "sql": sql})
        print(f"{who:9} {scenario:40} {len(sqls):2} queries, {elapsed:7.1f} ms")
    exports = [] if args.no_export_timing else _time_exports()
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        cur.execute("SELECT count(*) FILTER (WHERE status <> 'closed'), count(*) FROM complaints_complaint")
        open_count, total = cur.fetchone()
    summary = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "postgresql": version,
        "complaints": total,
        "open_complaints": open_count,
        "councils": Council.objects.count(),
        "merchants": Merchant.objects.count(),
        "queries": queries,
        "exports": exports,
    }
    (RESULTS / "staff_queries.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "staff_queries.md").write_text(_markdown(summary))
    print(f"wrote {RESULTS / 'staff_queries.md'}")


def _markdown(summary: dict) -> str:
    lines = [
        "# Staff dashboard and queue queries at scale",
        "",
        f"Generated by `bench/staff_queries.py` on PostgreSQL {summary['postgresql']}: "
        f"{summary['complaints']:,} complaints ({summary['open_complaints']:,} open) filed 2024-01 to 2026-11, "
        f"{summary['councils']} councils (Hubei: province > 17 cities > 99 districts), "
        f"{summary['merchants']:,} merchants, loaded by `bench/load_data`. "
        "Each row is one query the page runs, with `EXPLAIN (ANALYZE, BUFFERS)` on the loaded data.",
        "",
        "| supervisor | scenario | query | index used | seq scan on complaints | ms |",
        "|---|---|---|---|---|---:|",
    ]
    for q in summary["queries"]:
        index = ", ".join(q["indexes"]) if q["indexes"] else "no"
        lines.append(
            f"| {q['supervisor']} | {q['scenario']} | {q['query']} | {index} | "
            f"{'yes' if q['seq_scan_on_complaints'] else 'no'} | {q['execution_ms']} |"
        )
    lines += [
        "",
        "Where the complaints table is read whole (seq scan), the query is meant to read every row:",
        "the province's all-time aggregate covers the whole table, so a sequential read is the",
        "cheapest plan. Free-text search (`q` that is not a case number) narrows the candidates",
        "through the GIN index `complaint_search_terms` (complaints/search.py) before the exact",
        "substring test. A case number in `q` is looked up through the unique index.",
    ]
    if summary["exports"]:
        lines += [
            "",
            "## Whole exports of the province",
            "",
            "| format | rows | seconds | size (bytes) | peak memory growth (MB) |",
            "|---|---:|---:|---:|---:|",
        ]
        for e in summary["exports"]:
            lines.append(
                f"| {e['format']} | {e['rows']:,} | {e['seconds']} | {e['bytes']:,} | {e['peak_rss_growth_mb']} |"
            )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
