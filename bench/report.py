"""The benchmark's report: every figure of the run beside its target, in one table.

    .venv/bin/python bench/report.py                      # reads bench/results/parts/, writes latest.*
    .venv/bin/python bench/report.py --describe-machine   # at the start of a run: parts/machine.json

Reads the parts a run wrote to bench/results/parts/ (bench/run.sh writes them all):

    load.json            bench/load_data/: the data loaded
    filings.json         bench/filing_load.py: filings through the API (throughput, latency)
    pgbench.json         bench/db_limit.py: pgbench doing a filing's inserts (the database's limit)
    peer.json            bench/peer/: django-helpdesk creating tickets (the peer)
    pages.json           bench/pages.py: dashboard, queue, search, public statistics, merchant inbox
    notice_latency.json  bench/notice_latency.py: filing commit to SMS
    memory.json          bench/memory.py: peak memory of the web and worker processes
    machine.json         this script with --describe-machine (else the machine is described now)

and writes bench/results/latest.json (every part whole, the targets and the ratios) and
bench/results/latest.md. A part that is missing is reported as "not measured"; nothing is
ever filled in.
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import describe_machine, machine_lines  # noqa: E402

PARTS = ("load", "filings", "pgbench", "peer", "pages", "notice_latency", "memory")
TARGET_SCALE = 1_000_000
PAGE_P95_MS = {"dashboard": 150, "queue": 150, "search": 150, "public": 20}
PEER_RATIO = 1.5
PGBENCH_SHARE = 0.20
SMS_RATE = 50
SMS_P99_MS = 1000
MEMORY_MB = 200
NOT_MEASURED = "not measured"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default=str(ROOT / "bench" / "results" / "parts"), help="the parts directory")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where latest.json and .md go")
    parser.add_argument("--describe-machine", action="store_true", help="only write PARTS/machine.json")
    return parser.parse_args()


def machine_now() -> dict:
    import psycopg2

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mediation_bench")
    try:
        connection = psycopg2.connect(url)
    except psycopg2.Error:
        # The PostgreSQL server answers for any database; the bench one may not exist yet.
        connection = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        machine = describe_machine(connection)
    finally:
        connection.close()
    machine["described_at"] = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    return machine


def read_parts(directory: Path) -> dict:
    parts = {}
    for name in PARTS:
        path = directory / f"{name}.json"
        parts[name] = json.loads(path.read_text()) if path.exists() else None
    return parts


def ms(value) -> str:
    return "?" if value is None else f"{value:,.1f}"


def latency_text(latency: dict | None) -> str:
    if not latency:
        return ""
    return " · ".join(f"{k} {ms(latency.get(k))}" for k in ("p50", "p95", "p99", "max") if k in latency) + " ms"


class Table:
    """Rows of (group, figure, value, target, met); met is True, False or None (no target or not measured)."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, group: str, figure: str, value: str, target: str = "", met: bool | None = None, note: str = ""):
        self.rows.append({"group": group, "figure": figure, "value": value, "target": target, "met": met, "note": note})

    def missing(self, group: str, figure: str, target: str = ""):
        self.add(group, figure, NOT_MEASURED, target, None)


def throughput_text(part: dict) -> str:
    errors = sum((part.get("errors") or {}).values()) if isinstance(part.get("errors"), dict) else part.get("errors")
    text = (
        f"{part['throughput_per_s']:,.1f}/s at concurrency {part.get('concurrency', '?')} "
        f"for {part.get('seconds', '?')} s ({part.get('requests', '?')} requests"
    )
    if errors:
        text += f", {errors} errors"
    return text + f"); {latency_text(part.get('latency_ms'))}"


def filings_rows(table: Table, parts: dict) -> dict:
    ours, peer, pgbench = parts["filings"], parts["peer"], parts["pgbench"]
    labels = (
        (ours, "filings through the API (ours)"),
        (peer, "tickets through the peer's form or API (django-helpdesk)"),
        (pgbench, "pgbench, a filing's inserts (the database's limit)"),
    )
    for part, label in labels:
        if part and part.get("throughput_per_s") is not None:
            table.add("filing", label, throughput_text(part))
        else:
            table.missing("filing", label)
    ratios = {"ours_over_peer": None, "ours_over_pgbench": None}
    usable = [p for p in (ours, peer, pgbench) if p and p.get("throughput_per_s")]
    if ours in usable and peer in usable:
        ratios["ours_over_peer"] = round(ours["throughput_per_s"] / peer["throughput_per_s"], 2)
        met = ratios["ours_over_peer"] >= PEER_RATIO
        table.add("filing", "throughput ours / peer", f"{ratios['ours_over_peer']:.2f}×", f"≥ {PEER_RATIO}×", met)
    else:
        table.missing("filing", "throughput ours / peer", f"≥ {PEER_RATIO}×")
    if ours in usable and pgbench in usable:
        ratios["ours_over_pgbench"] = round(ours["throughput_per_s"] / pgbench["throughput_per_s"], 3)
        share = ratios["ours_over_pgbench"]
        table.add(
            "filing", "throughput ours / pgbench", f"{share:.1%}", f"≥ {PGBENCH_SHARE:.0%}", share >= PGBENCH_SHARE
        )
    else:
        table.missing("filing", "throughput ours / pgbench", f"≥ {PGBENCH_SHARE:.0%}")
    return ratios


def pages_rows(table: Table, pages: dict | None) -> None:
    if not pages:
        for group, limit in PAGE_P95_MS.items():
            table.missing(group, f"{group} pages and API", f"p95 < {limit} ms")
        return
    complaints = pages.get("complaints") or 0
    small = complaints < TARGET_SCALE
    for scenario in pages["scenarios"]:
        group = scenario["group"]
        limit = PAGE_P95_MS.get(group)
        latency = scenario["latency_ms"]
        value = f"{latency_text(latency)} (n={scenario['requests']})"
        figure = scenario["name"] + (f", {scenario['clients']} clients" if scenario["clients"] > 1 else "")
        if scenario["errors"]:
            value += f"; answers {scenario['status']}"
        if limit is None or scenario["clients"] > 1:
            table.add(group, figure, value)
            continue
        met = latency["p95"] < limit and not scenario["errors"]
        note = ""
        if small and group != "public":
            note = f"over {complaints:,} complaints, not {TARGET_SCALE:,}"
        table.add(group, figure, value, f"p95 < {limit} ms", met, note)


def notice_rows(table: Table, notice: dict | None) -> None:
    target = f"p99 < {SMS_P99_MS} ms at {SMS_RATE}/s"
    runs = (notice or {}).get("runs") or []
    if not any(run.get("rate_per_second") == SMS_RATE for run in runs):
        table.missing("notices", f"filing to SMS at {SMS_RATE} filings/s", target)
    for run in runs:
        latency = run.get("latency_ms")
        value = (
            f"{latency_text(latency) or 'no latency (no SMS arrived)'}; {run.get('filed')} filed at "
            f"{run.get('achieved_rate_per_second')}/s, {run.get('sms_missing')} SMS missing, "
            f"{run.get('sms_doubled')} doubled"
        )
        if run.get("filing_errors"):
            value += f", {len(run['filing_errors'])} filing errors"
        figure = f"filing to SMS at {run['rate_per_second']:g} filings/s"
        if run["rate_per_second"] == SMS_RATE:
            met = bool(latency) and latency["p99"] < SMS_P99_MS and not run.get("sms_missing")
            table.add("notices", figure, value, target, met and not run.get("filing_errors"))
        else:
            table.add("notices", figure, value)


def memory_rows(table: Table, memory: dict | None) -> None:
    target = f"< {MEMORY_MB} MB each"
    if not memory:
        table.missing("memory", "peak memory (VmHWM) of every web and worker process", target)
        return
    for name, group in memory["groups"].items():
        peak = group["max_vm_hwm_mb"]
        if peak is None:
            table.missing("memory", f"peak memory, {name} ({group['processes']} processes)", target)
            continue
        processes = [p for p in memory["processes"] if p["group"] == name]
        masters = [p["vm_hwm_mb"] for p in processes if p["role"] == "master"]
        children = [p["vm_hwm_mb"] for p in processes if p["role"] == "child"]
        value = f"largest {peak:,.1f} MB (master {ms(max(masters, default=None))} MB, "
        value += f"{len(children)} children up to {ms(max(children, default=None))} MB)"
        table.add("memory", f"peak memory (VmHWM), {name}", value, target, peak < MEMORY_MB)


def load_rows(table: Table, load: dict | None) -> None:
    if not load:
        table.missing("load", "complaints loaded (bench/load_data)")
        return
    rows = load.get("rows") or {}
    seconds = load.get("total_seconds")
    value = f"{load.get('complaints', 0):,} complaints, {rows.get('complaints_complaintevent', 0):,} timeline events"
    value += f", {rows.get('merchants_merchant', 0):,} merchants, {rows.get('accounts_user', 0):,} users"
    if seconds:
        value += f" in {seconds:,.0f} s ({load.get('complaints', 0) / seconds:,.0f} complaints/s)"
    value += f"; database {load.get('database_size', '?')}"
    if load.get("reused"):
        value += f"; loaded before this run ({load.get('generated_at')})"
    problems = []
    if load.get("schema_same_as_migrations") is False:
        problems.append("indexes differ from the migrations")
    if load.get("foreign_key_violations"):
        problems.append("foreign key violations")
    if (load.get("chain_check") or {}).get("problems"):
        problems.append("timeline chain problems")
    if problems:
        value += "; **" + ", ".join(problems) + "**"
    table.add("load", "data loaded (bench/load_data)", value)


def build(parts: dict, machine: dict) -> dict:
    table = Table()
    ratios = {"ours_over_peer": None, "ours_over_pgbench": None}
    sections = (
        ("load", lambda: load_rows(table, parts["load"])),
        ("filings", lambda: ratios.update(filings_rows(table, parts))),
        ("pages", lambda: pages_rows(table, parts["pages"])),
        ("notice_latency", lambda: notice_rows(table, parts["notice_latency"])),
        ("memory", lambda: memory_rows(table, parts["memory"])),
    )
    for name, add_rows in sections:
        try:
            add_rows()
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            # A part in a shape this report does not know is shown as such, never guessed at.
            table.add(name, f"{name}.json", f"unreadable part ({exc.__class__.__name__}: {exc})")
    judged = [row for row in table.rows if row["target"]]
    return {
        "generated": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": machine,
        "complaints": (parts["pages"] or {}).get("complaints"),
        "targets_met": sum(1 for row in judged if row["met"] is True),
        "targets_missed": sum(1 for row in judged if row["met"] is False),
        "targets_not_measured": sum(1 for row in judged if row["met"] is None),
        "ratios": ratios,
        "figures": table.rows,
        "parts": parts,
        "missing_parts": [name for name, part in parts.items() if part is None],
    }


def relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def markdown(report: dict) -> str:
    met_text = {True: "yes", False: "**no**", None: "—"}
    complaints = report["complaints"]
    lines = [
        "# Benchmark: the latest full run",
        "",
        f"Written {report['generated']} by bench/report.py from {report['parts_dir']} (every figure in latest.json).",
        f"Pages timed over {complaints:,} complaints." if complaints else "Pages not timed.",
        f"Targets: {report['targets_met']} met, {report['targets_missed']} missed, "
        f"{report['targets_not_measured']} not measured.",
        "",
        "| | figure | value | target | met |",
        "|---|---|---|---|---|",
    ]
    for row in report["figures"]:
        met = met_text[row["met"]] if row["target"] else ""
        if row["note"]:
            met += f" ({row['note']})"
        lines.append(f"| {row['group']} | {row['figure']} | {row['value']} | {row['target']} | {met} |")
    lines += [
        "",
        "Latencies are p50 · p95 · p99 · max in milliseconds. Pages and API calls: one client (unless the figure "
        "says otherwise), requests one after another, each on a new connection when the server closed the last "
        "(gunicorn's sync workers close every one). The dashboard's figures are cached a minute per region and "
        'period; the "computed" rows ask for a new period each time, so every request computes them (what the '
        "first supervisor in a minute waits for; no target). Search is the queue's `q` filter and is held to the "
        "queue's target. Memory: VmHWM, the peak resident set of each process's life, shared pages included; "
        "\"master\" is gunicorn's master or Celery's main process.",
        "",
        "## Machine",
        "",
        *machine_lines(report["machine"]),
    ]
    if report["missing_parts"]:
        lines += ["", f"Not measured in this run: {', '.join(report['missing_parts'])}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    parts_dir = Path(args.parts)
    if args.describe_machine:
        parts_dir.mkdir(parents=True, exist_ok=True)
        (parts_dir / "machine.json").write_text(json.dumps(machine_now(), indent=2, ensure_ascii=False) + "\n")
        return
    machine_file = parts_dir / "machine.json"
    machine = json.loads(machine_file.read_text()) if machine_file.exists() else machine_now()
    report = build(read_parts(parts_dir), machine)
    report["parts_dir"] = relative(parts_dir)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / "latest.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
