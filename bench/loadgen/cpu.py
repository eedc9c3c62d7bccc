"""CPU seconds of the processes a load runs on: the web server, the Celery worker, the database.

A process given by pid (or a pid file) counts with its children, those alive and those it reaped
(bench/loadgen/server.py's tree_cpu_seconds), so gunicorn workers replaced after max_requests and
Celery's prefork children are in. PostgreSQL's backends are children of the postmaster, which
serves every database, so they are found by their process title ("postgres: ... USER DBNAME
HOST(PORT) ...") and sampled every quarter second: a backend that ends between two samples loses
at most a quarter second of its time.
"""

import threading
from pathlib import Path

from bench.loadgen.server import tree_cpu_seconds


def pid_of(spec: str) -> int:
    """A pid given as a number or as a file holding one."""
    spec = spec.strip()
    return int(spec) if spec.isdigit() else int(Path(spec).read_text().split()[0])


def process_probe(spec: str):
    """A probe of the CPU seconds of the process `spec` names and its children."""
    pid = pid_of(spec)
    return lambda: tree_cpu_seconds(pid)


def backend_pids(dbname: str, exclude: set[int] = frozenset()) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {dbname} " in title:
            pids.append(int(entry.name))
    return pids


def _own_cpu_seconds(pid: int) -> float | None:
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """The CPU seconds the backends of one database used, sampled in a thread while it runs."""

    def __init__(self, dbname: str, interval: float = 0.25):
        self.dbname, self.interval = dbname, interval
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._lock = threading.Lock()

    def sample(self) -> None:
        for pid in backend_pids(self.dbname):
            used = _own_cpu_seconds(pid)
            if used is not None:
                with self._lock:
                    self.seen[pid] = max(used, self.seen.get(pid, 0.0))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def seconds(self) -> float:
        """Cumulative: every backend seen so far, at its last sample (a probe for measure_cpu)."""
        self.sample()
        with self._lock:
            return sum(self.seen.values())
