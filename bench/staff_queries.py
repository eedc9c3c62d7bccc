"""Are the staff dashboard's and queue's queries index-backed at 100,000 complaints?

Bulk-loads 100,000 complaints (bulk_create in batches) into a PostgreSQL database of its own,
then, for supervisors of a district, a city and the province, captures the exact SQL that
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
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mediation_staff_bench"
CITIES = 12
DISTRICTS_PER_CITY = 4
MERCHANTS = 600
CONSUMERS = 2000
BATCH = 5000
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


def _load(rows: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Council, Role, User
    from complaints.models import OPEN_STATUSES, Category, Channel, Complaint, Outcome, Party, Status
    from complaints.priority import RULES
    from merchants.models import Merchant, MerchantStatus

    rng = random.Random(SEED)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE complaints_complaint, complaints_complaintevent, complaints_evidence, "
            "merchants_merchant, accounts_user, accounts_council RESTART IDENTITY CASCADE"
        )
    province = Council.objects.create(name="Hubei", code="HB")
    districts = []
    for c in range(CITIES):
        city = Council.objects.create(name=f"City {c}", code=f"HB-{c:02d}", parent=province)
        for d in range(DISTRICTS_PER_CITY):
            districts.append(Council.objects.create(name=f"District {c}-{d}", code=f"HB-{c:02d}-{d}", parent=city))
    merchants = Merchant.objects.bulk_create(
        Merchant(
            name=f"Merchant {i:04d}",
            uscc=f"91420{i:013d}",
            region=rng.choice(districts),
            status=MerchantStatus.ENROLLED,
            notice_phones=[],
        )
        for i in range(MERCHANTS)
    )
    consumers = User.objects.bulk_create(
        User(username=f"c{i}", role=Role.CONSUMER, phone=f"139{i:08d}", password="!") for i in range(CONSUMERS)
    )
    for council in (province, districts[0].parent, districts[0]):
        User.objects.create(username=f"sup-{council.code}", role=Role.SUPERVISOR, council=council, password="!")

    now = timezone.now()
    regions = {m.pk: m.region for m in merchants}
    categories, channels = Category.values, Channel.values
    closed_outcomes = [
        (Outcome.RESOLVED, 45),
        (Outcome.UNCONFIRMED, 15),
        (Outcome.NOT_SETTLED, 10),
        (Outcome.NO_REPLY, 12),
        (Outcome.WITHDRAWN, 12),
        (Outcome.REJECTED, 6),
    ]
    open_states = [
        (Status.AWAITING_MERCHANT, Party.MERCHANT),
        (Status.AWAITING_CONSUMER, Party.CONSUMER),
        (Status.IN_MEDIATION, Party.COUNCIL),
        (Status.UNDER_REVIEW, Party.COUNCIL),
        (Status.SETTLED, Party.MERCHANT),
        (Status.AWAITING_CONFIRMATION, Party.CONSUMER),
    ]
    batch = []
    for n in range(rows):
        merchant = rng.choice(merchants)
        region = regions[merchant.pk]
        filed_at = now - datetime.timedelta(seconds=rng.randrange(0, 730 * 86400))
        age_days = (now - filed_at).days
        is_open = rng.random() < (0.6 if age_days < 30 else 0.03)
        first_due = filed_at + datetime.timedelta(days=7)
        answered = rng.random() < 0.8
        first_response_at = filed_at + datetime.timedelta(hours=rng.uniform(1, 240)) if answered else None
        if first_response_at and first_response_at > now:
            first_response_at = None
        category, channel = rng.choice(categories), rng.choice(channels)
        amount = Decimal(rng.randrange(1000, 1_000_000)) / 100
        fields = {}
        if is_open:
            status, waiting = rng.choice(open_states)
            due_at = now + datetime.timedelta(hours=rng.uniform(-72, 24 * 14))
            fields.update(status=status, waiting_on=waiting, due_at=due_at, is_overdue=rng.random() < 0.05)
        else:
            outcome = rng.choices([o for o, _w in closed_outcomes], [w for _o, w in closed_outcomes])[0]
            closed_at = min(filed_at + datetime.timedelta(days=rng.uniform(2, 40)), now)
            rated = outcome in (Outcome.RESOLVED, Outcome.NOT_SETTLED) and rng.random() < 0.4
            fields.update(
                status=Status.CLOSED,
                outcome=outcome,
                closed_at=closed_at,
                satisfaction=rng.randint(1, 5) if rated else None,
            )
        reasons = []
        if category == Category.SAFETY:
            reasons.append("safety")
        if is_open and (fields["is_overdue"] or fields["due_at"] < now):
            reasons.append("overdue")
        if amount > 5000:
            reasons.append("amount")
        if channel == Channel.LIVESTREAM:
            reasons.append("livestream")
        batch.append(
            Complaint(
                case_number=f"HB{filed_at.year}-{n + 1:07d}",
                consumer=rng.choice(consumers),
                merchant=merchant,
                council=region,
                council_path=region.path,
                category=category,
                channel=channel,
                platform="Taobao",
                order_number=f"ORD{n:08d}",
                amount=amount,
                demands=["refund"],
                title=f"Complaint {n}",
                description="The goods did not match the listing.",
                filed_at=filed_at,
                merchant_first_due_at=first_due,
                first_response_at=first_response_at,
                priority=sum(RULES[r][0] for r in reasons),
                priority_reasons=reasons,
                **fields,
            )
        )
        if len(batch) >= BATCH:
            Complaint.objects.bulk_create(batch)
            batch = []
    if batch:
        Complaint.objects.bulk_create(batch)
    assert Complaint.objects.count() == rows
    assert Complaint.objects.filter(status__in=OPEN_STATUSES).exists()
    with connection.cursor() as cur:
        # As autovacuum would have: the planner needs row counts of every table it joins.
        cur.execute("VACUUM ANALYZE")


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
    levels = {1: "province", 2: "city", 3: "district"}
    staff = {levels[u.council.path.count("/") - 1]: u for u in User.objects.filter(role="supervisor")}

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
        yield who, "queue, search by case number", queue(user, {"q": "HB2025-0000042"})
        yield who, "queue, search by text", queue(user, {"q": "parcel"})
        yield who, "export", export_head(user, {})
    city = staff["city"]
    yield "city", "dashboard, region = a district", dash(city, region=staff["district"].council)
    yield "city", "queue, region = a district", queue(city, {"region": str(staff["district"].council.pk)})


def _time_exports() -> list[dict]:
    from django.utils import timezone

    from accounts.models import User
    from supervision import exports
    from supervision.selectors import staff_queue

    user = User.objects.get(role="supervisor", council__parent__isnull=True)
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

    from complaints.models import Complaint

    if args.reload or Complaint.objects.count() != args.rows:
        started = time.perf_counter()
        _load(args.rows)
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
        "councils": 1 + CITIES + CITIES * DISTRICTS_PER_CITY,
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
        f"{summary['complaints']:,} complaints ({summary['open_complaints']:,} open) over two years, "
        f"{summary['councils']} councils (province > 12 cities > 4 districts each), 600 merchants. "
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
        "cheapest plan; and free-text search (`q` that is not a case number) matches inside titles",
        "and descriptions, which no B-tree can serve: it reads the region's rows through",
        "`complaint_region_filed` for a district or city, and the whole table for the province.",
        "A case number in `q` is looked up through the unique index.",
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
