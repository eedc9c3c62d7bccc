"""A year in a day, at bench size: tests/simulation/simulator.py with more complaints, on PostgreSQL.

    .venv/bin/python bench/year_in_a_day.py --complaints 20000 --seed 315

Unlike the CI test (which runs inside a rolled-back test transaction), every move here
commits, and the notices are sent by the send task run in-process right after each commit.
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/mediation_bench, which it
FLUSHES: the database name must contain "bench"). Writes bench/results/year_in_a_day.json
and .md, and exits 1 when an invariant failed.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench")
# The simulation audits the in-memory outboxes, and runs the send task in-process: no broker.
os.environ["SMS_BACKEND"] = "sms.backends.locmem.SmsBackend"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.pop("REDIS_URL", None)

from bench.machine import describe_machine, ensure_bench_database, machine_lines  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=4000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--interval-hours", type=float, default=6, help="the deadline job's interval (default 6)")
    parser.add_argument("--seed", type=int, default=315)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="results directory")
    return parser.parse_args()


def write_results(out: Path, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "year_in_a_day.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    r = results
    failed = [name for name, i in r["invariants"].items() if i["violations"]]
    lines = [
        "# A year in a day",
        "",
        f"{r['complaints']} complaints filed over {r['days']} simulated days from {r['start'][:10]}, the deadline job "
        f"every {r['interval_hours']:g} h, seed {r['seed']} (bench/year_in_a_day.py, tests/simulation/simulator.py). "
        f"Wall time {r['wall_seconds']:.0f} s ({r['wall_seconds'] / 60:.1f} min) on PostgreSQL, "
        f"run {r['finished']}.",
        "",
        "**Invariants: " + ("all held.**" if not failed else f"FAILED: {', '.join(failed)}.**"),
        "",
        "## Outcomes",
        "",
        "| outcome | cases | share |",
        "|---|---:|---:|",
        *(
            f"| {k} | {v} | {100 * v / max(1, r['complaints']):.1f} % |"
            for k, v in sorted(r["outcomes"].items(), key=lambda kv: -kv[1])
        ),
        "",
        "## Moves and deadlines",
        "",
        "Moves by the parties: " + ", ".join(f"{k} {v}" for k, v in r["moves"].items()) + ".",
        "",
        "Applied by the deadline job: " + ", ".join(f"{k} {v}" for k, v in r["deadline_job"].items()) + ".",
        "",
        f"Timeline events {r['timeline_events']}; notice rows "
        + ", ".join(f"{k} {v}" for k, v in r["notices"].items())
        + f"; SMS sent {r['sms_sent']}, emails sent {r['emails_sent']}. Longest wait past a deadline "
        f"{r['max_deadline_wait_hours']:.1f} h (the job runs every {r['interval_hours']:g} h); longest case "
        f"{r['max_case_days']:.1f} days. After the year, with nobody acting, every case was closed or flagged with "
        f"the council within {r['days_to_close_or_flag_after_year']} days; once the council cleared its queue, "
        f"every case was closed {r['days_to_close_all_after_year']} days after the year.",
        "",
        "## Invariants checked",
        "",
        "| invariant | checks that | violations |",
        "|---|---|---:|",
        *(f"| `{name}` | {i['description']} | {i['violations']} |" for name, i in r["invariants"].items()),
        "",
        "## Machine",
        "",
        *machine_lines(r["machine"]),
        "",
    ]
    (out / "year_in_a_day.md").write_text("\n".join(lines))


def main() -> None:
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log kept in memory
    from django.db import connection

    from mediation.celery import app
    from tests.simulation.simulator import Config, Simulation

    app.conf.task_always_eager = True
    ensure_bench_database(flush=True)
    machine = describe_machine(connection)
    config = Config(
        complaints=args.complaints,
        days=args.days,
        interval=datetime.timedelta(hours=args.interval_hours),
        seed=args.seed,
        progress=lambda text: print(text, flush=True),
    )
    report = Simulation(config).run()
    print(report.summary(), flush=True)
    results = {
        "benchmark": "year in a day",
        **report.as_dict(),
        "database": connection.settings_dict["NAME"],
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": machine,
    }
    write_results(Path(args.out), results)
    print(f"wrote {Path(args.out) / 'year_in_a_day.json'} and .md")
    sys.exit(1 if report.failures() else 0)


if __name__ == "__main__":
    main()
