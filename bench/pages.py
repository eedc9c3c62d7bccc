"""Page and API timings against a running server: the staff dashboard, the queue, search,
the public statistics and the merchant inbox, as their users see them over HTTP.

    .venv/bin/python bench/pages.py --url http://127.0.0.1:8100 --out bench/results/parts/pages.json

Logs in through the login form (CSRF token from the page, as a browser does) as the users
bench/load_data/ creates: `bench-district`, `bench-city` and `bench-province` (supervisors
of a district, a city and the province), and `bench-owner` (a merchant owner). A wrong
password is never retried: django-axes locks a login after 5 failures.

Each scenario is one URL, requested --warmup times (not recorded) and then --requests times
one after another by one client (the primary measure), or split over several clients in
threads with --clients 1,2. A request's time runs from sending it to having read the whole
answer, on a new connection whenever the server closed the last one (gunicorn's sync workers
close every connection), as a browser without keep-alive sees it. A scenario stops early once
it has run --max-seconds (its warm-up after 15 s), with the number of requests it made.

The parameters are real values from the database (DATABASE_URL): case numbers of random
cases, the merchant with the most cases, a city council, the last 30 days of filings, and
besides the fixed search words three the loaded text gives (bench/search_terms.py; the
results' parameters name them, text_searches_chosen). The
queue's filters and search run as the province supervisor, who sees every case.

The dashboard's figures are cached for a minute per region and period, so its timed requests
mostly read the cache. The "computed" scenarios ask the province's dashboard for a period no
one asked for before (a different end date, far ahead, each time): what the first supervisor
to open a dashboard in a minute waits for.

The public statistics API allows 120 anonymous requests a minute per address; its anonymous
client changes its source address (127.0.1.x, all loopback) every 100 requests, as many
visitors would, so the throttle is paid for on every request but never refuses one.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search_terms  # noqa: E402
from bench.machine import percentile  # noqa: E402

PASSWORD = "bench-password-315"
STAFF = {"district": "bench-district", "city": "bench-city", "province": "bench-province"}
OWNER = "bench-owner"
TEXT_SEARCHES = search_terms.FIXED  # and three chosen from the loaded text (bench/search_terms.py)
WARMUP_SECONDS = 15  # a slow page's warm-up stops after this long
ANONYMOUS_PER_ADDRESS = 100  # below the API's 120 anonymous requests per minute and address
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Client:
    """One browser: a cookie jar and a connection that is reopened when the server closes it.

    Cookies are kept whatever their Secure flag: the server runs with DEBUG off (secure
    cookies) behind no TLS proxy here.
    """

    def __init__(self, url: str, *, source_ip: str | None = None):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.source = (source_ip, 0) if source_ip else None
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, *, body: str | None = None, headers: dict | None = None):
        """(status, headers, body bytes, seconds)."""
        headers = {"Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=120, source_address=self.source
                )
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed meanwhile: one new connection.
                self.close()
                if attempt == 2:
                    raise
                started = time.perf_counter()
        elapsed = time.perf_counter() - started
        if response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, data, elapsed

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def login(self, username: str) -> None:
        status, _headers, page, _s = self.request("GET", "/accounts/login/")
        token = CSRF_INPUT.search(page.decode("utf-8", "replace"))
        if status != 200 or token is None:
            raise SystemExit(f"the login page answered {status} without a CSRF token (is SECURE_SSL_REDIRECT off?)")
        form = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        )
        status, headers, page, _s = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": f"{self.origin}/accounts/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            # Stop at the first failure: five lock the login for 15 minutes (django-axes).
            raise SystemExit(f"logging in as {username} failed: {status} {headers.get('Location', '')}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8100")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default 20)")
    parser.add_argument("--clients", default="1", help="client counts, comma-separated (default 1; e.g. 1,2)")
    parser.add_argument("--max-seconds", type=float, default=60, help="a scenario stops after this long (default 60)")
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    parser.add_argument("--out", required=True, help="the JSON file to write")
    return parser.parse_args()


def parameters(database_url: str) -> dict:
    """Real values to filter and search by, and the size of the data they run over."""
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT username FROM accounts_user WHERE username = ANY(%s)", [[*STAFF.values(), OWNER]])
        missing = {*STAFF.values(), OWNER} - {row[0] for row in cursor.fetchall()}
        if missing:
            raise SystemExit(f"users missing (load the data with `python -m bench.load_data` first): {sorted(missing)}")
        cursor.execute("SELECT count(*), max(filed_at) FROM complaints_complaint")
        complaints, last_filed = cursor.fetchone()
        if not complaints:
            raise SystemExit("the database holds no complaints")
        cursor.execute("SELECT case_number FROM complaints_complaint ORDER BY random() LIMIT 50")
        case_numbers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT merchant_id, count(*) FROM complaints_complaint WHERE merchant_id IS NOT NULL"
            " GROUP BY merchant_id ORDER BY count(*) DESC LIMIT 1"
        )
        merchant, merchant_cases = cursor.fetchone()
        cursor.execute("SELECT council_id FROM accounts_user WHERE username = %s", [STAFF["city"]])
        region = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM complaints_complaint WHERE council_path LIKE '%%/' || %s || '/%%'", [region]
        )
        region_cases = cursor.fetchone()[0]
        chosen_words = search_terms.choose(search_terms.sample(cursor, complaints))
    last_day = last_filed.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    return {
        "complaints": complaints,
        "case_numbers": case_numbers,
        "merchant": merchant,
        "merchant_cases": merchant_cases,
        "region": region,
        "region_cases": region_cases,
        "category": "quality",
        "filed_after": (last_day - datetime.timedelta(days=29)).isoformat(),
        "filed_before": last_day.isoformat(),
        "status": "awaiting_merchant",
        "text_searches": [*TEXT_SEARCHES, *(c["word"] for c in chosen_words)],
        "text_searches_chosen": chosen_words,
    }


def scenarios(p: dict) -> list[dict]:
    """Every timed URL: name, group (which target applies), who asks, and the path (or paths, taken in turn)."""
    found: list[dict] = []

    def add(name, group, user, *paths):
        found.append({"name": name, "group": group, "user": user, "paths": list(paths)})

    for level, user in STAFF.items():
        add(f"dashboard page ({level})", "dashboard", user, "/council/dashboard/")
        add(f"stats API ({level})", "dashboard", user, "/api/v1/stats/")
    # The figures are cached a minute per region and period (the page and the API share them); a
    # period nobody asked for yet is computed: a new end date far ahead each time covers every
    # case and is never cached. The API asks for other periods than the page did.
    periods = [f"filed_before={datetime.date(2100, 1, 1) + datetime.timedelta(days=i)}" for i in range(4000)]
    add(
        "dashboard page (province), computed",
        "dashboard computed",
        STAFF["province"],
        *(f"/council/dashboard/?{period}" for period in periods[:2000]),
    )
    add(
        "stats API (province), computed",
        "dashboard computed",
        STAFF["province"],
        *(f"/api/v1/stats/?{period}" for period in periods[2000:]),
    )
    for level, user in STAFF.items():
        add(f"queue page ({level})", "queue", user, "/council/")
        add(f"queue API ({level})", "queue", user, "/api/v1/complaints/")
    province = STAFF["province"]
    filters = {
        "status": {"status": p["status"]},
        "overdue": {"overdue": "true"},
        "category and 30 days": {
            "category": p["category"],
            "filed_after": p["filed_after"],
            "filed_before": p["filed_before"],
        },
        "merchant": {"merchant": p["merchant"]},
        "region": {"region": p["region"]},
    }
    for label, query in filters.items():
        query = urllib.parse.urlencode(query)
        add(f"queue page, {label}", "queue", province, f"/council/?{query}")
        add(f"queue API, {label}", "queue", province, f"/api/v1/complaints/?{query}")
    numbers = [urllib.parse.quote(n) for n in p["case_numbers"]]
    add("search page, case number", "search", province, *(f"/council/?q={n}" for n in numbers))
    add("search API, case number", "search", province, *(f"/api/v1/complaints/?q={n}" for n in numbers))
    for word in p["text_searches"]:
        q = urllib.parse.quote(word)
        add(f"search page, text {word}", "search", province, f"/council/?q={q}")
        add(f"search API, text {word}", "search", province, f"/api/v1/complaints/?q={q}")
    add("public statistics page", "public", None, "/stats/")
    add("public statistics API", "public", None, "/api/v1/public/stats/")
    add("merchant inbox", "merchant", OWNER, "/merchant/")
    return found


class Sessions:
    """One logged-in client per (user, client number), logged in once and kept."""

    def __init__(self, url: str):
        self.url = url
        self.clients: dict[tuple, Client] = {}
        self.next_address = 0

    def get(self, user: str | None, number: int) -> Client:
        key = (user, number)
        if key not in self.clients:
            client = Client(self.url)
            if user:
                client.login(user)
            self.clients[key] = client
        return self.clients[key]

    def fresh_anonymous(self) -> Client:
        self.next_address += 1
        return Client(self.url, source_ip=f"127.0.1.{self.next_address % 250 + 1}")


def _run_client(sessions, scenario, number, clients, offset, count, deadline, lock, record) -> None:
    anonymous = scenario["user"] is None
    client = sessions.fresh_anonymous() if anonymous else sessions.get(scenario["user"], number)
    paths = scenario["paths"]
    for i in range(count):
        if deadline is not None and time.monotonic() > deadline:
            break
        if anonymous and i and i % ANONYMOUS_PER_ADDRESS == 0:
            client.close()
            with lock:
                client = sessions.fresh_anonymous()
        # The paths are taken in turn across the clients, the warm-up's first.
        path = paths[((offset + i) * clients + number) % len(paths)]
        accept = "application/json" if path.startswith("/api/") else "text/html,*/*"
        status, _headers, body, seconds = client.request("GET", path, headers={"Accept": accept})
        record(status, body, seconds)
    client.close()


def _check(path: str, status: int, body: bytes) -> dict:
    """What the first answer held: its size, and for the API the number of cases found."""
    check = {"status": status, "bytes": len(body)}
    if path.startswith("/api/") and status == 200:
        try:
            data = json.loads(body)
        except ValueError:
            return check
        if isinstance(data, dict) and "count" in data:
            check["count"] = data["count"]
    return check


def run_scenario(sessions: Sessions, scenario: dict, *, clients: int, args) -> dict:
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    first: dict = {}

    def record_timed(status, body, seconds):
        with lock:
            latencies.append(seconds * 1000)
            statuses[str(status)] += 1
            if not first:
                first.update(_check(scenario["paths"][0], status, body))

    def run(offset, count, deadline, record):
        per_client = -(-count // clients)
        threads = [
            threading.Thread(
                target=_run_client,
                args=(sessions, scenario, number, clients, offset, per_client, deadline, lock, record),
            )
            for number in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    for number in range(clients):  # log in before the clock starts
        if scenario["user"]:
            sessions.get(scenario["user"], number)
    run(0, args.warmup, time.monotonic() + WARMUP_SECONDS, lambda status, body, seconds: None)
    started = time.monotonic()
    run(-(-args.warmup // clients), args.requests, started + args.max_seconds, record_timed)
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {
        "name": scenario["name"],
        "group": scenario["group"],
        "user": scenario["user"] or "anonymous",
        "path": scenario["paths"][0]
        + (f" (and {len(scenario['paths']) - 1} more)" if len(scenario["paths"]) > 1 else ""),
        "clients": clients,
        "requests": len(ordered),
        "stopped_early": len(ordered) < args.requests,
        "seconds": round(elapsed, 2),
        "throughput_per_s": round(len(ordered) / elapsed, 1) if elapsed else None,
        "latency_ms": {
            "p50": round(percentile(ordered, 50), 1),
            "p95": round(percentile(ordered, 95), 1),
            "p99": round(percentile(ordered, 99), 1),
            "max": round(ordered[-1], 1),
            "min": round(ordered[0], 1),
            "mean": round(sum(ordered) / len(ordered), 1),
        },
        "status": dict(statuses),
        "errors": sum(n for code, n in statuses.items() if code != "200"),
        "first_answer": first,
    }


def main() -> None:
    args = parse_args()
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench")
    client_counts = [int(n) for n in args.clients.split(",") if n.strip()]
    started = datetime.datetime.now().astimezone()
    p = parameters(database_url)
    print(f"pages: {p['complaints']:,} complaints; {args.requests} requests per scenario after {args.warmup}")
    chosen = [s for s in scenarios(p) if not args.only or args.only in s["name"]]
    sessions = Sessions(args.url)
    results = []
    for clients in client_counts:
        for scenario in chosen:
            result = run_scenario(sessions, scenario, clients=clients, args=args)
            results.append(result)
            lat = result["latency_ms"]
            print(
                f"  {result['name']:<40} x{clients}  p50 {lat['p50']:7.1f}  p95 {lat['p95']:7.1f}  "
                f"p99 {lat['p99']:7.1f}  max {lat['max']:7.1f} ms  n={result['requests']}  {result['status']}",
                flush=True,
            )
    output = {
        "benchmark": "page timings",
        "started": started.strftime("%Y-%m-%d %H:%M:%S %z"),
        "url": args.url,
        "requests": args.requests,
        "warmup": args.warmup,
        "max_seconds": args.max_seconds,
        "complaints": p["complaints"],
        "parameters": {k: v for k, v in p.items() if k != "case_numbers"} | {"case_numbers": len(p["case_numbers"])},
        "scenarios": results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
    print(f"pages: wrote {out}")


if __name__ == "__main__":
    main()
