"""Peak memory of the server's processes: gunicorn's master and workers, Celery's processes.

    .venv/bin/python bench/memory.py --group web=var/gunicorn.pid --group worker=var/celery.pid --out FILE
    .venv/bin/python bench/memory.py --group web=12345 --watch --out FILE     # until SIGTERM

Each --group names a process by its id or a pidfile; the group is that process and every
process below it (found through /proc/PID/stat). For each process the figures are VmHWM (the
peak resident set of the process's life) and VmRSS (its resident set now) from
/proc/PID/status, in MB (10^6 bytes). Both count shared pages (code, copy-on-write memory
after the fork) in each process, so they are upper bounds of what a process costs alone.

Without --watch the processes are read once. With --watch they are read every --interval
seconds until SIGTERM or SIGINT (or until every group's root is gone) and each process keeps
the highest figures seen: gunicorn replaces a worker after max_requests, and a worker that
was replaced still counts with the peak it had reached at its last reading.
"""

import argparse
import datetime
import json
import os
import signal
import threading
from pathlib import Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--group", action="append", required=True, metavar="NAME=PID|PIDFILE", help="a process tree to read"
    )
    parser.add_argument("--watch", action="store_true", help="read repeatedly until SIGTERM or SIGINT")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between readings (default 1)")
    parser.add_argument("--out", required=True, help="the JSON file to write")
    return parser.parse_args()


def root_pid(spec: str) -> int | None:
    """A process id given as a number or in a pidfile; None while the pidfile is missing."""
    if spec.isdigit():
        return int(spec)
    try:
        return int(Path(spec).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def parents() -> dict[int, int]:
    """pid -> parent pid of every process now."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name in parentheses may hold spaces; the parent pid is the 2nd field after it.
        found[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def tree(root: int, parent_of: dict[int, int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in parent_of.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in parent_of:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def read_process(pid: int) -> dict | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    fields = {}
    for line in status.splitlines():
        name, _sep, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            fields[name] = int(value.split()[0]) * 1024 / 1e6  # kB -> MB
    if "VmHWM" not in fields:
        return None  # a zombie, or a kernel thread
    return {"pid": pid, "command": cmdline[:200], "vm_hwm_mb": fields["VmHWM"], "vm_rss_mb": fields["VmRSS"]}


def sample(groups: dict[str, str], seen: dict[tuple, dict]) -> bool:
    """Read every process of every group into `seen`, keeping each one's highest figures.
    False when no group's root is running."""
    parent_of = parents()
    alive = False
    for name, spec in groups.items():
        root = root_pid(spec)
        if root is None or root not in parent_of:
            continue
        alive = True
        for pid in tree(root, parent_of):
            figures = read_process(pid)
            if figures is None:
                continue
            figures["role"] = "master" if pid == root else "child"
            key = (name, pid)
            if key in seen:
                before = seen[key]
                figures["vm_hwm_mb"] = max(figures["vm_hwm_mb"], before["vm_hwm_mb"])
                figures["vm_rss_mb"] = max(figures["vm_rss_mb"], before["vm_rss_mb"])
            seen[key] = {"group": name, **figures}
    return alive


def summary(seen: dict[tuple, dict], groups: dict[str, str], started: datetime.datetime, samples: int) -> dict:
    processes = sorted(seen.values(), key=lambda p: (p["group"], p["role"] != "master", p["pid"]))
    for process in processes:
        process["vm_hwm_mb"] = round(process["vm_hwm_mb"], 1)
        process["vm_rss_mb"] = round(process["vm_rss_mb"], 1)
    by_group = {}
    for name in groups:
        members = [p for p in processes if p["group"] == name]
        by_group[name] = {
            "processes": len(members),
            "max_vm_hwm_mb": max((p["vm_hwm_mb"] for p in members), default=None),
            "max_vm_rss_mb": max((p["vm_rss_mb"] for p in members), default=None),
        }
    return {
        "benchmark": "peak memory",
        "started": started.strftime("%Y-%m-%d %H:%M:%S %z"),
        "samples": samples,
        "groups": by_group,
        "max_vm_hwm_mb": max((p["vm_hwm_mb"] for p in processes), default=None),
        "max_vm_rss_mb": max((p["vm_rss_mb"] for p in processes), default=None),
        "processes": processes,
    }


def main() -> None:
    args = parse_args()
    groups = dict(spec.split("=", 1) for spec in args.group)
    started = datetime.datetime.now().astimezone()
    seen: dict[tuple, dict] = {}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    samples = 1
    alive = sample(groups, seen)
    while args.watch and alive and not stop.wait(args.interval):
        alive = sample(groups, seen)
        samples += 1
    if args.watch and alive:
        sample(groups, seen)  # the last reading, when told to stop
        samples += 1
    result = summary(seen, groups, started, samples)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    groups_text = ", ".join(
        f"{name}: {g['processes']} processes, peak {g['max_vm_hwm_mb']} MB" for name, g in result["groups"].items()
    )
    print(f"memory: {groups_text}; wrote {out}")


if __name__ == "__main__":
    main()
